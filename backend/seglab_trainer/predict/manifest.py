"""`<out>/.seglab-model.json` as src/core/model/manifest.ts keeps it: which export (the ONNX file's sha256)
wrote each mask, the mask's mean top-class confidence, its share of uncertain pixels and its pixels per value.
Records of either engine are interchangeable, so a run skips images the other wrote with the same model."""
from __future__ import annotations

import json
import os

import numpy as np

from .images import write_atomic
from .infer import Predicted

MANIFEST = ".seglab-model.json"


def read_manifest(folder: str, model: str, sha256: str) -> dict:
    """The folder's manifest; an unreadable one counts as empty (every image is then predicted again)."""
    empty: dict = {"version": 1, "model": model, "sha256": sha256, "images": {}}
    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, ValueError):
        return empty
    if not isinstance(raw, dict) or raw.get("version") != 1 or not isinstance(raw.get("images"), dict):
        return empty
    return {**empty, "images": raw["images"], **({"mapping": raw["mapping"]} if raw.get("mapping") else {})}


def write_manifest(folder: str, manifest: dict) -> None:
    """JSON.stringify(manifest, null, 1) + "\\n"."""
    text = json.dumps(manifest, indent=1, ensure_ascii=False)
    write_atomic(os.path.join(folder, MANIFEST), (text + "\n").encode("utf-8"))


def record(sha256: str, p: Predicted) -> dict:
    n = max(1, p.labels.size)
    pixels = {str(v): int(p.class_pixels[v]) for v in np.flatnonzero(p.class_pixels)}
    return {
        "sha256": sha256,
        "meanConfidence": _js_number(p.confidence_sum / n / 255),
        "uncertainFraction": _js_number(p.uncertain / n),
        "classPixels": pixels,
    }


def _js_number(x: float):
    """As JSON.stringify writes it: 1, not 1.0."""
    return int(x) if x.is_integer() else x
