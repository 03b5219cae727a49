"""Training examples for the click model, sampled from ordinary label masks.

A target is a 4-connected region of one non-background class (class 0 is background, as in the NoC protocol) with
at least MIN_AREA pixels, or, with probability WHOLE_CLASS, every pixel of that region's class. Its example is the
whole image with the target (0/1, ignore_index where the label is ignore); the training loop crops it with the
inference rule (zoom.py) around the simulated clicks and previous mask, as the exported model is run, or around the
whole target (target_box).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Tuple

import torch
import torch.nn.functional as F

from .memory import InMemoryImages
from .zoom import Box, CropRule

MIN_AREA = 64
WHOLE_CLASS = 0.2
#: range of the random factors on the crop rule's expansion and smallest side in training
RULE_JITTER = (0.8, 1.25)
#: largest random shift of a training box, as a fraction of its side: the click is not always at the crop's centre,
#: so the model has to read the click maps to know what to select
BOX_JITTER = 0.15
#: random expansion of a target-centred box (target_box) around the target's bounding box
EXPAND = (1.1, 2.2)


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


def example(
    data: InMemoryImages, index: RegionIndex, region: Region, gen: torch.Generator
) -> Tuple[torch.Tensor, torch.Tensor]:
    """The image (uint8 (3, H, W)) and its int64 (H, W) target (0, 1, ignore_index) for one region (or, with
    probability WHOLE_CLASS, its whole class), flipped horizontally half of the time. The crop is not chosen here:
    training crops with the inference rule around the simulated clicks (interactive_train.simulate)."""
    i, ignore = region.image, data.ignore_index
    labels = data.masks[i].cpu().long()
    whole = float(torch.rand(1, generator=gen)) < WHOLE_CLASS
    truth = labels == region.class_id if whole else index.maps[i] == region.label
    target = torch.where(labels == ignore, torch.full_like(labels, ignore), truth.long())
    image = data.images[i].cpu()
    if float(torch.rand(1, generator=gen)) < 0.5:
        image, target = image.flip(-1), target.flip(-1)
    return image, target


def jittered_rule(rule: CropRule, gen: torch.Generator) -> CropRule:
    """The card's crop rule with its expansion and smallest side scaled by random factors (RULE_JITTER): the
    objects' scale in the crop varies a little around what inference shows the model."""
    r = torch.rand(2, generator=gen, dtype=torch.float64).tolist()
    lo, hi = RULE_JITTER
    return CropRule(rule.size, rule.expand * (lo + (hi - lo) * r[0]), round(rule.min_side * (lo + (hi - lo) * r[1])))


def jittered_box(box: Box, gen: torch.Generator) -> Box:
    """The box shifted by up to BOX_JITTER of its side in x and y."""
    r = torch.rand(2, generator=gen, dtype=torch.float64).tolist()
    dx, dy = (round((2 * v - 1) * BOX_JITTER * box.side) for v in r)
    return Box(box.left + dx, box.top + dy, box.side)


def target_box(target: torch.Tensor, rule: CropRule, gen: torch.Generator) -> Box:
    """A box around an (H, W) target's bounding box, expanded by a random factor in EXPAND (at least about the
    rule's smallest side) and shifted by up to BOX_JITTER: the target always in view at a normalised scale, the
    easier examples that make a small model learn what to select within a short budget."""
    rows, cols = target.any(1).nonzero(), target.any(0).nonzero()
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    r = float(torch.rand(1, generator=gen, dtype=torch.float64))
    side = math.ceil(max((EXPAND[0] + (EXPAND[1] - EXPAND[0]) * r) * max(x1 - x0, y1 - y0), rule.min_side))
    return jittered_box(Box(math.floor((x0 + x1 - side) / 2), math.floor((y0 + y1 - side) / 2), side), gen)
