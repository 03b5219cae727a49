"""`python -m seglab_trainer train`: fine-tune a segmentation model on a SegLab dataset (torchrun-aware).

Reads top-down like torchvision's references/segmentation/train.py: data, model, one epoch, evaluation,
checkpoint, export, the loop, main. Flags are in train_args.py, the defaults picked from the data in defaults.py,
when a run ends in budget.py. Progress goes to <out>/progress.jsonl (one JSON object a line) so the service can
follow any run.
"""

from __future__ import annotations

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
from .budget import Budget
from .dataset import DatasetConfig, DatasetError, dataset_sha256, labeled_samples, load_config, split_samples
from .defaults import fill_data_defaults, fill_model_defaults
from .engine import PolyWithWarmup, epoch_indices, evaluate, make_optimizer, should_compile, steps_per_epoch
from .export import export_model_dir
from .losses import CEDiceLoss
from .memory import Augmenter, InMemoryImages, place
from .models import build_model, builder_kwargs, card_options, check_options, resolved_options
from .runfiles import Progress, init_file, link_checkpoint, load_checkpoint, load_init, save_checkpoint
from .train_args import OPTION_ARGS, RUN_KEYS, model_kwargs, parser


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

    args: Any
    cfg: DatasetConfig
    samples: list
    train_data: InMemoryImages
    val_data: InMemoryImages
    model: torch.nn.Module  # the bare model (checkpoints, evaluation, export)
    multiple_of: int
    options: dict
    optimizer: torch.optim.Optimizer
    schedule: PolyWithWarmup
    budget: Budget
    device: torch.device
    rank: int
    world: int
    steps_per_epoch: int
    progress: Progress
    chosen: dict  # defaults picked from the data and the device, with the reasons
    step_model: Any = None  # what a train step calls: DDP-wrapped and/or compiled
    start_epoch: int = 0
    best: float = -1.0
    history: list = field(default_factory=list)

    def __post_init__(self):
        args = self.args
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, self.schedule)
        self.precision = engine.Precision(self.device, args.amp)
        self.criterion = CEDiceLoss(self.cfg.ignore_index, args.ce_weight, args.dice_weight)
        self.augment = Augmenter(args.image_size, (args.scale_min, args.scale_max), native=args.scale_of == "native")
        self.channels_last = self.device.type == "cuda"


def prepare_args(args, device: torch.device):
    """Restores a resumed run's settings and fills what follows from the others. Returns (checkpoint or None,
    options inherited from --init or None, defaults chosen for the device)."""
    ckpt = None
    if args.resume:
        ckpt = load_checkpoint(args.resume)
        for k in RUN_KEYS:
            setattr(args, k, ckpt["args"].get(k, getattr(args, k)))
    if args.lr is None:
        args.lr = engine.default_lr(args.optimizer)
    inherited = inherit_options(args) if args.init and not ckpt else None
    chosen = fill_model_defaults(args, device)  # after --init, whose options win
    check_options(args.arch, **model_kwargs(args))
    return ckpt, inherited, chosen


def read_dataset(args):
    cfg = load_config(args.data)
    samples = labeled_samples(args.data, cfg)
    if not samples:
        raise DatasetError(os.path.join(args.data, cfg.masks_dir), "no image has a mask: nothing to train on")
    if args.export_sigmoid and cfg.num_classes != 2:  # refused before training, not after it
        raise DatasetError(
            os.path.join(args.data, "seglab.json"),
            f"--export-sigmoid needs exactly 2 classes (background and foreground), the dataset has {cfg.num_classes}: "
            "drop --export-sigmoid or train on a two-class dataset",
        )
    return (cfg, samples, *split_samples(args.data, cfg, samples))


def decode(args, cfg: DatasetConfig, train_s: list, val_s: list, device: torch.device):
    """Training images in memory, downscaled to what the largest crop-relative resize can use; val images at
    their own size (scored as the pre-labeler runs). Returns (train, val, the device they are on)."""
    max_short = None if args.scale_of == "native" else round(args.image_size * args.scale_max)
    train_data = InMemoryImages(train_s, cfg, max_short=max_short, stacked=True)
    val_data = InMemoryImages(val_s, cfg, max_short=None)
    return train_data, val_data, place([train_data, val_data], device)


def make_model(args, cfg: DatasetConfig, device: torch.device, with_init: bool):
    """The model on `device` (same initial weights on every rank) and what the start line says about it."""
    seed_everything(args.seed)
    extra = {"backbone_weights": args.backbone_weights} if args.backbone_weights else {}
    model = build_model(args.arch, cfg.num_classes, **model_kwargs(args), **extra)
    imagenet = next((m.weights_file for m in model.modules() if getattr(m, "weights_file", None)), None)
    init = load_init(model, args.init) if with_init else None
    model.to(device)
    if device.type == "cuda":
        engine.use_channels_last(model)
    return model, imagenet, init


