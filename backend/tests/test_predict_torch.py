"""The PyTorch prediction engine (`python -m seglab_trainer predict`) against SegLab's own pre-labeler
(`node dist/cli.js prelabel`, ONNX Runtime) on the same trained model and dataset: PNG images of odd non-square
sizes, one large enough to tile, a JPEG, a labeled image left out by --only-unlabeled. Masks must be equal pixel
by pixel and the manifests' records equal, except where fp32 PyTorch and ONNX Runtime round a near tie apart:
those pixels are counted, and every pixel whose top-two logit margin is above 1e-4 must agree."""
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from seglab_trainer import train
from seglab_trainer.dataset import load_config
from seglab_trainer.export import export_model_dir
from seglab_trainer.models import build_model
from seglab_trainer.predict.card import CardRefused, load_torch_model
from seglab_trainer.predict.images import decode_image
from seglab_trainer.predict.infer import Predictor
from seglab_trainer.runfiles import save_checkpoint
from tests.synthetic import make_dataset

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKEND = os.path.join(REPO, "backend")
CLI = os.path.join(REPO, "dist", "cli.js")
needs_cli = pytest.mark.skipif(
    shutil.which("node") is None or not os.path.isfile(CLI),
    reason="compares with SegLab's pre-labeler: needs node and dist/cli.js (npm run build)",
)
#: sizes (w, h): odd and non-square; 100x97 runs as tiles of 64 (--tile 64)
SIZES = {"img000": (61, 45), "img001": (47, 70), "img002": (100, 97), "img003": (33, 33), "img004": (61, 45)}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny U-Net trained by the trainer (model.onnx, model.json and best.pt in one folder) and a dataset of
    odd sizes: img001 and img003 JPEGs, img000 labeled, the rest not."""
    tmp = tmp_path_factory.mktemp("torch-engine")
    data = make_dataset(str(tmp / "train"), count=8, size=64)
    # --scale-of crop: whole objects in a 48 crop, so a few epochs learn more than one class
    flags = "--epochs 6 --arch unet --unet-base 8 --unet-depth 3 --image-size 48 --batch-size 2 --lr 3e-3"
    flags += " --device cpu --scale-of crop"
    assert train.run(["--data", data, "--out", str(tmp / "run"), *flags.split()]) == 0
    root = make_dataset(str(tmp / "ds"), count=1, size=100, seed=3, unlabeled=4)
    for stem, (w, h) in SIZES.items():
        for path in (image_file(root, stem), os.path.join(root, "masks", f"{stem}.png")):
            if os.path.exists(path):
                with Image.open(path) as im:
                    im.crop((0, 0, w, h)).save(path)
    return str(tmp / "run" / "model.onnx"), root, tmp


def image_file(root: str, stem: str) -> str:
    return os.path.join(root, "images", f"{stem}.{'jpg' if stem in ('img001', 'img003') else 'png'}")


def node_prelabel(root: str, model: str, out: str, *flags: str) -> dict:
    argv = ["node", CLI, "prelabel", root, "--model", model, "--out", out, "--json", *flags]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def torch_predict(root: str, model: str, out: str, *flags: str) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "seglab_trainer", "predict", root, "--model", model, "--out", out, "--json", *flags]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=BACKEND)


def read_png(path: str) -> np.ndarray:
    with Image.open(path) as im:
        assert im.mode == "P" and len(im.getpalette() or []) == 768, path
        return np.array(im)


def margins(onnx: str, root: str, stem: str, tile: int) -> np.ndarray:
    """The gap between the top two fp32 PyTorch logits per pixel of one image (tiles blended as the engine
    does)."""
    from seglab_trainer.engine import blended_rows

    cfg = load_config(root)
    predictor = Predictor(load_torch_model(onnx, None, cfg, root), torch.device("cpu"), tile=tile)
    image = torch.from_numpy(decode_image(image_file(root, stem))).permute(2, 0, 1)
    rows = [logits for _, logits in blended_rows(predictor.run, image, predictor.model.multiple_of, tile)]
    top2 = torch.cat(rows, 1).topk(2, dim=0).values
    return (top2[0] - top2[1]).numpy()


@needs_cli
def test_torch_engine_equals_prelabel(trained):
    onnx, root, tmp = trained
    flags = ("--tile", "64", "--only-unlabeled")
    ref = node_prelabel(root, onnx, str(tmp / "node"), *flags)
    done = torch_predict(root, onnx, str(tmp / "torch"), *flags, "--batch", "2", "--progress", str(tmp / "p.jsonl"))
    assert done.returncode == 0, done.stderr
    ours = json.loads(done.stdout)
    assert ours["written"] == ref["written"] == ["img001", "img002", "img003", "img004"]  # img000 is labeled
    assert ours["model"]["sha256"] == ref["model"]["sha256"] and ours["model"]["mapping"] == ref["model"]["mapping"]
    differ = {}
    for stem in ref["written"]:
        a, b = read_png(str(tmp / "node" / f"{stem}.png")), read_png(str(tmp / "torch" / f"{stem}.png"))
        assert a.shape == b.shape == SIZES[stem][::-1], stem
        differ[stem] = int((a != b).sum())
        if differ[stem]:
            sure = margins(onnx, root, stem, 64) > 1e-4
            assert np.array_equal(a[sure], b[sure]), f"{stem}: pixels with a margin above 1e-4 differ"
    print("pixels that differ (near ties):", differ)
    assert sum(differ.values()) == 0, differ
    with open(tmp / "node" / ".seglab-model.json") as f:
        theirs = json.load(f)
    with open(tmp / "torch" / ".seglab-model.json") as f:
        mine = json.load(f)
    assert mine == theirs
    assert all(len(r["classPixels"]) > 1 for r in mine["images"].values())  # the model sees objects
    with open(tmp / "p.jsonl") as f:
        lines = [json.loads(line) for line in f]
    assert [line.get("current") for line in lines[:-2]] == ref["written"]
    assert lines[-2] == {"type": "progress", "done": 4, "total": 4}
    assert {k: v for k, v in lines[-1].items() if k != "seconds"} == {
        "type": "done",
        "written": 4,
        "skipped": 0,
        "failed": [],
        "cancelled": False,
    }

    # a second run skips what either engine wrote with the same export
    again = json.loads(torch_predict(root, onnx, str(tmp / "node"), *flags).stdout)
    assert again["written"] == [] and again["skipped"] == ref["written"]


@needs_cli
def test_cards_the_engine_cannot_honour_are_refused(trained):
    onnx, root, tmp = trained
    folder = tmp / "refused"
    shutil.copytree(os.path.dirname(onnx), folder)
    card = json.loads((folder / "model.json").read_text())
    card["input"]["size"] = [64, 64]
    (folder / "model.json").write_text(json.dumps(card))
    done = torch_predict(root, str(folder / "model.onnx"), str(tmp / "x"))
    assert done.returncode == 2
    answer = json.loads(done.stdout)
    assert answer["refused"] and "input.size" in answer["error"] and answer["file"].endswith("model.json")
    shutil.copy(os.path.join(os.path.dirname(onnx), "model.json"), folder / "model.json")
    os.remove(folder / "best.pt")
    with pytest.raises(CardRefused, match="no training checkpoint"):
        load_torch_model(onnx.replace(os.path.dirname(onnx), str(folder)), None, load_config(root), root)


def test_sigint_stops_between_images_and_a_rerun_finishes(trained):
    onnx, _, tmp = trained
    root = make_dataset(str(tmp / "many"), count=0, size=64, unlabeled=60)
    out, progress = str(tmp / "sigint"), str(tmp / "sigint.jsonl")
    argv = [sys.executable, "-m", "seglab_trainer", "predict", root, "--model", onnx, "--out", out]
    # One image a batch, and SIGINT once two are written: a progress line is written when an image is queued
    # (decoding ahead), so counting lines alone sent the signal before anything was written.
    proc = subprocess.Popen(
        [*argv, "--batch", "1", "--progress", progress], cwd=BACKEND, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        with open(progress) if os.path.exists(progress) else io.StringIO() as f:
            if any(json.loads(line).get("done", 0) >= 2 for line in f if line.strip()):
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(60) == 1, proc.stderr.read() if proc.stderr else ""
    with open(progress) as f:
        last = json.loads(f.readlines()[-1])
    assert last["type"] == "done" and last["cancelled"] and 0 < last["written"] < 60, last
    with open(os.path.join(out, ".seglab-model.json")) as f:
        recorded = sorted(json.load(f)["images"])
    assert recorded == sorted(n[:-4] for n in os.listdir(out) if n.endswith(".png"))  # every mask recorded
    assert len(recorded) == last["written"] and not [n for n in os.listdir(out) if n.endswith(".tmp")]
    done = subprocess.run(argv + ["--json"], cwd=BACKEND, capture_output=True, text=True, timeout=300)
    again = json.loads(done.stdout)
    assert sorted(again["skipped"]) == recorded and len(again["written"]) == 60 - len(recorded)


@needs_cli
def test_sigmoid_card_equals_prelabel(trained, tmp_path):
    """The trainer's two-class "sigmoid" export (one channel, l1 - l0): threshold and confidence as the
    pre-labeler's, here with seeded random weights exported beside their checkpoint."""
    _, root, _ = trained
    torch.manual_seed(1)
    classes = load_config(root).classes[:2]
    model: Any = build_model("unet", 2, base=4, depth=3).eval()
    with torch.no_grad():  # both sides of the threshold: class 1's logit amplified and centred on one image
        model.head.weight[1] *= 50
        image = torch.from_numpy(decode_image(image_file(root, "img004"))).permute(2, 0, 1)[None, :, :40, :56] / 255
        margin = model(image)
        model.head.bias[1] -= (margin[0, 1] - margin[0, 0]).median()
    fields = dict(name="sig", arch="unet", options={"base": 4, "depth": 3}, classes=[c.to_json() for c in classes])
    export_model_dir(model, str(tmp_path), {**fields, "history": [], "final": None, "training": {}}, sigmoid=True)
    state = dict(arch="unet", classes=fields["classes"], model_kw={"base": 4, "depth": 3}, model=model.state_dict())
    save_checkpoint(str(tmp_path / "best.pt"), **state, epoch=0)
    onnx = str(tmp_path / "model.onnx")
    ref = node_prelabel(root, onnx, str(tmp_path / "node"), "--tile", "64")
    done = torch_predict(root, onnx, str(tmp_path / "torch"), "--tile", "64")
    assert done.returncode == 0, done.stderr
    for stem in ref["written"]:
        a, b = read_png(str(tmp_path / "node" / f"{stem}.png")), read_png(str(tmp_path / "torch" / f"{stem}.png"))
        assert np.array_equal(a, b), stem
    with open(tmp_path / "node" / ".seglab-model.json") as f, open(tmp_path / "torch" / ".seglab-model.json") as g:
        mine = json.load(g)
        assert json.load(f) == mine
    assert len(mine["images"]["img004"]["classPixels"]) == 2
