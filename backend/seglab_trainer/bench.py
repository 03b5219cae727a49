"""`python -m seglab_trainer.bench`: training images/s per architecture, one JSON object a line.

For each model two figures with the same compiled model, optimiser and loss as the trainer:
  compute  synthetic normalised tensors already on the device (the issue's anchor setting);
  data     the trainer's real data path: a generated JPEG/PNG dataset decoded once into memory (on the GPU
           when it fits) and augmented there each step (random scale, crop, flip).
With --e2e EPOCHS: a real training process per model instead, timed from launch to exported model; with
--e2e EPOCHS --service, the round trip through a real local service, from upload to the checked download.
With --predict: the prediction engines end to end instead (bench_predict.py).
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np
import torch
from PIL import Image

from .bench_e2e import run_e2e, run_service_e2e
from .bench_predict import bench_predict
from .dataset import labeled_samples, load_config
from .engine import Precision, compile_model, make_optimizer, should_compile, train_step, use_channels_last
from .losses import CEDiceLoss
from .memory import Augmenter, InMemoryImages, place
from .models import build_model

MODELS = {
    "unet": ("unet", {"base": 64, "depth": 4}),
    "deeplabv3plus-resnet50": ("deeplabv3plus", {"backbone": "resnet50"}),
    "deeplabv3-resnet50": ("deeplabv3", {"backbone": "resnet50"}),
    "fcn-resnet50": ("fcn", {"backbone": "resnet50"}),
    "deeplabv3-mobilenet_v3_large": ("deeplabv3", {"backbone": "mobilenet_v3_large"}),
    "segformer": ("segformer", {}),
}
QUICK_MODELS = {
    "unet": ("unet", {"base": 8, "depth": 3}),
    "deeplabv3plus-mobilenet_v3_large": ("deeplabv3plus", {"backbone": "mobilenet_v3_large"}),
    "segformer": ("segformer", {}),
}


def make_images(root: str, count: int, size: int, classes: int = 4) -> str:
    """A dataset of noisy images with random rectangles, a little larger than the crop (like real photos)."""
    rng = np.random.default_rng(0)
    os.makedirs(os.path.join(root, "images"))
    os.makedirs(os.path.join(root, "masks"))
    h, w = size * 5 // 4, size * 3 // 2
    for i in range(count):
        mask = np.zeros((h, w), np.uint8)
        for c in range(1, classes):
            y, x = rng.integers(0, h // 2), rng.integers(0, w // 2)
            mask[y : y + h // 3, x : x + w // 3] = c
        img = (rng.integers(0, 80, (h, w, 3)) + mask[..., None] * 40).astype(np.uint8)
        Image.fromarray(img).save(os.path.join(root, "images", f"{i:04d}.jpg"), quality=90)
        Image.fromarray(mask, mode="L").save(os.path.join(root, "masks", f"{i:04d}.png"))
    with open(os.path.join(root, "seglab.json"), "w") as f:
        json.dump(
            {"name": "bench", "classes": [{"id": i, "name": f"c{i}", "color": [i, i, i]} for i in range(classes)]}, f
        )
    return root


def timed_steps(step, steps: int, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    float(loss)  # waits for the device
    return time.perf_counter() - t0


def step_functions(arch, kw, args, device, data, num_classes):
    """The timed operations for one model, with the trainer's compiled model, optimiser and loss: a train step on
    synthetic tensors, one on augmented real data, the augmentation alone. Returns them and their settings."""
    torch.manual_seed(0)
    model = build_model(arch, num_classes, **kw).to(device)
    channels_last = device.type == "cuda"
    if channels_last:
        use_channels_last(model)
    use_compile = should_compile(args.compile, device)
    step_model = compile_model(model) if use_compile else model
    precision = Precision(device, args.amp)
    opt = make_optimizer(model, args.optimizer, 1e-3 if args.optimizer == "adamw" else 1e-2, 1e-4)
    loss_fn = CEDiceLoss(255, 0.5, 0.5 if args.loss == "cedice" else 0.0)
    b, s = args.batch_size, args.size
    x = torch.randn(b, 3, s, s, device=device)
    y = torch.randint(0, num_classes, (b, s, s), device=device)
    augment, gen = Augmenter(s), torch.Generator().manual_seed(0)
    order = np.random.default_rng(0)

    def batch():
        return augment.batch(data, order.integers(0, len(data), b).tolist(), device, gen)

    def step(images, masks):
        return train_step(step_model, loss_fn, opt, None, precision, images, masks, channels_last)

    modes = {"compute": lambda: step(x, y), "data": lambda: step(*batch()), "augment-only": lambda: batch()[1].sum()}
    settings = dict(precision=precision.name, channelsLast=channels_last, compile=use_compile, optimizer=args.optimizer)
    return modes, {**settings, "loss": args.loss, "torch": torch.__version__}


def time_modes(modes: dict, args, device: torch.device):
    """Seconds per mode over the same number of steps, after the warm-up (which compiles). Returns (seconds by
    mode, steps each, warm-up seconds)."""
    t0 = time.perf_counter()
    timed_steps(modes["compute"], args.warmup, device)
    warm = time.perf_counter() - t0
    for fn in modes.values():
        timed_steps(fn, 3, device)  # first calls of each mode's kernels (CUDA loads modules lazily)
    seconds = dict.fromkeys(modes, 0.0)
    rounds = 2 if args.steps >= 4 else 1  # interleaved, so clock and thermal drift hit every mode alike
    for _ in range(rounds):
        for mode, fn in modes.items():
            seconds[mode] += timed_steps(fn, args.steps // rounds, device)
    return seconds, args.steps // rounds * rounds, warm


def bench_model(name, arch, kw, args, device, data, num_classes) -> None:
    """One JSON line per mode."""
    modes, settings = step_functions(arch, kw, args, device, data, num_classes)
    seconds, steps, warm = time_modes(modes, args, device)
    b = args.batch_size
    for mode, sec in seconds.items():
        row = {"model": name, "mode": mode, "imagesPerSecond": round(steps * b / sec, 2)}
        row.update(stepMs=round(1000 * sec / steps, 2), size=args.size, batch=b, device=device_name(device))
        if mode == "augment-only":
            row["dataOn"] = str(data.images[0].device)
        else:
            row.update(settings, warmupSeconds=round(warm, 1))
        print(json.dumps(row), flush=True)
    del modes  # its closures hold the model and the optimiser state
    if device.type == "cuda":
        torch.cuda.empty_cache()


def device_name(device: torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m seglab_trainer.bench", description="Training images/s per model.")
    p.add_argument("--models", help=f"comma-separated, from: {', '.join(MODELS)}")
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps first (compilation happens here)")
    p.add_argument("--images", type=int, default=200, help="images in the generated dataset")
    p.add_argument("--optimizer", choices=["adamw", "sgd"], default="adamw")
    p.add_argument("--loss", choices=["cedice", "ce"], default="cedice")
    p.add_argument("--compile", choices=["auto", "on", "off"], default="auto")
    p.add_argument("--amp", choices=["auto", "bf16", "fp16", "off"], default="auto")
    p.add_argument("--device", default="auto")
    p.add_argument(
        "--e2e",
        type=int,
        metavar="EPOCHS",
        help="instead: time a real `train` run of EPOCHS epochs per model, launch to exported model",
    )
    p.add_argument(
        "--service",
        action="store_true",
        help="with --e2e: through a local `serve` (upload, job, events, download) instead of `train`",
    )
    p.add_argument("--quick", action="store_true", help="tiny CPU-sized run: 64 px, batch 2, 2 steps, 3 small models")
    p.add_argument(
        "--predict",
        action="store_true",
        help="instead: prediction engines end to end (bench_predict.py) on --images 512x512 images or --predict-data",
    )
    p.add_argument("--predict-data", help="with --predict: a SegLab dataset to predict (e.g. the demo's)")
    p.add_argument("--predict-batch", type=int, help="with --predict: the torch engine's --batch")
    return p


def parse(argv):
    """The arguments (sizes of a --quick run filled in), and the (name, arch, options) of each model to run."""
    p = parser()
    args = p.parse_args(argv)
    if args.service and not args.e2e:
        p.error("--service needs --e2e EPOCHS")
    table = MODELS
    if args.quick:
        args.size, args.batch_size, args.steps, args.warmup, args.images = 64, 2, 2, 1, 4
        table = QUICK_MODELS
    names = args.models.split(",") if args.models else list(table)
    unknown = [n for n in names if n not in table and n not in MODELS]
    if unknown:
        p.error(f"unknown model {', '.join(unknown)}")
    return args, [(n, *(table.get(n) or MODELS[n])) for n in names]


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def bench_in_memory(root: str, models: list, args, device: torch.device, generate_seconds: float) -> None:
    """The decode line, then each model's compute / data / augment-only lines."""
    t1 = time.perf_counter()
    cfg = load_config(root)
    data = InMemoryImages(labeled_samples(root, cfg), cfg, max_short=args.size * 2, stacked=True)
    t2 = time.perf_counter()
    on = place([data], device)
    row = {"mode": "decode", "images": len(data), "decodeSeconds": round(t2 - t1, 2)}
    row.update(imagesPerSecond=round(len(data) / (t2 - t1), 1), generateSeconds=round(generate_seconds, 2))
    row.update(dataOn=str(on), bytes=data.nbytes(), device=device_name(device))
    print(json.dumps(row), flush=True)
    for name, arch, kw in models:
        bench_model(name, arch, kw, args, device, data, cfg.num_classes)


def main(argv=None) -> int:
    args, models = parse(argv)
    device = pick_device(args.device)
    with tempfile.TemporaryDirectory(prefix="seglab-bench-") as tmp:
        if args.predict:
            bench_predict(args, device, tmp)
            return 0
        t0 = time.perf_counter()
        root = make_images(os.path.join(tmp, "ds"), args.images, args.size)
        if not args.e2e:
            bench_in_memory(root, models, args, device, time.perf_counter() - t0)
            return 0
        for name, arch, kw in models:
            if args.service:
                row = run_service_e2e(name, arch, kw, root, args, args.e2e)
            else:
                row = run_e2e(name, arch, kw, root, args, args.e2e, str(device))
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
