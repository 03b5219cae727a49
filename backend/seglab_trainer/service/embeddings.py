"""Embedding jobs (POST /v1/embeddings): a prediction job of kind "embeddings" (predictions.py keeps its record,
shards, progress, cancel and resume) whose shards run SegLab's own CLI, `node dist/cli.js embed` (core's encoder
input on onnxruntime-node; CPU, or CUDA when the request asks), so each image's <key>.emb is the file the host's
cache holds by construction. The model is an uploaded promptable card (model.json) with its image encoder
(model.onnx); `seglab embed --check` reads the card with core's rules and answers the keys' prefix and the images
at submission. Results are <key>.emb files, found through the shards' progress lines."""
from __future__ import annotations

import json
import os
from typing import Dict, List, Tuple

from .checks import run_check

#: a shard's cache folder never evicts (seglab embed's --cache-mb at its largest)
NO_EVICTION_MB = "1000000"


def check_encoder(node: str, cli: str, root: str, model_file: str, only_unlabeled: bool) -> Tuple[dict, str]:
    """`seglab embed --check` of the uploaded card against the dataset: (its answer, "") or ({}, the problem)."""
    card = os.path.join(os.path.dirname(model_file), "model.json")
    argv = [node, cli, "embed", root, "--model", card, "--encoder", model_file, "--check", "--json"]
    argv += ["--only-unlabeled"] if only_unlabeled else []
    return run_check(argv, {card: "model.json", root: "<dataset>", os.path.dirname(model_file): "<model>"})


def embedding_argv(folder: str, job: dict, node: str, cli: str) -> List[str]:
    """Shard {k}'s command: `seglab embed` of the uploaded card and encoder into out/{k}, reporting through
    shards/{k}.jsonl (each image's stem and key, then the done line with the provider that ran: the job's device,
    as the CLI never falls back from CUDA to the CPU)."""
    card = os.path.join(os.path.dirname(job["model"]["file"]), "model.json")
    argv = [node, cli, "embed", job["dataset"]["root"], "--model", card, "--encoder", job["model"]["file"]]
    argv += ["--cache", os.path.join(folder, "out", "{k}"), "--cache-mb", NO_EVICTION_MB]
    argv += ["--progress", os.path.join(folder, "shards", "{k}.jsonl"), "--device", job["options"].get("device", "cpu")]
    if job["shards"] > 1:
        argv += ["--stems", os.path.join(folder, "shards", "{k}.txt")]
    if job["options"].get("onlyUnlabeled"):
        argv.append("--only-unlabeled")
    return argv  # no --json: a shard's one-line error on stderr is what the job's error quotes


def embedding_results(folder: str) -> Dict[str, Tuple[str, str]]:
    """Stem -> (key, its finished .emb file), from every shard's progress lines (the CLI writes a file, then its
    line)."""
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
