"""The model a prediction run uses: the card next to model.onnx (what `seglab prelabel` reads), the training
checkpoint beside it, and the dataset's classes. Only what the trainer's own cards set is honoured (dynamic
NCHW float32 input with mean/std/scale/order and a multiple-of, "logits" or the two-class "sigmoid" output,
classes by id); any other card is refused with a CardRefused naming the card and the field, so the caller can
run the ONNX engine instead. Mistakes the ONNX engine refuses too (a card for another export, classes the
dataset lacks) are CardErrors, as there."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import List, Optional

from torch import nn

from ..dataset import DatasetConfig
from ..export import BinarySigmoidHead, sha256_file
from ..models import build_model
from ..runfiles import load_checkpoint

MAP_HINT = (
    'add "classMap": "byName" or {"<model class id>": <dataset class id> | null} to the card '
    "(unmapped model classes become unlabeled)"
)


class CardError(ValueError):
    """A model card or checkpoint that cannot give a right answer; the message starts with the file."""

    def __init__(self, path: str, detail: str, hint: str = ""):
        super().__init__(f"{path}: {detail}" + (f" ({hint})" if hint else ""))
        self.path, self.detail, self.hint = path, detail, hint


class CardRefused(CardError):
    """A valid card this engine does not run exactly as the pre-labeler would: use the ONNX engine."""


@dataclass
class TorchModel:
    name: str
    path: str  # model.onnx
    card_path: str
    sha256: str  # of model.onnx: the manifest's records name the export, whichever engine ran it
    module: nn.Module
    mean: List[float]
    std: List[float]
    scale: float
    bgr: bool
    multiple_of: int
    kind: str  # "logits" | "sigmoid"
    threshold: float
    labels: List[int]  # model channel (sigmoid: below, above) -> mask value
    mapping: dict = field(default_factory=dict)


def card_path_for(onnx_path: str) -> str:
    return os.path.join(os.path.dirname(onnx_path), os.path.splitext(os.path.basename(onnx_path))[0] + ".json")


def _refuse_unless(ok: bool, card_path: str, what: str) -> None:
    if not ok:
        raise CardRefused(card_path, f"{what}; the PyTorch engine runs the trainer's cards only (use the ONNX engine)")


def _check_input(card_path: str, inp: dict) -> None:
    _refuse_unless(inp.get("size") is None, card_path, "input.size: a fixed-size input")
    _refuse_unless(inp.get("layout", "NCHW") == "NCHW", card_path, f"input.layout: {inp.get('layout')!r}")
    _refuse_unless(inp.get("dtype", "float32") == "float32", card_path, f"input.dtype: {inp.get('dtype')!r}")
    _refuse_unless(inp.get("order", "RGB") in ("RGB", "BGR"), card_path, f"input.order: {inp.get('order')!r}")
    m = inp.get("multipleOf", 1)
    _refuse_unless(isinstance(m, int) and m >= 1, card_path, f"input.multipleOf: {m!r}")
    for key in ("mean", "std"):
        v = inp.get(key)
        ok = isinstance(v, list) and len(v) == 3 and all(isinstance(x, (int, float)) for x in v)
        ok = ok and isinstance(v, list) and (key == "mean" or 0 not in v)  # std divides
        _refuse_unless(ok, card_path, f"input.{key}: {v!r}")
    _refuse_unless(isinstance(inp.get("scale"), (int, float)), card_path, f"input.scale: {inp.get('scale')!r}")


def _check_output(card_path: str, out: dict, classes: int) -> None:
    kind = out.get("kind")
    _refuse_unless(kind in ("logits", "sigmoid"), card_path, f"output.kind: {kind!r}")
    _refuse_unless(out.get("stride", 1) == 1, card_path, f"output.stride: {out.get('stride')!r}")
    _refuse_unless(out.get("layout", "NCHW") == "NCHW", card_path, f"output.layout: {out.get('layout')!r}")
    if kind == "sigmoid":
        _refuse_unless(out.get("activation") == "none", card_path, f"output.activation: {out.get('activation')!r}")
        _refuse_unless(classes == 2, card_path, f"classes: a sigmoid card with {classes} classes")
        t = out.get("threshold", 0.5)
        _refuse_unless(isinstance(t, (int, float)) and 0 < t < 1, card_path, f"output.threshold: {t!r}")


def map_classes(card_path: str, classes: List[dict], cfg: DatasetConfig, root: str) -> dict:
    """The pre-labeler's rule for cards without classMap (src/core/model/classMapping.ts): each model class is
    the dataset class of the same id and name (names compared trimmed, case-insensitively)."""
    ids = ", ".join(str(c.id) for c in cfg.classes)
    out = []
    for i, c in enumerate(classes):
        d = next((x for x in cfg.classes if x.id == c["id"]), None)
        if d is None:
            detail = (
                f'classes[{i}]: class id {c["id"]} ("{c["name"]}") is not a class of the dataset {root} (ids {ids})'
            )
            raise CardError(card_path, detail, MAP_HINT)
        if d.name.strip().lower() != str(c["name"]).strip().lower():
            detail = (
                f'classes[{i}]: class id {c["id"]} is "{c["name"]}" in the model but "{d.name}" in the dataset {root}'
            )
            raise CardError(card_path, detail, MAP_HINT)
        out.append({"id": c["id"], "name": c["name"], "to": d.id})
    return {"rule": "id", "classes": out}


def _read_card(onnx_path: str) -> dict:
    path = card_path_for(onnx_path)
    if not os.path.isfile(path):
        raise CardRefused(path, "no model card: the PyTorch engine needs the trainer's card (use the ONNX engine)")
    try:
        with open(path, encoding="utf-8") as f:
            card = json.load(f)
    except (OSError, ValueError) as e:
        raise CardError(path, f"cannot read the model card ({e})")
    if (
        not isinstance(card, dict)
        or not isinstance(card.get("input"), dict)
        or not isinstance(card.get("output"), dict)
    ):
        raise CardError(path, "a model card is an object with input and output objects")
    return card


def _checkpoint(card_path: str, card: dict, path: str) -> dict:
    """The checkpoint the card's export came from: same architecture, classes and best epoch."""
    if not os.path.isfile(path):
        raise CardRefused(path, "no training checkpoint here: the PyTorch engine runs a training job's checkpoint")
    ckpt = load_checkpoint(path)
    _refuse_unless(ckpt.get("arch") == card.get("architecture"), card_path, "architecture: not the checkpoint's")
    _refuse_unless(ckpt.get("classes") == card.get("classes"), card_path, "classes: not the checkpoint's")
    best = (card.get("training") or {}).get("bestEpoch")
    _refuse_unless(best is None or best == ckpt.get("epoch"), card_path, "training.bestEpoch: not the checkpoint's")
    return ckpt


