"""End-to-end timing for `python -m seglab_trainer.bench --e2e EPOCHS`: a real `train` process on the generated
dataset, from launch to exported model, split into start-up, first step (compilation), training and export."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from .service.executors import PACKAGE_PARENT


def model_flags(kw: dict) -> list:
    flags = []
    for key, flag in (("backbone", "--backbone"), ("base", "--unet-base"), ("depth", "--unet-depth")):
        if key in kw:
            flags += [flag, str(kw[key])]
    return flags


def run_e2e(name: str, arch: str, kw: dict, root: str, args, epochs: int, device: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="seglab-e2e-") as out:
        argv = [sys.executable, "-m", "seglab_trainer", "train", "--data", root, "--arch", arch, "--epochs", str(epochs),
                "--image-size", str(args.size), "--batch-size", str(args.batch_size), "--out", out, "--device", device,
                "--compile", args.compile, "--amp", args.amp, *model_flags(kw)]
        env = {**os.environ, "PYTHONPATH": PACKAGE_PARENT + os.pathsep + os.environ.get("PYTHONPATH", "")}
        t0 = time.time()
        done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        t1 = time.time()
        if done.returncode != 0:
            raise RuntimeError(f"{name}: trainer failed: {done.stderr[-2000:]}")
        with open(os.path.join(out, "progress.jsonl")) as f:
            events = [json.loads(line) for line in f]
    start = next(e for e in events if e["type"] == "start")
    first = next(e for e in events if e["type"] == "step")
    epoch_lines = [e for e in events if e["type"] == "epoch"]
    exported = next(e for e in events if e["type"] == "exported")
    steady = sorted(e["imagesPerSecond"] for e in epoch_lines[1:]) or [epoch_lines[0]["imagesPerSecond"]]
    return {"model": name, "mode": "e2e", "epochs": epochs, "train": start["train"], "val": start["val"],
            "seconds": round(t1 - t0, 2), "startupSeconds": round(start["time"] - t0, 2),
            "firstStepSeconds": round(first["time"] - start["time"], 2),
            "trainSeconds": round(epoch_lines[-1]["time"] - start["time"], 2),
            "exportSeconds": round(exported["time"] - epoch_lines[-1]["time"], 2),
            "epochImagesPerSecondMedian": steady[len(steady) // 2], "bestMiou": events[-1].get("bestMiou"),
            "precision": start["precision"], "compile": start["compile"], "device": start["device"]}
