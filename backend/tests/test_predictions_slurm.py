"""A prediction job on the two-node test cluster (tests/test_slurm_two_nodes.py's network namespaces): its images
split into shards, one Slurm array task each, on both nodes; the files equal a one-machine `seglab prelabel`."""
import json
import os
import shutil
import subprocess
import time

import pytest

from seglab_trainer import train
from tests.slurm_cluster import SlurmService, two_node_cluster  # noqa: F401 (fixture)
from tests.synthetic import make_dataset
from tests.test_predictions import CLI, assert_same_masks, images_only, model_tar, upload_images, wait

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not os.path.isfile(CLI),
    reason="prediction jobs run SegLab's CLI: needs node and dist/cli.js (npm run build)",
)


def test_a_prediction_job_runs_as_shards_on_both_nodes_with_the_files_of_one_machine(
    two_node_cluster, tmp_path_factory  # noqa: F811
):
    shared = tmp_path_factory.mktemp("shared-predict")
    # --exclusive: one array task a node, so two shards take both nodes
    svc = SlurmService(str(shared), two_node_cluster, ["--predict-shard-size", "4"], extra_sbatch=["--exclusive"])
    try:
        train = make_dataset(str(shared / "train"), count=6, size=48)
        job = svc.submit(svc.upload(train), epochs=1)
        trained = svc.wait(job["id"], lambda j: j["state"] not in ("queued", "running"), timeout=240)
        assert trained["state"] == "succeeded", trained["error"]
        model = shared / "model"
        os.makedirs(model)
        for name in ("model.onnx", "model.json"):
            (model / name).write_bytes(svc.artifact(job["id"], name))

        root = images_only(make_dataset(str(shared / "ds"), count=8, size=80, unlabeled=0))
        r = svc.client.post(
            "/v1/predictions",
            json={"dataset": upload_images(svc, root), "job": job["id"], "tileSize": 64, "engine": "torch"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["shards"] == 2 and r.json()["options"]["engine"] == "torch"  # the job's checkpoint in PyTorch
        done = wait(svc, r.json()["id"], lambda j: j["state"] not in ("queued", "running"), timeout=240)
        assert done["state"] == "succeeded", done["error"]
        assert done["nodes"] == ["n1", "n2"] and done["written"] == 8 and done["done"] == 8

        ref = str(shared / "ref")
        out = subprocess.run(
            ["node", CLI, "prelabel", root, "--model", str(model / "model.onnx"), "--out", ref, "--tile", "64"]
        )
        assert out.returncode == 0
        manifest = assert_same_masks(svc.client.get(f"/v1/predictions/{done['id']}/archive").content, ref)
        with open(os.path.join(ref, ".seglab-model.json")) as f:
            assert manifest["images"] == json.load(f)["images"]
    finally:
        svc.shutdown()


def test_a_shard_that_failed_runs_again_alone(two_node_cluster, tmp_path_factory):  # noqa: F811
    shared = tmp_path_factory.mktemp("shared-restart")
    # --hold: each array waits until the test releases it, so a shard can be broken before it starts
    svc = SlurmService(str(shared), two_node_cluster, ["--predict-shard-size", "3"], extra_sbatch=["--hold"])
    try:
        root = images_only(make_dataset(str(shared / "ds"), count=6, size=48, unlabeled=0))
        model = _trained_model(svc, shared)
        r = svc.client.post("/v1/predictions", json={"dataset": upload_images(svc, root), "model": model})
        assert r.status_code == 201, r.text
        job_id, folder = r.json()["id"], os.path.join(svc.data_dir, "predictions", r.json()["id"])
        slurm_id = _held_array(svc, folder)
        os.makedirs(os.path.join(folder, "out"))
        with open(os.path.join(folder, "out", "1"), "w"):  # shard 1 cannot make its output folder
            pass
        assert two_node_cluster.run("scontrol", "release", slurm_id).returncode == 0
        failed = wait(svc, job_id, lambda j: j["state"] not in ("queued", "running"), timeout=120)
        assert failed["state"] == "failed" and "shard(s) 1 of 2" in failed["error"], failed
        os.unlink(os.path.join(folder, "out", "1"))
        assert svc.client.post(f"/v1/predictions/{job_id}/resume").status_code == 200
        again = _held_array(svc, folder, not_id=slurm_id)
        with open(os.path.join(folder, "slurm-array.sh")) as f:
            assert "#SBATCH --array=1\n" in f.read()  # shard 0 is not run again
        assert two_node_cluster.run("scontrol", "release", again).returncode == 0
        done = wait(svc, job_id, lambda j: j["state"] not in ("queued", "running"), timeout=120)
        assert done["state"] == "succeeded" and done["attempts"] == 2 and done["written"] == 6, done
        assert len(svc.client.get(f"/v1/predictions/{job_id}/images").json()["images"]) == 6
    finally:
        svc.shutdown()


def _trained_model(svc, shared) -> str:
    """A model trained here by the trainer's CLI (one epoch), uploaded with its card."""
    data, out = make_dataset(str(shared / "train"), count=4, size=32), str(shared / "run")
    flags = "--epochs 1 --arch unet --unet-base 8 --unet-depth 3 --image-size 32 --batch-size 2 --device cpu"
    assert train.run(["--data", data, "--out", out, *flags.split()]) == 0
    tar = model_tar(os.path.join(out, "model.onnx"), json.load(open(os.path.join(out, "model.json"))))
    return svc.client.post("/v1/models", content=tar).json()["id"]


def _held_array(svc, folder: str, not_id: str = "", timeout: float = 60) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(os.path.join(folder, "job.json")) as f:
            handle = json.load(f).get("executor") or {}
        if handle.get("jobId") and handle["jobId"] != not_id:
            return handle["jobId"]
        time.sleep(0.2)
    raise TimeoutError("the prediction job was not submitted to Slurm")