def load_torch_model(onnx_path: str, checkpoint: Optional[str], cfg: DatasetConfig, root: str) -> TorchModel:
    """The model for `--model onnx_path` (checkpoint: `best.pt` beside it unless given)."""
    if not os.path.isfile(onnx_path):
        raise CardError(onnx_path, "no such file (--model)")
    card = _read_card(onnx_path)
    card_path = card_path_for(onnx_path)
    sha256 = sha256_file(onnx_path)
    if card.get("sha256") and card["sha256"] != sha256:
        detail = f"sha256 {card['sha256'][:12]}… does not match {os.path.basename(onnx_path)} ({sha256[:12]}…)"
        raise CardError(card_path, detail + ": the card was written for another export")
    _refuse_unless("classMap" not in card, card_path, "classMap")
    classes = card.get("classes")
    if not isinstance(classes, list) or not all(isinstance(c, dict) and "id" in c and "name" in c for c in classes):
        raise CardError(card_path, "classes: a list of {id, name, color}")
    inp, out = card["input"], card["output"]
    _check_input(card_path, inp)
    _check_output(card_path, out, len(classes))
    ckpt = _checkpoint(card_path, card, checkpoint or os.path.join(os.path.dirname(onnx_path), "best.pt"))
    module = build_model(ckpt["arch"], len(classes), **ckpt["model_kw"])
    module.load_state_dict(ckpt["model"])
    if out["kind"] == "sigmoid":
        module = BinarySigmoidHead(module)
    mapping = map_classes(card_path, classes, cfg, root)
    labels = [c["to"] for c in mapping["classes"]]
    return TorchModel(
        name=str(card.get("name") or os.path.splitext(os.path.basename(onnx_path))[0]),
        path=onnx_path,
        card_path=card_path,
        sha256=sha256,
        module=module.eval(),
        mean=[float(v) for v in inp["mean"]],
        std=[float(v) for v in inp["std"]],
        scale=float(inp["scale"]),
        bgr=inp.get("order") == "BGR",
        multiple_of=int(inp.get("multipleOf", 1)),
        kind=out["kind"],
        threshold=float(out.get("threshold", 0.5)),
        labels=labels,
        mapping=mapping,
    )
