"""The files of a prediction run: which images a run predicts (the dataset index's rules), decoding them as
the pre-labeler does (src/core/model/image.ts: JPEG through libjpeg-turbo, which Pillow uses too, and 8/16-bit
PNG to 8-bit RGB; anything else is refused), and the indexed PNG masks it writes (src/core/mask/bytePng.ts:
8-bit palette of the class colours, filter 0, deflate level 3), atomically."""
from __future__ import annotations

import os
import struct
import uuid
import zlib
from dataclasses import dataclass
from typing import List, Optional, Set

import numpy as np
from PIL import Image

from ..dataset import IMAGE_EXTS, DatasetConfig, DatasetError

MAX_IMAGE_PIXELS = 200_000_000
MASK_ZLIB_LEVEL = 3
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Entry:
    stem: str
    image: str  # absolute path
    mask: Optional[str]  # the label mask's absolute path, when the image has one


def _files(folder: str) -> List[str]:
    """Sorted visible file names of `folder` ([] when it does not exist)."""
    if not os.path.isdir(folder):
        return []
    return sorted(n for n in os.listdir(folder) if not n.startswith(".") and os.path.isfile(os.path.join(folder, n)))


def entries(root: str, cfg: DatasetConfig, only_unlabeled: bool, stems: Optional[Set[str]]) -> List[Entry]:
    """The images a run predicts, in the index's order: by file name, the first of a stem wins."""
    images_dir, masks_dir = os.path.join(root, cfg.images_dir), os.path.join(root, cfg.masks_dir)
    masks = {}
    for name in _files(masks_dir):
        stem, ext = os.path.splitext(name)
        if ext.lower() == ".png":
            masks.setdefault(stem, os.path.join(masks_dir, name))
    found: dict = {}
    for name in _files(images_dir):
        stem, ext = os.path.splitext(name)
        if ext.lower() in IMAGE_EXTS and stem not in found:
            found[stem] = Entry(stem, os.path.join(images_dir, name), masks.get(stem))
    return [e for e in found.values() if not (only_unlabeled and e.mask) and (stems is None or e.stem in stems)]


def decode_image(path: str) -> np.ndarray:
    """H x W x 3 uint8 RGB; a DatasetError naming the file for what the pre-labeler refuses."""
    with open(path, "rb") as f:
        head = f.read(26)
    if head[:3] == b"\xff\xd8\xff":
        return _decode(path, ("RGB", "L"))
    if head[:8] != PNG_SIGNATURE or len(head) < 26:
        raise DatasetError(path, "not a JPEG or PNG image (pre-labeling reads these two formats)")
    depth = head[24]
    if depth < 8:
        raise DatasetError(path, f"{depth}-bit PNG images are not supported for pre-labeling (8 or 16 bits are)")
    return _decode(path, None)


def _decode(path: str, jpeg_modes: Optional[tuple]) -> np.ndarray:
    try:
        with Image.open(path) as im:
            w, h = im.size
            if w * h > MAX_IMAGE_PIXELS:
                raise DatasetError(path, f"{w}x{h} is more than 200 megapixels; pre-labeling refuses larger images")
            if jpeg_modes and im.mode not in jpeg_modes:
                detail = f"{im.mode} JPEG images are not supported for pre-labeling (RGB and grayscale are)"
                raise DatasetError(path, detail)
            if im.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey: the high byte, as fast-png's >> 8
                grey = (np.array(im, dtype=np.uint32) >> 8).astype(np.uint8)
                return np.repeat(grey[:, :, None], 3, 2)
            return np.array(im.convert("RGB"), dtype=np.uint8)
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        if isinstance(e, DatasetError):
            raise
        raise DatasetError(path, f"cannot decode image ({e})")


def palette(cfg: DatasetConfig) -> bytes:
    """src/core/classes.ts paletteFor: VOC colours, the ignore index light grey, the classes' own colours."""
    colors = [_voc_color(i) for i in range(256)]
    colors[cfg.ignore_index] = (224, 224, 192)
    for c in cfg.classes:
        colors[c.id] = tuple(c.color)
    return bytes(v for rgb in colors for v in rgb)


def _voc_color(index: int) -> tuple:
    r = g = b = 0
    c = index
    for shift in range(7, -1, -1):
        r |= (c & 1) << shift
        g |= ((c >> 1) & 1) << shift
        b |= ((c >> 2) & 1) << shift
        c >>= 3
    return (r, g, b)


def encode_mask(mask: np.ndarray, plte: bytes) -> bytes:
    """An 8-bit indexed PNG of `mask` (H x W uint8) with palette `plte`."""
    h, w = mask.shape
    raw = np.zeros((h, w + 1), dtype=np.uint8)
    raw[:, 1:] = mask
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0)
    chunks = [
        (b"IHDR", ihdr),
        (b"PLTE", plte),
        (b"IDAT", zlib.compress(raw.tobytes(), MASK_ZLIB_LEVEL)),
        (b"IEND", b""),
    ]
    return PNG_SIGNATURE + b"".join(
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body)) for kind, body in chunks
    )


def write_atomic(path: str, data: bytes) -> None:
    """A hidden temporary file in the same folder, fsynced, then renamed: readers see the old file or the new."""
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
