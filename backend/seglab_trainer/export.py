"""ONNX export with dynamic height/width, a numerical check against PyTorch, and the model card JSON."""
from __future__ import annotations

import datetime
import hashlib
import inspect
import json
import os
from typing import Any, Callable, Dict, List, Optional

import torch
from torch import nn

from . import MEAN, STD
from .engine import TORCH2

OPSET = 17 if TORCH2 else 13
TOLERANCE = 1e-4


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json_atomic(path: str, data) -> None:
    """Durable too: the file is fsynced before the rename and its folder after, so a crash leaves the old
    content or the new one (job records depend on it)."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    folder = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def export_onnx(model: nn.Module, path: str, size: int = 128, channels: int = 3) -> None:
    """Input `image` float32 NCHW (normalised; a click model's has more channels), output `logits` NCHW at the
    input resolution."""
    model = model.eval().cpu().float()
    dummy = torch.randn(1, channels, size, size)
    axes = {0: "batch", 2: "height", 3: "width"}
    kw: Dict[str, Any] = dict(
        input_names=["image"],
        output_names=["logits"],
        opset_version=OPSET,
        dynamic_axes={"image": axes, "logits": axes},
    )
    tmp = f"{path}.tmp{os.getpid()}"
    export: Callable[..., Any] = torch.onnx.export  # its signature differs across PyTorch versions
    with torch.no_grad():
        if "dynamo" not in inspect.signature(export).parameters:
            export(model, dummy, tmp, **kw)
        else:  # PyTorch 2.9+ defaults to the dynamo exporter: keep the TorchScript one while it exists
            try:
                export(model, (dummy,), tmp, dynamo=False, **kw)
            except (TypeError, RuntimeError, NotImplementedError):
                export(model, (dummy,), tmp, dynamo=True, **kw)
    os.replace(tmp, path)


def check_onnx(model: nn.Module, path: str, sizes=((128, 128), (96, 160)), channels: int = 3) -> dict:
    """ONNX checker always; with onnxruntime installed, max |ORT - PyTorch| over inputs of several sizes
    (which also proves the height/width axes are dynamic)."""
    import onnx
    import onnx.checker

    onnx.checker.check_model(onnx.load(path))
    try:
        import onnxruntime as ort  # pyright: ignore[reportMissingImports] (optional: the `verify` extra)
    except ImportError:
        return {"checker": True, "onnxruntime": None, "maxAbsDiff": None}
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    model = model.eval().cpu().float()
    worst = 0.0
    g = torch.Generator().manual_seed(0)
    for h, w in sizes:
        x = torch.randn(1, channels, h, w, generator=g)
        with torch.no_grad():
            ref = model(x).numpy()
        out = sess.run(["logits"], {"image": x.numpy()})[0]
        if out.shape != ref.shape:
            raise ValueError(f"{path}: ONNX output shape {out.shape} differs from PyTorch {ref.shape} at {h}x{w}")
        worst = max(worst, float(abs(out - ref).max()))
    if worst > TOLERANCE:
        raise ValueError(f"{path}: ONNX output differs from PyTorch by {worst:.3g} (> {TOLERANCE})")
    return {"checker": True, "onnxruntime": ort.__version__, "maxAbsDiff": worst}


def model_card(
    *,
    name: str,
    arch: str,
    options: dict,
    classes: List[dict],
    multiple_of: int,
    onnx_path: str,
    training: dict,
    history: List[dict],
    final: Optional[dict],
    check: dict,
) -> dict:
    return {
        "name": name,
        "architecture": arch,
        "architectureOptions": options,
        "classes": classes,
        "input": {
            "name": "image",
            "mean": list(MEAN),
            "std": list(STD),
            "scale": 1 / 255,
            "order": "RGB",
            "layout": "NCHW",
            "dynamic": True,
            "multipleOf": multiple_of,
        },
        "output": {"name": "logits", "kind": "logits", "stride": 1},
        "onnx": {
            "file": os.path.basename(onnx_path),
            "sha256": sha256_file(onnx_path),
            "opset": OPSET,
            "bytes": os.path.getsize(onnx_path),
            "check": check,
        },
        "sha256": sha256_file(onnx_path),
        "training": {
            **training,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "torch": torch.__version__,
        },
        "metrics": {
            "valMiou": [{"epoch": h["epoch"], "miou": h["val"]["miou"]} for h in history if h.get("val")],
            "trainLoss": [{"epoch": h["epoch"], "loss": h["loss"]} for h in history if h.get("loss") is not None],
            "final": final,
        },
    }


class BinarySigmoidHead(nn.Module):
    """A two-class model as one channel, l1 - l0: its sigmoid is the softmax probability of class 1, so a
    "sigmoid" card (activation "none", threshold 0.5) predicts what the two-channel model does."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x):
        logits = self.model(x)
        return logits[:, 1:2] - logits[:, 0:1]


SIGMOID_OUTPUT = {"name": "logits", "kind": "sigmoid", "activation": "none", "threshold": 0.5, "stride": 1}


def export_model_dir(model: nn.Module, out_dir: str, card_fields: dict, sigmoid: bool = False) -> dict:
    """Write model.onnx and model.json into out_dir; returns the card. `sigmoid`: a two-class model is exported
    as one channel with a "sigmoid" card (SegLab issue 17)."""
    multiple_of = getattr(model, "multiple_of", 1)
    if sigmoid:
        if len(card_fields["classes"]) != 2:
            raise ValueError(f"a sigmoid export needs two classes, the model has {len(card_fields['classes'])}")
        model = BinarySigmoidHead(model)
    onnx_path = os.path.join(out_dir, "model.onnx")
    export_onnx(model, onnx_path)
    check = check_onnx(model, onnx_path)
    card = model_card(onnx_path=onnx_path, check=check, multiple_of=multiple_of, **card_fields)
    if sigmoid:
        card["output"] = dict(SIGMOID_OUTPUT)
    write_json_atomic(os.path.join(out_dir, "model.json"), card)
    return card
