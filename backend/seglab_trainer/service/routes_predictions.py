"""/v1/predictions: pre-label a dataset on the service (predictions.py runs the jobs); /v1/models: upload a model
for them. A dataset is an upload or a folder under one of the service's allowed roots (--predict-root)."""
from __future__ import annotations

import io
import json
import os
import tarfile
import time
from typing import Dict, Iterator, List

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse

from .auth import require_token
from .checks import run_check
from .engines import choose_engine
from .model_uploads import ModelStore
from .predictions import MANIFEST, PredictionManager
from .routes_events import MAX_LINE, event_stream
from .routes_jobs import job_or_404, manager_of
from .schema import PredictionRecord, PredictionRequest
from .uploads import DatasetStore

router = APIRouter(dependencies=[Depends(require_token)])


def predictions_of(request: Request) -> PredictionManager:
    return request.app.state.predictions


def prediction_or_404(manager: PredictionManager, job_id: str) -> dict:
    try:
        return manager.get(job_id)
    except KeyError:
        raise HTTPException(404, f"no prediction job {job_id}")


def allowed_folder(path: str, roots: List[str]) -> str:
    """The real folder when it lies under an allowed root (links resolved first); 403 otherwise."""
    real = os.path.realpath(path)
    if not os.path.isabs(path) or not any(os.path.commonpath([real, r]) == r for r in roots):
        allowed = ", ".join(roots) or "none: the service was started without --predict-root"
        raise HTTPException(403, f"path {path}: not under an allowed dataset root ({allowed})")
    if not os.path.isfile(os.path.join(real, "seglab.json")):
        raise HTTPException(404, f"path {path}: no dataset there (no seglab.json)")
    return real


def _dataset(req: PredictionRequest, request: Request) -> dict:
    if (req.dataset is None) == (req.path is None):
        raise HTTPException(422, "give one of dataset (an upload's id) or path (a folder on the service)")
    if req.path is not None:
        return {"kind": "path", "path": req.path, "root": allowed_folder(req.path, request.app.state.predict_roots)}
    store: DatasetStore = request.app.state.store
    if not store.exists(req.dataset or ""):
        raise HTTPException(404, f"no dataset {req.dataset}")
    return {"kind": "upload", "id": req.dataset, "root": os.path.join(store.datasets_dir, req.dataset or "")}


def _model(req: PredictionRequest, request: Request) -> dict:
    if (req.job is None) == (req.model is None):
        raise HTTPException(422, "give one of job (a training job's id) or model (an uploaded model's id)")
    if req.job is not None:
        jobs = manager_of(request)
        if job_or_404(jobs, req.job)["state"] != "succeeded":
            raise HTTPException(409, f"job {req.job} has not succeeded: it has no model")
        return {"kind": "job", "id": req.job, "file": os.path.join(jobs.job_dir(req.job), "out", "model.onnx")}
    file = request.app.state.models.path(req.model or "")
    if not file:
        raise HTTPException(404, f"no model {req.model}")
    return {"kind": "upload", "id": req.model, "file": file}


def check_model(manager: PredictionManager, dataset: dict, model: dict, only_unlabeled: bool) -> dict:
    """The pre-labeler's own check of the card against the dataset: {model: {name, …}, images: [stems]}, or 422
    with the problem."""
    argv = [str(manager.node), manager.cli, "prelabel", dataset["root"], "--model", model["file"], "--check", "--json"]
    argv += ["--only-unlabeled"] if only_unlabeled else []
    answer, problem = run_check(argv, {dataset["root"]: "<dataset>", os.path.dirname(model["file"]): "<model>"})
    if problem:
        raise HTTPException(422, f"the model does not fit the dataset: {problem}")
    return answer


@router.post("/v1/predictions", status_code=201, response_model=PredictionRecord)
def create_prediction(req: PredictionRequest, request: Request) -> dict:
    manager = predictions_of(request)
    why = manager.available()
    if why:
        raise HTTPException(503, f"prediction jobs cannot run on this service: {why}")
    dataset, model = _dataset(req, request), _model(req, request)
    checked = check_model(manager, dataset, model, req.onlyUnlabeled)
    model["name"] = checked["model"]["name"]
    try:
        engine, why = choose_engine(req.engine, dataset, model, manager.runner.shard_gpu)
    except ValueError as e:
        raise HTTPException(422, str(e))
    options = {"onlyUnlabeled": req.onlyUnlabeled, "tileSize": req.tileSize, "engine": engine}
    options.update({"engineReason": why} if why else {})
    return manager.submit(dataset, model, options, checked["images"])


