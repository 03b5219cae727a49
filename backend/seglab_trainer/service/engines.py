"""Which engine runs a prediction job's shards. "onnx": SegLab's own pre-labeler, `node dist/cli.js prelabel`
(ONNX Runtime, CPU). "torch": `python -m seglab_trainer predict` (seglab_trainer/predict/), the training job's
checkpoint in PyTorch, bf16 batches on a GPU where there is one; same arguments and the same files (pixel
equality: backend/tests/test_predict_torch.py). "auto" (the request's default) takes torch for a training job's
model whose card and checkpoint that engine runs exactly, on a CUDA device, else onnx, saying why in the record:
on the CPU ONNX Runtime is the faster engine (BENCHMARKS.md: the demo U-Net 3.6-10x faster on this 2-core machine)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import List, Optional, Tuple

from .executors import python_module

ENGINES = ("auto", "onnx", "torch")
CHECK_TIMEOUT_S = 120


def torch_command(python: str = sys.executable) -> List[str]:
    """The PyTorch engine's command on `python` (a runner's: on Slurm the nodes' Python)."""
    return [*python_module(python, "seglab_trainer"), "predict"]


def torch_check(dataset: dict, model: dict) -> Tuple[Optional[str], str]:
    """(None when the PyTorch engine runs `model` on `dataset` (its own --check), else why not without the service's
    paths; the device it would run on)."""
    argv = [*torch_command(), dataset["root"], "--model", model["file"], "--check", "--json"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"its check did not finish ({e.__class__.__name__})", ""
    if done.returncode == 0:
        return None, json.loads(done.stdout).get("device", "")
    try:
        answer = json.loads(done.stdout)
        text = f"{os.path.basename(answer.get('file') or '')}: {answer['error']}".lstrip(": ")
    except (ValueError, KeyError, TypeError):
        lines = done.stderr.strip().splitlines()
        text = lines[-1] if lines else f"its check exited with status {done.returncode}"
    for path, name in ((dataset["root"], "<dataset>"), (os.path.dirname(model["file"]), "<model>")):
        text = text.replace(path, name)
    return text, ""


def choose_engine(requested: str, dataset: dict, model: dict) -> Tuple[str, Optional[str]]:
    """(the engine that runs, why auto did not take torch); ValueError when "torch" was asked and cannot run."""
    if requested == "onnx":
        return "onnx", None
    if model["kind"] != "job":
        if requested == "torch":
            raise ValueError(f"engine torch runs a training job's checkpoint; model {model['id']} is an uploaded .onnx")
        return "onnx", None
    why, device = torch_check(dataset, model)
    if why is not None and requested == "torch":
        raise ValueError(f"engine torch cannot run job {model['id']}'s model: {why}")
    if why is not None:
        return "onnx", f"the PyTorch engine does not run this model: {why}"
    if requested == "torch" or device == "cuda":
        return "torch", None
    return "onnx", "no CUDA device: on the CPU the ONNX engine is the faster one (engine torch runs it anyway)"
