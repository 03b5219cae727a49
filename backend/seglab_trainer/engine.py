"""Pieces shared by the trainer and the benchmark: optimiser, schedule, mixed precision, one step, evaluation."""
from __future__ import annotations

import contextlib
import math
from typing import Callable, Iterator, List, Optional, Tuple, cast

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


class PolyWithWarmup:
    """LambdaLR factor: linear warm-up from 1 % to 100 %, then polynomial decay to 0 at `total` steps. An object,
    not a closure, so a time-budget run can move `total` as it plans its epochs, and LambdaLR's state_dict keeps it.
    """

    def __init__(self, total: int, warmup: int, power: float = 0.9):
        self.total, self.warmup, self.power = total, warmup, power

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return 0.01 + 0.99 * step / max(self.warmup, 1)
        t = (step - self.warmup) / max(self.total - self.warmup, 1)
        return max(1.0 - t, 0.0) ** self.power


#: On an H100 (BENCHMARKS.md) compiling adds 25-70 s to the first step and trains 9-38 % faster (DeepLabV3+-R50
#: least, U-Net most), so it repays itself after 21,000 to 150,000 images. "auto" compiles runs from this many
#: training images on, where the worst loss either way is the same, about 30 s.
COMPILE_MIN_IMAGES = 50_000


def should_compile(mode: str, device: torch.device, images: Optional[int] = None) -> bool:
    """torch.compile for `mode` on/off/auto; auto: on CUDA with PyTorch 2, when the run trains at least
    COMPILE_MIN_IMAGES images (`images` None: a run of unknown length, such as a benchmark)."""
    if mode != "auto":
        return mode == "on"
    return device.type == "cuda" and hasattr(torch, "compile") and (images is None or images >= COMPILE_MIN_IMAGES)


def compile_model(model: nn.Module) -> nn.Module:
    """torch.compile, which PyTorch 1.13 lacks (should_compile never asks for it there)."""
    return getattr(torch, "compile")(model)


def use_channels_last(model: nn.Module) -> None:
    """NHWC weights, for the GPU's tensor cores (Module.to takes memory_format; 1.13's type stubs omit it)."""
    model.to(memory_format=torch.channels_last)  # pyright: ignore[reportCallIssue]


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
        scaler = getattr(getattr(torch, "amp", None), "GradScaler", None)  # torch.amp's: PyTorch 2.3+
        if scaler is not None and TORCH2:
            self.scaler = scaler("cuda", enabled=enabled)
        else:
            self.scaler = torch.cuda.amp.GradScaler(enabled=enabled)

    @property
    def name(self) -> str:
        return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[self.dtype]

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=self.dtype)


def train_step(
    model: nn.Module,
    criterion: nn.Module,
    optimizer,
    scheduler,
    precision: Precision,
    images: torch.Tensor,
    masks: torch.Tensor,
    channels_last: bool,
) -> torch.Tensor:
    """One optimisation step; returns the loss as a tensor (no GPU sync here)."""
    if channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    with precision.autocast():
        logits = model(images)
    loss = criterion(logits.float(), masks)
    optimizer.zero_grad(set_to_none=True)
    cast(torch.Tensor, precision.scaler.scale(loss)).backward()  # a tensor scaled is a tensor
    precision.scaler.step(optimizer)
    precision.scaler.update()
    if scheduler is not None:
        scheduler.step()
    return loss.detach()


#: the pre-labeler's defaults (src/core/model/pipeline.ts): larger images run as overlapping tiles
TILE_SIZE, TILE_OVERLAP = 1024, 128


