"""What an uploaded dataset must satisfy before it is stored: seglab.json as the CLI reads it (same keys, same
types), and every training pair readable: each mask decoded (its PNG header first, so a huge or 16-bit file is
refused before any pixel is decoded), each image's header read and the sizes compared. Problems name files by
their path in the archive, never by the server's path."""
from __future__ import annotations

import json
import os
import struct
from typing import Dict, List, Optional, Tuple

from PIL import Image

from ..config_rules import ConfigProblem, check_config
from ..dataset import DatasetConfig, DatasetError, Sample, read_mask

MAX_CONFIG_BYTES = 1 << 20
#: Pillow's own decompression-bomb limit: the trainer could not read a larger image
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_COLOR_TYPES = {0: "grayscale", 2: "RGB", 3: "indexed", 4: "grayscale + alpha", 6: "RGBA"}
#: problems listed in a 422's detail (all are in its `files`)
SHOWN = 20


def check_config_text(data: bytes) -> None:
    """Raises ConfigProblem with the CLI's wording (src/core/dataset/config.ts, parseConfig) for anything it
    would refuse by key or by type; value ranges are then load_config's."""
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigProblem(f"larger than {MAX_CONFIG_BYTES} bytes")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as e:  # RecursionError: JSON nested thousands deep
        raise ConfigProblem(f"not valid JSON: {str(e)[:200]}")
    if not isinstance(raw, dict):
        raise ConfigProblem("expected a JSON object")
    check_config(raw)


def png_header(path: str) -> Tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from the IHDR chunk; ValueError when it is not a PNG."""
    with open(path, "rb") as f:
        head = f.read(26)
    if len(head) < 26 or head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", head[16:24])
    return width, height, head[24], head[25]


def _mask_problem(path: str, cfg: DatasetConfig) -> Tuple[Optional[str], Optional[Tuple[int, int]]]:
    """(problem, size) of one mask: the header decides before anything is decoded."""
    try:
        width, height, depth, color = png_header(path)
    except (OSError, ValueError) as e:
        return str(e), None
    if width * height > MAX_PIXELS:
        return f"mask is {width}x{height}, more than {MAX_PIXELS} pixels", None
    if depth != 8 or color not in (0, 3):
        kind = f"{depth}-bit {PNG_COLOR_TYPES.get(color, f'colour type {color}')}"
        return f"mask is a {kind} PNG, not 8-bit indexed or grayscale (convert it with `seglab convert`)", None
    try:
        read_mask(path, cfg)
    except DatasetError as e:
        return e.detail, None
    except (OSError, ValueError, SyntaxError) as e:  # Pillow: corrupt data behind a valid header
        return f"cannot decode mask: {type(e).__name__}", None
    return None, (width, height)


def _image_size(path: str) -> Tuple[Optional[str], Optional[Tuple[int, int]]]:
    try:
        with Image.open(path) as im:
            width, height = im.size
    except Image.DecompressionBombError:
        return f"image has more than {MAX_PIXELS} pixels", None
    except (OSError, ValueError, SyntaxError):
        return "not an image file Pillow can read", None
    if width * height > MAX_PIXELS:
        return f"image is {width}x{height}, more than {MAX_PIXELS} pixels", None
    return None, (width, height)


def pair_problems(samples: List[Sample], cfg: DatasetConfig, archive_root: str) -> List[Dict[str, str]]:
    """[{file, problem}] for every training pair that the trainer could not use; files as named in the archive."""
    problems: List[Dict[str, str]] = []

    def add(path: str, problem: str) -> None:
        name = os.path.relpath(path, archive_root)
        problems.append({"file": name, "problem": problem.replace(os.path.dirname(path) + os.sep, "")})

    for s in samples:
        image_problem, image_size = _image_size(s.image)
        if image_problem:
            add(s.image, image_problem)
        mask_problem, mask_size = _mask_problem(s.mask, cfg)
        if mask_problem:
            add(s.mask, mask_problem)
        elif image_size and mask_size and mask_size != image_size:
            mask_wh, image_wh = "x".join(map(str, mask_size)), "x".join(map(str, image_size))
            add(s.mask, f"mask size {mask_wh} differs from its image's {image_wh}")
    return problems


def describe(problems: List[Dict[str, str]]) -> str:
    lines = [f"{p['file']}: {p['problem']}" for p in problems[:SHOWN]]
    more = f"\n... and {len(problems) - SHOWN} more (all in `files`)" if len(problems) > SHOWN else ""
    return f"{len(problems)} file(s) cannot be used for training:\n" + "\n".join(lines) + more
