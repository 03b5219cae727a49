"""A fine-tune job asked for a sigmoid export (SegLab issue 17), against the real service: refused at submission
unless the dataset has exactly 2 classes; else its card says "sigmoid", its ONNX has one output channel, and
`seglab prelabel` with it predicts what the same checkpoint's two-channel export predicts."""
import json
import os
import shutil
import subprocess

import numpy as np
import onnx
import pytest
from PIL import Image

pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from seglab_trainer import export_cli  # noqa: E402
from seglab_trainer.service.client import LocalService  # noqa: E402
from tests.synthetic import CLASSES, make_dataset  # noqa: E402

TOKEN = "test-token-sigmoid"
TINY = {"arch": "unet", "unetBase": 8, "unetDepth": 3, "imageSize": 32, "batchSize": 2, "lr": 3e-3}
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(REPO, "dist", "cli.js")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = LocalService(str(tmp_path_factory.mktemp("svc") / "data"), TOKEN)
    yield svc
    svc.stop()


def binary_dataset(root: str) -> str:
    """The synthetic dataset with boxes and discs both foreground: classes background and object."""
    make_dataset(root, count=6, size=40, mode="L")
    for name in os.listdir(os.path.join(root, "masks")):
        path = os.path.join(root, "masks", name)
        mask = np.array(Image.open(path))
        Image.fromarray(np.where(mask == 2, 1, mask).astype(np.uint8)).save(path)
    with open(os.path.join(root, "seglab.json")) as f:
        cfg = json.load(f)
    cfg["classes"] = [CLASSES[0], {**CLASSES[1], "name": "object"}]
    with open(os.path.join(root, "seglab.json"), "w") as f:
        json.dump(cfg, f)
    return root


def test_sigmoid_job_on_a_three_class_dataset_is_refused(service, tmp_path):
    dataset = service.upload(make_dataset(str(tmp_path / "three"), count=6, size=32))
    r = service.client.post("/v1/jobs", json={"dataset": dataset, "epochs": 1, "sigmoid": True, **TINY})
    assert r.status_code == 422, r.text
    assert "exactly 2 classes" in r.json()["detail"] and "has 3" in r.json()["detail"]
    assert "set sigmoid to false" in r.json()["detail"]
    r = service.client.post("/v1/jobs", json={"dataset": dataset, "epochs": 1, "sigmoid": 1, **TINY})
    assert r.status_code == 422  # strict: 1 is no boolean


@pytest.mark.skipif(
    shutil.which("node") is None or not os.path.isfile(CLI),
    reason="needs node and dist/cli.js: run `npm run build` first",
)
def test_sigmoid_job_exports_one_channel_that_prelabels_like_two(service, tmp_path):
    root = binary_dataset(str(tmp_path / "binary"))
    dataset = service.upload(root)
    job = service.submit(dataset, epochs=3, sigmoid=True, **TINY)
    assert job["params"]["sigmoid"] is True
    job = service.wait(job["id"], lambda j: j["state"] in ("succeeded", "failed"), timeout=300)
    assert job["state"] == "succeeded", job["error"]

    sig = tmp_path / "sigmoid"
    sig.mkdir()
    for name in ("model.onnx", "model.json"):
        (sig / name).write_bytes(service.artifact(job["id"], name))
    card = json.loads((sig / "model.json").read_text())
    assert card["output"]["kind"] == "sigmoid" and card["output"]["activation"] == "none"
    assert [c["name"] for c in card["classes"]] == ["background", "object"]
    shape = onnx.load(str(sig / "model.onnx")).graph.output[0].type.tensor_type.shape
    assert shape.dim[1].dim_value == 1

    # the same best checkpoint exported with two channels (softmax + argmax)
    best = os.path.join(service.data_dir, "jobs", job["id"], "out", "best.pt")
    assert export_cli.run(["--checkpoint", best, "--out", str(tmp_path / "two")]) == 0
    predictions = {}
    for name, model in (("sigmoid", sig / "model.onnx"), ("two", tmp_path / "two" / "model.onnx")):
        out = tmp_path / f"pred-{name}"
        done = subprocess.run(
            ["node", CLI, "prelabel", root, "--model", str(model), "--out", str(out), "--json"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        predictions[name] = {p.name: np.array(Image.open(p)) for p in sorted(out.glob("*.png"))}
    assert predictions["sigmoid"].keys() == predictions["two"].keys() and len(predictions["two"]) == 7
    values = np.concatenate([m.ravel() for m in predictions["two"].values()])
    assert set(np.unique(values)) == {0, 1}  # both classes predicted: the comparison is not of constant masks
    differ = sum(int((predictions["sigmoid"][k] != predictions["two"][k]).sum()) for k in predictions["two"])
    assert differ <= 2, f"{differ} pixels differ (only logit ties, l1 == l0 within float error, may)"