def _round_up(n: int, m: int) -> int:
    return -(-n // m) * m


def tile_origins(length: int, tile: int, overlap: int, m: int) -> List[int]:
    """Tile origins along one axis, as src/core/model/tiling.ts: 0, s, 2s, ..., length - tile."""
    if tile >= length:
        return [0]
    stride = max(m, (tile - overlap) // m * m)
    return list(range(0, length - tile, stride)) + [length - tile]


def ramp_weights(size: int, overlap: int) -> torch.Tensor:
    """Blend weight along one tile axis (float32 like the TypeScript Float32Array): 1 in the middle,
    1/(overlap+1) at the edges."""
    i = torch.arange(size, dtype=torch.float64)
    ramp = overlap + 1
    return torch.minimum(torch.minimum((i + 1) / ramp, (size - i) / ramp), torch.ones(())).float()


def _run_padded(model: nn.Module, image_u8: torch.Tensor, th: int, tw: int) -> torch.Tensor:
    """Logits (C, th, tw) of uint8 3xhxw `image_u8`, normalised and zero-padded at the bottom/right to th x tw."""
    h, w = image_u8.shape[-2:]
    return model(F.pad(normalize(image_u8)[None], (0, tw - w, 0, th - h))).float()[0]


def needs_tiles(h: int, w: int, multiple_of: int, tile: int) -> bool:
    """Whether an h x w image runs as tiles (a padded side above the tile, rounded to the multiple)."""
    t = _round_up(tile, multiple_of)
    return _round_up(h, multiple_of) > t or _round_up(w, multiple_of) > t


#: run(crops, th, tw): logits (N, C, th, tw) float32 of uint8 3 x h x w crops, each normalised and zero-padded at
#: the bottom/right to th x tw
RunCrops = Callable[[List[torch.Tensor], int, int], torch.Tensor]


def blended_rows(
    run: RunCrops, image_u8: torch.Tensor, multiple_of: int, tile: int = TILE_SIZE, overlap: int = TILE_OVERLAP
) -> Iterator[Tuple[int, torch.Tensor]]:
    """(y0, logits C x rows x W) of one uint8 3xHxW image, top to bottom, exactly as the extension's pre-labeler
    computes them with a dynamic-input model: native size, zero-padded at the bottom/right to a multiple of
    `multiple_of`. An image with a padded side above `tile` runs as overlapping tiles of that side (one row of
    tiles a `run`) blended with linear ramps, with the grid, weights and float32 rounding of
    src/core/model/pipeline.ts; like there, one row of tiles is blended at a time, so memory stays bounded."""
    h, w = image_u8.shape[-2:]
    m = multiple_of
    ph, pw, t = _round_up(h, m), _round_up(w, m), _round_up(tile, m)
    if not needs_tiles(h, w, m, tile):
        yield 0, run([image_u8], ph, pw)[0, :, :h, :w]
        return
    th, tw = min(t, ph), min(t, pw)
    wy, wx = (ramp_weights(n, overlap).double().to(image_u8.device) for n in (th, tw))  # on the GPU too
    ys, xs = tile_origins(ph, th, overlap, m), tile_origins(pw, tw, overlap, m)
    weight = torch.zeros((th, w), dtype=torch.float32, device=image_u8.device)
    band = None  # blended logits of rows [y0, y0 + th), as the TypeScript band buffer (channels: the model's)
    for r, y0 in enumerate(ys):
        vh = min(th, h - y0)
        outs = run([image_u8[:, y0 : y0 + vh, x0 : min(x0 + tw, w)] for x0 in xs], th, tw)
        for x0, out in zip(xs, outs):
            vw = min(tw, w - x0)
            if band is None:
                band = torch.zeros((out.shape[0], th, w), dtype=torch.float32, device=out.device)
            wt = wy[:vh, None] * wx[None, :vw]  # products of float32s: exact in float64, as in JavaScript
            # float64 arithmetic rounded to float32 at each store, like `+=` into a Float32Array
            band[:, :vh, x0 : x0 + vw] = (band[:, :vh, x0 : x0 + vw].double() + out[:, :vh, :vw].double() * wt).float()
            weight[:vh, x0 : x0 + vw] = (weight[:vh, x0 : x0 + vw].double() + wt).float()
        assert band is not None  # every row has tiles
        # rows [y0, next) are final: no later tile reaches above the next row's origin
        nxt = ys[r + 1] if r + 1 < len(ys) else y0 + th
        rows = min(nxt, h) - y0
        yield y0, (band[:, :rows].double() / weight[:rows].double()).float()
        shift = nxt - y0
        band, weight = band.roll(-shift, 1), weight.roll(-shift, 0)
        band[:, th - shift :], weight[th - shift :] = 0, 0


@torch.no_grad()
def predict_labels(
    model: nn.Module, image_u8: torch.Tensor, multiple_of: int, tile: int = TILE_SIZE, overlap: int = TILE_OVERLAP
) -> torch.Tensor:
    """Class per pixel (H, W) of one uint8 3xHxW image as the extension's pre-labeler predicts it (blended_rows,
    fp32, argmax: the first maximum), one model run a tile."""

    def run(crops: List[torch.Tensor], th: int, tw: int) -> torch.Tensor:
        return torch.stack([_run_padded(model, c, th, tw) for c in crops])

    labels = torch.empty(image_u8.shape[-2:], dtype=torch.long, device=image_u8.device)
    for y0, logits in blended_rows(run, image_u8, multiple_of, tile, overlap):
        labels[y0 : y0 + logits.shape[1]] = logits.argmax(0)
    return labels


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: InMemoryImages,
    num_classes: int,
    multiple_of: int,
    device: torch.device,
    rank: int = 0,
    world: int = 1,
    tile: int = TILE_SIZE,
) -> dict:
    """Dataset-level metrics over `data` at the images' own size (see predict_labels: the figure equals
    `seglab prelabel` + `seglab miou` on the exported model up to ONNX Runtime's rounding). Each rank takes
    every world-th image; matrices are summed."""
    was_training = model.training
    model.eval()
    cm = ConfusionMatrix(num_classes, data.ignore_index)
    for i in range(rank, len(data), world):
        cm.update(data.masks[i], predict_labels(model, data.images[i].to(device), multiple_of, tile))
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
    return [mine[s * batch : (s + 1) * batch] for s in range(steps)]
