"""The command line of `python -m seglab_trainer train`: flags with help strings are the only configuration."""

from __future__ import annotations

import argparse
import math

from . import engine
from .models import ARCHS

#: Command-line arguments that are architecture options -> the builder's keyword argument.
OPTION_ARGS = {
    "backbone": "backbone",
    "unet_base": "base",
    "unet_depth": "depth",
    "aspp_channels": "aspp_channels",
    "decoder_channels": "decoder_channels",
    "width_mult": "width_mult",
    "reduced_tail": "reduced_tail",
    "backbone_bn_momentum": "backbone_bn_momentum",
}
#: Arguments that define a run; --resume restores them from the checkpoint.
RUN_KEYS = (
    *("arch", *OPTION_ARGS, "image_size", "batch_size", "lr", "optimizer", "weight_decay", "momentum"),
    *("warmup_steps", "seed", "ce_weight", "dice_weight", "scale_min", "scale_max", "scale_of", "val_tile_size"),
    *("minutes", "patience"),
)


def model_kwargs(args) -> dict:
    """The architecture options given (unset ones take the architecture's defaults)."""
    return {kw: getattr(args, a) for a, kw in OPTION_ARGS.items() if getattr(args, a) is not None}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m seglab_trainer train", description="Fine-tune a segmentation model.")
    p.add_argument("--data", required=True, help="dataset folder holding seglab.json")
    p.add_argument("--out", required=True, help="output folder (checkpoints, progress.jsonl, model.onnx, model.json)")
    p.add_argument("--arch", required=True, choices=list(ARCHS))
    p.add_argument(
        "--task",
        choices=["semantic", "interactive"],
        default="semantic",
        help="semantic: the pre-labeling model (one class per pixel); interactive: a click model for Smart Select "
        "(one region per prompt, exported with a promptable card)",
    )
    add_model_args(p.add_argument_group("architecture options (unset: the architecture's defaults)"))
    add_length_args(p.add_argument_group("how long (give --epochs, --minutes or both)"))
    add_data_args(p.add_argument_group("data (unset: picked from the training images and the device)"))
    add_optimizer_args(p.add_argument_group("optimisation"))
    add_run_args(p.add_argument_group("run"))
    add_click_args(p.add_argument_group("click model (--task interactive; --image-size is its crop size)"))
    return p


def add_click_args(g) -> None:
    g.add_argument("--click-radius", type=float, default=5.0, help="clicks are disks of this radius in crop pixels")
    g.add_argument(
        "--click-rounds", type=int, default=3, help="at most this many simulated corrective clicks before a step"
    )
    g.add_argument(
        "--extra-clicks",
        type=_pair,
        default=(0, 0),
        metavar="P,N",
        help="RITM's multi-point sampling: half the examples start with up to P more positive and N negative clicks "
        "(default 0,0: none)",
    )
    g.add_argument(
        "--whole-class",
        type=_probability,
        default=0.2,
        metavar="P",
        help="the share of examples whose target is every pixel of the sampled region's class, not the region",
    )
    g.add_argument(
        "--crop-expand", type=float, default=1.4, help="zoom-in box: this times the clicks' and mask's extent"
    )
    g.add_argument("--crop-min-side", type=int, default=160, help="zoom-in box: at least this many image pixels")


def _pair(text: str) -> tuple:
    try:
        positive, negative = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two counts P,N (e.g. 2,3), got {text!r}") from None
    if positive < 0 or negative < 0:
        raise argparse.ArgumentTypeError(f"counts cannot be negative: {text!r}")
    return positive, negative


def _probability(text: str) -> float:
    try:
        p = float(text)
    except ValueError:
        p = math.nan
    if not 0 <= p <= 1:
        raise argparse.ArgumentTypeError(f"expected a probability between 0 and 1, got {text!r}")
    return p


