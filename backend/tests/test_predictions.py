"""Prediction jobs against the real service (`python -m seglab_trainer serve`) and the real pre-labeler: upload ->
job -> download equals `seglab prelabel` pixel by pixel; resume after kill -9; the path allow-list; bad cards."""
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import time

import numpy as np
import pytest
import torch
from PIL import Image

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from seglab_trainer.service.client import LocalService, tar_of  # noqa: E402
from seglab_trainer.service.engines import choose_engine  # noqa: E402
from seglab_trainer.service.prediction_runners import SlurmArrayRunner  # noqa: E402
from seglab_trainer.service.slurm import SlurmExecutor  # noqa: E402
from tests.synthetic import make_dataset  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(REPO, "dist", "cli.js")
TOKEN = "test-token-predictions"
TINY = {"arch": "unet", "unetBase": 8, "unetDepth": 3, "imageSize": 32, "batchSize": 2, "epochs": 2}

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not os.path.isfile(CLI),
    reason="prediction jobs run SegLab's CLI: needs node and dist/cli.js (npm run build)",
)


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("pred")


@pytest.fixture(scope="module")
def service(tmp):
    os.makedirs(tmp / "allowed")
    svc = LocalService(str(tmp / "data"), TOKEN, ["--predict-root", str(tmp / "allowed")])
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def trained(service, tmp):
    """A succeeded training job and its model downloaded next to its card, as the extension keeps it."""
    labeled = make_dataset(str(tmp / "train"), count=6, size=48)
    job = service.submit(service.upload(labeled), **TINY)
    done = service.wait(job["id"], lambda j: j["state"] in ("succeeded", "failed"), timeout=300)
    assert done["state"] == "succeeded", done["error"]
    model_dir = tmp / "model"
    os.makedirs(model_dir)
    for name in ("model.onnx", "model.json"):
        (model_dir / name).write_bytes(service.artifact(job["id"], name))
    return job["id"], str(model_dir / "model.onnx")


def images_only(root: str) -> str:
    """A dataset of images and seglab.json only (what a prediction job needs)."""
    shutil.rmtree(os.path.join(root, "masks"))
    return root


def upload_images(service, root: str) -> str:
    r = service.client.post("/v1/datasets?imagesOnly=true", content=tar_of(root))
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


def events(service, job_id: str) -> list:
    return service.events(job_id, timeout=300, resource="predictions")


def wait(service, job_id: str, until, timeout: float = 300) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = service.client.get(f"/v1/predictions/{job_id}").json()
        if until(job):
            return job
        time.sleep(0.2)
    raise TimeoutError(job)


def reference(root: str, model: str, out: str, *flags: str) -> None:
    done = subprocess.run(["node", CLI, "prelabel", root, "--model", model, "--out", out, *flags], capture_output=True)
    assert done.returncode == 0, done.stderr


