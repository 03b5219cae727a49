"""Issue 20's example, smaller so CI stays fast: a plain command (only --arch and --epochs) on a small texture
dataset learns it. Held-out mIoU comes from the exported model run by onnxruntime-node (the extension's native
runtime) on images the run never saw, with the trainer's confusion-matrix rules."""

import json
import os

import numpy as np
from PIL import Image

from seglab_trainer import MEAN, STD, train
from seglab_trainer.metrics import ConfusionMatrix
from tests.ort_node import needs_ort_node, run_onnx
from tests.synthetic import make_texture_dataset


def held_out_miou(model_dir: str, root: str) -> float:
    """Whole images in, argmax out, as the pre-labeler runs a model whose multiple divides the image sides."""
    card = json.load(open(os.path.join(model_dir, "model.json")))
    stems = sorted(f[:-4] for f in os.listdir(os.path.join(root, "masks")))
    images = [np.asarray(Image.open(os.path.join(root, "images", f"{s}.png")).convert("RGB")) for s in stems]
    inputs = [((im / 255.0 - MEAN) / STD).transpose(2, 0, 1)[None].astype(np.float32) for im in images]
    assert all(side % card["input"]["multipleOf"] == 0 for im in images for side in im.shape[:2])
    cm = ConfusionMatrix(len(card["classes"]), 255)
    for stem, logits in zip(stems, run_onnx(os.path.join(model_dir, "model.onnx"), inputs)):
        cm.update(np.asarray(Image.open(os.path.join(root, "masks", f"{stem}.png"))), logits[0].argmax(0))
    return cm.compute()["miou"]


@needs_ort_node
def test_a_plain_command_learns_small_textures(tmp_path):
    data = make_texture_dataset(str(tmp_path / "train"), count=24, size=64, seed=0)
    unseen = make_texture_dataset(str(tmp_path / "unseen"), count=8, size=64, seed=1)
    out = str(tmp_path / "run")
    assert train.run(["--data", data, "--arch", "unet", "--epochs", "15", "--out", out]) == 0
    start = json.loads(open(os.path.join(out, "progress.jsonl")).readline())
    assert start["imageSize"] == 64 and start["scale"]["of"] == "native"  # picked from the data
    assert held_out_miou(out, unseen) >= 0.8  # 0.93 when written; the full-size example reaches 0.9
