"""/v1/jobs: submit, list, read, cancel, resume, artifacts (the event stream is in routes_events.py)."""
from __future__ import annotations

import os

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse

from ..models import builder_kwargs, check_options
from .auth import require_token
from .jobs import JobManager
from .schema import OPTION_PARAMS, JobRequest
from .uploads import DatasetStore

ARTIFACTS = {"model.onnx": "application/octet-stream", "model.json": "application/json"}
router = APIRouter(prefix="/v1/jobs", dependencies=[Depends(require_token)])


def manager_of(request: Request) -> JobManager:
    return request.app.state.manager


def job_or_404(manager: JobManager, job_id: str) -> dict:
    try:
        return manager.get(job_id)
    except KeyError:
        raise HTTPException(404, f"no job {job_id}")


def _check_request(req: JobRequest, manager: JobManager, store: DatasetStore) -> None:
    if not store.exists(req.dataset):
        raise HTTPException(404, f"no dataset {req.dataset}")
    classes = (store.get(req.dataset) or {}).get("classes", [])
    if req.sigmoid and len(classes) != 2:
        raise HTTPException(
            422,
            f"sigmoid: a sigmoid export needs a dataset with exactly 2 classes (background and foreground), dataset "
            f"{req.dataset[:12]}… has {len(classes)}: set sigmoid to false or upload a two-class dataset",
        )
    if req.device is not None and req.device not in manager.devices:
        raise HTTPException(422, f"device {req.device} is not one of {', '.join(manager.devices)}")
    if req.initJob is not None:
        init = job_or_404(manager, req.initJob)
        if init["state"] != "succeeded":
            raise HTTPException(
                409, f"job {req.initJob} is {init['state']}: only a succeeded job's model can be a start"
            )
    else:  # from a starting model of the same architecture, its options fill the unset ones
        try:
            options = builder_kwargs({k: getattr(req, k) for k in OPTION_PARAMS})
            check_options(req.arch, base=req.unetBase, depth=req.unetDepth, **options)
        except ValueError as e:
            raise HTTPException(422, str(e))


@router.post("", status_code=201)
def create_job(req: JobRequest, request: Request) -> dict:
    manager = manager_of(request)
    _check_request(req, manager, request.app.state.store)
    params = {k: v for k, v in req.dump().items() if k not in ("dataset", "initJob", "device")}
    return manager.submit(req.dataset, params, req.initJob, req.device)


@router.get("")
def list_jobs(request: Request) -> dict:
    return {"jobs": manager_of(request).list()}


@router.get("/{job_id}")
def get_job(job_id: str, request: Request) -> dict:
    return job_or_404(manager_of(request), job_id)


@router.post("/{job_id}/cancel")
def cancel_job(job_id: str, request: Request) -> dict:
    manager = manager_of(request)
    job_or_404(manager, job_id)
    return manager.cancel(job_id)


@router.post("/{job_id}/resume")
def resume_job(job_id: str, request: Request) -> dict:
    manager = manager_of(request)
    job_or_404(manager, job_id)
    try:
        return manager.resume(job_id)
    except ValueError as e:
        raise HTTPException(409, str(e))


@router.get("/{job_id}/artifacts/{name}")
def artifact(job_id: str, name: str, request: Request):
    manager = manager_of(request)
    job = job_or_404(manager, job_id)
    if name not in ARTIFACTS:
        raise HTTPException(404, f"no artifact {name} (model.onnx, model.json)")
    path = os.path.join(manager.job_dir(job_id), "out", name)
    if job["state"] != "succeeded" or not os.path.isfile(path):
        raise HTTPException(409, f"job {job_id} is {job['state']}: artifacts exist once it has succeeded")
    return FileResponse(path, media_type=ARTIFACTS[name], filename=name)
