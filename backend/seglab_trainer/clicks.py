"""Simulated clicks for training the click model, batched on (N, H, W) bool tensors (RITM's iterative training).

Distances to a region's boundary are counted in erosions (3x3 and cross kernels alternating: an octagonal
approximation of the Euclidean distance; pixels past the tensor's border count as outside), so no SciPy or OpenCV
is needed; they are capped at DEPTH (a click that deep is well inside), which bounds the cost per click, and among
the pixels at the largest depth the click goes to the one nearest their mean position. Every click lands on a pixel
of the error or target mask it was chosen from, and those masks are restricted to valid pixels, so ignore pixels
and the padding past the image are never clicked. The NoC measurement uses the exact protocol of
src/core/interactive/clickRobot.ts instead.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F

from .zoom import Box, Click, click_maps

_CROSS = torch.tensor([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)
DEPTH = 12


def boundary_distance(mask: torch.Tensor, limit: int = DEPTH) -> torch.Tensor:
    """(N, H, W) bool -> (N, H, W) float: erosions a pixel survives (0 outside the mask, 1 on its boundary), at
    most `limit`."""
    x = mask[:, None].float()
    dist = torch.zeros_like(x)
    k = 0
    while k < limit and bool(x.any()):
        dist += x
        padded = F.pad(x, (1, 1, 1, 1), value=0.0)
        if k % 2 == 0:
            x = -F.max_pool2d(-padded, 3, 1)
        else:
            x = (F.conv2d(padded, _CROSS) >= 5).float()
        k += 1
    return dist[:, 0]


def first_clicks(target: torch.Tensor, gen: torch.Generator) -> List[Optional[Click]]:
    """A positive click per sample inside its (valid) target, drawn with probability ~ distance^2 to the target's
    boundary (biased to the interior); None for an empty target."""
    weights = boundary_distance(target).flatten(1) ** 2
    out: List[Optional[Click]] = []
    w = target.shape[-1]
    for row in weights:
        if float(row.sum()) <= 0:
            out.append(None)
            continue
        i = int(torch.multinomial(row, 1, generator=gen))
        out.append((i % w, i // w, True))
    return out


def extra_clicks(
    target: torch.Tensor, valid: torch.Tensor, gen: torch.Generator, positive: int, negative: int, band: int
) -> List[List[Click]]:
    """RITM's multi-point sampling, before the corrective rounds: half the samples get none; the others 0..`positive`
    more positive clicks inside their target (weighted by depth, as first_clicks) and 0..`negative` negative clicks
    on valid pixels within `band` pixels outside it (uniform), so the model learns from several clicks of both
    kinds without a forward pass for each."""
    n, w = target.shape[0], target.shape[-1]
    if not positive and not negative:
        return [[] for _ in range(n)]  # (and no random draws: off, training is as before the option)
    depth = boundary_distance(target).flatten(1)
    near = F.max_pool2d(target[:, None].float(), 2 * band + 1, 1, band)[:, 0] > 0
    ring = (near & ~target & valid).flatten(1).float()
    some = torch.rand(n, generator=gen) < 0.5
    out: List[List[Click]] = [[] for _ in range(n)]
    for weights, kind, most in [(depth, True, positive), (ring, False, negative)]:
        counts = torch.randint(most + 1, (n,), generator=gen) * some
        for sample, row, count in zip(out, weights, counts.tolist()):
            if count and float(row.sum()) > 0:
                picked = torch.multinomial(row, count, replacement=True, generator=gen).tolist()
                sample.extend((i % w, i // w, kind) for i in picked)
    return out


def deepest(dist: torch.Tensor, width: int) -> Click:
    """The pixel of a flat distance map at its maximum nearest the mean position of all such pixels (positive)."""
    at = (dist == dist.max()).nonzero()[:, 0]
    xs, ys = at % width, at // width
    i = int(((xs - xs.float().mean()) ** 2 + (ys - ys.float().mean()) ** 2).argmin())
    return (int(xs[i]), int(ys[i]), True)


def next_clicks(target: torch.Tensor, pred: torch.Tensor, valid: torch.Tensor) -> List[Optional[Click]]:
    """RITM's training rule: of the missed pixels (false negatives) and the wrongly selected ones (false
    positives), the kind whose errors reach deeper from their boundary (at equal depth: the more pixels) gets the
    click, at its deepest pixel (`deepest`): positive for missed, negative for wrong. None where there is no
    error."""
    fn = target & ~pred & valid
    fp = pred & ~target & valid
    dist_fn = boundary_distance(fn).flatten(1)
    dist_fp = boundary_distance(fp).flatten(1)
    w = target.shape[-1]
    out: List[Optional[Click]] = []
    for dfn, dfp, n_fn, n_fp in zip(dist_fn, dist_fp, fn.flatten(1).sum(1), fp.flatten(1).sum(1)):
        best_fn, best_fp = float(dfn.max()), float(dfp.max())
        if max(best_fn, best_fp) <= 0:
            out.append(None)
            continue
        positive = (best_fn, int(n_fn)) >= (best_fp, int(n_fp))
        x, y, _ = deepest(dfn if positive else dfp, w)
        out.append((x, y, positive))
    return out


def disk_maps(clicks: List[List[Click]], size: int, radius: float) -> torch.Tensor:
    """(N, 2, S, S) maps of clicks given in crop pixels, drawn as the exported model's runtime draws them."""
    return torch.stack([click_maps(sample, Box(0, 0, size), size, radius) for sample in clicks])


def _extent(mask: torch.Tensor) -> Optional[Tuple[int, int, int, int]]:
    """(y0, y1, x0, x1) of an (H, W) mask's nonzero pixels (exclusive ends); None when it is empty."""
    rows, cols = mask.any(1).nonzero(), mask.any(0).nonzero()
    if len(rows) == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def next_click(target: torch.Tensor, pred: torch.Tensor, valid: torch.Tensor) -> Optional[Click]:
    """next_clicks for one whole (H, W) image, computed in the errors' bounding box (outside it there is no error,
    so the click is the same) rather than on the whole image: validation clicks on 512-pixel images cost what the
    errors' extent costs."""
    box = _extent((target ^ pred) & valid)
    if box is None:
        return None
    y0, y1, x0, x1 = box
    click = next_clicks(target[None, y0:y1, x0:x1], pred[None, y0:y1, x0:x1], valid[None, y0:y1, x0:x1])[0]
    return None if click is None else (click[0] + x0, click[1] + y0, click[2])
