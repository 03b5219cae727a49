"""The trainer's val mIoU is the figure a user gets from the extension: `seglab prelabel` (ONNX Runtime on the
exported model) then `seglab miou --split val`, on whole images and on tiled ones."""
import json
import os
import shutil
import subprocess
from typing import Any

import pytest
import torch
from PIL import Image

from seglab_trainer import train
from seglab_trainer.dataset import labeled_samples, load_config, split_samples
from seglab_trainer.engine import evaluate
from seglab_trainer.memory import InMemoryImages
from seglab_trainer.models import build_model
from seglab_trainer.runfiles import load_checkpoint
from tests.synthetic import make_dataset

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(REPO, "dist", "cli.js")


def seglab(*args: str) -> dict:
    out = subprocess.run(["node", CLI, *args, "--json"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.skipif(
    shutil.which("node") is None or not os.path.isfile(CLI),
    reason="needs node and dist/cli.js: run `npm run build` first (npm test builds before pytest)",
)
def test_final_val_miou_equals_prelabel_then_miou(tmp_path):
    # sides not multiples of the U-Net's 8 (padding), above a 64 tile (tiling); PNG and JPEG images
    root = make_dataset(str(tmp_path / "ds"), count=8, size=100, splits=True)
    for path in ("images/img007.jpg", "masks/img007.png"):  # one non-square val image: 100 wide, 83 high
        with Image.open(os.path.join(root, path)) as im:
            im.crop((0, 0, 100, 83)).save(os.path.join(root, path))
    out = str(tmp_path / "run")
    # --scale-of crop: whole objects in a 48 crop, so 4 epochs learn more than one class
    flags = "--epochs 4 --arch unet --unet-base 8 --unet-depth 3 --image-size 48 --batch-size 2 --lr 3e-3"
    flags += " --device cpu --val-tile-size 64 --scale-of crop"
    assert train.run(["--data", root, "--out", out, *flags.split()]) == 0
    onnx = os.path.join(out, "model.onnx")
    final = json.load(open(os.path.join(out, "model.json")))["metrics"]["final"]
    assert 0.2 < final["miou"] < 1  # a model that predicts more than one class

    tiled = str(tmp_path / "tiled")
    seglab("prelabel", root, "--model", onnx, "--out", tiled, "--tile", "64")
    theirs = seglab("miou", root, "--pred", tiled, "--split", "val")
    assert final["pixels"] == theirs["pixels"] and final["ignoredPixels"] == theirs["ignoredPixels"]
    assert abs(final["miou"] - theirs["miou"]) <= 1e-6

    # the same best model on whole images (the default tile of both sides exceeds them)
    cfg = load_config(root)
    best = load_checkpoint(os.path.join(out, "best.pt"))
    model: Any = build_model("unet", cfg.num_classes, **best["model_kw"])
    model.load_state_dict(best["model"])
    _, val = split_samples(root, cfg, labeled_samples(root, cfg))
    ours = evaluate(
        model, InMemoryImages(val, cfg, max_short=None), cfg.num_classes, model.multiple_of, torch.device("cpu")
    )
    whole = str(tmp_path / "whole")
    seglab("prelabel", root, "--model", onnx, "--out", whole)
    theirs = seglab("miou", root, "--pred", whole, "--split", "val")
    assert abs(ours["miou"] - theirs["miou"]) <= 1e-6
