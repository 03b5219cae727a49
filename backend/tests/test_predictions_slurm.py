"""A prediction job on the two-node test cluster (tests/test_slurm_two_nodes.py's network namespaces): its images
split into shards, one Slurm array task each, on both nodes; the files equal a one-machine `seglab prelabel`."""
import json
import os
import shutil
import subprocess

import pytest

from tests.slurm_cluster import Cluster, SlurmService
from tests.synthetic import make_dataset
from tests.test_predictions import CLI, assert_same_masks, images_only, upload_images, wait

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not os.path.isfile(CLI),
    reason="prediction jobs run SegLab's CLI: needs node and dist/cli.js (npm run build)",
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("the two-node Slurm test makes network namespaces and needs root", pytrace=False)
    c = Cluster(os.environ.get("SEGLAB_SLURM_STATE_2N") or str(tmp_path_factory.mktemp("slurm-2n")), netns=2)
    yield c
    c.stop()


def test_a_prediction_job_runs_as_shards_on_both_nodes_with_the_files_of_one_machine(cluster, tmp_path_factory):
    shared = tmp_path_factory.mktemp("shared-predict")
    # --exclusive: one array task a node, so two shards take both nodes
    svc = SlurmService(str(shared), cluster, ["--predict-shard-size", "4"], extra_sbatch=["--exclusive"])
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
            "/v1/predictions", json={"dataset": upload_images(svc, root), "job": job["id"], "tileSize": 64}
        )
        assert r.status_code == 201, r.text
        assert r.json()["shards"] == 2
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
