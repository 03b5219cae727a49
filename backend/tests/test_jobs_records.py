"""The job manager over what it finds in its data dir at start: unreadable records are moved aside (the other
jobs start), a job whose trainer finished while the service was down is rebuilt from its own files, and job
errors never show the server's paths. The trainer runs for real (tiny U-Net, CPU)."""
import json
import logging
import os
import shutil
import stat
import subprocess
import sys

import pytest

from seglab_trainer.service.executors import PACKAGE_PARENT, LocalExecutor
from seglab_trainer.service.jobs import JobManager
from tests.synthetic import make_dataset

JOB = "a" * 32


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A data dir whose job JOB trained to the end while no service watched: its record still says running."""
    data = tmp_path_factory.mktemp("data")
    dataset = "d" * 64
    make_dataset(str(data / "datasets" / dataset), count=4, size=32)
    out = data / "jobs" / JOB / "out"
    out.mkdir(parents=True)
    argv = [
        "--data",
        str(data / "datasets" / dataset),
        "--out",
        str(out),
        "--arch",
        "unet",
        "--unet-base",
        "8",
        "--unet-depth",
        "3",
        "--epochs",
        "2",
        "--image-size",
        "32",
        "--batch-size",
        "2",
        "--device",
        "cpu",
    ]
    subprocess.run(
        [sys.executable, "-m", "seglab_trainer", "train", *argv], cwd=PACKAGE_PARENT, check=True, capture_output=True
    )
    record = {
        "id": JOB,
        "state": "running",
        "createdAt": "2026-01-01T00:00:00Z",
        "startedAt": "2026-01-01T00:00:01Z",
        "finishedAt": None,
        "dataset": dataset,
        "params": {"arch": "unet", "epochs": 2},
        "initJob": None,
        "device": "cpu",
        "executor": {"kind": "local", "pid": 2**22 + 1},
        "epoch": 0,
        "epochs": 2,
        "step": 0,
        "totalSteps": None,
        "loss": None,
        "metrics": None,
        "history": [],
        "error": None,
        "resumable": False,
        "resume": False,
        "attempts": 1,
    }
    (data / "jobs" / JOB / "job.json").write_text(json.dumps(record))
    return data


def _manager(data) -> JobManager:
    return JobManager(str(data), ["cpu"], LocalExecutor(str(data / "cache")))


def _copy(run, tmp_path):
    shutil.copytree(run, tmp_path / "data")
    return tmp_path / "data"


def test_a_job_that_finished_while_the_service_was_down_is_rebuilt(finished_run, tmp_path):
    data = _copy(finished_run, tmp_path)
    job = _manager(data).get(JOB)
    assert job["state"] == "succeeded" and job["error"] is None, job
    assert [h["epoch"] for h in job["history"]] == [1, 2] and job["epoch"] == 2 and job["metrics"]["miou"] >= 0
    assert json.loads((data / "jobs" / JOB / "job.json").read_text())["state"] == "succeeded"


def test_a_job_that_did_not_finish_is_reported_lost_with_its_progress(finished_run, tmp_path):
    data = _copy(finished_run, tmp_path)
    os.remove(data / "jobs" / JOB / "out" / "model.onnx")
    job = _manager(data).get(JOB)
    assert job["state"] == "failed" and "service stopped" in job["error"] and job["resumable"] is True
    assert len(job["history"]) == 2


BAD_RECORDS = {
    "empty": "",
    "not JSON": '{"id": ',
    "no state": json.dumps({"id": JOB}),
    "a list": "[]",
    "deep": "[" * 3000 + "]" * 3000,
}


@pytest.mark.parametrize("name", list(BAD_RECORDS))
def test_an_unreadable_record_is_moved_aside_and_the_others_start(finished_run, tmp_path, caplog, name):
    data = _copy(finished_run, tmp_path)
    bad = "b" * 32
    os.makedirs(data / "jobs" / bad)
    (data / "jobs" / bad / "job.json").write_text(BAD_RECORDS[name])
    with caplog.at_level(logging.WARNING, logger="seglab_trainer.service"):
        manager = _manager(data)
    assert [j["id"] for j in manager.list()] == [JOB]
    aside = [n for n in os.listdir(data / "jobs") if n.startswith(bad)]
    assert len(aside) == 1 and aside[0].startswith(f"{bad}.corrupt-")
    assert os.path.isfile(data / "jobs" / aside[0] / "job.json")
    assert str(data / "jobs" / bad / "job.json") in caplog.text and aside[0] in caplog.text


def test_job_errors_name_dataset_files_without_server_paths(tmp_path):
    """A mask that breaks the trainer (the upload checks would refuse it; here the folder is written directly)."""
    data = tmp_path / "data"
    dataset = "e" * 64
    root = make_dataset(str(data / "datasets" / dataset), count=4, size=32)
    with open(os.path.join(root, "masks", "img001.png"), "w") as f:
        f.write("not a png")
    manager = _manager(data)
    manager.start()
    try:
        job = manager.submit(
            dataset,
            {
                "arch": "unet",
                "epochs": 1,
                "imageSize": 32,
                "batchSize": 2,
                "optimizer": "adamw",
                "seed": 0,
                "unetBase": 8,
                "unetDepth": 3,
            },
            None,
            "cpu",
        )
        for _ in range(600):
            job = manager.get(job["id"])
            if job["state"] in ("succeeded", "failed"):
                break
            manager._stop.wait(0.1)
    finally:
        manager.stop()
    assert job["state"] == "failed" and "masks/img001.png" in job["error"], job["error"]
    assert str(tmp_path) not in job["error"] and "/usr/" not in job["error"]


def test_job_records_are_fsynced_file_and_folder(finished_run, tmp_path, monkeypatch):
    data = _copy(finished_run, tmp_path)
    manager = _manager(data)
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(stat.S_ISDIR(os.fstat(fd).st_mode)), real_fsync(fd)))
    manager.cancel(manager.submit("d" * 64, {"epochs": 1}, None, "cpu")["id"])
    assert synced.count(False) >= 2 and synced.count(True) >= 2  # submit and cancel: the record, then its folder