@router.get("/v1/predictions")
def list_predictions(request: Request) -> dict:
    return {"predictions": predictions_of(request).list()}


@router.get("/v1/predictions/{job_id}", response_model=PredictionRecord)
def get_prediction(job_id: str, request: Request) -> dict:
    return prediction_or_404(predictions_of(request), job_id)


@router.post("/v1/predictions/{job_id}/cancel", response_model=PredictionRecord)
def cancel_prediction(job_id: str, request: Request) -> dict:
    manager = predictions_of(request)
    prediction_or_404(manager, job_id)
    return manager.cancel(job_id)


@router.post("/v1/predictions/{job_id}/resume", response_model=PredictionRecord)
def resume_prediction(job_id: str, request: Request) -> dict:
    manager = predictions_of(request)
    prediction_or_404(manager, job_id)
    try:
        return manager.resume(job_id)
    except ValueError as e:
        raise HTTPException(409, str(e))


@router.get("/v1/predictions/{job_id}/events")
async def prediction_events(job_id: str, request: Request, since: int = Query(0, ge=0, le=MAX_LINE)):
    manager = predictions_of(request)
    prediction_or_404(manager, job_id)
    return event_stream(manager, job_id, manager.progress_path(job_id), request, since)


@router.get("/v1/predictions/{job_id}/summary")
def prediction_summary(job_id: str, request: Request) -> dict:
    manager = predictions_of(request)
    prediction_or_404(manager, job_id)
    return manager.summary(job_id)


@router.get("/v1/predictions/{job_id}/images")
def prediction_images(job_id: str, request: Request) -> dict:
    manager = predictions_of(request)
    prediction_or_404(manager, job_id)
    return {"images": list(manager.results(job_id))}


@router.get("/v1/predictions/{job_id}/images/{stem:path}.png")
def prediction_image(job_id: str, stem: str, request: Request):
    manager = predictions_of(request)
    prediction_or_404(manager, job_id)
    path = manager.results(job_id).get(stem)
    if path is None:
        raise HTTPException(404, f"no prediction {stem}.png (yet)")
    return FileResponse(path, media_type="image/png")


@router.get("/v1/predictions/{job_id}/archive")
def prediction_archive(job_id: str, request: Request):
    """A tar of the PNGs written so far and the summary as the manifest (.seglab-model.json), streamed."""
    manager = predictions_of(request)
    prediction_or_404(manager, job_id)
    files = {f"{stem}.png": path for stem, path in manager.results(job_id).items()}
    manifest = json.dumps(manager.summary(job_id), indent=1).encode() + b"\n"
    return StreamingResponse(_tar(files, manifest), media_type="application/x-tar")


class _Chunks:
    """A write-only file whose writes are collected, for tarfile's stream mode."""

    def __init__(self) -> None:
        self.parts: List[bytes] = []

    def write(self, b: bytes) -> int:
        self.parts.append(bytes(b))
        return len(b)

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _tar(files: Dict[str, str], manifest: bytes, manifest_name: str = MANIFEST) -> Iterator[bytes]:
    sink = _Chunks()
    with tarfile.open(fileobj=sink, mode="w|") as tf:  # type: ignore[call-overload]
        for name, path in files.items():
            tf.add(path, arcname=name, recursive=False)
            yield sink.take()
        info = tarfile.TarInfo(manifest_name)
        info.size, info.mtime, info.mode = len(manifest), int(time.time()), 0o600
        tf.addfile(info, io.BytesIO(manifest))
    yield sink.take()


@router.post("/v1/models")
async def upload_model(request: Request):
    """Body: a tar of model.onnx and model.json (its card)."""
    store: ModelStore = request.app.state.models
    info = await store.upload(request.stream())
    return JSONResponse(info, status_code=201)
