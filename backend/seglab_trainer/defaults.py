"""Data-aware defaults: what the trainer picks, from the training images and the device, for the settings the
user did not give.

torchvision's references choose their crop and resize range for VOC's ~500-pixel images; here the same idea is
applied to the data at hand. A 128-pixel dataset trained at a 512 crop is upscaled 4x (16x the pixels) and its
textures are seen magnified in training but at 1x when the pre-labeler runs on the images' own size, so the crop
follows the images' median short side and the resize range is relative to each image's own size.
"""

from __future__ import annotations

import math
import os
from statistics import median
from typing import List, Sequence, Tuple

import torch
from PIL import Image
from torch import nn

from .dataset import Sample

MAX_CROP = 512
#: random resize factor of each image, relative to its own size (what the pre-labeler sees is 1x)
NATIVE_SCALE = (0.75, 1.5)
#: the largest batch picked for a GPU and for a CPU (where a larger batch is no faster per image, only fewer steps)
MAX_BATCH = {"cuda": 16, "cpu": 8}
#: share of the device's free memory the activations of one batch may take
MEMORY_SHARE = 0.5
#: a small dataset still gets this many optimiser steps an epoch: on 21 texture images of 64x64, 15 epochs at
#: batch 3 reached held-out mIoU 0.93, at batch 8 (3 steps an epoch) 0.67
STEPS_PER_EPOCH = 8
#: U-Net width on a CPU: a quarter of base 32's compute
CPU_UNET_BASE = 16


def image_sizes(samples: Sequence[Sample]) -> List[Tuple[int, int]]:
    """(height, width) of each image, read from the file headers only."""
    sizes = []
    for s in samples:
        with Image.open(s.image) as im:
            sizes.append((im.height, im.width))
    return sizes


def pick_crop(sizes: Sequence[Tuple[int, int]], multiple: int) -> Tuple[int, str]:
    """The images' median short side rounded down to the model's input multiple, at most MAX_CROP."""
    short = int(median(min(h, w) for h, w in sizes))
    crop = max(multiple, min(MAX_CROP, short) // multiple * multiple)
    return (
        crop,
        f"median short side {short} of {len(sizes)} training images, multiple of {multiple}, at most {MAX_CROP}",
    )


def activation_bytes_per_pixel(model: nn.Module, multiple: int) -> float:
    """Bytes autograd keeps for the backward pass, per input pixel of one image: measured on a small input
    (eval mode, so BatchNorm statistics stay as they are)."""
    side = multiple * math.ceil(64 / multiple)
    param = next(model.parameters())
    seen = {}

    def keep(t: torch.Tensor) -> torch.Tensor:
        seen[(t.data_ptr(), t.numel())] = t.numel() * t.element_size()
        return t

    was_training = model.training
    model.eval()
    try:
        with torch.autograd.graph.saved_tensors_hooks(keep, lambda t: t):
            model(torch.zeros(1, 3, side, side, device=param.device, dtype=param.dtype))
    finally:
        model.train(was_training)
    return sum(seen.values()) / (side * side)


def free_memory(device: torch.device) -> int:
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def pick_batch(per_image: float, free: int, device_type: str, train_images: int) -> Tuple[int, str]:
    """As many images as MEMORY_SHARE of the free memory holds (activations and their gradients, 2x the
    measured activations), at most MAX_BATCH, and small enough that an epoch has about STEPS_PER_EPOCH steps."""
    cap = MAX_BATCH.get(device_type, MAX_BATCH["cuda"])
    fits = int(MEMORY_SHARE * free // max(2 * per_image, 1))
    small_data = math.ceil(train_images / STEPS_PER_EPOCH)
    batch = max(1, min(cap, fits, small_data))
    return batch, (
        f"{2 * per_image / 2**20:.0f} MiB per image in training, {free / 2**30:.1f} GiB free on {device_type}: "
        f"{fits} fit in {MEMORY_SHARE:.0%}; at most {cap} on {device_type}, and {small_data} for "
        f"{STEPS_PER_EPOCH} steps an epoch over {train_images} training images"
    )


def fill_model_defaults(args, device: torch.device) -> dict:
    """Architecture defaults that depend on the device (before the model is built); returns what was chosen."""
    if args.arch == "unet" and args.unet_base is None and device.type == "cpu":
        args.unet_base = CPU_UNET_BASE
        return {"unetBase": {"value": CPU_UNET_BASE, "why": "U-Net on a CPU: a quarter of base 32's compute"}}
    return {}


def fill_data_defaults(args, model: nn.Module, train: Sequence[Sample], device: torch.device, world: int) -> dict:
    """Crop, resize range and batch size not given on the command line, from the training images and the
    device; returns what was chosen and why (the `start` progress line's `defaults`)."""
    chosen = {}
    multiple = getattr(model, "multiple_of", 1)
    if args.image_size is None:
        args.image_size, why = pick_crop(image_sizes(train), multiple)
        chosen["imageSize"] = {"value": args.image_size, "why": why}
    given = args.scale_min is not None or args.scale_max is not None
    if args.scale_of is None:
        args.scale_of = "crop" if given else "native"
    lo, hi = NATIVE_SCALE if args.scale_of == "native" else (0.5, 2.0)
    if not given:
        chosen["scale"] = {"value": [lo, hi], "of": args.scale_of, "why": SCALE_WHY[args.scale_of]}
    args.scale_min = lo if args.scale_min is None else args.scale_min
    args.scale_max = hi if args.scale_max is None else args.scale_max
    if args.batch_size is None:
        per_image = activation_bytes_per_pixel(model, multiple) * args.image_size**2
        per_rank = math.ceil(len(train) / world)
        args.batch_size, why = pick_batch(per_image, free_memory(device), device.type, per_rank)
        chosen["batchSize"] = {"value": args.batch_size, "why": why}
    return chosen


SCALE_WHY = {
    "native": "each image resized around its own resolution, the one the pre-labeler runs at",
    "crop": "shorter side resized to this range x the crop size",
}