def wrap_for_steps(run: Run) -> bool:
    """DDP across ranks; compiled where that repays itself (not in a time-budget run of unknown length, whose
    budget would pay for it). Returns whether it compiled."""
    args, spe, wrapped = run.args, run.steps_per_epoch, run.model
    if run.world > 1:
        ids = [run.device.index] if run.device.type == "cuda" else None
        wrapped = torch.nn.parallel.DistributedDataParallel(run.model, device_ids=ids)
    images_left = (run.budget.cap - run.start_epoch) * spe * args.batch_size * run.world if args.epochs else 0
    compiled = should_compile(args.compile, run.device, images_left)
    run.step_model = engine.compile_model(wrapped) if compiled else wrapped
    return compiled


def new_run(args, cfg, samples, data, model, device: torch.device, rank: int, world: int, chosen: dict) -> Run:
    spe = steps_per_epoch(len(data[0]), args.batch_size, world)
    budget = Budget(args.epochs, args.minutes, args.patience, args.started)
    warmup = args.warmup_steps
    if warmup is None:  # 10 % of the steps; a run whose length a time budget decides warms up over its first epoch
        warmup = min(spe * args.epochs // 10 if args.epochs and not args.minutes else spe, 200)
    return Run(
        args=args,
        cfg=cfg,
        samples=samples,
        train_data=data[0],
        val_data=data[1],
        model=model,
        multiple_of=getattr(model, "multiple_of"),
        options=resolved_options(model, model_kwargs(args)),
        optimizer=make_optimizer(model, args.optimizer, args.lr, args.weight_decay, args.momentum),
        schedule=PolyWithWarmup(spe * budget.cap, warmup),
        budget=budget,
        device=device,
        rank=rank,
        world=world,
        steps_per_epoch=spe,
        progress=Progress(args.out, rank == 0),
        chosen=chosen,
    )


def restore(run: Run, ckpt: dict) -> None:
    run.model.load_state_dict(ckpt["model"])
    run.optimizer.load_state_dict(ckpt["optimizer"])
    run.scheduler.load_state_dict(ckpt["scheduler"])
    run.precision.scaler.load_state_dict(ckpt["scaler"])
    run.start_epoch, run.best, run.history = ckpt["epoch"], ckpt["best_miou"], ckpt["history"]
    run.budget.spend(sum(h["seconds"] + h.get("valSeconds", 0) for h in run.history))


def setup(args, device: torch.device, rank: int, world: int) -> Run:
    os.makedirs(args.out, exist_ok=True)
    ckpt, inherited, chosen = prepare_args(args, device)
    cfg, samples, train_s, val_s = read_dataset(args)
    model, imagenet, init = make_model(args, cfg, device, bool(args.init and not ckpt))
    chosen.update(fill_data_defaults(args, model, train_s, device, world))
    train_data, val_data, data_device = decode(args, cfg, train_s, val_s, device)
    run = new_run(args, cfg, samples, (train_data, val_data), model, device, rank, world, chosen)
    if ckpt:
        restore(run, ckpt)
    compiled = wrap_for_steps(run)
    run.progress(
        "start",
        arch=args.arch,
        epochs=run.budget.cap,
        minutes=args.minutes,
        patience=args.patience,
        startEpoch=run.start_epoch,
        stepsPerEpoch=run.steps_per_epoch,
        train=len(train_data),
        val=len(val_data),
        imageSize=args.image_size,
        batchSize=args.batch_size,
        scale={"min": args.scale_min, "max": args.scale_max, "of": args.scale_of},
        defaults=chosen,
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
        loss = engine.train_step(
            run.step_model,
            run.criterion,
            run.optimizer,
            run.scheduler,
            run.precision,
            images,
            masks,
            run.channels_last,
        )
        losses.append(loss)
        if rank == 0 and (i % args.log_every == 0 or i == spe - 1):
            step, lr = epoch * spe + i + 1, run.scheduler.get_last_lr()[0]
            run.progress("step", epoch=epoch + 1, step=step, totalSteps=run.schedule.total, loss=float(loss), lr=lr)
    seconds = time.time() - t0
    return {
        "epoch": epoch + 1,
        "loss": float(torch.stack(losses).mean()),
        "seconds": round(seconds, 3),
        "imagesPerSecond": round(len(batches) * args.batch_size * world / seconds, 2),
    }


def evaluate_epoch(run: Run, record: dict) -> bool:
    """Val metrics into the epoch's record and the history; returns whether val mIoU improved."""
    t0 = time.time()
    args, cfg = run.args, run.cfg
    val = evaluate(
        run.model, run.val_data, cfg.num_classes, run.multiple_of, run.device, run.rank, run.world, args.val_tile_size
    )
    record.update(val=val, valSeconds=round(time.time() - t0, 3))
    run.history.append(record)
    if val["miou"] is None or val["miou"] <= run.best:
        return False
    run.best = val["miou"]
    return True


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
    step, seconds = record["epoch"] * run.steps_per_epoch, round(time.time() - t0, 3)
    run.progress("epoch", **record, best=improved, step=step, checkpointSeconds=seconds)


def plan_next(run: Run) -> Optional[str]:
    """After an epoch: the epochs the run will have (rank 0's clock decides for all ranks), the schedule's end
    moved there; returns why the run ends now ("epochs", "minutes", "patience") or None."""
    run.budget.epoch_done()
    done = run.history[-1]["epoch"]
    planned = torch.tensor([run.budget.planned(done)], device=run.device)
    if run.world > 1:
        dist.broadcast(planned, 0)
    run.schedule.total = int(planned.item()) * run.steps_per_epoch
    return run.budget.reason_to_stop(run.history, int(planned.item()))


def export_best(run: Run, ended_by: str) -> None:
    """model.onnx and model.json from best.pt, with the run's settings in the card's `training`."""
    args, cfg = run.args, run.cfg
    best_state = load_checkpoint(os.path.join(args.out, "best.pt"))
    export = build_model(args.arch, cfg.num_classes, **best_state["model_kw"])
    export.load_state_dict(best_state["model"])
    training = {
        **{"arch": args.arch, "epochs": args.epochs, "minutes": args.minutes, "patience": args.patience},
        **{"epochsRun": len(run.history), "endedBy": ended_by, "bestEpoch": best_state["epoch"]},
        **{"imageSize": args.image_size, "valImageSize": "native", "valTileSize": args.val_tile_size},
        **{"scale": {"min": args.scale_min, "max": args.scale_max, "of": args.scale_of}, "defaults": run.chosen},
        **{"batchSize": args.batch_size, "lr": args.lr, "optimizer": args.optimizer, "seed": args.seed},
        **{"train": len(run.train_data), "val": len(run.val_data), "datasetSha256": dataset_sha256(run.samples, cfg)},
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
        sigmoid=args.export_sigmoid,
    )
    run.progress("exported", onnx="model.onnx", card="model.json", sha256=card["sha256"], check=card["onnx"]["check"])


def classes_json(cfg: DatasetConfig) -> list:
    return [c.to_json() for c in cfg.classes]


def main(args) -> int:
    args.started = time.time()  # a time budget covers start-up too
    device, rank, world = setup_distributed(args.device)
    if args.task == "interactive":
        return fit_interactive(args, device, world)
    try:
        return fit(setup(args, device, rank, world))
    finally:
        if world > 1:
            dist.destroy_process_group()


def fit_interactive(args, device: torch.device, world: int) -> int:
    """The click model (interactive_train.py): one process, its own crop size and batch defaults."""
    from .interactive_train import fit as fit_clicks

    if world > 1:
        raise ValueError("--task interactive runs in one process (no torchrun)")
    if args.lr is None:
        args.lr = engine.default_lr(args.optimizer)
    fill_model_defaults(args, device)
    args.image_size = args.image_size or 256
    args.batch_size = args.batch_size or 8
    return fit_clicks(args, device)


def fit(run: Run) -> int:
    args, ended_by = run.args, "epochs"
    for epoch in range(run.start_epoch, run.budget.cap):
        record = train_one_epoch(run, epoch)
        improved = evaluate_epoch(run, record)
        if run.rank == 0:
            save_epoch(run, record, improved)
        if args.stop_after_epoch and epoch + 1 >= args.stop_after_epoch and epoch + 1 < run.budget.cap:
            run.progress("stopped", epoch=epoch + 1)
            return 0
        reason = plan_next(run)
        if reason:
            ended_by = reason
            break
    if run.rank == 0 and not args.no_export:
        export_best(run, ended_by)
    best = run.best if run.best >= 0 else None
    run.progress("done", bestMiou=best, epochs=len(run.history), endedBy=ended_by)
    if run.world > 1:
        dist.barrier()  # the other ranks wait for rank 0's export
    return 0


# The semantic trainer's options that the click model's loop (interactive_train.py) has no use for:
# refused rather than silently ignored.
NOT_FOR_CLICKS = ("--resume", "--scale-min", "--scale-max", "--scale-of", "--export-sigmoid", "--stop-after-epoch")


def run(argv: Optional[list] = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.epochs is None and args.minutes is None:
        p.error("give --epochs, --minutes or both")
    ignored = [flag for flag in NOT_FOR_CLICKS if getattr(args, flag[2:].replace("-", "_")) not in (None, False)]
    if args.task == "interactive" and ignored:
        p.error(f"--task interactive does not use {', '.join(ignored)}: leave them out")
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
