"""Pieces shared by the trainer and the benchmark: optimiser, schedule, mixed precision, one step, evaluation."""
from __future__ import annotations

import contextlib
import math
from typing import Callable, Optional

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from .memory import InMemoryImages, normalize
from .metrics import ConfusionMatrix

TORCH2 = int(torch.__version__.split(".")[0]) >= 2


def default_lr(optimizer: str) -> float:
    return 1e-3 if optimizer == "adamw" else 1e-2


def make_optimizer(model: nn.Module, name: str, lr: float, weight_decay: float, momentum: float = 0.9):
    params = [p for p in model.parameters() if p.requires_grad]
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r} (adamw, sgd)")


def poly_with_warmup(total_steps: int, warmup_steps: int, power: float = 0.9) -> Callable[[int], float]:
    """Linear warm-up from 1 % to 100 %, then polynomial decay to 0 at `total_steps`."""
    def factor(step: int) -> float:
        if step < warmup_steps:
            return 0.01 + 0.99 * step / max(warmup_steps, 1)
        t = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
        return max(1.0 - t, 0.0) ** power
    return factor


class Precision:
    """bf16 autocast where the GPU supports it, fp16 with a grad scaler on older GPUs, fp32 on CPU."""

    def __init__(self, device: torch.device, mode: str = "auto"):
        self.device = device
        if device.type != "cuda" or mode == "off":
            self.dtype = None
        elif mode == "bf16" or (mode == "auto" and torch.cuda.is_bf16_supported()):
            self.dtype = torch.bfloat16
        else:
            self.dtype = torch.float16
        enabled = self.dtype == torch.float16
        if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler") and TORCH2:
            self.scaler = torch.amp.GradScaler("cuda", enabled=enabled)
        else:
            self.scaler = torch.cuda.amp.GradScaler(enabled=enabled)

    @property
    def name(self) -> str:
        return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[self.dtype]

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=self.dtype)


def train_step(model: nn.Module, criterion: nn.Module, optimizer, scheduler, precision: Precision,
               images: torch.Tensor, masks: torch.Tensor, channels_last: bool) -> torch.Tensor:
    """One optimisation step; returns the loss as a tensor (no GPU sync here)."""
    if channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    with precision.autocast():
        logits = model(images)
    loss = criterion(logits.float(), masks)
    optimizer.zero_grad(set_to_none=True)
    precision.scaler.scale(loss).backward()
    precision.scaler.step(optimizer)
    precision.scaler.update()
    if scheduler is not None:
        scheduler.step()
    return loss.detach()


@torch.no_grad()
def predict_logits(model: nn.Module, image_u8: torch.Tensor, image_size: int, multiple_of: int,
                   out_size, precision: Optional[Precision] = None) -> torch.Tensor:
    """Logits (C, *out_size) for one uint8 3xHxW image: shorter side resized to image_size, padded to a
    multiple of `multiple_of`, upsampled back to out_size."""
    h, w = image_u8.shape[-2:]
    f = image_size / min(h, w)
    size = (max(1, round(h * f)), max(1, round(w * f)))
    x = normalize(image_u8)[None]
    if size != (h, w):
        x = F.interpolate(x, size, mode="bilinear", align_corners=False)
    ph, pw = (-size[0]) % multiple_of, (-size[1]) % multiple_of
    x = F.pad(x, (0, pw, 0, ph))
    with (precision.autocast() if precision else contextlib.nullcontext()):
        logits = model(x)
    logits = logits.float()[..., :size[0], :size[1]]
    return F.interpolate(logits, tuple(out_size), mode="bilinear", align_corners=False)[0]


@torch.no_grad()
def evaluate(model: nn.Module, data: InMemoryImages, num_classes: int, image_size: int, multiple_of: int,
             device: torch.device, precision: Optional[Precision] = None, rank: int = 0, world: int = 1) -> dict:
    """Dataset-level metrics over `data` (each rank takes every world-th image; matrices are summed)."""
    was_training = model.training
    model.eval()
    cm = ConfusionMatrix(num_classes, data.ignore_index)
    for i in range(rank, len(data), world):
        mask = data.masks[i]
        logits = predict_logits(model, data.images[i].to(device), image_size, multiple_of, mask.shape, precision)
        cm.update(mask, logits.argmax(0))
    if world > 1:
        t = torch.from_numpy(cm.mat).to(device)
        missed = torch.from_numpy(cm.missed).to(device)
        dist.all_reduce(t)
        dist.all_reduce(missed)
        counts = torch.tensor([cm.ignored, cm.unknown_gt], device=device)
        dist.all_reduce(counts)
        cm.mat, cm.missed = t.cpu().numpy(), missed.cpu().numpy()
        cm.ignored, cm.unknown_gt = counts.tolist()
    model.train(was_training)
    return cm.compute()


def steps_per_epoch(n: int, batch: int, world: int) -> int:
    return max(1, math.ceil(n / (batch * world)))


def epoch_indices(n: int, batch: int, world: int, rank: int, seed: int, epoch: int):
    """Per-step index lists for this rank: one seeded permutation per epoch, wrapped to fill whole batches."""
    g = torch.Generator().manual_seed(seed * 100003 + epoch)
    steps = steps_per_epoch(n, batch, world)
    need = steps * batch * world
    perm = torch.cat([torch.randperm(n, generator=g) for _ in range(math.ceil(need / n))])[:need].tolist()
    mine = perm[rank::world]
    return [mine[s * batch:(s + 1) * batch] for s in range(steps)]