def labels(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.array(im)


def assert_same_masks(archive: bytes, ref_dir: str) -> dict:
    """Every reference mask is in the archive, equal pixel by pixel; returns the archive's manifest."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as tf:
        files = {m.name: tf.extractfile(m).read() for m in tf.getmembers()}  # type: ignore[union-attr]
    pngs = sorted(n for n in os.listdir(ref_dir) if n.endswith(".png"))
    assert pngs and sorted(n for n in files if n.endswith(".png")) == pngs
    for name in pngs:
        assert np.array_equal(labels(io.BytesIO(files[name])), labels(os.path.join(ref_dir, name))), name
    return json.loads(files[".seglab-model.json"])


def test_upload_job_download_equals_seglab_prelabel(service, trained, tmp):
    # 100x83 and 100x100 images above a 64 tile: letterbox-free padding, tiling and blending all take part
    root = images_only(make_dataset(str(tmp / "ds"), count=5, size=100, unlabeled=0))
    with Image.open(os.path.join(root, "images", "img001.jpg")) as im:
        im.crop((0, 0, 100, 83)).save(os.path.join(root, "images", "img001.jpg"))
    r = service.client.post(
        "/v1/predictions", json={"dataset": upload_images(service, root), "job": trained[0], "tileSize": 64}
    )
    assert r.status_code == 201, r.text
    # auto: the job's checkpoint in PyTorch on a GPU; on the CPU ONNX Runtime, the faster there (engines.py)
    assert r.json()["options"]["engine"] == ("torch" if torch.cuda.is_available() else "onnx"), r.text
    assert torch.cuda.is_available() or "no CUDA device" in r.json()["options"]["engineReason"]
    job_id = r.json()["id"]
    seen = events(service, job_id)
    progress = [e for k, e in seen if k == "progress"]
    assert progress[0]["type"] == "progress" and progress[-1]["type"] == "done" and progress[-1]["written"] == 5
    assert seen[-1][0] == "end" and seen[-1][1]["state"] == "succeeded"
    assert "root" not in json.dumps(seen[-1][1]) and str(tmp) not in json.dumps(seen[-1][1])

    reference(root, trained[1], str(tmp / "ref"), "--tile", "64")
    manifest = assert_same_masks(service.client.get(f"/v1/predictions/{job_id}/archive").content, str(tmp / "ref"))
    summary = service.client.get(f"/v1/predictions/{job_id}/summary").json()
    assert summary == manifest and summary["model"] == "synthetic-unet"
    for stem, record in summary["images"].items():
        size = labels(tmp / "ref" / f"{stem}.png").size
        assert sum(record["classPixels"].values()) == size and 0 < record["meanConfidence"] <= 1
    assert service.client.get(f"/v1/predictions/{job_id}/images").json()["images"] == sorted(summary["images"])
    one = service.client.get(f"/v1/predictions/{job_id}/images/img001.png")
    assert one.status_code == 200 and np.array_equal(
        labels(io.BytesIO(one.content)), labels(tmp / "ref" / "img001.png")
    )
    assert service.client.get(f"/v1/predictions/{job_id}/images/..%2Fjob.png").status_code == 404


def model_tar(onnx: str, card: object) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        tf.add(onnx, arcname="model.onnx")
        data = json.dumps(card).encode()
        info = tarfile.TarInfo("model.json")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_uploaded_model_and_a_bad_card_is_refused_at_submission(service, trained, tmp):
    root = images_only(make_dataset(str(tmp / "ds2"), count=3, size=40))
    dataset = upload_images(service, root)
    card = json.load(open(os.path.join(os.path.dirname(trained[1]), "model.json")))
    bad = service.client.post("/v1/models", content=model_tar(trained[1], {**card, "classes": card["classes"][:2]}))
    assert bad.status_code == 201, bad.text
    r = service.client.post("/v1/predictions", json={"dataset": dataset, "model": bad.json()["id"]})
    assert r.status_code == 422 and "card lists 2 classes" in r.text and str(tmp) not in r.text, r.text
    assert service.client.post("/v1/models", content=model_tar(trained[1], [1])).status_code == 422
    good = service.client.post("/v1/models", content=model_tar(trained[1], card)).json()["id"]
    r = service.client.post("/v1/predictions", json={"dataset": dataset, "model": good, "onlyUnlabeled": True})
    assert r.status_code == 201, r.text
    assert events(service, r.json()["id"])[-1][1]["state"] == "succeeded"
    for body in ({"dataset": dataset}, {"dataset": dataset, "model": good, "job": trained[0]}, {"model": good}):
        assert service.client.post("/v1/predictions", json=body).status_code == 422
    assert service.client.post("/v1/predictions", json={"dataset": dataset, "model": good, "tileSize": "64"}).is_error


def test_engines(service, trained, tmp):
    """onnx runs SegLab's pre-labeler on a job's model too, with the torch engine's files; torch on an uploaded
    .onnx is refused naming why; auto on one runs onnx."""
    root = images_only(make_dataset(str(tmp / "engines"), count=3, size=70, unlabeled=0))
    dataset = upload_images(service, root)
    ran = {}
    for engine in ("onnx", "torch"):
        r = service.client.post("/v1/predictions", json={"dataset": dataset, "job": trained[0], "engine": engine})
        assert r.status_code == 201 and r.json()["options"]["engine"] == engine, r.text
        assert events(service, r.json()["id"])[-1][1]["state"] == "succeeded"
        ran[engine] = service.client.get(f"/v1/predictions/{r.json()['id']}/archive").content
    ref = tmp / "engines-ref"
    reference(root, trained[1], str(ref))
    assert assert_same_masks(ran["onnx"], str(ref)) == assert_same_masks(ran["torch"], str(ref))
    card = json.load(open(os.path.join(os.path.dirname(trained[1]), "model.json")))
    model = service.client.post("/v1/models", content=model_tar(trained[1], card)).json()["id"]
    r = service.client.post("/v1/predictions", json={"dataset": dataset, "model": model, "engine": "torch"})
    assert r.status_code == 422 and "uploaded .onnx" in r.text, r.text
    r = service.client.post("/v1/predictions", json={"dataset": dataset, "model": model})
    assert r.status_code == 201 and r.json()["options"]["engine"] == "onnx", r.text
    assert service.client.post("/v1/predictions", json={"dataset": dataset, "model": model, "engine": "gpu"}).is_error
    checkpoint = os.path.join(service.data_dir, "jobs", trained[0], "out", "best.pt")
    os.rename(checkpoint, checkpoint + ".away")  # a job's model without its checkpoint: only onnx runs it
    try:
        body = {"dataset": dataset, "job": trained[0]}
        r = service.client.post("/v1/predictions", json={**body, "engine": "torch"})
        assert r.status_code == 422 and "no training checkpoint" in r.text and str(tmp) not in r.text, r.text
        r = service.client.post("/v1/predictions", json=body)
        assert r.status_code == 201 and r.json()["options"]["engine"] == "onnx", r.text
        assert "does not run this model: <model>/best.pt: no training checkpoint" in r.json()["options"]["engineReason"]
        assert events(service, r.json()["id"])[-1][1]["state"] == "succeeded"
    finally:
        os.rename(checkpoint + ".away", checkpoint)


def test_auto_takes_torch_where_the_shards_get_a_gpu(service, trained, tmp):
    """On Slurm nodes with GPUs a shard gets one whatever the service's host has, so auto runs the checkpoint in
    PyTorch there; the array script asks for that GPU."""
    root = images_only(make_dataset(str(tmp / "gpu-shards"), count=1, size=40, unlabeled=0))
    model = {
        "kind": "job",
        "id": trained[0],
        "file": os.path.join(service.data_dir, "jobs", trained[0], "out", "model.onnx"),
    }
    assert choose_engine("auto", {"root": root}, model, shard_gpu=True) == ("torch", None)
    assert choose_engine("auto", {"root": root}, model)[0] == ("torch" if torch.cuda.is_available() else "onnx")
    for gpus, asked in ((0, False), (4, True)):
        runner = SlurmArrayRunner(SlurmExecutor(str(tmp / "data" / "cache"), {"gpus_per_node": gpus}))
        script = runner.render("c" * 32, str(tmp), ["predict", "--out", "out/{k}"], [0, 1])
        assert runner.shard_gpu == asked and ("#SBATCH --gpus-per-node=1\n" in script) == asked, script


def test_dataset_paths_outside_the_allowed_roots_are_refused(service, trained, tmp):
    inside = make_dataset(str(tmp / "allowed" / "ds"), count=3, size=40)
    outside = make_dataset(str(tmp / "outside"), count=3, size=40)
    os.symlink(outside, tmp / "allowed" / "link")
    for path in (outside, str(tmp / "allowed" / "link"), str(tmp / "allowed" / ".." / "outside"), "allowed/ds"):
        r = service.client.post("/v1/predictions", json={"path": path, "job": trained[0]})
        assert r.status_code == 403 and "allowed dataset root" in r.text, (path, r.text)
    r = service.client.post("/v1/predictions", json={"path": inside, "job": trained[0]})
    assert r.status_code == 201, r.text
    assert events(service, r.json()["id"])[-1][1]["state"] == "succeeded"
    assert not os.path.exists(os.path.join(inside, "predictions"))  # results stay in the service's data dir
    assert service.client.get("/v1/predictions", headers={"Authorization": "Bearer wrong"}).status_code == 401


def worker_pid(job_id: str) -> int:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if (b"prelabel" in cmdline or b"\0predict\0" in cmdline) and job_id.encode() in cmdline:
            return int(pid)
    raise LookupError(job_id)


def test_resume_after_kill_9_skips_what_was_written(service, trained, tmp):
    root = images_only(make_dataset(str(tmp / "many"), count=150, size=96, unlabeled=0))
    job_id = service.client.post(
        "/v1/predictions", json={"dataset": upload_images(service, root), "job": trained[0], "tileSize": 64}
    ).json()["id"]
    out = os.path.join(service.data_dir, "predictions", job_id, "out", "0")  # one shard locally
    deadline = time.time() + 120
    while not os.path.isfile(os.path.join(out, ".seglab-model.json")) and time.time() < deadline:
        time.sleep(0.05)  # the manifest is saved every 2 s: its first save is the point of no return
    kept = len(json.load(open(os.path.join(out, ".seglab-model.json")))["images"])
    assert 0 < kept < 150
    pid = worker_pid(job_id)
    service.stop(signal.SIGKILL)  # the service and its worker die (a crash, a preempted node)
    os.killpg(pid, signal.SIGKILL)
    service.start()
    final = wait(service, job_id, lambda j: j["state"] not in ("queued", "running"))
    assert final["state"] == "succeeded" and final["attempts"] == 2, final
    assert final["skipped"] >= kept and final["written"] + final["skipped"] == 150
    reference(root, trained[1], str(tmp / "ref-many"), "--tile", "64")
    assert_same_masks(service.client.get(f"/v1/predictions/{job_id}/archive").content, str(tmp / "ref-many"))


def test_cancel_keeps_what_was_written_and_resume_finishes(service, trained, tmp):
    root = images_only(make_dataset(str(tmp / "cancel"), count=80, size=96, unlabeled=0))
    body = {"dataset": upload_images(service, root), "job": trained[0], "tileSize": 64, "engine": "torch"}
    job_id = service.client.post("/v1/predictions", json=body).json()["id"]
    wait(service, job_id, lambda j: j["state"] == "running" and j["done"] >= 3)
    assert service.client.post(f"/v1/predictions/{job_id}/cancel").status_code == 200
    cancelled = wait(service, job_id, lambda j: j["state"] not in ("queued", "running"))
    assert cancelled["state"] == "cancelled", cancelled
    kept = service.client.get(f"/v1/predictions/{job_id}/images").json()["images"]
    assert (
        3 <= len(kept) < 80 and sorted(service.client.get(f"/v1/predictions/{job_id}/summary").json()["images"]) == kept
    )
    assert service.client.post(f"/v1/predictions/{job_id}/resume").status_code == 200
    done = wait(service, job_id, lambda j: j["state"] not in ("queued", "running"))
    assert done["state"] == "succeeded" and done["skipped"] == len(kept) and done["written"] == 80 - len(kept), done
    assert service.client.post(f"/v1/predictions/{job_id}/resume").status_code == 409
