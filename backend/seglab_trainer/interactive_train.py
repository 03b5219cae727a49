"""`python -m seglab_trainer train --task interactive`: the click model (RITM's iterative training, FocalClick's
zoom-in), with the semantic trainer's optimiser, schedule, precision, budget, progress lines and checkpoints.

Each step: a batch of zoom-in examples (interactive_data.py), a first positive click inside each target (biased to
its interior), then 0..--click-rounds rounds without gradients in which the model's own prediction is compared
with the target and the next click goes to the deepest error (clicks.py), the prediction fed back as the previous
mask; then one step of BCE + Dice (losses.BinaryBCEDiceLoss) on the last prediction. Validation: mean IoU after
1..VAL_CLICKS simulated clicks on val targets, predicted exactly as the exported model runs (zoom.py), the last
of them standing in for the semantic trainer's val mIoU (best.pt, patience).
"""

from __future__ import annotations

import datetime
import os
import time
from typing import List, Optional

import torch

from . import MEAN, STD, engine
from .budget import Budget
from .clicks import boundary_distance, deepest, disk_maps, extra_clicks, first_clicks, next_click, next_clicks
from .dataset import dataset_sha256
from .export import OPSET, check_onnx, export_onnx, sha256_file, write_json_atomic
from .interactive_data import MIN_AREA, RegionIndex, components, example
from .losses import BinaryBCEDiceLoss
from .memory import InMemoryImages, normalize
from .models import build_model, resolved_options
from .models.click_model import CHANNELS, ClickModel
from .runfiles import Progress, link_checkpoint, load_init, save_checkpoint
from .train_args import model_kwargs
from .zoom import Box, Click, CropRule, click_maps, crop_box, crop_image, crop_nearest, paste

VAL_CLICKS = 3
#: an epoch draws this many examples per training image (a random region of it each)
EXAMPLES_PER_IMAGE = 4
VAL_TARGETS = 16
THRESHOLD = 0.0


def build_click_model(arch: str, kw: dict) -> ClickModel:
    return ClickModel(build_model(arch, 1, **kw))


