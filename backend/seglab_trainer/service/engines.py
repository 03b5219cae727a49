"""Which engine runs a prediction job's shards. "onnx": SegLab's own pre-labeler, `node dist/cli.js prelabel`
(ONNX Runtime, CPU). "torch": `python -m seglab_trainer predict` (seglab_trainer/predict/), the training job's
checkpoint in PyTorch, bf16 batches on a GPU where there is one; same arguments and the same files (pixel
equality: backend/tests/test_predict_torch.py). "auto" (the request's default) takes torch for a training job's
model whose card and checkpoint that engine runs exactly, on a CUDA device, else onnx, saying why in the record:
on the CPU ONNX Runtime is the faster engine (BENCHMARKS.md: the demo U-Net 3.6-10x faster on this 2-core machine)."""
from __future__ import annotations

import os
import sys
from typing import List, Optional, Tuple

from .checks import run_check
from .executors import python_module

ENGINES = ("auto", "onnx", "torch")


def torch_command(python: str = sys.executable) -> List[str]:
    """The PyTorch engine's command on `python` (a runner's: on Slurm the nodes' Python)."""
    return [*python_module(python, "seglab_trainer"), "predict"]


def torch_check(dataset: dict, model: dict) -> Tuple[Optional[str], str]:
    """(None when the PyTorch engine runs `model` on `dataset` (its own --check), else why not without the service's
    paths; the device it would run on)."""
    argv = [*torch_command(), dataset["root"], "--model", model["file"], "--check", "--json"]
    answer, problem = run_check(argv, {dataset["root"]: "<dataset>", os.path.dirname(model["file"]): "<model>"})
    return (problem, "") if problem else (None, answer.get("device", ""))


def choose_engine(requested: str, dataset: dict, model: dict, shard_gpu: bool = False) -> Tuple[str, Optional[str]]:
    """(the engine that runs, why auto did not take torch); ValueError when "torch" was asked and cannot run.
    `shard_gpu`: the shards get a GPU of their own (Slurm nodes with GPUs), whatever the service's host has."""
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
    if requested == "torch" or device == "cuda" or shard_gpu:
        return "torch", None
    return "onnx", "no CUDA device: on the CPU the ONNX engine is the faster one (engine torch runs it anyway)"