def add_model_args(g) -> None:
    g.add_argument(
        "--backbone",
        help="deeplabv3plus: resnet50|resnet18|mobilenet_v3_large; fcn/deeplabv3: resnet50|resnet101 "
        "(deeplabv3 also mobilenet_v3_large)",
    )
    g.add_argument(
        "--backbone-weights",
        help="ImageNet weights file for the backbone (default: the torchvision cache when it has them, else random)",
    )
    g.add_argument("--unet-base", type=int, help="U-Net width of the first level (default 32; 16 on a CPU)")
    g.add_argument("--unet-depth", type=int, help="U-Net number of downsamplings (default 4)")
    g.add_argument("--aspp-channels", type=int, help="deeplabv3plus: ASPP width (default 256)")
    g.add_argument("--decoder-channels", type=int, help="deeplabv3plus: decoder width (default 256)")
    g.add_argument("--width-mult", type=float, help="deeplabv3plus with mobilenet_v3_large: channel multiplier (1.0)")
    g.add_argument(
        "--reduced-tail",
        action=argparse.BooleanOptionalAction,
        help="deeplabv3plus with mobilenet_v3_large: halve the last stage's channels (default off)",
    )
    g.add_argument(
        "--backbone-bn-momentum", type=float, help="deeplabv3plus: BatchNorm momentum of the backbone (default 0.1)"
    )


def add_length_args(g) -> None:
    g.add_argument("--epochs", type=int, help="number of epochs (with --minutes: at most this many)")
    g.add_argument(
        "--minutes",
        type=float,
        help="time budget: trains as many epochs as fit (measured as it goes; the learning rate decays to zero "
        "at the planned end); best.pt keeps the best epoch by val mIoU",
    )
    g.add_argument(
        "--patience",
        type=int,
        default=10,
        help="stop when val mIoU has not improved for this many epochs (0: never; default 10)",
    )
    g.add_argument("--stop-after-epoch", type=int, help="end the process after this epoch (checkpoint kept)")


def add_data_args(g) -> None:
    g.add_argument("--image-size", type=int, help="training crop (default: the images' median short side, at most 512)")
    g.add_argument("--batch-size", type=int, help="images per device per step (default: what memory holds, <= 16)")
    g.add_argument("--scale-min", type=float, help="random resize factor range (default 0.75-1.5 of the image's")
    g.add_argument("--scale-max", type=float, help="own size; 0.5-2.0 of the crop once either is given)")
    g.add_argument(
        "--scale-of",
        choices=["native", "crop"],
        help="what the resize factor multiplies: each image's own size or the crop size (the shorter side "
        "becomes factor x crop); default native, crop when --scale-min or --scale-max is given",
    )
    g.add_argument(
        "--val-tile-size",
        type=int,
        default=engine.TILE_SIZE,
        help="validation runs on the val images at their own size; larger ones as overlapping tiles of this "
        "side, as the pre-labeler does (its default is also 1024)",
    )


def add_optimizer_args(g) -> None:
    g.add_argument("--lr", type=float, help="peak learning rate (default 1e-3 AdamW, 1e-2 SGD)")
    g.add_argument("--optimizer", choices=["adamw", "sgd"], default="adamw")
    g.add_argument("--weight-decay", type=float, default=1e-4)
    g.add_argument("--momentum", type=float, default=0.9)
    g.add_argument(
        "--warmup-steps",
        type=int,
        help="default: 10 %% of all steps (a --minutes run without --epochs: one epoch), at most 200",
    )
    g.add_argument("--ce-weight", type=float, default=0.5)
    g.add_argument("--dice-weight", type=float, default=0.5)
    g.add_argument("--seed", type=int, default=0)


def add_run_args(g) -> None:
    g.add_argument(
        "--init",
        help="start from a SegLab checkpoint (.pt) or a model folder holding best.pt; a model of "
        "the same architecture also gives the options not set here",
    )
    g.add_argument("--resume", help="continue the run saved in this checkpoint (last.pt)")
    g.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    g.add_argument("--amp", choices=["auto", "bf16", "fp16", "off"], default="auto")
    g.add_argument(
        "--compile",
        choices=["auto", "on", "off"],
        default="auto",
        help=f"torch.compile (auto: on CUDA with PyTorch 2, for runs of at least {engine.COMPILE_MIN_IMAGES:,} "
        "training images, where the speed-up repays the compilation)",
    )
    g.add_argument("--log-every", type=int, default=10, help="write a step line every N steps")
    g.add_argument("--no-export", action="store_true", help="skip the ONNX export and model card")
    g.add_argument(
        "--export-sigmoid",
        action="store_true",
        help='export a two-class model as one channel with a "sigmoid" card (the dataset must have 2 classes)',
    )