def model_input(image: torch.Tensor, maps: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
    """(N, 6, S, S): normalised image, click maps (N, 2, S, S), previous mask (N, S, S)."""
    return torch.cat([image, maps, previous[:, None].float()], 1)


@torch.no_grad()
def predict(
    model: torch.nn.Module,
    image_u8: torch.Tensor,
    clicks: List[Click],
    previous: Optional[torch.Tensor],
    rule: CropRule,
    radius: float,
) -> torch.Tensor:
    """The (H, W) bool selection for `clicks` on a uint8 (3, H, W) image, refining `previous` (H, W) or None, as
    the extension runs the exported model: crop, model, paste back."""
    h, w = image_u8.shape[-2:]
    box = crop_box(clicks, previous, rule)
    image = crop_image(normalize(image_u8), box, rule.size)
    maps = click_maps(clicks, box, rule.size, radius)
    prev = torch.zeros((h, w), dtype=torch.long) if previous is None else previous.long()
    prev = crop_nearest(prev, box, rule.size, 0)
    logits = model(model_input(image[None], maps[None], prev[None]))[0, 0]
    return respect_clicks(paste(logits, box, h, w, previous, THRESHOLD), clicks, box)


def respect_clicks(mask: torch.Tensor, clicks: List[Click], box: Box) -> torch.Tensor:
    """The card's output.respectClicks: each clicked pixel takes its click's label (later clicks win), then only
    the 4-connected regions holding a positive click stay. Every selected pixel lies in `box` (it holds the clicks
    and the previous mask, and the model writes nowhere else), so regions are labelled there only."""
    mask = mask.clone()
    for x, y, positive in clicks:
        mask[y, x] = positive
    x0, y0, x1, y1 = box.within(*mask.shape)
    labels = components(mask[y0:y1, x0:x1])
    keep = sorted({int(labels[y - y0, x - x0]) for x, y, positive in clicks if positive} - {0})
    out = torch.zeros_like(mask)
    out[y0:y1, x0:x1] = torch.isin(labels, torch.tensor(keep, dtype=labels.dtype))
    return out


def simulate(model, images, targets, valid, rounds: int, args, gen) -> torch.Tensor:
    """RITM's click simulation on a batch of crops (a first click, --extra-clicks, then `rounds` corrective
    rounds); returns the model input for the gradient step."""
    n, size, radius = images.shape[0], images.shape[-1], args.click_radius
    positive, negative = args.extra_clicks
    more = extra_clicks(targets & valid, valid, gen, positive, negative, max(1, size // 8))
    clicks: List[List[Click]] = [([c] if c else []) + m for c, m in zip(first_clicks(targets & valid, gen), more)]
    prev = torch.zeros((n, size, size), dtype=torch.bool)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for _ in range(rounds):
            pred = model(model_input(images, disk_maps(clicks, size, radius), prev))[:, 0] > THRESHOLD
            for sample, click in zip(clicks, next_clicks(targets, pred, valid)):
                if click:
                    sample.append(click)
            prev = pred
    model.train(was_training)
    return model_input(images, disk_maps(clicks, size, radius), prev)


@torch.no_grad()
def validate(model, data: InMemoryImages, index: RegionIndex, rule: CropRule, radius: float) -> dict:
    """Mean IoU (valid pixels) after 1..VAL_CLICKS clicks of the deterministic robot on up to VAL_TARGETS
    targets (every k-th region), the first click at the target's deepest pixel."""
    model.eval()
    regions = index.regions[:: max(1, -(-len(index.regions) // VAL_TARGETS))]
    ious = torch.zeros(VAL_CLICKS)
    for r in regions:
        labels = data.masks[r.image].cpu()
        target, valid = index.maps[r.image] == r.label, labels != data.ignore_index
        x0, y0, x1, y1 = r.box  # the deepest pixel, found in the target's box
        x, y, _ = deepest(boundary_distance(target[None, y0:y1, x0:x1])[0].flatten(), x1 - x0)
        clicks: List[Click] = [(x + x0, y + y0, True)]
        prev = None
        for k in range(VAL_CLICKS):
            prev = predict(model, data.images[r.image].cpu(), clicks, prev, rule, radius)
            inter, union = (prev & target & valid).sum(), ((prev | target) & valid).sum()
            ious[k] += float(inter) / max(float(union), 1.0)
            nxt = next_click(target, prev, valid)
            if nxt is None:
                ious[k + 1 :] += 1.0
                break
            clicks.append(nxt)
    model.train()
    mean = (ious / max(len(regions), 1)).tolist()
    return {"miou": mean[-1] if regions else None, "iouAfterClicks": mean, "targets": len(regions)}


def fit(args, device: torch.device) -> int:
    from .train import read_dataset, seed_everything  # (train.py dispatches here)

    os.makedirs(args.out, exist_ok=True)
    progress = Progress(args.out, True)
    cfg, samples, train_s, val_s = read_dataset(args)
    rule = CropRule(args.image_size, args.crop_expand, args.crop_min_side)
    train_data, val_data = InMemoryImages(train_s, cfg, None), InMemoryImages(val_s, cfg, None)
    train_index, val_index = RegionIndex(train_data), RegionIndex(val_data)
    if not train_index.regions:
        raise ValueError(f"no labeled region of a non-background class has {MIN_AREA} pixels: nothing to click on")
    seed_everything(args.seed)
    kw = model_kwargs(args)
    model = build_click_model(args.arch, kw)
    init = load_init(model, args.init) if args.init else None
    per_image = [train_index.of_image(i) for i in range(len(train_data))]
    usable = [i for i, r in enumerate(per_image) if r]
    spe = engine.steps_per_epoch(len(usable) * EXAMPLES_PER_IMAGE, args.batch_size, 1)
    budget = Budget(args.epochs, args.minutes, args.patience, args.started)
    optimizer = engine.make_optimizer(model, args.optimizer, args.lr, args.weight_decay, args.momentum)
    schedule = engine.PolyWithWarmup(spe * budget.cap, args.warmup_steps or min(spe, 200))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    precision = engine.Precision(device, args.amp)
    criterion = BinaryBCEDiceLoss(cfg.ignore_index, args.ce_weight, args.dice_weight)
    model.to(device)
    progress(
        "start",
        task="interactive",
        arch=args.arch,
        epochs=budget.cap,
        minutes=args.minutes,
        stepsPerEpoch=spe,
        train=len(train_data),
        val=len(val_data),
        regions={"train": len(train_index.regions), "val": len(val_index.regions)},
        crop=rule.to_json(),
        clicks={"radius": args.click_radius, "rounds": args.click_rounds, "extra": args.extra_clicks},
        wholeClass=args.whole_class,
        batchSize=args.batch_size,
        device=str(device),
        init=init,
    )
    history: List[dict] = []
    best, ended_by = -1.0, "epochs"
    for epoch in range(budget.cap):
        gen = torch.Generator().manual_seed(args.seed * 7919 + epoch)
        t0, losses = time.time(), []
        for step, idxs in enumerate(
            engine.epoch_indices(len(usable) * EXAMPLES_PER_IMAGE, args.batch_size, 1, 0, args.seed, epoch)
        ):
            regions = [per_image[usable[i % len(usable)]] for i in idxs]
            pairs = [
                example(
                    train_data,
                    train_index,
                    r[int(torch.randint(len(r), (1,), generator=gen))],
                    rule,
                    args.whole_class,
                    gen,
                )
                for r in regions
            ]
            images, labels = torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])
            rounds = int(torch.randint(args.click_rounds + 1, (1,), generator=gen))
            targets, valid = labels == 1, labels != cfg.ignore_index
            x = simulate(model, images.to(device), targets, valid, rounds, args, gen)
            loss = engine.train_step(model, criterion, optimizer, scheduler, precision, x, labels.to(device), False)
            losses.append(float(loss))
            if step % args.log_every == 0:
                progress(
                    "step", epoch=epoch + 1, step=epoch * spe + step + 1, totalSteps=schedule.total, loss=float(loss)
                )
        record = {"epoch": epoch + 1, "loss": sum(losses) / len(losses), "seconds": round(time.time() - t0, 3)}
        t1 = time.time()
        record.update(
            val=validate(model.cpu(), val_data, val_index, rule, args.click_radius),
            valSeconds=round(time.time() - t1, 3),
        )
        model.to(device)
        history.append(record)
        improved = record["val"]["miou"] is not None and record["val"]["miou"] > best
        best = max(best, record["val"]["miou"] or -1.0)
        last, best_path = os.path.join(args.out, "last.pt"), os.path.join(args.out, "best.pt")
        save_checkpoint(
            last,
            model=model.state_dict(),
            epoch=epoch + 1,
            history=history,
            args=vars(args),
            arch=args.arch,
            model_kw=kw,
            task="interactive",
        )
        if improved or not os.path.exists(best_path):
            link_checkpoint(last, best_path)
        progress("epoch", **record, best=improved, step=(epoch + 1) * spe)
        budget.epoch_done()
        schedule.total = budget.planned(epoch + 1) * spe
        reason = budget.reason_to_stop(history, budget.planned(epoch + 1))
        if reason:
            ended_by = reason
            break
    if not args.no_export:
        export_click_model(args, cfg, rule, history, ended_by, dataset_sha256(samples, cfg))
    progress("done", bestMiou=best if best >= 0 else None, epochs=len(history), endedBy=ended_by)
    return 0


def export_click_model(args, cfg, rule: CropRule, history: List[dict], ended_by: str, data_sha: str) -> dict:
    """model.onnx and the promptable card model.json (family "clicks") from best.pt."""
    from .runfiles import load_checkpoint

    state = load_checkpoint(os.path.join(args.out, "best.pt"))
    model = build_click_model(args.arch, state["model_kw"])
    model.load_state_dict(state["model"])
    training = {
        **{"task": "interactive", "epochs": args.epochs, "minutes": args.minutes, "epochsRun": len(history)},
        **{"endedBy": ended_by, "bestEpoch": state["epoch"], "batchSize": args.batch_size, "lr": args.lr},
        **{"clickRounds": args.click_rounds, "extraClicks": args.extra_clicks, "wholeClass": args.whole_class},
        "seed": args.seed,
        "datasetSha256": data_sha,
        "loss": f"{args.ce_weight} x BCE + {args.dice_weight} x soft Dice, valid pixels only",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "torch": torch.__version__,
    }
    metrics = {
        "valIouAfterClicks": [{"epoch": h["epoch"], "iou": h["val"]["iouAfterClicks"]} for h in history],
        "trainLoss": [{"epoch": h["epoch"], "loss": h["loss"]} for h in history],
    }
    extra = {"architecture": args.arch, "architectureOptions": resolved_options(model.net, state["model_kw"])}
    name = f"{cfg.name}-{args.arch}-clicks"
    return write_click_export(
        model, args.out, name, rule, args.click_radius, {**extra, "training": training, "metrics": metrics}
    )


def write_click_export(model: ClickModel, out_dir: str, name: str, rule: CropRule, radius: float, extra: dict) -> dict:
    """model.onnx (checked against PyTorch) and its promptable card model.json: what the extension's runtime
    (src/core/model/promptable/clicks.ts) needs, then `extra` (training records)."""
    onnx_path = os.path.join(out_dir, "model.onnx")
    export_onnx(model, onnx_path, size=rule.size, channels=len(CHANNELS))
    check = check_onnx(model, onnx_path, sizes=((rule.size, rule.size), (96, 160)), channels=len(CHANNELS))
    sha = sha256_file(onnx_path)
    card = {
        "kind": "promptable",
        "family": "clicks",
        "name": name,
        "model": {"file": "model.onnx", "sha256": sha},
        "input": {
            "name": "image",
            "channels": list(CHANNELS),
            "mean": [round(m * 255, 4) for m in MEAN],
            "std": [round(s * 255, 4) for s in STD],
        },
        "output": {"name": "logits", "threshold": THRESHOLD, "respectClicks": True},
        "clicks": {"encoding": "disk", "radius": radius},
        "crop": rule.to_json(),
        "onnx": {"opset": OPSET, "bytes": os.path.getsize(onnx_path), "check": check},
        **extra,
    }
    write_json_atomic(os.path.join(out_dir, "model.json"), card)
    return card
