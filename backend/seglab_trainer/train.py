"""`python -m seglab_trainer train`: fine-tune a segmentation model on a SegLab dataset (torchrun-aware).

Reads top-down like torchvision's references/segmentation/train.py: data, model, one epoch, evaluation,
checkpoint, export, the loop, main, args. Progress goes to <out>/progress.jsonl (one JSON object a line) so the
service can follow any run.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import torch
import torch.distributed as dist

from . import engine
from .dataset import DatasetConfig, DatasetError, dataset_sha256, labeled_samples, load_config, split_samples
from .engine import (
    Precision,
    epoch_indices,
    evaluate,
    make_optimizer,
    poly_with_warmup,
    should_compile,
    steps_per_epoch,
    train_step,
)
from .export import export_model_dir
from .losses import CEDiceLoss
from .memory import Augmenter, InMemoryImages, place
from .models import ARCHS, build_model, builder_kwargs, card_options, check_options, resolved_options
from .runfiles import Progress, init_file, link_checkpoint, load_checkpoint, load_init, save_checkpoint

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
    "arch",
    *OPTION_ARGS,
    "image_size",
    "batch_size",
    "lr",
    "optimizer",
    "weight_decay",
    "momentum",
    "warmup_steps",
    "seed",
    "ce_weight",
    "dice_weight",
    "scale_min",
    "scale_max",
    "val_tile_size",
)


def model_kwargs(args) -> dict:
    """The architecture options given (unset ones take the architecture's defaults)."""
    return {kw: getattr(args, a) for a, kw in OPTION_ARGS.items() if getattr(args, a) is not None}


def inherit_options(args) -> dict:
    """`--init` from a model of the same architecture (and backbone, when one is given) rebuilds the same
    architecture: its options fill those not given on the command line. Returns the options taken."""
    ckpt = load_checkpoint(init_file(args.init))
    kw = ckpt.get("model_kw") or {}
    if ckpt.get("arch") != args.arch or args.backbone not in (None, kw.get("backbone")):
        return {}
    taken = {}
    for a, k in OPTION_ARGS.items():
        if getattr(args, a) is None and kw.get(k) is not None:
            setattr(args, a, kw[k])
            taken[k] = kw[k]
    return card_options(taken)


def setup_distributed(device_arg: str):
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    if device_arg == "auto":
        device_arg = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device_arg)
    if device.type == "cuda":
        device = torch.device("cuda", local if world > 1 else (device.index or 0))
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device, rank, world


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@dataclass
class Run:
    """Everything one training run holds between epochs."""

    args: argparse.Namespace
    cfg: DatasetConfig
    samples: list
    train_data: InMemoryImages
    val_data: InMemoryImages
    model: torch.nn.Module  # the bare model (checkpoints, evaluation, export)
    step_model: Any  # what a train step calls: DDP-wrapped and/or compiled
    options: dict
    optimizer: torch.optim.Optimizer
    scheduler: Any
    precision: Precision
    criterion: CEDiceLoss
    augment: Augmenter
    progress: Progress
    device: torch.device
    rank: int
    world: int
    steps_per_epoch: int
    channels_last: bool
    start_epoch: int = 0
    best: float = -1.0
    history: list = field(default_factory=list)


def prepare_args(args):
    """Restores a resumed run's settings and fills what follows from the others. Returns (checkpoint or None,
    options inherited from --init or None)."""
    ckpt = None
    if args.resume:
        ckpt = load_checkpoint(args.resume)
        for k in RUN_KEYS:
            setattr(args, k, ckpt["args"].get(k, getattr(args, k)))
    if args.lr is None:
        args.lr = engine.default_lr(args.optimizer)
    inherited = inherit_options(args) if args.init and not ckpt else None
    check_options(args.arch, **model_kwargs(args))
    return ckpt, inherited


def load_data(args, device: torch.device):
    cfg = load_config(args.data)
    samples = labeled_samples(args.data, cfg)
    if not samples:
        raise DatasetError(os.path.join(args.data, cfg.masks_dir), "no image has a mask: nothing to train on")
    train_s, val_s = split_samples(args.data, cfg, samples)
    train_data = InMemoryImages(train_s, cfg, max_short=round(args.image_size * args.scale_max), stacked=True)
    val_data = InMemoryImages(val_s, cfg, max_short=None)  # scored at their own size, as the pre-labeler runs
    data_device = place([train_data, val_data], device)
    return cfg, samples, train_data, val_data, data_device


