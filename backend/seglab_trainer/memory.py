"""The whole dataset decoded once into uint8 tensors (on the GPU when it fits), augmented there per batch.

Joint image/mask geometry as in torchvision's references/segmentation: horizontal flip, random resize of the
shorter side to [lo, hi] x crop size (or of the image by [lo, hi] x its own size), random crop padded with the
ignore index (masks resized NEAREST). The training images sit in one zero-padded uint8 canvas, so a whole batch
is augmented by a few batched kernels (a gather, one grid_sample for the images, one index gather for the masks)
that sample exactly where flip -> F.interpolate -> crop would. Random numbers come from a CPU generator:
reproducible, no GPU sync.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from . import MEAN, STD
from .dataset import DatasetConfig, Sample, read_pair


def _limit_size(image: np.ndarray, mask: np.ndarray, max_short: Optional[int]) -> Tuple[torch.Tensor, torch.Tensor]:
    img = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).contiguous()
    m = torch.from_numpy(np.ascontiguousarray(mask))
    h, w = m.shape
    if max_short is not None and min(h, w) > max_short:  # larger images never survive the largest random scale anyway
        f = max_short / min(h, w)
        size = (max(1, round(h * f)), max(1, round(w * f)))
        img = (
            F.interpolate(img[None].float(), size, mode="bilinear", align_corners=False)[0].round().clamp(0, 255).byte()
        )
        m = F.interpolate(m[None, None].float(), size, mode="nearest")[0, 0].byte()
    return img, m


class InMemoryImages:
    """Decoded images (uint8 3xHxW) and masks (uint8 HxW) of one split. Images whose shorter side exceeds
    `max_short` are downscaled with their masks; None keeps the native size (validation scores full-size images).
    With `stacked`, all pairs live in one padded canvas (N,3,H,W) / (N,H,W) and images[i] / masks[i] are views."""

    def __init__(self, samples: Sequence[Sample], cfg: DatasetConfig, max_short: Optional[int], stacked: bool = False):
        self.stems = [s.stem for s in samples]
        self.ignore_index = cfg.ignore_index
        pairs = [_limit_size(*read_pair(s, cfg), max_short) for s in samples]
        self.sizes = torch.tensor([list(m.shape) for _, m in pairs], dtype=torch.long).reshape(-1, 2)
        self.canvas_images: Optional[torch.Tensor] = None
        self.canvas_masks: Optional[torch.Tensor] = None
        if stacked and pairs:
            hmax, wmax = self.sizes.max(0).values.tolist()
            self.canvas_images = torch.zeros((len(pairs), 3, hmax, wmax), dtype=torch.uint8)
            self.canvas_masks = torch.full((len(pairs), hmax, wmax), self.ignore_index, dtype=torch.uint8)
            for i, (img, m) in enumerate(pairs):
                self.canvas_images[i, :, : m.shape[0], : m.shape[1]] = img
                self.canvas_masks[i, : m.shape[0], : m.shape[1]] = m
            self._views()
        else:
            self.images: List[torch.Tensor] = [img for img, _ in pairs]
            self.masks: List[torch.Tensor] = [m for _, m in pairs]

    def canvas(self) -> Tuple[torch.Tensor, torch.Tensor]:
        """The stacked (N,3,H,W) images and (N,H,W) masks."""
        if self.canvas_images is None or self.canvas_masks is None:
            raise ValueError("these images are not stacked in one canvas (InMemoryImages(..., stacked=True))")
        return self.canvas_images, self.canvas_masks

    def _views(self) -> None:
        hw, (images, masks) = self.sizes.tolist(), self.canvas()
        self.images = [images[i, :, :h, :w] for i, (h, w) in enumerate(hw)]
        self.masks = [masks[i, :h, :w] for i, (h, w) in enumerate(hw)]

    def __len__(self) -> int:
        return len(self.stems)

    def nbytes(self) -> int:
        if self.canvas_images is not None and self.canvas_masks is not None:
            return self.canvas_images.numel() + self.canvas_masks.numel()
        return sum(t.numel() for t in self.images) + sum(t.numel() for t in self.masks)

    def to(self, device: torch.device) -> "InMemoryImages":
        if self.canvas_images is not None and self.canvas_masks is not None:
            self.canvas_images, self.canvas_masks = self.canvas_images.to(device), self.canvas_masks.to(device)
            self._views()
        else:
            self.images = [t.to(device) for t in self.images]
            self.masks = [t.to(device) for t in self.masks]
        return self


def place(sets: Sequence[InMemoryImages], device: torch.device, fraction: float = 0.4) -> torch.device:
    """Move the decoded data to the GPU when it needs less than `fraction` of its free memory."""
    if device.type != "cuda":
        return torch.device("cpu")
    free, _ = torch.cuda.mem_get_info(device)
    if sum(s.nbytes() for s in sets) > fraction * free:
        return torch.device("cpu")
    for s in sets:
        s.to(device)
    return device


_STATS: Dict[torch.device, Tuple[torch.Tensor, torch.Tensor]] = {}


def normalize(img: torch.Tensor) -> torch.Tensor:
    """uint8 (or 0..255 float) (...,3,H,W) -> float32 normalised with ImageNet mean/std, as the model card says."""
    if img.device not in _STATS:  # made once per device: a host->GPU copy per call would stall the pipeline
        _STATS[img.device] = (
            torch.tensor(MEAN, device=img.device).view(3, 1, 1) * 255.0,
            torch.tensor(STD, device=img.device).view(3, 1, 1) * 255.0,
        )
    mean, std = _STATS[img.device]
    return (img.float() - mean) / std


def to_device(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Asynchronous host->GPU copy (a copy from pageable memory would wait for the GPU to drain)."""
    if device.type == "cuda" and t.device.type == "cpu":
        return t.pin_memory().to(device, non_blocking=True)
    return t.to(device)


