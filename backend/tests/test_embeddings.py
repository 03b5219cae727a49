"""Embedding jobs against the real service, whose shards run `seglab embed` (core on onnxruntime-node): the
known-answer promptable pair's encoder over uploaded images (PNG, JPEG, 16-bit grey; downscaled, upscaled, unscaled,
odd sizes) gives the files the host's cache holds (`seglab embed --cache`), byte for byte; bad cards are refused; a
cancelled job keeps what it wrote and its resume skips it; on Slurm the job runs as shards on both nodes of the test
cluster. No Python ONNX Runtime is needed."""
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

import numpy as np
import pytest
from PIL import Image

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from seglab_trainer.service.client import LocalService  # noqa: E402
from tests.slurm_cluster import SlurmService, two_node_cluster  # noqa: E402,F401 (fixture)
from tests.synthetic import make_dataset  # noqa: E402
from tests.test_predictions import CLI, REPO, events, images_only, model_tar, upload_images, wait  # noqa: E402

TOKEN = "test-token-embeddings"
BUILDER = os.path.join(REPO, "scripts", "models", "build_promptable_models.py")
EMBEDDING_FLOATS = 256 * 64 * 64

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not os.path.isfile(CLI),
    reason="embedding jobs check cards with SegLab's CLI: needs node and dist/cli.js (npm run build)",
)


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("emb")


@pytest.fixture(scope="module")
def service(tmp):
    svc = LocalService(str(tmp / "data"), TOKEN)
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def pair(tmp):
    """The known-answer pair (scripts/models/build_promptable_models.py) and its card from `seglab card`."""
    folder = tmp / "pair"
    subprocess.run([sys.executable, BUILDER, str(folder)], check=True, capture_output=True)
    encoder, decoder = folder / "sam_test.encoder.onnx", folder / "sam_test.decoder.onnx"
    card = folder / "sam_test.json"
    done = subprocess.run(["node", CLI, "card", str(encoder), str(decoder), "--out", str(card)], capture_output=True)
    assert done.returncode == 0, done.stderr
    return str(encoder), str(card)


@pytest.fixture(scope="module")
def model_id(service, pair):
    r = service.client.post("/v1/models", content=model_tar(pair[0], json.load(open(pair[1]))))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def odd_images(root: str) -> str:
    """Images that exercise every branch of the encoder's input: resized up/down, unscaled, JPEG, 16-bit grey."""
    rng = np.random.default_rng(3)
    for name, (w, h) in {
        "odd.png": (301, 187),
        "tall.jpg": (97, 411),
        "big.png": (1500, 733),
        "exact.png": (1024, 640),
    }.items():
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(os.path.join(root, "images", name))
    grey = rng.integers(0, 65536, (50, 70)).astype(np.uint16)
    Image.fromarray(grey).save(os.path.join(root, "images", "grey16.png"))
    return root


def host_cache(root: str, card: str, folder: str) -> None:
    done = subprocess.run(
        ["node", CLI, "embed", root, "--model", card, "--cache", folder, "--json"], capture_output=True
    )
    assert done.returncode == 0, done.stderr


def floats(data: bytes) -> np.ndarray:
    return np.frombuffer(data[-EMBEDDING_FLOATS * 4 :], "<f4")


def test_embeddings_equal_the_hosts(service, pair, model_id, tmp):
    root = odd_images(images_only(make_dataset(str(tmp / "ds"), count=2, size=48, unlabeled=1)))
    r = service.client.post("/v1/embeddings", json={"dataset": upload_images(service, root), "model": model_id})
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["kind"] == "embeddings" and job["total"] == 8 and "keyPrefix" in job["model"]
    seen = events(service, job["id"])
    assert [e for k, e in seen if k == "progress"][-1]["type"] == "done"
    end = seen[-1][1]
    assert end["state"] == "succeeded" and end["written"] == 8 and end["provider"] == "cpu", end
    host_cache(root, pair[1], str(tmp / "host"))
    keys = service.client.get(f"/v1/embeddings/{job['id']}/images").json()["images"]
    assert sorted(keys) == ["big", "exact", "grey16", "img000", "img001", "img002", "odd", "tall"]
    worst = 0.0
    for stem, key in keys.items():
        one = service.client.get(f"/v1/embeddings/{job['id']}/images/{stem}.emb")
        assert one.status_code == 200 and one.headers["x-seglab-key"] == key
        ours = (tmp / "host" / f"{key}.emb").read_bytes()  # the key names the same image file and encoder
        worst = max(worst, float(np.abs(floats(one.content) - floats(ours)).max()))
        assert one.content == ours, stem
    print(f"embedding jobs vs host: max abs difference {worst} over 8 images ({end['provider']})")
    with tarfile.open(fileobj=io.BytesIO(service.client.get(f"/v1/embeddings/{job['id']}/archive").content)) as tf:
        files = {m.name: tf.extractfile(m).read() for m in tf.getmembers()}  # type: ignore[union-attr]
    assert json.loads(files["embeddings.json"]) == keys and sorted(files) == sorted(
        [f"{k}.emb" for k in keys.values()] + ["embeddings.json"]
    )
    assert service.client.get(f"/v1/embeddings/{job['id']}/images/..%2Fjob.emb").status_code == 404
    assert (
        service.client.get(f"/v1/embeddings/{job['id']}/images", headers={"Authorization": "Bearer x"}).status_code
        == 401
    )
    assert not any(n.endswith(".emb") for _, _, names in os.walk(root) for n in names)


