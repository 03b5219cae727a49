"""Training examples for the click model, sampled from ordinary label masks.

A target is a 4-connected region of one non-background class (class 0 is background, as in the NoC protocol) with
at least MIN_AREA pixels, or, with probability `whole_class` (--whole-class), every pixel of that region's class.
Its example is a zoom-in crop (zoom.py) around the target's bounding box, expanded by a random factor around the
card's rule and jittered, with the target (0/1) and ignore_index where the label is ignore or the crop reaches past
the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Tuple

import torch
import torch.nn.functional as F

from .memory import InMemoryImages, normalize
from .zoom import Box, CropRule, crop_image, crop_nearest

MIN_AREA = 64
#: random expansion factor of the target's box and jitter of its centre (fractions of the crop side)
EXPAND = (1.1, 2.2)
JITTER = 0.15


def components(mask: torch.Tensor) -> torch.Tensor:
    """4-connected regions of an (H, W) bool mask: each region's pixels carry its largest row-major pixel index + 1
    (so regions of different masks of one image never share a label); 0 outside. Labels spread to neighbours and
    jump along the pixels they name (each names a pixel of its own region), so long regions converge fast."""
    h, w = mask.shape
    keep = mask[None].float()
    lab = torch.arange(1, h * w + 1, dtype=torch.float32).view(1, h, w) * keep  # exact: h * w < 2**24
    while True:
        nxt = torch.maximum(F.max_pool2d(lab, (3, 1), 1, (1, 0)), F.max_pool2d(lab, (1, 3), 1, (0, 1))) * keep
        flat = torch.cat([torch.zeros(1), nxt.flatten()])
        nxt = flat[flat[1:].long()].view(1, h, w)
        if torch.equal(nxt, lab):
            return lab[0].long()
        lab = nxt


@dataclass
class Region:
    image: int
    class_id: int
    label: int  # in the image's region map
    box: Tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)


class RegionIndex:
    """Every image's region map (int64 (H, W)) and the regions of at least `min_area` pixels."""

    def __init__(self, data: InMemoryImages, min_area: int = MIN_AREA):
        self.maps: List[torch.Tensor] = []
        self.regions: List[Region] = []
        for i, mask in enumerate(data.masks):
            mask = mask.cpu()
            rmap = torch.zeros(mask.shape, dtype=torch.int64)
            for c in sorted(set(mask.unique().tolist()) - {0, data.ignore_index}):
                rmap += components(mask == c)
            labels, counts = rmap.unique(return_counts=True)
            for label, count in zip(labels.tolist(), counts.tolist()):
                if label and count >= min_area:
                    ys, xs = (rmap == label).nonzero(as_tuple=True)
                    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
                    self.regions.append(Region(i, int(mask.view(-1)[label - 1]), label, box))
            self.maps.append(rmap)

    def of_image(self, i: int) -> List[Region]:
        return [r for r in self.regions if r.image == i]


def _training_box(box: Tuple[int, int, int, int], rule: CropRule, gen: torch.Generator) -> Box:
    r = torch.rand(4, generator=gen, dtype=torch.float64).tolist()
    x0, y0, x1, y1 = box
    expand = EXPAND[0] + (EXPAND[1] - EXPAND[0]) * r[0]
    side = math.ceil(max(expand * max(x1 - x0, y1 - y0), rule.min_side * (0.75 + 0.5 * r[1])))
    cx = (x0 + x1) / 2 + (r[2] - 0.5) * 2 * JITTER * side
    cy = (y0 + y1) / 2 + (r[3] - 0.5) * 2 * JITTER * side
    return Box(math.floor(cx - side / 2), math.floor(cy - side / 2), side)


def example(
    data: InMemoryImages,
    index: RegionIndex,
    region: Region,
    rule: CropRule,
    whole_class: float,
    gen: torch.Generator,
) -> Tuple[torch.Tensor, torch.Tensor]:
    """(3, S, S) normalised image crop and (S, S) int64 target (0, 1, ignore_index) for one region (or, with
    probability `whole_class`, its whole class); flipped horizontally half of the time."""
    i, ignore = region.image, data.ignore_index
    whole = float(torch.rand(1, generator=gen)) < whole_class
    labels = data.masks[i].cpu().long()
    truth = labels == region.class_id if whole else index.maps[i] == region.label
    box = _training_box(region.box, rule, gen)
    if whole:
        ys, xs = truth.nonzero(as_tuple=True)
        box = _training_box((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1), rule, gen)
    target = torch.where(labels == ignore, torch.full_like(labels, ignore), truth.long())
    image = crop_image(normalize(data.images[i].cpu()), box, rule.size)
    target = crop_nearest(target, box, rule.size, ignore)
    if float(torch.rand(1, generator=gen)) < 0.5:
        image, target = image.flip(-1), target.flip(-1)
    return image, target
