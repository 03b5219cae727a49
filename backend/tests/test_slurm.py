"""The slurm executor against a real Slurm on this machine (munged, slurmctld, slurmd from Debian's packages,
started by scripts/slurm/cluster.py unless it runs already), through the service's HTTP API."""
import hashlib
import signal
import time

import pytest

from seglab_trainer.service.slurm_script import SlurmConfigError, SlurmSettings, load_settings, render, with_device
from tests.slurm_cluster import SlurmService, slurm_cluster  # noqa: F401 (fixture)
from tests.synthetic import make_dataset

ACTIVE = ("PENDING", "RUNNING", "COMPLETING", "CONFIGURING")


@pytest.fixture(scope="module")
def service(slurm_cluster, tmp_path_factory):  # noqa: F811
    svc = SlurmService(str(tmp_path_factory.mktemp("shared")), slurm_cluster, cpus_per_task=1)
    yield svc
    svc.shutdown()


@pytest.fixture(scope="module")
def limited(slurm_cluster, tmp_path_factory):  # noqa: F811
    """A service whose jobs get one minute (Slurm's smallest time limit)."""
    svc = SlurmService(str(tmp_path_factory.mktemp("shared-limited")), slurm_cluster, cpus_per_task=1, time="1")
    yield svc
    svc.shutdown()


@pytest.fixture(scope="module")
def dataset(service, tmp_path_factory):
    return service.upload(make_dataset(str(tmp_path_factory.mktemp("ds") / "ds"), count=6, size=32))


@pytest.fixture(scope="module")
def timed_out(limited, tmp_path_factory):
    """A job that trains past its one-minute limit. Submitted by the first test, so that the minute it takes
    passes while the other tests run."""
    ds = limited.upload(make_dataset(str(tmp_path_factory.mktemp("ds2") / "ds"), count=6, size=32))
    return limited.submit(ds, epochs=5000)["id"]


def test_a_job_runs_under_slurm_to_an_onnx_model(service, dataset, slurm_cluster, timed_out):  # noqa: F811
    health = service.client.get("/v1/health").json()
    assert health["executor"] == "slurm" and health["devices"][0]["name"] == "slurm"
    job = service.submit(dataset, epochs=1)
    events = service.events(job["id"])
    types = [e["type"] for kind, e in events if kind == "progress"]
    assert types[0] == "start" and "epoch" in types and "exported" in types, types
    assert events[-1][0] == "end" and events[-1][1]["state"] == "succeeded", events[-1]
    job = service.client.get(f"/v1/jobs/{job['id']}").json()
    handle = job["executor"]
    assert handle["kind"] == "slurm" and handle["jobId"].isdigit() and handle["nodes"] == slurm_cluster.nodes[:1]
    assert slurm_cluster.job(handle["jobId"])["JobState"] == "COMPLETED"
    card = service.client.get(f"/v1/jobs/{job['id']}/artifacts/model.json").json()
    onnx_bytes = service.client.get(f"/v1/jobs/{job['id']}/artifacts/model.onnx").content
    assert hashlib.sha256(onnx_bytes).hexdigest() == card["sha256"] and len(onnx_bytes) > 1000


def test_a_failing_trainer_fails_the_job_with_its_own_error(service, dataset, slurm_cluster):  # noqa: F811
    # 8 downsamplings of a 32-pixel crop: the model cannot run
    job = service.submit(dataset, epochs=1, unetDepth=8)
    job = service.wait(job["id"], lambda j: j["state"] in ("succeeded", "failed", "cancelled"))
    assert job["state"] == "failed" and "RuntimeError" in job["error"] and "Slurm" not in job["error"], job
    assert slurm_cluster.job(job["executor"]["jobId"])["JobState"] == "FAILED"


