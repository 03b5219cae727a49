"""Logits -> class and 8-bit confidence per pixel, with the arithmetic of src/core/model/postprocess.ts, so a
mask and its manifest record come out as the ONNX engine's for the same logits: float32 values combined in
float64 and rounded to float32 where TypeScript stores into a Float32Array, softmax through the same exp table
(linear interpolation, step 1/64), Math.round's ties upwards. Works on a batch (B, C, P) on any device."""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np
import torch

EXP_STEPS, EXP_MIN = 64, -20
# Math.exp(-i / 64) stored in a Float32Array
_EXP = np.exp(-np.arange(-EXP_MIN * EXP_STEPS + 2, dtype=np.float64) / EXP_STEPS).astype(np.float32)
_tables: Dict[torch.device, torch.Tensor] = {}


def _exp_table(device: torch.device) -> torch.Tensor:
    if device not in _tables:
        _tables[device] = torch.from_numpy(_EXP).double().to(device)
    return _tables[device]


def _js_round_255(p: torch.Tensor) -> torch.Tensor:
    """Math.round(min(1, max(0, p)) * 255) as uint8."""
    return torch.floor(p.double().clamp(0, 1) * 255 + 0.5).to(torch.uint8)


def softmax_argmax(logits: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """(B, C, P) float32 logits -> channel of the first maximum (B, P) and round(255 * top softmax probability)."""
    top, best = logits.max(dim=1)
    table, top64 = _exp_table(logits.device), top.double()
    total = torch.zeros_like(top)
    for c in range(logits.shape[1]):
        d = logits[:, c].double() - top64
        t = -d * EXP_STEPS
        i = torch.floor(t).clamp(0, len(_EXP) - 2)  # only read where d > EXP_MIN: there t < 1280
        k = i.long()
        e = table[k] + (table[k + 1] - table[k]) * (t - i)
        total = torch.where(d > EXP_MIN, (total.double() + e).float(), total)
    return best, _js_round_255((1 / total.double()).float())


def sigmoid_threshold(values: torch.Tensor, threshold: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """(B, 1, P) logits of one sigmoid channel -> 1 above `threshold` else 0, and the distance from it as
    confidence (0.5 at the threshold, 1 at probability 0 or 1)."""
    p = 1 / (1 + torch.exp(-values[:, 0].double()))
    above = p > threshold
    conf = torch.where(above, 0.5 + 0.5 * (p - threshold) / (1 - threshold), 0.5 + 0.5 * (threshold - p) / threshold)
    return above.long(), torch.floor(conf * 255 + 0.5).to(torch.uint8)
