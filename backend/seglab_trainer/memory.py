"""The whole dataset decoded once into uint8 tensors (on the GPU when it fits), augmented there per batch.

Joint image/mask geometry as in torchvision's references/segmentation: random resize of the shorter side to
[lo, hi] x crop size, random crop padded with the ignore index (masks resized NEAREST), horizontal flip.
Random numbers come from a CPU generator, so augmentation never waits on the GPU and is reproducible.
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from . import MEAN, STD
from .dataset import DatasetConfig, Sample, read_pair


def _limit_size(image: np.ndarray, mask: np.ndarray, max_short: int, resize_mask: bool) -> Tuple[torch.Tensor, torch.Tensor]:
    img = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).contiguous()
    m = torch.from_numpy(np.ascontiguousarray(mask))
    h, w = m.shape
    if min(h, w) > max_short:  # larger images never survive the largest random scale anyway
        f = max_short / min(h, w)
        size = (max(1, round(h * f)), max(1, round(w * f)))
        img = F.interpolate(img[None].float(), size, mode="bilinear", align_corners=False)[0].round().clamp(0, 255).byte()
        if resize_mask:
            m = F.interpolate(m[None, None].float(), size, mode="nearest")[0, 0].byte()
    return img, m


class InMemoryImages:
    """Decoded images (uint8 3xHxW) and masks (uint8 HxW) of one split. Images whose shorter side exceeds
    `max_short` are downscaled; masks too unless `resize_masks` is False (validation scores full-size masks)."""

    def __init__(self, samples: Sequence[Sample], cfg: DatasetConfig, max_short: int, resize_masks: bool = True):
        self.stems = [s.stem for s in samples]
        self.images: List[torch.Tensor] = []
        self.masks: List[torch.Tensor] = []
        for s in samples:
            img, m = _limit_size(*read_pair(s, cfg), max_short, resize_masks)
            self.images.append(img)
            self.masks.append(m)
        self.ignore_index = cfg.ignore_index

    def __len__(self) -> int:
        return len(self.images)

    def nbytes(self) -> int:
        return sum(t.numel() for t in self.images) + sum(t.numel() for t in self.masks)

    def to(self, device: torch.device) -> "InMemoryImages":
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


def normalize(img_u8: torch.Tensor) -> torch.Tensor:
    """uint8 (...,3,H,W) -> float32 normalised with ImageNet mean/std (scale 1/255), as the model card says."""
    mean = torch.tensor(MEAN, device=img_u8.device).view(3, 1, 1)
    std = torch.tensor(STD, device=img_u8.device).view(3, 1, 1)
    return (img_u8.float() / 255.0 - mean) / std


class Augmenter:
    def __init__(self, crop: int, scale_range: Tuple[float, float] = (0.5, 2.0), flip: bool = True):
        self.crop = crop
        self.lo, self.hi = scale_range
        self.flip = flip

    def batch(self, data: InMemoryImages, idxs: Sequence[int], device: torch.device,
              gen: torch.Generator) -> Tuple[torch.Tensor, torch.Tensor]:
        c, n = self.crop, len(idxs)
        r = torch.rand((n, 4), generator=gen).tolist()  # scale, crop y, crop x, flip
        images = torch.zeros((n, 3, c, c), device=device)
        masks = torch.full((n, c, c), data.ignore_index, dtype=torch.long, device=device)
        for b, i in enumerate(idxs):
            img = data.images[i].to(device, non_blocking=True)
            m = data.masks[i].to(device, non_blocking=True)
            h, w = m.shape
            f = (self.lo + (self.hi - self.lo) * r[b][0]) * c / min(h, w)
            nh, nw = max(1, round(h * f)), max(1, round(w * f))
            y0, x0 = int(r[b][1] * (max(nh - c, 0) + 1)), int(r[b][2] * (max(nw - c, 0) + 1))
            ch, cw = min(c, nh), min(c, nw)
            # resize only the source window the crop comes from (plus a margin for bilinear)
            sy0, sy1 = max(int(y0 * h / nh) - 1, 0), min(int((y0 + ch) * h / nh) + 2, h)
            sx0, sx1 = max(int(x0 * w / nw) - 1, 0), min(int((x0 + cw) * w / nw) + 2, w)
            img_r, m_r = self._resize_window(img, m, (nh, nw), (sy0, sy1, sx0, sx1), (y0, x0, ch, cw))
            if self.flip and r[b][3] < 0.5:
                img_r, m_r = img_r.flip(-1), m_r.flip(-1)
            images[b, :, :ch, :cw] = normalize(img_r.clamp(0, 255))
            masks[b, :ch, :cw] = m_r.long()
        return images, masks

    @staticmethod
    def _resize_window(img, m, full, src, dst):
        """Bilinear/nearest resize of a source window to the crop, with the sampling positions of a full resize
        (align_corners=False), so the result equals resize-then-crop without resizing the whole image."""
        sy0, sy1, sx0, sx1 = src
        y0, x0, ch, cw = dst
        h, w = m.shape
        dev = img.device
        ys = ((torch.arange(y0, y0 + ch, device=dev) + 0.5) * (h / full[0]) - 0.5).clamp(0, h - 1)
        xs = ((torch.arange(x0, x0 + cw, device=dev) + 0.5) * (w / full[1]) - 0.5).clamp(0, w - 1)
        # grid_sample in the window's normalised coordinates (align_corners=True maps -1/1 to pixel centres)
        wy = (ys - sy0) / max(sy1 - sy0 - 1, 1) * 2 - 1
        wx = (xs - sx0) / max(sx1 - sx0 - 1, 1) * 2 - 1
        grid = torch.stack(torch.meshgrid(wy, wx, indexing="ij")[::-1], dim=-1)[None]
        win = img[:, sy0:sy1, sx0:sx1][None].float()
        img_r = F.grid_sample(win, grid, mode="bilinear", align_corners=True)[0]
        # nearest: the source index of a full "nearest" resize is floor(dst * in/out)
        iy = ((torch.arange(y0, y0 + ch, device=dev) * (h / full[0])).floor().long().clamp(max=h - 1))
        ix = ((torch.arange(x0, x0 + cw, device=dev) * (w / full[1])).floor().long().clamp(max=w - 1))
        m_r = m[iy][:, ix].float()
        return img_r, m_r