def _resumes_after_requeue(service, slurm_cluster, job_id, before):  # noqa: F811
    """Waits until the requeued job runs again from its checkpoint and trains on; then cancels it."""
    slurm_id = before["executor"]["jobId"]
    requeued = time.time()

    def nodes_idle():
        states = slurm_cluster.run("sinfo", "-h", "-o", "%T").stdout.split()
        return bool(states) and all(s == "idle" for s in states)

    def resumed(job):
        held = job["executor"]["state"] == "PENDING" and job["executor"]["reason"] == "BeginTime"
        if held and time.time() - requeued > 2 and nodes_idle():
            # Slurm holds a requeued job back for two minutes; let it go now. Not while the killed run's node is
            # still completing, nor within the second of the requeue (credentials have 1 s resolution): the job
            # would fail to start ("Killing non-startable batch job: Job credential revoked", seen in CI).
            slurm_cluster.run("scontrol", "update", f"jobid={slurm_id}", "starttime=now")
        return any(e["type"] == "start" and e["resumed"] for e in service.progress(job_id))

    service.wait(job_id, resumed, timeout=180)
    start = [e for e in service.progress(job_id) if e["type"] == "start"][-1]
    assert start["startEpoch"] >= 2
    job = service.wait(job_id, lambda j: j["executor"]["restarts"] >= 1 and j["step"] > before["step"])
    assert job["state"] == "running" and job["executor"]["jobId"] == slurm_id
    service.client.post(f"/v1/jobs/{job_id}/cancel")
    assert service.wait(job_id, lambda j: j["state"] != "running", timeout=30)["state"] == "cancelled"


def test_a_requeued_job_resumes_from_its_checkpoint(service, dataset, slurm_cluster):  # noqa: F811
    job_id = service.submit(dataset, epochs=5000)["id"]
    before = service.wait(job_id, lambda j: j["state"] == "running" and j["epoch"] >= 2)
    r = slurm_cluster.run("scontrol", "requeue", before["executor"]["jobId"])  # what a node failure does
    assert r.returncode == 0, r.stderr
    _resumes_after_requeue(service, slurm_cluster, job_id, before)


def test_a_job_preempted_by_a_higher_priority_partition_resumes(
    service, dataset, slurm_cluster, tmp_path  # noqa: F811
):
    job_id = service.submit(dataset, epochs=5000)["id"]
    before = service.wait(job_id, lambda j: j["state"] == "running" and j["epoch"] >= 2)
    # A whole-node job in the "urgent" partition (PriorityTier 10 against 1): Slurm requeues SegLab's job for it.
    r = slurm_cluster.run(
        "sbatch",
        "--parsable",
        "--partition=urgent",
        "--exclusive",
        "--nodes=1",
        f"--output={tmp_path}/urgent.out",
        "--wrap",
        "sleep 2",
    )
    assert r.returncode == 0, r.stderr
    urgent = r.stdout.strip().split(";")[0]
    deadline = time.time() + 60
    while slurm_cluster.job(urgent).get("JobState") != "COMPLETED":
        assert time.time() < deadline, slurm_cluster.job(urgent)
        time.sleep(0.5)
    assert int(slurm_cluster.job(before["executor"]["jobId"])["Restarts"]) >= 1  # it made room by a requeue
    _resumes_after_requeue(service, slurm_cluster, job_id, before)


def test_a_restarted_service_follows_its_slurm_job_and_cancel_ends_it(service, dataset, slurm_cluster):  # noqa: F811
    job_id = service.submit(dataset, epochs=5000)["id"]
    before = service.wait(job_id, lambda j: j["state"] == "running" and j["step"] > 0)
    slurm_id = before["executor"]["jobId"]
    service.stop(signal.SIGKILL)  # the service dies; Slurm's job goes on
    service.start()
    job = service.wait(job_id, lambda j: j["step"] > before["step"])
    assert job["state"] == "running" and job["executor"]["jobId"] == slurm_id
    assert slurm_cluster.job(slurm_id)["JobState"] == "RUNNING"
    assert service.client.post(f"/v1/jobs/{job_id}/cancel").status_code == 200
    job = service.wait(job_id, lambda j: j["state"] != "running", timeout=30)
    assert job["state"] == "cancelled" and job["error"] is None
    assert slurm_cluster.job(slurm_id)["JobState"] == "CANCELLED"


def test_cancel_of_a_pending_job_removes_it_from_slurm(service, dataset, slurm_cluster):  # noqa: F811
    # a partition that is down keeps new jobs pending (jobs already running go on)
    assert slurm_cluster.run("scontrol", "update", "partitionname=debug", "state=down").returncode == 0
    try:
        job_id = service.submit(dataset, epochs=5000)["id"]
        job = service.wait(job_id, lambda j: j["executor"] is not None and j["executor"]["reason"] == "PartitionDown")
        # handed to Slurm, which says why it waits
        assert job["state"] == "running" and job["executor"]["state"] == "PENDING"
        service.client.post(f"/v1/jobs/{job_id}/cancel")
        assert service.wait(job_id, lambda j: j["state"] != "running", timeout=30)["state"] == "cancelled"
        assert slurm_cluster.job(job["executor"]["jobId"])["JobState"] == "CANCELLED"
    finally:
        slurm_cluster.run("scontrol", "update", "partitionname=debug", "state=up")


