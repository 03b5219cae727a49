"""`python -m seglab_trainer.bench --predict`: prediction engines end to end, from images on disk to PNG masks and
manifest on disk, each engine a fresh process exactly as a prediction job's shard runs it (start-up, model load
and the run itself all count): the PyTorch engine (`python -m seglab_trainer predict`, bf16 batches on CUDA, fp32
on the CPU) and, on the CPU, SegLab's pre-labeler (`node dist/cli.js prelabel`, ONNX Runtime) on the same files,
whose masks are then compared. The model has the demo U-Net's architecture and classes
(scripts/demo/models/demo-unet.json) with seeded random weights, exported as the trainer does next to its
checkpoint (the demo's trained checkpoint is not kept; speed does not depend on the weights). Images: a dataset
given with --predict-data (e.g. `npm run demo:data -- DIR`) or --images synthetic 512x512 JPEGs."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

import numpy as np
import torch
from PIL import Image

from .export import export_model_dir
from .models import build_model
from .runfiles import save_checkpoint
from .service.executors import PACKAGE_PARENT

REPO = os.path.dirname(PACKAGE_PARENT)
DEMO_CARD = os.path.join(REPO, "scripts", "demo", "models", "demo-unet.json")
CLI = os.path.join(REPO, "dist", "cli.js")


def demo_unet(out_dir: str) -> str:
    """model.onnx, model.json and best.pt of a demo-U-Net-shaped model in `out_dir`; returns the .onnx path."""
    with open(DEMO_CARD, encoding="utf-8") as f:
        card = json.load(f)
    torch.manual_seed(0)
    kw = dict(card["architectureOptions"])
    model = build_model(card["architecture"], len(card["classes"]), **kw).eval()
    os.makedirs(out_dir, exist_ok=True)
    fields = dict(name="bench-demo-unet", arch=card["architecture"], options=kw, classes=card["classes"])
    export_model_dir(model, out_dir, {**fields, "history": [], "final": None, "training": {"bestEpoch": 0}})
    state = dict(arch=card["architecture"], classes=card["classes"], model_kw=kw, model=model.state_dict(), epoch=0)
    save_checkpoint(os.path.join(out_dir, "best.pt"), **state)
    return os.path.join(out_dir, "model.onnx")


def _one_image(root: str, i: int, size: int) -> None:
    rng = np.random.default_rng(i)
    img = rng.integers(0, 255, (size // 8, size // 8, 3), dtype=np.uint8)
    Image.fromarray(img).resize((size, size), Image.BILINEAR).save(os.path.join(root, "images", f"{i:06d}.jpg"))


def synthetic_images(root: str, count: int, size: int = 512) -> str:
    """`count` smooth random JPEGs of size x size with the demo's classes, written by a thread pool."""
    os.makedirs(os.path.join(root, "images"))
    with open(DEMO_CARD, encoding="utf-8") as f:
        classes = json.load(f)["classes"]
    with open(os.path.join(root, "seglab.json"), "w", encoding="utf-8") as f:
        json.dump({"name": "bench-predict", "classes": classes}, f)
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(lambda i: _one_image(root, i, size), range(count)))
    return root


def run_engine(engine: str, root: str, onnx: str, out: str, device: str, batch: Optional[int]) -> dict:
    """One engine's process over the dataset; its wall time and its own figures."""
    if engine == "torch":
        argv = [sys.executable, "-m", "seglab_trainer", "predict", root, "--device", device]
        argv += ["--batch", str(batch)] if batch else []
    else:
        argv = ["node", CLI, "prelabel", root]
    env = {**os.environ, "PYTHONPATH": PACKAGE_PARENT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    t0 = time.perf_counter()
    done = subprocess.run([*argv, "--model", onnx, "--out", out, "--json"], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{engine} engine failed ({done.returncode}): {done.stderr[-2000:]}")
    r = json.loads(done.stdout)
    n = len(r["written"])
    row = {"mode": "predict", "engine": engine, "provider": r["model"]["provider"], "images": n}
    row.update(wallSeconds=round(wall, 2), imagesPerSecond=round(n / wall, 2))
    row.update(runSeconds=round(r["seconds"], 2), runImagesPerSecond=round(r["imagesPerSecond"] or 0, 2))
    return row


def differing_pixels(a: str, b: str) -> int:
    total = 0
    for name in sorted(n for n in os.listdir(a) if n.endswith(".png")):
        with Image.open(os.path.join(a, name)) as x, Image.open(os.path.join(b, name)) as y:
            total += int((np.array(x) != np.array(y)).sum())
    return total


def bench_predict(args, device: torch.device, tmp: str) -> None:
    """One JSON line per engine (torch, then onnx on the CPU), then the masks' comparison."""
    root = args.predict_data or synthetic_images(os.path.join(tmp, "images"), args.images)
    onnx = demo_unet(os.path.join(tmp, "model"))
    load = os.getloadavg()[0]
    engines = ["torch"] + (["onnx"] if device.type == "cpu" and shutil.which("node") and os.path.isfile(CLI) else [])
    for engine in engines:
        row = run_engine(engine, root, onnx, os.path.join(tmp, engine), str(device), args.predict_batch)
        print(json.dumps({**row, "loadAverage": [round(load, 1), round(os.getloadavg()[0], 1)]}), flush=True)
    if len(engines) == 2:
        row = {"mode": "predict-compare", "differingPixels": differing_pixels(*(os.path.join(tmp, e) for e in engines))}
        print(json.dumps(row), flush=True)
