"""Embedding jobs (POST /v1/embeddings): a prediction job of kind "embeddings" (predictions.py keeps its record,
shards, progress, cancel and resume) whose shards run embed_worker.py instead of the pre-labeler. The model is an
uploaded promptable card (model.json) with its image encoder (model.onnx); `seglab embed --check` reads the card
with core's rules and answers the keys' prefix, the encoder's preprocessing and the images, kept as embed.json in
the job folder for the workers. Results are <key>.emb files, found through the shards' progress lines."""
from __future__ import annotations

import json
import os
import subprocess
from typing import Dict, List, Tuple

from .executors import python_module

JOB_FILE = "embed.json"
CHECK_TIMEOUT_S = 120


def check_encoder(node: str, cli: str, root: str, model_file: str, only_unlabeled: bool) -> Tuple[dict, str]:
    """`seglab embed --check` of the uploaded card against the dataset: (its answer, None) or ({}, the problem)."""
    card = os.path.join(os.path.dirname(model_file), "model.json")
    argv = [node, cli, "embed", root, "--model", card, "--encoder", model_file, "--check", "--json"]
    argv += ["--only-unlabeled"] if only_unlabeled else []
    done = subprocess.run(argv, capture_output=True, text=True, timeout=CHECK_TIMEOUT_S, stdin=subprocess.DEVNULL)
    try:
        answer: dict = json.loads(done.stdout)
    except ValueError:
        answer = {"error": done.stderr.strip()[-2000:] or f"the check exited with status {done.returncode}"}
    if done.returncode == 0 and "error" not in answer:
        return answer, ""
    text = " ".join(str(answer.get(k) or "") for k in ("file", "error", "hint")).strip()
    for path, name in ((card, "model.json"), (root, "<dataset>"), (os.path.dirname(model_file), "<model>")):
        text = text.replace(path, name)
    return {}, text


def embedding_argv(folder: str, job: dict, python: str) -> List[str]:
    """Shard {k}'s command: embed_worker.py on `python` (the runner's) with the job's check answer, this package
    first on its path."""
    argv = python_module(python, "seglab_trainer.service.embed_worker")
    argv += ["--root", job["dataset"]["root"]]
    argv += ["--job", os.path.join(folder, JOB_FILE), "--model", job["model"]["file"]]
    argv += ["--out", os.path.join(folder, "out", "{k}"), "--progress", os.path.join(folder, "shards", "{k}.jsonl")]
    if job["shards"] > 1:
        argv += ["--stems", os.path.join(folder, "shards", "{k}.txt")]
    return argv


def embedding_results(folder: str) -> Dict[str, Tuple[str, str]]:
    """Stem -> (key, its finished .emb file), from every shard's progress lines (the worker writes a file, then
    its line)."""
    found: Dict[str, Tuple[str, str]] = {}
    shards = os.path.join(folder, "shards")
    for name in sorted(n for n in os.listdir(shards) if n.endswith(".jsonl")):
        with open(os.path.join(shards, name), encoding="utf-8") as f:
            lines = f.read().splitlines()
        for text in lines:
            try:
                line = json.loads(text)
            except ValueError:
                continue  # a line being written
            path = os.path.join(folder, "out", name[: -len(".jsonl")], f"{line.get('key')}.emb")
            if line.get("type") == "progress" and "key" in line and os.path.isfile(path):
                found[line["stem"]] = (line["key"], path)
    return dict(sorted(found.items()))
