"""The click model's zoom-in crop (FocalClick): the square around the clicks and the previous mask, expanded, resized
to the model's crop size, and its answer pasted back into the image. One rule for training, validation and the
exported card; src/core/model/promptable/clicks.ts implements the same rule for the extension.

Coordinates: a click on pixel (x, y) sits at its centre (x + 0.5, y + 0.5). The crop box is integer: `left`, `top`,
`side` in image pixels (it may reach past the image: the image is zero there, after normalisation, and those
pixels are never clicked). Crop pixel (i, j) has its centre at image point (left + (j + 0.5) * side / S, ...), as
F.interpolate(align_corners=False) resamples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

#: (x, y, positive): a click in image pixels
Click = Tuple[int, int, bool]


@dataclass(frozen=True)
class CropRule:
    """The card's `crop`: the model's input side, the box's expansion around what it covers, its smallest side."""

    size: int = 256
    expand: float = 1.4
    min_side: int = 160

    def to_json(self) -> dict:
        return {"size": self.size, "expand": self.expand, "minSide": self.min_side}


@dataclass(frozen=True)
class Box:
    left: int
    top: int
    side: int

    def within(self, height: int, width: int) -> Tuple[int, int, int, int]:
        """(x0, y0, x1, y1), x1 and y1 exclusive: the part of the box inside an image of this size (may be empty)."""
        return max(self.left, 0), max(self.top, 0), min(self.left + self.side, width), min(self.top + self.side, height)


def crop_box(clicks: Sequence[Click], previous: Optional[torch.Tensor], rule: CropRule) -> Box:
    """The square around every click and the previous mask's pixels (H, W, nonzero = selected): centred on their
    bounding box, side = max(expand x its longer side, min_side), rounded up; left/top floored."""
    xs = [c[0] for c in clicks]
    ys = [c[1] for c in clicks]
    x0, x1, y0, y1 = min(xs), max(xs) + 1, min(ys), max(ys) + 1
    if previous is not None and bool(previous.any()):
        rows, cols = previous.any(1).nonzero(), previous.any(0).nonzero()
        y0, y1 = min(y0, int(rows[0])), max(y1, int(rows[-1]) + 1)
        x0, x1 = min(x0, int(cols[0])), max(x1, int(cols[-1]) + 1)
    side = math.ceil(max(rule.expand * max(x1 - x0, y1 - y0), rule.min_side))
    return Box(math.floor((x0 + x1 - side) / 2), math.floor((y0 + y1 - side) / 2), side)


def to_crop(x: float, y: float, box: Box, size: int) -> Tuple[float, float]:
    """An image point (continuous: pixel x's centre is x + 0.5) in crop coordinates of the same convention."""
    s = size / box.side
    return (x - box.left) * s, (y - box.top) * s


def to_image(u: float, v: float, box: Box, size: int) -> Tuple[float, float]:
    s = box.side / size
    return box.left + u * s, box.top + v * s


def _grid(box: Box, size: int, height: int, width: int, device) -> torch.Tensor:
    """grid_sample's (1, S, S, 2) grid (align_corners=False) reading the box out of an image of height x width."""
    c = (torch.arange(size, dtype=torch.float64, device=device) + 0.5) * (box.side / size)
    gx = (box.left + c) * (2 / width) - 1
    gy = (box.top + c) * (2 / height) - 1
    return torch.stack([gx[None, :].expand(size, size), gy[:, None].expand(size, size)], -1)[None].float()


def crop_image(image: torch.Tensor, box: Box, size: int) -> torch.Tensor:
    """(C, H, W) float -> (C, S, S) bilinear, zero outside the image."""
    grid = _grid(box, size, image.shape[-2], image.shape[-1], image.device)
    return F.grid_sample(image[None].float(), grid, mode="bilinear", padding_mode="zeros", align_corners=False)[0]


def crop_nearest(mask: torch.Tensor, box: Box, size: int, outside: int) -> torch.Tensor:
    """(H, W) integer mask -> (S, S): the pixel under each crop pixel's centre, by integer arithmetic (exact in
    every language), `outside` past the image."""
    h, w = mask.shape
    i = torch.arange(size, device=mask.device)
    src = (2 * i + 1) * box.side // (2 * size)
    ys, xs = box.top + src, box.left + src
    inside = ((ys >= 0) & (ys < h))[:, None] & ((xs >= 0) & (xs < w))[None, :]
    out = mask[ys.clamp(0, h - 1)[:, None], xs.clamp(0, w - 1)[None, :]]
    return torch.where(inside, out, torch.full_like(out, outside))


def click_maps(clicks: Sequence[Click], box: Box, size: int, radius: float) -> torch.Tensor:
    """(2, S, S) float: 1 within `radius` crop pixels of a positive (channel 0) or negative (channel 1) click."""
    maps = torch.zeros((2, size, size))
    c = torch.arange(size, dtype=torch.float64) + 0.5
    for x, y, positive in clicks:
        u, v = to_crop(x + 0.5, y + 0.5, box, size)
        disk = ((c[None, :] - u) ** 2 + (c[:, None] - v) ** 2) <= radius * radius
        maps[0 if positive else 1][disk] = 1
    return maps


def paste(logits: torch.Tensor, box: Box, height: int, width: int, previous: Optional[torch.Tensor], threshold: float):
    """The crop's (S, S) logits back at the image's size, bilinear (align_corners=False, edges clamped), inside the
    box; outside it the previous mask stays. Returns the (H, W) bool mask."""
    size = logits.shape[-1]
    x0, y0, x1, y1 = box.within(height, width)
    out = previous.bool().clone() if previous is not None else torch.zeros((height, width), dtype=torch.bool)
    if x1 <= x0 or y1 <= y0:
        return out
    gx = ((torch.arange(x0, x1, dtype=torch.float64) + 0.5 - box.left) * (2 / box.side) - 1).float()
    gy = ((torch.arange(y0, y1, dtype=torch.float64) + 0.5 - box.top) * (2 / box.side) - 1).float()
    grid = torch.stack([gx[None, :].expand(len(gy), -1), gy[:, None].expand(-1, len(gx))], -1)[None]
    sampled = F.grid_sample(logits.reshape(1, 1, size, size).float(), grid, "bilinear", "border", align_corners=False)
    out[y0:y1, x0:x1] = sampled[0, 0] > threshold
    return out
