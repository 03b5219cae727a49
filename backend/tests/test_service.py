"""Against the real service: `python -m seglab_trainer serve` in a subprocess on a free port."""
import hashlib
import io
import os
import signal
import tarfile
import time

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from seglab_trainer.service.client import LocalService, tar_of  # noqa: E402
from tests.synthetic import make_dataset  # noqa: E402

TOKEN = "test-token-123"
#: patience 0: the 5000-epoch jobs below must run until they are stopped, not end when val mIoU stalls
TINY = {"arch": "unet", "unetBase": 8, "unetDepth": 3, "imageSize": 32, "batchSize": 2, "patience": 0}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    svc = LocalService(str(tmp_path_factory.mktemp("svc") / "data"), TOKEN, ["--max-upload-mb", "1"])
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def dataset_id(service, tmp_path_factory):
    root = make_dataset(str(tmp_path_factory.mktemp("up") / "ds"), count=6, size=32)
    r = service.client.post("/v1/datasets", content=tar_of(root), headers={"Content-Type": "application/x-tar"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_health_is_open_and_everything_else_needs_the_token(service):
    health = httpx.get(service.url + "/v1/health").json()
    assert health["status"] == "ok" and health["devices"] and health["torch"]
    assert httpx.get(service.url + "/v1/jobs").status_code == 401
    assert httpx.get(service.url + "/v1/jobs", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert httpx.post(service.url + "/v1/datasets", content=b"x").status_code == 401
    assert service.client.get("/v1/jobs").status_code == 200


def test_health_names_the_devices_that_train(service):
    """Fine-tune Model… says which device will train from these names and labels (a CPU-only backend: "cpu")."""
    import torch

    devices = httpx.get(service.url + "/v1/health").json()["devices"]
    assert all(isinstance(d["name"], str) and isinstance(d["label"], str) for d in devices)
    if torch.cuda.is_available():
        assert [d["name"] for d in devices] == [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    else:
        assert [(d["name"], d["label"]) for d in devices] == [("cpu", "CPU")]


def test_upload_is_content_addressed(service, dataset_id, tmp_path):
    root = make_dataset(str(tmp_path / "same"), count=6, size=32)
    info = service.client.get(f"/v1/datasets/{dataset_id}").json()
    assert info["labeled"] == 6 and [c["name"] for c in info["classes"]] == ["background", "box", "disc"]
    body = tar_of(root)
    first = service.client.post("/v1/datasets", content=body)
    again = service.client.post("/v1/datasets", content=body)
    assert again.status_code == 200 and again.json()["existing"] is True
    assert again.json()["id"] == first.json()["id"] == hashlib.sha256(body).hexdigest()


def _tar(members) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def _file(name, data=b"x"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _special(name, kind, target=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


HOSTILE = {
    "absolute": (_tar([_file("/tmp/seglab-evil")]), 400, "absolute"),
    "dotdot": (_tar([_file("../../seglab-evil")]), 400, "'..'"),
    "symlink": (_tar([_special("images", tarfile.SYMTYPE, "/etc")]), 400, "link"),
    "hardlink": (_tar([_special("passwd", tarfile.LNKTYPE, "/etc/passwd")]), 400, "link"),
    "device": (_tar([_special("null", tarfile.CHRTYPE)]), 400, "special file"),
    "duplicate": (_tar([_file("a.txt"), _file("./a.txt")]), 400, "duplicate"),
    "corrupt": (b"this is not a tar archive at all" * 40, 400, "not a readable tar"),
    "truncated": (_tar([_file("images/a.png", b"y" * 5000)])[:1500], 400, "not a readable tar"),
    "oversize": (b"\0" * (1 << 20) + b"\0" * 1024, 413, "limit"),
    "no config": (_tar([_file("images/a.png")]), 422, "seglab.json"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_archives_are_rejected_and_nothing_is_written(service, name):
    body, status, words = HOSTILE[name]
    parent = os.path.dirname(service.data_dir)
    before = sorted(os.listdir(parent))
    datasets_before = sorted(os.listdir(os.path.join(service.data_dir, "datasets")))
    r = service.client.post("/v1/datasets", content=body)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]
    assert sorted(os.listdir(parent)) == before and not os.path.exists("/tmp/seglab-evil")
    assert sorted(os.listdir(os.path.join(service.data_dir, "datasets"))) == datasets_before
    assert os.listdir(os.path.join(service.data_dir, "tmp")) == []


def test_job_runs_to_success_with_events_and_artifacts(service, dataset_id):
    r = service.client.post("/v1/jobs", json={"dataset": dataset_id, "epochs": 2, **TINY})
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    events = service.events(job_id)
    types = [e["type"] for k, e in events if k == "progress"]
    assert types[0] == "start" and types.count("epoch") == 2 and "exported" in types
    assert events[-1][0] == "end" and events[-1][1]["state"] == "succeeded"
    job = service.client.get(f"/v1/jobs/{job_id}").json()
    assert job["state"] == "succeeded" and job["epoch"] == 2 and len(job["history"]) == 2 and job["metrics"]["iou"]
    card = service.client.get(f"/v1/jobs/{job_id}/artifacts/model.json").json()
    onnx_bytes = service.client.get(f"/v1/jobs/{job_id}/artifacts/model.onnx").content
    assert hashlib.sha256(onnx_bytes).hexdigest() == card["sha256"]
    assert service.client.get(f"/v1/jobs/{job_id}/artifacts/train.log").status_code == 404
    # a follow-up job may start from this model
    r = service.client.post("/v1/jobs", json={"dataset": dataset_id, "epochs": 1, "initJob": job_id, **TINY})
    follow = service.wait(r.json()["id"], lambda j: j["state"] in ("succeeded", "failed"))
    assert follow["state"] == "succeeded", follow["error"]


def test_a_failing_trainer_gives_a_failed_job_with_its_error(service, dataset_id):
    # 8 downsamplings of a 32-pixel crop: the model cannot run
    r = service.client.post("/v1/jobs", json={"dataset": dataset_id, "epochs": 1, **{**TINY, "unetDepth": 8}})
    job = service.wait(r.json()["id"], lambda j: j["state"] in ("succeeded", "failed"))
    assert job["state"] == "failed" and job["error"] and "RuntimeError" in job["error"], job
    assert service.client.get(f"/v1/jobs/{job['id']}/artifacts/model.onnx").status_code == 409


def test_bad_job_requests(service, dataset_id):
    assert service.client.post("/v1/jobs", json={"dataset": "0" * 64, "epochs": 1}).status_code == 404
    assert service.client.post("/v1/jobs", json={"dataset": dataset_id, "arch": "vgg"}).status_code == 422
    assert service.client.post("/v1/jobs", json={"dataset": dataset_id, "epochs": 0}).status_code == 422
    r = service.client.post("/v1/jobs", json={"dataset": dataset_id, "backbone": "resnet18", "widthMult": 0.5})
    assert r.status_code == 422 and "widthMult needs backbone mobilenet_v3_large" in r.text
    r = service.client.post("/v1/jobs", json={"dataset": dataset_id, **TINY, "asppChannels": 64})
    assert r.status_code == 422 and "architecture unet has no option asppChannels" in r.text
    assert service.client.post("/v1/jobs", json={"dataset": dataset_id, "decoderChannels": 0}).status_code == 422
    assert service.client.get("/v1/jobs/../../etc").status_code == 404
    assert service.client.get("/v1/jobs/" + "a" * 32).status_code == 404


def test_cancel_stops_a_running_job(service, dataset_id):
    job_id = service.client.post("/v1/jobs", json={"dataset": dataset_id, "epochs": 5000, **TINY}).json()["id"]
    service.wait(job_id, lambda j: j["state"] == "running" and j["step"] > 0)
    pid = service.client.get(f"/v1/jobs/{job_id}").json()["executor"]["pid"]
    assert service.client.post(f"/v1/jobs/{job_id}/cancel").status_code == 200
    job = service.wait(job_id, lambda j: j["state"] != "running", timeout=30)
    assert job["state"] == "cancelled"
    with pytest.raises(ProcessLookupError):
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)


def test_restart_keeps_jobs_and_reports_a_lost_running_job(service, dataset_id):
    before = {j["id"]: j["state"] for j in service.client.get("/v1/jobs").json()["jobs"]}
    job_id = service.client.post("/v1/jobs", json={"dataset": dataset_id, "epochs": 5000, **TINY}).json()["id"]
    pid = service.wait(job_id, lambda j: j["state"] == "running" and j["epoch"] >= 1 and j["history"])["executor"][
        "pid"
    ]
    service.stop(signal.SIGKILL)  # the service dies, and its training child with it (a machine crash)
    os.killpg(pid, signal.SIGKILL)
    service.start()
    after = {j["id"]: j for j in service.client.get("/v1/jobs").json()["jobs"]}
    assert {k: after[k]["state"] for k in before} == before
    lost = after[job_id]
    assert lost["state"] == "failed" and "service stopped" in lost["error"] and lost["resumable"] is True
    r = service.client.post(f"/v1/jobs/{job_id}/resume")
    assert r.status_code == 200, r.text
    resumed = service.wait(job_id, lambda j: j["state"] == "running" and j["step"] > lost["step"])
    assert resumed["attempts"] == 2
    service.client.post(f"/v1/jobs/{job_id}/cancel")
    assert service.wait(job_id, lambda j: j["state"] != "running", timeout=30)["state"] == "cancelled"


def test_a_stopping_service_stops_its_local_jobs(service, dataset_id):
    job_id = service.client.post("/v1/jobs", json={"dataset": dataset_id, "epochs": 5000, **TINY}).json()["id"]
    pid = service.wait(job_id, lambda j: j["state"] == "running" and j["step"] > 0)["executor"]["pid"]
    service.stop(signal.SIGTERM)
    with pytest.raises(ProcessLookupError):
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
    service.start()
    job = service.client.get(f"/v1/jobs/{job_id}").json()
    assert job["state"] == "failed" and "service stopped" in job["error"]


def test_generated_token_is_kept_private(tmp_path, monkeypatch):
    from seglab_trainer.service.auth import load_or_create_token

    monkeypatch.delenv("SEGLAB_TOKEN", raising=False)
    token, generated = load_or_create_token(str(tmp_path))
    assert generated and len(token) >= 32
    assert os.stat(tmp_path / "token").st_mode & 0o777 == 0o600
    assert load_or_create_token(str(tmp_path)) == (token, False)
    monkeypatch.setenv("SEGLAB_TOKEN", "from-env")
    assert load_or_create_token(str(tmp_path)) == ("from-env", False)


COERCED = {
    "epochs as text": {"epochs": "2"},
    "epochs true": {"epochs": True},
    "epochs 1.9": {"epochs": 1.9},
    "backbone with a newline": {"backbone": "resnet50\n"},
    "lr as text": {"lr": "0.01"},
    "reducedTail 1": {"reducedTail": 1},
    "unknown field": {"epoch": 2},
    "dataset a number": {"dataset": 5},
}


@pytest.mark.parametrize("name", list(COERCED))
def test_job_requests_are_not_coerced(service, dataset_id, name):
    r = service.client.post("/v1/jobs", json={"dataset": dataset_id, **TINY, **COERCED[name]})
    assert r.status_code == 422, r.text
    field = next(iter(COERCED[name]))
    assert any(e["loc"][-1] == field for e in r.json()["detail"]), r.text


def test_malformed_requests_are_4xx_never_500(service, dataset_id):
    deep = "[" * 3000 + "]" * 3000
    assert (
        service.client.post("/v1/jobs", content=deep, headers={"Content-Type": "application/json"}).status_code == 400
    )
    assert service.client.post("/v1/datasets?classes=" + "[" * 3000, content=b"").status_code == 400
    assert service.client.get("/v1/jobs/" + "a/" * 3000).status_code == 404
    job_id = service.client.get("/v1/jobs").json()["jobs"][0]["id"]
    r = service.client.get(f"/v1/jobs/{job_id}/events", headers={"Last-Event-ID": "9" * 5000})
    assert r.status_code == 400 and "Last-Event-ID" in r.json()["detail"]
    assert service.client.get(f"/v1/jobs/{job_id}/events?since=" + "9" * 5000).status_code == 422
    assert service.client.post("/v1/jobs", json={"dataset": dataset_id, "lr": 0, **TINY}).status_code == 422


def test_api_docs_are_off_by_default(service):
    for path in ("/v1/docs", "/v1/openapi.json", "/docs", "/redoc", "/openapi.json"):
        assert service.client.get(path).status_code == 404, path


def test_api_docs_when_enabled_need_the_token_and_load_nothing_from_elsewhere(tmp_path):
    svc = LocalService(str(tmp_path / "data"), TOKEN, ["--api-docs"])
    try:
        for path in ("/v1/docs", "/v1/openapi.json"):
            assert httpx.get(svc.url + path, timeout=30).status_code == 401
        page = svc.client.get("/v1/docs")
        assert page.status_code == 200 and "/v1/jobs" in page.text
        assert "<script" not in page.text and "http" not in page.text
        assert "/v1/jobs" in svc.client.get("/v1/openapi.json").json()["paths"]
    finally:
        svc.stop()


def test_everything_in_the_data_dir_is_owner_only(service, dataset_id):
    """Run after a job and an upload: datasets, job folders, records, checkpoints, models, logs."""
    assert service.client.get("/v1/jobs").json()["jobs"]  # something was written
    loose = []
    for folder, dirs, files in os.walk(service.data_dir):
        for path in [folder] + [os.path.join(folder, f) for f in files]:
            if os.lstat(path).st_mode & 0o077:
                loose.append((path, oct(os.lstat(path).st_mode & 0o777)))
    assert loose == []
