"""A real Slurm cluster for the tests (scripts/slurm/cluster.py) and the service started with the slurm executor."""
import json
import os
import subprocess
import sys
from typing import Sequence

import pytest

from seglab_trainer.service.client import LocalService

BACKEND = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLUSTER_PY = os.path.join(os.path.dirname(BACKEND), "scripts", "slurm", "cluster.py")
TOKEN = "slurm-test-token"
#: patience 0: long jobs run until stopped, not until val mIoU stalls
TINY = {"arch": "unet", "unetBase": 8, "unetDepth": 3, "imageSize": 32, "batchSize": 2, "patience": 0}


class Cluster:
    """A cluster that scripts/slurm/cluster.py started (or found running) from a state folder."""

    def __init__(self, state: str, netns: int = 0):
        self.state, self.netns = state, netns
        r = subprocess.run(
            [sys.executable, CLUSTER_PY, "start", "--json", "--state", state, "--netns", str(netns)],
            capture_output=True,
            text=True,
            timeout=180,
        )
        if r.returncode != 0:  # not a skip: CI installs Slurm (scripts/setup-system.sh), so this is a real failure
            pytest.fail(f"could not start a local Slurm cluster: {r.stderr.strip()}", pytrace=False)
        status = json.loads(r.stdout)
        self.started, self.conf, self.prefix = status["started"], status["conf"], status["prefix"]
        self.nodes = [line.split()[0] for line in status["nodes"]]

    def run(self, *cmd: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.prefix, *cmd],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "SLURM_CONF": self.conf},
        )

    def job(self, slurm_id: str) -> dict:
        out = self.run("scontrol", "show", "job", "-o", slurm_id).stdout
        return dict(f.split("=", 1) for f in out.split() if "=" in f)

    def stop(self) -> None:
        if self.started:
            subprocess.run(
                [sys.executable, CLUSTER_PY, "stop", "--state", self.state], capture_output=True, timeout=120
            )


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    """The cluster of $SEGLAB_SLURM_STATE when set (started if needed, kept if it ran before), else one of this
    test session's own, so that concurrent test runs do not stop each other's cluster. Never a site's own
    cluster: the tests take its partition down and rely on its time-limit settings."""
    cluster = Cluster(os.environ.get("SEGLAB_SLURM_STATE") or str(tmp_path_factory.mktemp("slurm")))
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def two_node_cluster(tmp_path_factory):
    """Two slurmd as hosts n1 and n2 in network namespaces of their own (tests/test_slurm_two_nodes.py)."""
    if os.geteuid() != 0:
        pytest.fail("the two-node Slurm test makes network namespaces and needs root", pytrace=False)
    c = Cluster(os.environ.get("SEGLAB_SLURM_STATE_2N") or str(tmp_path_factory.mktemp("slurm-2n")), netns=2)
    yield c
    c.stop()


class SlurmService(LocalService):
    """`python -m seglab_trainer serve --executor slurm` on a free port, its data dir inside shared_dir."""

    def __init__(self, shared_dir: str, cluster: Cluster, serve_args: Sequence[str] = (), **settings):
        config = os.path.join(shared_dir, "slurm.json")
        os.makedirs(shared_dir, exist_ok=True)
        with open(config, "w") as f:
            json.dump(
                {
                    "shared_dir": shared_dir,
                    "slurm_conf": cluster.conf,
                    "command_prefix": cluster.prefix,
                    "poll_interval_s": 0.5,
                    **settings,
                },
                f,
            )
        super().__init__(
            os.path.join(shared_dir, "service"),
            TOKEN,
            ["--executor", "slurm", "--executor-config", config, *serve_args],
        )

    def submit(self, dataset: str, **params) -> dict:
        return super().submit(dataset, **{**TINY, **params})

    def progress(self, job_id: str) -> list:
        path = os.path.join(self.data_dir, "jobs", job_id, "out", "progress.jsonl")
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def shutdown(self) -> None:
        """Cancels what a failed test left running in Slurm, then stops the service."""
        if self.proc and self.proc.poll() is None:
            for job in self.client.get("/v1/jobs").json()["jobs"]:
                if job["state"] in ("queued", "running"):
                    self.client.post(f"/v1/jobs/{job['id']}/cancel")
            self.stop()
