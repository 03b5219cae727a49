"""End-to-end timing for `python -m seglab_trainer.bench --e2e EPOCHS`, on the generated dataset: a real `train`
process from launch to exported model, or with --service the whole round trip through a real local service
(upload, job, its event stream, download of the ONNX and card with the sha256 checked), split into phases."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time

from .service.executors import PACKAGE_PARENT

# bench option -> (train CLI flag, job request field)
OPTIONS = {
    "backbone": ("--backbone", "backbone"),
    "base": ("--unet-base", "unetBase"),
    "depth": ("--unet-depth", "unetDepth"),
}


def model_flags(kw: dict) -> list:
    return [x for key, value in kw.items() for x in (OPTIONS[key][0], str(value))]


def summarize(events: list, submitted: float) -> dict:
    """Phases from the trainer's progress lines (their `time` is this machine's clock)."""
    start = next(e for e in events if e["type"] == "start")
    first = next(e for e in events if e["type"] == "step")
    epoch_lines = [e for e in events if e["type"] == "epoch"]
    exported = next(e for e in events if e["type"] == "exported")
    steady = sorted(e["imagesPerSecond"] for e in epoch_lines[1:]) or [epoch_lines[0]["imagesPerSecond"]]
    return {
        "train": start["train"],
        "val": start["val"],
        "startupSeconds": round(start["time"] - submitted, 2),
        "firstStepSeconds": round(first["time"] - start["time"], 2),
        "trainSeconds": round(epoch_lines[-1]["time"] - start["time"], 2),
        "exportSeconds": round(exported["time"] - epoch_lines[-1]["time"], 2),
        "valSeconds": round(sum(e["valSeconds"] for e in epoch_lines), 2),
        "checkpointSeconds": round(sum(e["checkpointSeconds"] for e in epoch_lines), 2),
        "epochImagesPerSecondMedian": steady[len(steady) // 2],
        "bestMiou": events[-1].get("bestMiou"),
        "precision": start["precision"],
        "compile": start["compile"],
        "device": start["device"],
    }


def run_e2e(name: str, arch: str, kw: dict, root: str, args, epochs: int, device: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="seglab-e2e-") as out:
        argv = [
            sys.executable,
            "-m",
            "seglab_trainer",
            "train",
            "--data",
            root,
            "--arch",
            arch,
            "--epochs",
            str(epochs),
            "--image-size",
            str(args.size),
            "--batch-size",
            str(args.batch_size),
            "--out",
            out,
            "--device",
            device,
            "--compile",
            args.compile,
            "--amp",
            args.amp,
            "--patience",
            "0",  # a timed run of exactly the epochs asked for
            *model_flags(kw),
        ]
        env = {**os.environ, "PYTHONPATH": PACKAGE_PARENT + os.pathsep + os.environ.get("PYTHONPATH", "")}
        t0 = time.time()
        done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        t1 = time.time()
        if done.returncode != 0:
            raise RuntimeError(f"{name}: trainer failed: {done.stderr[-2000:]}")
        with open(os.path.join(out, "progress.jsonl")) as f:
            events = [json.loads(line) for line in f]
    return {"model": name, "mode": "e2e", "epochs": epochs, "seconds": round(t1 - t0, 2), **summarize(events, t0)}


def run_service_e2e(name: str, arch: str, kw: dict, root: str, args, epochs: int) -> dict:
    """Like a user's round trip: the service is already running; the clock runs from the upload's first byte to
    the checked download. The service picks the device (the GPU when there is one) and its own precision."""
    from .service.client import LocalService  # needs httpx, which only this mode does

    params = {
        "arch": arch,
        "epochs": epochs,
        "imageSize": args.size,
        "batchSize": args.batch_size,
        **{OPTIONS[key][1]: value for key, value in kw.items()},
    }
    with tempfile.TemporaryDirectory(prefix="seglab-e2e-service-") as data:
        service = LocalService(os.path.join(data, "service"), secrets.token_hex(16))
        try:
            t0 = time.time()
            dataset = service.upload(root)
            t1 = time.time()
            job = service.submit(dataset, **params)
            events = service.events(job["id"], timeout=4 * 3600)
            final = events[-1][1]
            if final["state"] != "succeeded":
                raise RuntimeError(f"{name}: the job ended {final['state']}: {final.get('error')}")
            t2 = time.time()
            card = json.loads(service.artifact(job["id"], "model.json"))
            onnx = service.artifact(job["id"], "model.onnx")
            t3 = time.time()
        finally:
            service.stop()
    if hashlib.sha256(onnx).hexdigest() != card["sha256"]:
        raise RuntimeError(f"{name}: the downloaded model.onnx does not match its card's sha256")
    progress = [data for kind, data in events if kind == "progress"]
    return {
        "model": name,
        "mode": "e2e-service",
        "epochs": epochs,
        "seconds": round(t3 - t0, 2),
        "uploadSeconds": round(t1 - t0, 2),
        "downloadSeconds": round(t3 - t2, 2),
        "onnxBytes": len(onnx),
        **summarize(progress, t1),
    }
