"""The files of a training run: progress lines (for the service and any follower) and checkpoints."""
from __future__ import annotations

import json
import os
import shutil
import time

import torch


class Progress:
    """Appends JSON lines (rank 0 only); each line carries its type and a wall-clock timestamp."""

    def __init__(self, out_dir: str, enabled: bool):
        self.f = open(os.path.join(out_dir, "progress.jsonl"), "a", encoding="utf-8") if enabled else None

    def __call__(self, kind: str, **fields) -> None:
        if self.f:
            self.f.write(json.dumps({"type": kind, "time": round(time.time(), 3), **fields}) + "\n")
            self.f.flush()


def init_file(path: str) -> str:
    """The checkpoint of `--init`: the file itself, or a model folder's best.pt (else last.pt, checkpoint.pt)."""
    if os.path.isdir(path):
        path = next(
            (
                os.path.join(path, f)
                for f in ("best.pt", "last.pt", "checkpoint.pt")
                if os.path.isfile(os.path.join(path, f))
            ),
            path,
        )
    return path


def load_init(model: torch.nn.Module, path: str) -> dict:
    """Weights from a previous SegLab checkpoint or model folder; tensors whose shape differs (the classifier,
    when the class count changed) keep their fresh initialisation."""
    path = init_file(path)
    state = load_checkpoint(path)["model"]
    own = model.state_dict()
    usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(usable, strict=False)
    return {"init": path, "loaded": len(usable), "of": len(own)}


def load_checkpoint(path: str) -> dict:
    """A checkpoint this trainer wrote (it holds args and metrics next to tensors, which PyTorch 2.6+'s
    weights-only default refuses); only load files you trust."""
    return torch.load(path, map_location="cpu", weights_only=False)


def save_checkpoint(path: str, **state) -> None:
    tmp = f"{path}.tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def link_checkpoint(src: str, dst: str) -> None:
    """`dst` becomes the checkpoint `src` holds now, atomically, without writing it again (a DeepLabV3+-R50
    checkpoint with its AdamW state is 485 MB): a hard link, which `src`'s next save (a new file) leaves alone;
    a copy where the filesystem has no hard links."""
    tmp = f"{dst}.tmp"
    if os.path.lexists(tmp):
        os.remove(tmp)
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