class Augmenter:
    """Random resize by a factor in `scale_range` of the crop size (the shorter side becomes factor x crop) or,
    with `native`, of each image's own size; then crop and flip."""

    def __init__(
        self, crop: int, scale_range: Tuple[float, float] = (0.5, 2.0), flip: bool = True, native: bool = False
    ):
        self.crop = crop
        self.lo, self.hi = scale_range
        self.flip = flip
        self.native = native

    def batch(
        self, data: InMemoryImages, idxs: Sequence[int], device: torch.device, gen: torch.Generator
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """(N,3,c,c) normalised float32 images and (N,c,c) int64 masks on `device` (data must be stacked)."""
        c, n = self.crop, len(idxs)
        idx = torch.tensor(list(idxs), dtype=torch.long)
        r = torch.rand((n, 4), generator=gen, dtype=torch.float64)  # scale, crop y, crop x, flip
        h, w = data.sizes[idx, 0].double(), data.sizes[idx, 1].double()
        f = self.lo + (self.hi - self.lo) * r[:, 0]
        if not self.native:
            f = f * c / torch.minimum(h, w)
        nh, nw = (h * f).round().clamp(min=1), (w * f).round().clamp(min=1)
        y0 = (r[:, 1] * ((nh - c).clamp(min=0) + 1)).floor()
        x0 = (r[:, 2] * ((nw - c).clamp(min=0) + 1)).floor()
        flip = (r[:, 3] < 0.5) if self.flip else torch.zeros(n, dtype=torch.bool)
        # work where the data is (the GPU when it fits): per-sample parameters go there in one copy
        canvas_images, canvas_masks = data.canvas()
        work = canvas_images.device
        p = to_device(torch.stack([h, w, h / nh, w / nw, y0, x0, nh, nw, flip.double(), idx.double()], 1).float(), work)
        didx = p[:, 9].long()
        h, w, ry, rx, y0, x0, nh, nw, flip = [t[:, None] for t in p[:, :9].unbind(1)]
        ar = torch.arange(c, device=work, dtype=torch.float32)[None]
        ys, xs = y0 + ar, x0 + ar  # (n, c) positions in the resized image
        valid = (ys < nh)[:, :, None] & (xs < nw)[:, None, :]  # inside it (else padding)
        # bilinear source coordinates of F.interpolate(align_corners=False), clamped like it; mirrored for flips
        sy = torch.minimum(((ys + 0.5) * ry - 0.5).clamp(min=0), h - 1)
        sx = torch.minimum(((xs + 0.5) * rx - 0.5).clamp(min=0), w - 1)
        sx = torch.where(flip > 0, w - 1 - sx, sx)
        # nearest source indices of F.interpolate(mode="nearest"): floor(dst * in / out)
        iy = torch.minimum((ys * ry).floor(), h - 1).long()
        ix = torch.minimum((xs * rx).floor(), w - 1)
        ix = torch.where(flip > 0, w - 1 - ix, ix).long()
        canvas = canvas_images[didx]
        hmax, wmax = canvas.shape[-2:]
        grid = torch.stack(
            [
                (sx / max(wmax - 1, 1) * 2 - 1)[:, None, :].expand(n, c, c),
                (sy / max(hmax - 1, 1) * 2 - 1)[:, :, None].expand(n, c, c),
            ],
            dim=-1,
        )
        images = F.grid_sample(canvas.float(), grid, mode="bilinear", align_corners=True)
        images = normalize(images) * valid[:, None]
        masks = canvas_masks[didx[:, None, None], iy[:, :, None], ix[:, None, :]]
        masks = torch.where(valid, masks.long(), torch.full_like(valid, data.ignore_index, dtype=torch.long))
        if work != device:
            images, masks = to_device(images, device), to_device(masks, device)
        return images, masks