def test_a_job_over_its_time_limit_fails_with_that_reason_and_resumes(limited, slurm_cluster, timed_out):  # noqa: F811
    job = limited.wait(timed_out, lambda j: j["state"] != "running" and j["state"] != "queued", timeout=150)
    assert job["state"] == "failed" and "time limit reached" in job["error"], job
    assert job["resumable"] is True and job["epoch"] >= 1
    assert slurm_cluster.job(job["executor"]["jobId"])["JobState"] == "TIMEOUT"
    r = limited.client.post(f"/v1/jobs/{timed_out}/resume")
    assert r.status_code == 200, r.text
    resumed = limited.wait(timed_out, lambda j: j["state"] == "running" and j["step"] > job["step"])
    assert resumed["attempts"] == 2 and resumed["executor"]["jobId"] != job["executor"]["jobId"]
    start = [e for e in limited.progress(timed_out) if e["type"] == "start"][-1]
    assert start["resumed"] and start["startEpoch"] >= max(h["epoch"] for h in job["history"])  # its last checkpoint
    limited.client.post(f"/v1/jobs/{timed_out}/cancel")
    assert limited.wait(timed_out, lambda j: j["state"] != "running", timeout=30)["state"] == "cancelled"


def test_a_job_slurm_has_forgotten_ends_as_its_exit_file_says(slurm_cluster, tmp_path):  # noqa: F811
    from seglab_trainer.service.slurm import SlurmExecutor

    executor = SlurmExecutor(
        str(tmp_path / "cache"),
        {"slurm_conf": slurm_cluster.conf, "poll_interval_s": 0.01, "command_prefix": slurm_cluster.prefix},
    )
    (tmp_path / "out").mkdir()
    handle = {"kind": "slurm", "jobId": "987654", "script": str(tmp_path / "slurm-job.sh")}  # never known to Slurm
    (tmp_path / "slurm-exit").write_text("987654 0\n")
    assert executor.reattach(handle) and executor.poll(handle) == 0
    (tmp_path / "slurm-exit").unlink()
    assert executor.poll(handle) == 1
    assert "Slurm no longer knows job 987654" in (tmp_path / "out" / "progress.jsonl").read_text()


# ---- the batch script and the settings, without a cluster --------------------------------------------------


def test_batch_script_carries_the_configured_resources():
    argv = ["--data", "/d", "--out", "/j/out", "--device", "cpu"]
    one = render(SlurmSettings(), "a" * 32, argv, "/j", "/j/train.log", {})
    assert "--gpus-per-node" not in one and "--time" not in one and "torch.distributed.run" not in one
    assert "#SBATCH --requeue" in one and "#SBATCH --chdir=/j" in one
    s = SlurmSettings(
        nodes=2,
        gpus_per_node=4,
        cpus_per_task=8,
        mem="64G",
        time="2:00:00",
        partition="gpu",
        account="lab",
        extra_sbatch=["#SBATCH --qos=high", "--constraint=h100"],
        setup=["module load cuda"],
    )
    many = render(s, "b" * 32, with_device(argv, "cuda"), "/j", "/j/train.log", {"NCCL_DEBUG": "WARN"})
    for line in (
        "--nodes=2",
        "--gpus-per-node=4",
        "--cpus-per-task=8",
        "--mem=64G",
        "--time=2:00:00",
        "--partition=gpu",
        "--account=lab",
        "--qos=high",
        "--constraint=h100",
    ):
        assert f"#SBATCH {line}\n" in many, line
    assert (
        "--nproc_per_node=4" in many
        and "--rdzv_backend=c10d" in many
        and '"$first:$((29500 + SLURM_JOB_ID % 1000))"' in many
    )
    assert (
        "export OMP_NUM_THREADS=2\n" in many
        and "module load cuda\n" in many
        and "export NCCL_DEBUG=WARN\n" in many
        and "--device cuda" in many
    )


def test_bad_settings_are_named():
    with pytest.raises(SlurmConfigError, match="unknown Slurm setting.*gpus"):
        load_settings({"gpus": 2})
    with pytest.raises(SlurmConfigError, match="nodes must be"):
        load_settings({"nodes": 0})
    with pytest.raises(SlurmConfigError, match="partition must be"):
        load_settings({"partition": "a b"})
    assert load_settings({"slurm": {"nodes": 3}}).nodes == 3