def make_model(args, cfg: DatasetConfig, device: torch.device, with_init: bool):
    """The model on `device` (same initial weights on every rank) and what the start line says about it."""
    seed_everything(args.seed)
    extra = {"backbone_weights": args.backbone_weights} if args.backbone_weights else {}
    model = build_model(args.arch, cfg.num_classes, **model_kwargs(args), **extra)
    imagenet = next((m.weights_file for m in model.modules() if getattr(m, "weights_file", None)), None)
    init = load_init(model, args.init) if with_init else None
    model.to(device)
    if device.type == "cuda":
        model.to(memory_format=torch.channels_last)
    return model, imagenet, init


def wrap_for_steps(model: torch.nn.Module, args, device: torch.device, world: int, images_left: int):
    """What a train step calls: DDP across ranks, compiled where that repays itself. Returns (it, compiled)."""
    wrapped = model
    if world > 1:
        ids = [device.index] if device.type == "cuda" else None
        wrapped = torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)
    compiled = should_compile(args.compile, device, images_left)
    return (torch.compile(wrapped) if compiled else wrapped), compiled


def setup(args, device: torch.device, rank: int, world: int) -> Run:
    os.makedirs(args.out, exist_ok=True)
    progress = Progress(args.out, rank == 0)
    ckpt, inherited = prepare_args(args)
    cfg, samples, train_data, val_data, data_device = load_data(args, device)
    model, imagenet, init = make_model(args, cfg, device, bool(args.init and not ckpt))
    spe = steps_per_epoch(len(train_data), args.batch_size, world)
    total = spe * args.epochs
    step_model, compiled = wrap_for_steps(
        model, args, device, world, (total - spe * (ckpt["epoch"] if ckpt else 0)) * args.batch_size * world
    )
    warmup = args.warmup_steps if args.warmup_steps is not None else min(total // 10, 200)
    optimizer = make_optimizer(model, args.optimizer, args.lr, args.weight_decay, args.momentum)
    run = Run(
        args=args,
        cfg=cfg,
        samples=samples,
        train_data=train_data,
        val_data=val_data,
        model=model,
        step_model=step_model,
        options=resolved_options(model, model_kwargs(args)),
        optimizer=optimizer,
        scheduler=torch.optim.lr_scheduler.LambdaLR(optimizer, poly_with_warmup(total, warmup)),
        precision=Precision(device, args.amp),
        criterion=CEDiceLoss(cfg.ignore_index, args.ce_weight, args.dice_weight),
        augment=Augmenter(args.image_size, (args.scale_min, args.scale_max)),
        progress=progress,
        device=device,
        rank=rank,
        world=world,
        steps_per_epoch=spe,
        channels_last=device.type == "cuda",
    )
    if ckpt:
        restore(run, ckpt)
    progress(
        "start",
        arch=args.arch,
        epochs=args.epochs,
        startEpoch=run.start_epoch,
        stepsPerEpoch=spe,
        train=len(train_data),
        val=len(val_data),
        device=str(device),
        dataOn=str(data_device),
        world=world,
        precision=run.precision.name,
        compile=compiled,
        init=init and {**init, "options": inherited},
        backboneWeights=imagenet,
        resumed=bool(ckpt),
    )
    return run


def restore(run: Run, ckpt: dict) -> None:
    run.model.load_state_dict(ckpt["model"])
    run.optimizer.load_state_dict(ckpt["optimizer"])
    run.scheduler.load_state_dict(ckpt["scheduler"])
    run.precision.scaler.load_state_dict(ckpt["scaler"])
    run.start_epoch, run.best, run.history = ckpt["epoch"], ckpt["best_miou"], ckpt["history"]


def train_one_epoch(run: Run, epoch: int) -> dict:
    """One pass over this rank's share of the training images; returns the epoch's loss and speed."""
    args, spe, world, rank = run.args, run.steps_per_epoch, run.world, run.rank
    seed_everything(args.seed * 1000 + epoch * world + rank)  # dropout etc.: reproducible across resume
    gen = torch.Generator().manual_seed(args.seed * 7919 + epoch * world + rank)
    run.step_model.train()
    t0, losses = time.time(), []
    batches = epoch_indices(len(run.train_data), args.batch_size, world, rank, args.seed, epoch)
    for i, idxs in enumerate(batches):
        images, masks = run.augment.batch(run.train_data, idxs, run.device, gen)
        loss = train_step(
            run.step_model, run.criterion, run.optimizer, run.scheduler, run.precision, images, masks, run.channels_last
        )
        losses.append(loss)
        if rank == 0 and (i % args.log_every == 0 or i == spe - 1):
            run.progress(
                "step",
                epoch=epoch + 1,
                step=epoch * spe + i + 1,
                totalSteps=spe * args.epochs,
                loss=float(loss),
                lr=run.scheduler.get_last_lr()[0],
            )
    seconds = time.time() - t0
    return {
        "epoch": epoch + 1,
        "loss": float(torch.stack(losses).mean()),
        "seconds": round(seconds, 3),
        "imagesPerSecond": round(len(batches) * args.batch_size * world / seconds, 2),
    }


def save_epoch(run: Run, record: dict, improved: bool) -> None:
    """last.pt every epoch; best.pt becomes a link to it when the epoch improved val mIoU (rank 0 only)."""
    t0 = time.time()
    args, last, best = run.args, os.path.join(run.args.out, "last.pt"), os.path.join(run.args.out, "best.pt")
    save_checkpoint(
        last,
        model=run.model.state_dict(),
        optimizer=run.optimizer.state_dict(),
        scheduler=run.scheduler.state_dict(),
        scaler=run.precision.scaler.state_dict(),
        epoch=record["epoch"],
        best_miou=run.best,
        history=run.history,
        args=vars(args),
        classes=classes_json(run.cfg),
        arch=args.arch,
        model_kw=builder_kwargs(run.options),
    )
    if improved or not os.path.exists(best):
        link_checkpoint(last, best)
    run.progress(
        "epoch",
        **record,
        best=improved,
        step=record["epoch"] * run.steps_per_epoch,
        checkpointSeconds=round(time.time() - t0, 3),
    )


def export_best(run: Run) -> None:
    """model.onnx and model.json from best.pt, with the run's settings in the card's `training`."""
    args, cfg = run.args, run.cfg
    best_state = load_checkpoint(os.path.join(args.out, "best.pt"))
    export = build_model(args.arch, cfg.num_classes, **best_state["model_kw"])
    export.load_state_dict(best_state["model"])
    training = {
        "arch": args.arch,
        "epochs": args.epochs,
        "imageSize": args.image_size,
        "valImageSize": "native",
        "valTileSize": args.val_tile_size,
        "batchSize": args.batch_size,
        "lr": args.lr,
        "optimizer": args.optimizer,
        "seed": args.seed,
        "bestEpoch": best_state["epoch"],
        "train": len(run.train_data),
        "val": len(run.val_data),
        "datasetSha256": dataset_sha256(run.samples, cfg),
    }
    card = export_model_dir(
        export,
        args.out,
        dict(
            name=f"{cfg.name}-{args.arch}",
            arch=args.arch,
            options=run.options,
            classes=classes_json(cfg),
            history=run.history,
            final=best_state["history"][-1]["val"],
            training=training,
        ),
    )
    run.progress("exported", onnx="model.onnx", card="model.json", sha256=card["sha256"], check=card["onnx"]["check"])


def classes_json(cfg: DatasetConfig) -> list:
    return [c.to_json() for c in cfg.classes]


def main(args) -> int:
    device, rank, world = setup_distributed(args.device)
    try:
        return fit(setup(args, device, rank, world))
    finally:
        if world > 1:
            dist.destroy_process_group()


def fit(run: Run) -> int:
    args = run.args
    for epoch in range(run.start_epoch, args.epochs):
        record = train_one_epoch(run, epoch)
        t0 = time.time()
        val = evaluate(
            run.model,
            run.val_data,
            run.cfg.num_classes,
            run.model.multiple_of,
            run.device,
            run.rank,
            run.world,
            args.val_tile_size,
        )
        record.update(val=val, valSeconds=round(time.time() - t0, 3))
        run.history.append(record)
        improved = val["miou"] is not None and val["miou"] > run.best
        run.best = val["miou"] if improved else run.best
        if run.rank == 0:
            save_epoch(run, record, improved)
        if args.stop_after_epoch and epoch + 1 >= args.stop_after_epoch and epoch + 1 < args.epochs:
            run.progress("stopped", epoch=epoch + 1)
            return 0
    if run.rank == 0 and not args.no_export:
        export_best(run)
    run.progress("done", bestMiou=run.best if run.best >= 0 else None)
    if run.world > 1:
        dist.barrier()  # the other ranks wait for rank 0's export
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m seglab_trainer train", description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="dataset folder holding seglab.json")
    p.add_argument("--arch", required=True, choices=list(ARCHS))
    p.add_argument(
        "--backbone",
        help="deeplabv3plus: resnet50|resnet18|mobilenet_v3_large; fcn/deeplabv3: resnet50|resnet101 "
        "(deeplabv3 also mobilenet_v3_large)",
    )
    p.add_argument(
        "--backbone-weights",
        help="ImageNet weights file for the backbone (default: the torchvision cache "
        "when it has them, else random init)",
    )
    p.add_argument("--unet-base", type=int, help="U-Net width of the first level (default 32)")
    p.add_argument("--unet-depth", type=int, help="U-Net number of downsamplings (default 4)")
    p.add_argument("--aspp-channels", type=int, help="deeplabv3plus: ASPP width (default 256)")
    p.add_argument("--decoder-channels", type=int, help="deeplabv3plus: decoder width (default 256)")
    p.add_argument(
        "--width-mult", type=float, help="deeplabv3plus with mobilenet_v3_large: channel multiplier (default 1.0)"
    )
    p.add_argument(
        "--reduced-tail",
        action=argparse.BooleanOptionalAction,
        help="deeplabv3plus with mobilenet_v3_large: halve the last stage's channels (default off)",
    )
    p.add_argument(
        "--backbone-bn-momentum",
        type=float,
        help="deeplabv3plus: BatchNorm momentum of the backbone " "(default 0.1, also for MobileNetV3)",
    )
    p.add_argument("--epochs", type=int, required=True)
    p.add_argument("--out", required=True, help="output folder (checkpoints, progress.jsonl, model.onnx, model.json)")
    p.add_argument("--image-size", type=int, default=512, help="training crop size")
    p.add_argument("--batch-size", type=int, default=8, help="images per GPU per step")
    p.add_argument("--lr", type=float, help="peak learning rate (default 1e-3 AdamW, 1e-2 SGD)")
    p.add_argument("--optimizer", choices=["adamw", "sgd"], default="adamw")
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--warmup-steps", type=int, help="default: 10 %% of all steps, at most 200")
    p.add_argument("--ce-weight", type=float, default=0.5)
    p.add_argument("--dice-weight", type=float, default=0.5)
    p.add_argument("--scale-min", type=float, default=0.5, help="random resize range of the shorter side, x image size")
    p.add_argument("--scale-max", type=float, default=2.0)
    p.add_argument(
        "--init",
        help="start from a SegLab checkpoint (.pt) or a model folder holding best.pt; a model of "
        "the same architecture also gives the options not set here",
    )
    p.add_argument("--resume", help="continue the run saved in this checkpoint (last.pt)")
    p.add_argument(
        "--val-tile-size",
        type=int,
        default=engine.TILE_SIZE,
        help="validation runs on the val images at their own size; larger ones as overlapping tiles of this "
        "side, as the pre-labeler does (its default is also 1024)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    p.add_argument("--amp", choices=["auto", "bf16", "fp16", "off"], default="auto")
    p.add_argument(
        "--compile",
        choices=["auto", "on", "off"],
        default="auto",
        help=f"torch.compile (auto: on CUDA with PyTorch 2, for runs of at least {engine.COMPILE_MIN_IMAGES:,} "
        "training images, where the speed-up repays the compilation)",
    )
    p.add_argument("--log-every", type=int, default=10, help="write a step line every N steps")
    p.add_argument(
        "--stop-after-epoch", type=int, help="end the process after this epoch (checkpoint kept), e.g. for a time slot"
    )
    p.add_argument("--no-export", action="store_true", help="skip the ONNX export and model card")
    return p


def run(argv: Optional[list] = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if not args.init and not args.resume:  # (with them, the starting model may supply the backbone)
        try:
            check_options(args.arch, **model_kwargs(args))
        except ValueError as e:
            p.error(str(e))
    try:
        return main(args)
    except DatasetError as e:
        os.makedirs(args.out, exist_ok=True)
        Progress(args.out, int(os.environ.get("RANK", "0")) == 0)("error", message=str(e))
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Exception as e:
        os.makedirs(args.out, exist_ok=True)
        Progress(args.out, int(os.environ.get("RANK", "0")) == 0)("error", message=f"{type(e).__name__}: {e}")
        raise
