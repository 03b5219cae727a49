"""`python -m seglab_trainer train`: fine-tune a segmentation model on a SegLab dataset (torchrun-aware).

Reads top-down like torchvision's references/segmentation/train.py: data, model, criterion, loop, main, args.
Progress goes to <out>/progress.jsonl (one JSON object a line) so the service can follow any run.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from typing import Optional

import numpy as np
import torch
import torch.distributed as dist

from . import engine
from .dataset import DatasetError, dataset_sha256, labeled_samples, load_config, split_samples
from .engine import (Precision, evaluate, epoch_indices, make_optimizer, poly_with_warmup, should_compile, steps_per_epoch,
                     train_step)
from .export import export_model_dir
from .losses import CEDiceLoss
from .memory import Augmenter, InMemoryImages, place
from .models import build_model, builder_kwargs, card_options, check_options, resolved_options
from .runfiles import Progress, init_file, link_checkpoint, load_checkpoint, load_init, save_checkpoint

#: Command-line arguments that are architecture options -> the builder's keyword argument.
OPTION_ARGS = {"backbone": "backbone", "unet_base": "base", "unet_depth": "depth", "aspp_channels": "aspp_channels",
               "decoder_channels": "decoder_channels", "width_mult": "width_mult", "reduced_tail": "reduced_tail",
               "backbone_bn_momentum": "backbone_bn_momentum"}
#: Arguments that define a run; --resume restores them from the checkpoint.
RUN_KEYS = ("arch", *OPTION_ARGS, "image_size", "batch_size", "lr", "optimizer", "weight_decay", "momentum",
            "warmup_steps", "seed", "ce_weight", "dice_weight", "scale_min", "scale_max", "val_tile_size")


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
    np.random.seed(seed % 2 ** 32)
    torch.manual_seed(seed)


def main(args) -> int:
    device, rank, world = setup_distributed(args.device)
    try:
        return fit(args, device, rank, world)
    finally:
        if world > 1:
            dist.destroy_process_group()


def fit(args, device: torch.device, rank: int, world: int) -> int:
    os.makedirs(args.out, exist_ok=True)
    progress = Progress(args.out, rank == 0)
    ckpt = None
    if args.resume:
        ckpt = load_checkpoint(args.resume)
        for k in RUN_KEYS:
            setattr(args, k, ckpt["args"].get(k, getattr(args, k)))
    if args.lr is None:
        args.lr = engine.default_lr(args.optimizer)
    inherited = inherit_options(args) if args.init and not ckpt else None
    check_options(args.arch, **model_kwargs(args))

    cfg = load_config(args.data)
    samples = labeled_samples(args.data, cfg)
    if not samples:
        raise DatasetError(os.path.join(args.data, cfg.masks_dir), "no image has a mask: nothing to train on")
    train_s, val_s = split_samples(args.data, cfg, samples)
    train_data = InMemoryImages(train_s, cfg, max_short=round(args.image_size * args.scale_max), stacked=True)
    val_data = InMemoryImages(val_s, cfg, max_short=None)  # scored at their own size, as the pre-labeler runs
    data_device = place([train_data, val_data], device)

    seed_everything(args.seed)  # same initial weights on every rank and every attempt
    extra = {"backbone_weights": args.backbone_weights} if args.backbone_weights else {}
    model = build_model(args.arch, cfg.num_classes, **model_kwargs(args), **extra)
    imagenet = next((m.weights_file for m in model.modules() if getattr(m, "weights_file", None)), None)
    options = resolved_options(model, model_kwargs(args))
    init_info = {**load_init(model, args.init), "options": inherited} if args.init and not ckpt else None
    multiple_of = model.multiple_of
    model.to(device)
    channels_last = device.type == "cuda"
    if channels_last:
        model.to(memory_format=torch.channels_last)
    raw_model = model
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    spe = steps_per_epoch(len(train_data), args.batch_size, world)
    total = spe * args.epochs
    images_left = (total - spe * (ckpt["epoch"] if ckpt else 0)) * args.batch_size * world
    use_compile = should_compile(args.compile, device, images_left)
    step_model = torch.compile(model) if use_compile else model
    warmup = args.warmup_steps if args.warmup_steps is not None else min(total // 10, 200)
    optimizer = make_optimizer(raw_model, args.optimizer, args.lr, args.weight_decay, args.momentum)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, poly_with_warmup(total, warmup))
    precision = Precision(device, args.amp)
    criterion = CEDiceLoss(cfg.ignore_index, args.ce_weight, args.dice_weight)
    augment = Augmenter(args.image_size, (args.scale_min, args.scale_max))

    start_epoch, best, history = 0, -1.0, []
    if ckpt:
        raw_model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        precision.scaler.load_state_dict(ckpt["scaler"])
        start_epoch, best, history = ckpt["epoch"], ckpt["best_miou"], ckpt["history"]
    classes = [c.to_json() for c in cfg.classes]
    progress("start", arch=args.arch, epochs=args.epochs, startEpoch=start_epoch, stepsPerEpoch=spe, train=len(train_data),
             val=len(val_data), device=str(device), dataOn=str(data_device), world=world, precision=precision.name,
             compile=use_compile, init=init_info, backboneWeights=imagenet, resumed=bool(ckpt))

    for epoch in range(start_epoch, args.epochs):
        seed_everything(args.seed * 1000 + epoch * world + rank)  # dropout etc.: reproducible across resume
        gen = torch.Generator().manual_seed(args.seed * 7919 + epoch * world + rank)
        model.train()
        t0, losses = time.time(), []
        batches = epoch_indices(len(train_data), args.batch_size, world, rank, args.seed, epoch)
        for i, idxs in enumerate(batches):
            images, masks = augment.batch(train_data, idxs, device, gen)
            loss = train_step(step_model, criterion, optimizer, scheduler, precision, images, masks, channels_last)
            losses.append(loss)
            step = epoch * spe + i + 1
            if rank == 0 and (i % args.log_every == 0 or i == spe - 1):
                progress("step", epoch=epoch + 1, step=step, totalSteps=total, loss=float(loss), lr=scheduler.get_last_lr()[0])
        mean_loss = float(torch.stack(losses).mean())
        seconds = time.time() - t0
        val = evaluate(raw_model, val_data, cfg.num_classes, multiple_of, device, rank, world, args.val_tile_size)
        record = {"epoch": epoch + 1, "loss": mean_loss, "val": val, "seconds": round(seconds, 3),
                  "imagesPerSecond": round(len(batches) * args.batch_size * world / seconds, 2),
                  "valSeconds": round(time.time() - t0 - seconds, 3)}
        history.append(record)
        improved = val["miou"] is not None and val["miou"] > best
        best = val["miou"] if improved else best
        if rank == 0:
            t1 = time.time()
            state = dict(model=raw_model.state_dict(), optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict(),
                         scaler=precision.scaler.state_dict(), epoch=epoch + 1, best_miou=best, history=history,
                         args=vars(args), classes=classes, arch=args.arch, model_kw=builder_kwargs(options))
            save_checkpoint(os.path.join(args.out, "last.pt"), **state)
            if improved or not os.path.exists(os.path.join(args.out, "best.pt")):
                link_checkpoint(os.path.join(args.out, "last.pt"), os.path.join(args.out, "best.pt"))
            progress("epoch", **record, best=improved, step=(epoch + 1) * spe, checkpointSeconds=round(time.time() - t1, 3))
        if args.stop_after_epoch and epoch + 1 >= args.stop_after_epoch and epoch + 1 < args.epochs:
            progress("stopped", epoch=epoch + 1)
            return 0

    if rank == 0 and not args.no_export:
        best_state = load_checkpoint(os.path.join(args.out, "best.pt"))
        export = build_model(args.arch, cfg.num_classes, **best_state["model_kw"])
        export.load_state_dict(best_state["model"])
        final = best_state["history"][-1]["val"]
        card = export_model_dir(export, args.out, dict(
            name=f"{cfg.name}-{args.arch}", arch=args.arch, options=options, classes=classes, history=history,
            final=final, training={"arch": args.arch, "epochs": args.epochs, "imageSize": args.image_size,
                                   "valImageSize": "native", "valTileSize": args.val_tile_size,
                                   "batchSize": args.batch_size, "lr": args.lr, "optimizer": args.optimizer,
                                   "seed": args.seed, "bestEpoch": best_state["epoch"], "train": len(train_data),
                                   "val": len(val_data), "datasetSha256": dataset_sha256(samples, cfg)}))
        progress("exported", onnx="model.onnx", card="model.json", sha256=card["sha256"], check=card["onnx"]["check"])
    progress("done", bestMiou=best if best >= 0 else None)
    if world > 1:
        dist.barrier()  # the other ranks wait for rank 0's export
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m seglab_trainer train", description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="dataset folder holding seglab.json")
    p.add_argument("--arch", required=True, choices=["unet", "deeplabv3plus", "fcn", "deeplabv3", "segformer"])
    p.add_argument("--backbone", help="deeplabv3plus: resnet50|resnet18|mobilenet_v3_large; fcn/deeplabv3: resnet50|resnet101 "
                                      "(deeplabv3 also mobilenet_v3_large)")
    p.add_argument("--backbone-weights", help="ImageNet weights file for the backbone (default: the torchvision cache "
                                              "when it has them, else random init)")
    p.add_argument("--unet-base", type=int, help="U-Net width of the first level (default 32)")
    p.add_argument("--unet-depth", type=int, help="U-Net number of downsamplings (default 4)")
    p.add_argument("--aspp-channels", type=int, help="deeplabv3plus: ASPP width (default 256)")
    p.add_argument("--decoder-channels", type=int, help="deeplabv3plus: decoder width (default 256)")
    p.add_argument("--width-mult", type=float, help="deeplabv3plus with mobilenet_v3_large: channel multiplier (default 1.0)")
    p.add_argument("--reduced-tail", action=argparse.BooleanOptionalAction,
                   help="deeplabv3plus with mobilenet_v3_large: halve the last stage's channels (default off)")
    p.add_argument("--backbone-bn-momentum", type=float, help="deeplabv3plus: BatchNorm momentum of the backbone "
                                                              "(default 0.1, also for MobileNetV3)")
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
    p.add_argument("--init", help="start from a SegLab checkpoint (.pt) or a model folder holding best.pt; a model of "
                                  "the same architecture also gives the options not set here")
    p.add_argument("--resume", help="continue the run saved in this checkpoint (last.pt)")
    p.add_argument("--val-tile-size", type=int, default=engine.TILE_SIZE,
                   help="validation runs on the val images at their own size; larger ones as overlapping tiles of this "
                        "side, as the pre-labeler does (its default is also 1024)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    p.add_argument("--amp", choices=["auto", "bf16", "fp16", "off"], default="auto")
    p.add_argument("--compile", choices=["auto", "on", "off"], default="auto",
                   help=f"torch.compile (auto: on CUDA with PyTorch 2, for runs of at least {engine.COMPILE_MIN_IMAGES:,} "
                        "training images, where the speed-up repays the compilation)")
    p.add_argument("--log-every", type=int, default=10, help="write a step line every N steps")
    p.add_argument("--stop-after-epoch", type=int, help="end the process after this epoch (checkpoint kept), e.g. for a time slot")
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
