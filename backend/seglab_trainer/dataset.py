"""Read a SegLab dataset (`seglab.json`): classes, image/mask pairs by stem, train/val split, decoding."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np
from PIL import Image

from .config_rules import ConfigProblem, check_config

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


class DatasetError(ValueError):
    """Bad dataset input; the message starts with the offending path, like the TypeScript DataError."""

    def __init__(self, path: str, detail: str):
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


@dataclass
class ClassDef:
    id: int
    name: str
    color: Tuple[int, int, int]

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "color": list(self.color)}


@dataclass
class DatasetConfig:
    name: str
    classes: List[ClassDef]
    ignore_index: int = 255
    images_dir: str = "images"
    masks_dir: str = "masks"
    predictions_dir: str = "predictions"
    splits: Dict[str, str] = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.classes)


@dataclass
class Sample:
    stem: str
    image: str  # absolute paths
    mask: str


def _inside(root: str, rel: str, path: str, key: str) -> str:
    full = os.path.realpath(os.path.join(root, rel))
    if not isinstance(rel, str) or os.path.isabs(rel) or not (full == root or full.startswith(root + os.sep)):
        raise DatasetError(path, f'"{key}" must be a path inside the dataset folder, got {rel!r}')
    return full


def _class_def(path: str, i: int, c) -> ClassDef:
    """`classes[i]` of seglab.json: {id: i, name, color: [r, g, b]}."""
    color = c.get("color") if isinstance(c, dict) else None
    if not (
        isinstance(c, dict)
        and c.get("id") == i
        and isinstance(c.get("name"), str)
        and isinstance(color, list)
        and len(color) == 3
        and all(isinstance(v, int) and 0 <= v <= 255 for v in color)
    ):
        raise DatasetError(path, f"classes[{i}]: expected {{id: {i}, name, color: [r,g,b]}}, got {json.dumps(c)}")
    return ClassDef(i, c["name"], (color[0], color[1], color[2]))


def load_config(root: str) -> DatasetConfig:
    root = os.path.realpath(root)
    path = os.path.join(root, "seglab.json")
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except FileNotFoundError:
        raise DatasetError(path, 'not found (create it with SegLab\'s "Create Dataset Config" or `seglab convert`)')
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DatasetError(path, f"invalid JSON: {e}")
    if not isinstance(raw, dict):
        raise DatasetError(path, "expected a JSON object")
    try:
        check_config(raw)
    except ConfigProblem as e:
        raise DatasetError(path, str(e))
    classes_raw = raw.get("classes")
    if not isinstance(classes_raw, list) or not classes_raw:
        raise DatasetError(path, '"classes" must be a non-empty list')
    classes = [_class_def(path, i, c) for i, c in enumerate(classes_raw)]
    ignore = raw.get("ignoreIndex", 255)
    if not isinstance(ignore, int) or not 0 <= ignore <= 255 or ignore < len(classes):
        raise DatasetError(path, f'"ignoreIndex" must be an integer in [{len(classes)}, 255], got {ignore!r}')
    cfg = DatasetConfig(
        name=str(raw.get("name") or os.path.basename(root)),
        classes=classes,
        ignore_index=ignore,
        images_dir=raw.get("imagesDir", "images"),
        masks_dir=raw.get("masksDir", "masks"),
        predictions_dir=raw.get("predictionsDir", "predictions"),
        splits=raw.get("splits") or {},
    )
    for key in ("imagesDir", "masksDir"):
        _inside(root, raw.get(key, "images" if key == "imagesDir" else "masks"), path, key)
    if not isinstance(cfg.splits, dict):
        raise DatasetError(path, '"splits" must map split names to list files')
    for name, rel in cfg.splits.items():
        _inside(root, rel, path, f"splits.{name}")
    return cfg


def _stems(folder: str, exts: Tuple[str, ...]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    if not os.path.isdir(folder):
        return out
    for name in sorted(os.listdir(folder)):
        stem, ext = os.path.splitext(name)
        if ext.lower() in exts and os.path.isfile(os.path.join(folder, name)):
            out.setdefault(stem, os.path.join(folder, name))
    return out


def labeled_samples(root: str, cfg: DatasetConfig) -> List[Sample]:
    """Images that have a mask, paired by file stem, sorted by stem."""
    root = os.path.realpath(root)
    images = _stems(os.path.join(root, cfg.images_dir), IMAGE_EXTS)
    masks = _stems(os.path.join(root, cfg.masks_dir), (".png",))
    return [Sample(s, images[s], masks[s]) for s in sorted(images) if s in masks]


def _read_list(root: str, rel: str) -> List[str]:
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def split_samples(root: str, cfg: DatasetConfig, samples: List[Sample]) -> Tuple[List[Sample], List[Sample]]:
    """Train/val from the `train` and `val` list files, else deterministic 90/10: every 10th sorted stem
    (indices 9, 19, ...) is val; with fewer than 10 labeled images the last one is val."""
    root = os.path.realpath(root)
    if "train" in cfg.splits and "val" in cfg.splits:
        train_set, val_set = set(_read_list(root, cfg.splits["train"])), set(_read_list(root, cfg.splits["val"]))
        train = [s for s in samples if s.stem in train_set]
        val = [s for s in samples if s.stem in val_set]
        if train:
            return train, val or train
    if len(samples) < 2:
        return list(samples), list(samples)
    val_idx = {i for i in range(len(samples)) if i % 10 == 9} or {len(samples) - 1}
    return [s for i, s in enumerate(samples) if i not in val_idx], [s for i, s in enumerate(samples) if i in val_idx]


def read_image(path: str) -> np.ndarray:
    try:
        with Image.open(path) as im:
            return np.array(im.convert("RGB"), dtype=np.uint8)
    except (OSError, ValueError) as e:
        raise DatasetError(path, f"cannot decode image: {e}")


def read_mask(path: str, cfg: DatasetConfig) -> np.ndarray:
    """Indexed ('P') or grayscale ('L') PNG whose values are class ids; ignore_index marks unlabeled pixels."""
    try:
        with Image.open(path) as im:
            if im.mode not in ("P", "L"):
                raise DatasetError(
                    path,
                    f"mask mode {im.mode} is not indexed or 8-bit grayscale "
                    "(convert colour masks with `seglab convert`)",
                )
            mask = np.array(im, dtype=np.uint8)
    except OSError as e:
        raise DatasetError(path, f"cannot decode mask: {e}")
    bad = (mask >= cfg.num_classes) & (mask != cfg.ignore_index)
    if bad.any():
        raise DatasetError(
            path,
            f"mask value {int(mask[bad][0])} is neither a class id (0..{cfg.num_classes - 1}) "
            f"nor the ignore index {cfg.ignore_index}",
        )
    return mask


def read_pair(sample: Sample, cfg: DatasetConfig) -> Tuple[np.ndarray, np.ndarray]:
    image, mask = read_image(sample.image), read_mask(sample.mask, cfg)
    if image.shape[:2] != mask.shape:
        raise DatasetError(
            sample.mask,
            f"mask size {mask.shape[1]}x{mask.shape[0]} differs from image size " f"{image.shape[1]}x{image.shape[0]}",
        )
    return image, mask


def dataset_sha256(samples: List[Sample], cfg: Optional[DatasetConfig] = None) -> str:
    """Content hash over the training pairs (stems, image and mask bytes) and the class list."""
    h = hashlib.sha256()
    if cfg is not None:
        h.update(json.dumps([c.to_json() for c in cfg.classes]).encode())
    for s in samples:
        h.update(s.stem.encode() + b"\0")
        for p in (s.image, s.mask):
            with open(p, "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()