def test_a_bad_card_is_refused_at_submission(service, pair, tmp):
    dataset = upload_images(service, images_only(make_dataset(str(tmp / "ds2"), count=2, size=40)))
    card = json.load(open(pair[1]))
    bad_cards = (
        ({**card, "encoder": {**card["encoder"], "input": {**card["encoder"]["input"], "layout": "CHW"}}}, "layout"),
        ({k: v for k, v in card.items() if k != "kind"}, "kind"),
        ({**card, "family": "clicks"}, "model"),
    )
    for bad, field in bad_cards:
        model = service.client.post("/v1/models", content=model_tar(pair[0], bad)).json()["id"]
        r = service.client.post("/v1/embeddings", json={"dataset": dataset, "model": model})
        assert r.status_code == 422 and field in r.text and str(tmp) not in r.text, r.text
    for body in ({"dataset": dataset}, {"model": "0" * 64}, {"dataset": dataset, "model": 1}):
        assert service.client.post("/v1/embeddings", json=body).status_code == 422
    assert service.client.post("/v1/embeddings", json={"dataset": dataset, "model": "f" * 64}).status_code == 404


def test_cancel_keeps_what_was_written_and_resume_skips_it(service, model_id, tmp):
    root = images_only(make_dataset(str(tmp / "many"), count=60, size=64, unlabeled=0))
    job_id = service.client.post("/v1/embeddings", json={"dataset": upload_images(service, root), "model": model_id})
    job_id = job_id.json()["id"]
    wait(service, job_id, lambda j: j["state"] == "running" and j["done"] >= 3)
    assert service.client.post(f"/v1/predictions/{job_id}/cancel").status_code == 200
    cancelled = wait(service, job_id, lambda j: j["state"] not in ("queued", "running"))
    assert cancelled["state"] == "cancelled" and cancelled["provider"] == "cpu", cancelled
    kept = service.client.get(f"/v1/embeddings/{job_id}/images").json()["images"]
    assert 3 <= len(kept) < 60, len(kept)
    for stem in kept:
        data = service.client.get(f"/v1/embeddings/{job_id}/images/{stem}.emb").content
        assert data.startswith(b"SEGLAB-EMB1\n") and np.isfinite(floats(data)).all()
    assert service.client.post(f"/v1/predictions/{job_id}/resume").status_code == 200
    done = wait(service, job_id, lambda j: j["state"] not in ("queued", "running"))
    assert done["state"] == "succeeded" and done["skipped"] == len(kept) and done["written"] == 60 - len(kept), done
    assert len(service.client.get(f"/v1/embeddings/{job_id}/images").json()["images"]) == 60


def test_an_embedding_job_runs_as_shards_on_both_slurm_nodes(two_node_cluster, pair, tmp_path_factory):  # noqa: F811
    shared = tmp_path_factory.mktemp("shared-embed")
    svc = SlurmService(str(shared), two_node_cluster, ["--predict-shard-size", "4"], extra_sbatch=["--exclusive"])
    try:
        root = images_only(make_dataset(str(shared / "ds"), count=8, size=40, unlabeled=0))
        model = svc.client.post("/v1/models", content=model_tar(pair[0], json.load(open(pair[1])))).json()["id"]
        r = svc.client.post("/v1/embeddings", json={"dataset": upload_images(svc, root), "model": model})
        assert r.status_code == 201 and r.json()["shards"] == 2, r.text
        done = wait(svc, r.json()["id"], lambda j: j["state"] not in ("queued", "running"), timeout=240)
        assert done["state"] == "succeeded" and done["nodes"] == ["n1", "n2"] and done["written"] == 8, done
        host_cache(root, pair[1], str(shared / "host"))
        for stem, key in svc.client.get(f"/v1/embeddings/{done['id']}/images").json()["images"].items():
            sent = svc.client.get(f"/v1/embeddings/{done['id']}/images/{stem}.emb").content
            assert sent == (shared / "host" / f"{key}.emb").read_bytes(), stem
    finally:
        svc.shutdown()


def test_cuda_is_used_only_when_asked_and_never_replaced_by_the_cpu(service, model_id, tmp):
    dataset = upload_images(service, images_only(make_dataset(str(tmp / "ds3"), count=2, size=40)))
    body = {"dataset": dataset, "model": model_id, "device": "cuda"}
    assert service.client.post("/v1/embeddings", json={**body, "device": "gpu"}).status_code == 422
    job = service.client.post("/v1/embeddings", json=body).json()
    end = wait(service, job["id"], lambda j: j["state"] not in ("queued", "running"))
    if end["state"] == "succeeded":  # an onnxruntime-node with CUDA
        assert end["provider"] == "cuda", end
    else:
        assert end["state"] == "failed" and "CUDA was asked for" in end["error"] and not end.get("provider"), end
        assert "models/" in end["error"] and str(tmp) not in end["error"], end["error"]
        assert service.client.get(f"/v1/embeddings/{job['id']}/images").json()["images"] == {}
