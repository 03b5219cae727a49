"""FastAPI app of the training service, versioned under /v1 (see backend/API.md)."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import shutil
import uuid
from typing import List, Optional

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from pydantic import VERSION as PYDANTIC_VERSION

from .. import __version__
from ..export import write_json_atomic
from ..models import builder_kwargs, check_options
from .executors import EXECUTORS
from .jobs import TERMINAL, JobManager
from .uploads import ID_RE, UploadError, dataset_root, extract, parse_classes, summarize, write_config



def _pattern(p: str) -> dict:
    """pydantic 1 calls it `regex`, pydantic 2 `pattern`."""
    return {"pattern": p} if PYDANTIC_V2 else {"regex": p}


PYDANTIC_V2 = PYDANTIC_VERSION.startswith("2")
#: job parameters named as in the model card's `architectureOptions` (U-Net's base/depth are unetBase/unetDepth)
OPTION_PARAMS = ("backbone", "asppChannels", "decoderChannels", "widthMult", "reducedTail", "backboneBnMomentum")
ARTIFACTS = {"model.onnx": "application/octet-stream", "model.json": "application/json"}


class JobRequest(BaseModel):
    dataset: str = Field(..., description="dataset id (sha256) returned by POST /v1/datasets")
    arch: str = Field("deeplabv3plus", **_pattern("^(unet|deeplabv3plus|fcn|deeplabv3|segformer)$"))
    backbone: Optional[str] = Field(None, **_pattern("^(resnet18|resnet50|resnet101|mobilenet_v3_large)$"))
    epochs: int = Field(20, ge=1, le=10000)
    imageSize: int = Field(512, ge=32, le=4096)
    batchSize: int = Field(8, ge=1, le=1024)
    lr: Optional[float] = Field(None, gt=0, lt=10)
    weightDecay: Optional[float] = Field(None, ge=0, lt=1)
    optimizer: str = Field("adamw", **_pattern("^(adamw|sgd)$"))
    seed: int = Field(0, ge=0, le=2 ** 31)
    unetBase: Optional[int] = Field(None, ge=1, le=512)
    unetDepth: Optional[int] = Field(None, ge=1, le=8)
    asppChannels: Optional[int] = Field(None, ge=8, le=4096, description="deeplabv3plus: ASPP width (default 256)")
    decoderChannels: Optional[int] = Field(None, ge=8, le=4096, description="deeplabv3plus: decoder width (default 256)")
    widthMult: Optional[float] = Field(None, gt=0, le=4, description="deeplabv3plus + mobilenet_v3_large (default 1.0)")
    reducedTail: Optional[bool] = Field(None, description="deeplabv3plus + mobilenet_v3_large (default false)")
    backboneBnMomentum: Optional[float] = Field(None, gt=0, le=1, description="deeplabv3plus (default 0.1)")
    initJob: Optional[str] = Field(None, description="start from the model of this succeeded job")
    device: Optional[str] = None


def _dump(model: BaseModel) -> dict:
    return model.model_dump() if hasattr(model, "model_dump") else model.dict()


def detect_devices() -> List[dict]:
    import torch
    if torch.cuda.is_available():
        return [{"name": f"cuda:{i}", "label": torch.cuda.get_device_name(i),
                 "memory": torch.cuda.get_device_properties(i).total_memory} for i in range(torch.cuda.device_count())]
    return [{"name": "cpu", "label": "CPU", "memory": None}]


def create_app(data_dir: str, token: str, max_upload_bytes: int = 2 << 30, executor: str = "local",
               devices: Optional[List[dict]] = None, executor_options: Optional[dict] = None) -> FastAPI:
    data_dir = os.path.realpath(data_dir)
    datasets_dir, tmp_dir = os.path.join(data_dir, "datasets"), os.path.join(data_dir, "tmp")
    for d in (datasets_dir, tmp_dir):
        os.makedirs(d, exist_ok=True)
    shutil.rmtree(tmp_dir, ignore_errors=True)  # half-finished uploads of a previous run
    os.makedirs(tmp_dir)
    runner = EXECUTORS[executor](os.path.join(data_dir, "cache"), **(executor_options or {}))
    devices = devices or runner.devices() or detect_devices()
    manager = JobManager(data_dir, [d["name"] for d in devices], runner)
    app = FastAPI(title="SegLab training service", version=__version__, docs_url="/v1/docs", openapi_url="/v1/openapi.json")
    app.state.manager = manager

    @app.on_event("startup")
    def _start() -> None:
        manager.start()

    @app.on_event("shutdown")
    def _stop() -> None:
        manager.stop()

    def dataset_meta(dataset_id: str) -> str:
        """<datasets>/<id>.json, the summary of a stored dataset ("" for a malformed id)."""
        return os.path.join(datasets_dir, f"{dataset_id}.json") if ID_RE.match(dataset_id) else ""

    def auth(request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
            raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    def job_or_404(job_id: str) -> dict:
        try:
            return manager.get(job_id)
        except KeyError:
            raise HTTPException(404, f"no job {job_id}")

    @app.exception_handler(UploadError)
    async def _upload_error(_request: Request, e: UploadError):
        return JSONResponse({"detail": e.detail}, status_code=e.status)

    @app.get("/v1/health")
    def health() -> dict:
        import torch
        import torchvision
        return {"status": "ok", "api": "v1", "version": __version__, "torch": torch.__version__,
                "torchvision": torchvision.__version__, "cuda": torch.version.cuda, "devices": devices,
                "executor": executor}

    @app.get("/v1/datasets/{dataset_id}", dependencies=[Depends(auth)])
    def get_dataset(dataset_id: str) -> dict:
        meta = dataset_meta(dataset_id)
        if not meta or not os.path.isfile(meta):
            raise HTTPException(404, f"no dataset {dataset_id}")
        with open(meta, encoding="utf-8") as f:
            return json.load(f)

    @app.post("/v1/datasets", dependencies=[Depends(auth)])
    async def upload_dataset(request: Request, classes: Optional[str] = None):
        """Body: a tar (or tar.gz) stream. Id = sha256 of the body, or of body sha256 + class list when given."""
        class_list = parse_classes(classes)
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > max_upload_bytes:
            raise UploadError(413, f"upload larger than the limit of {max_upload_bytes} bytes")
        work = os.path.join(tmp_dir, uuid.uuid4().hex)
        os.makedirs(work)
        try:
            h, size = hashlib.sha256(), 0
            with open(os.path.join(work, "upload.tar"), "wb") as f:
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > max_upload_bytes:
                        raise UploadError(413, f"upload larger than the limit of {max_upload_bytes} bytes")
                    h.update(chunk)
                    f.write(chunk)
            digest = h.hexdigest()
            if class_list is not None:
                digest = hashlib.sha256((digest + json.dumps(class_list, sort_keys=True)).encode()).hexdigest()
            final = os.path.join(datasets_dir, digest)
            if os.path.isfile(dataset_meta(digest)):
                return JSONResponse({**get_dataset(digest), "existing": True})
            staging = os.path.join(work, "data")
            await asyncio.get_running_loop().run_in_executor(
                None, extract, os.path.join(work, "upload.tar"), staging, max_upload_bytes * 4)
            if class_list is not None and not os.path.exists(os.path.join(staging, "seglab.json")):
                write_config(staging, class_list)
            root = dataset_root(staging)
            info = {"id": digest, "bytes": size, **summarize(root)}
            # the summary beside the folder marks a complete dataset (a folder without it is a leftover); no await
            # between here and the return, so concurrent uploads of the same bytes cannot interleave
            if os.path.isfile(dataset_meta(digest)):
                return JSONResponse({**get_dataset(digest), "existing": True})
            shutil.rmtree(final, ignore_errors=True)
            os.rename(root, final)
            write_json_atomic(dataset_meta(digest), info)
            return JSONResponse({**info, "existing": False}, status_code=201)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @app.post("/v1/jobs", dependencies=[Depends(auth)], status_code=201)
    def create_job(req: JobRequest) -> dict:
        if not dataset_meta(req.dataset) or not os.path.isfile(dataset_meta(req.dataset)):
            raise HTTPException(404, f"no dataset {req.dataset}")
        if req.device is not None and req.device not in manager.devices:
            raise HTTPException(422, f"device {req.device} is not one of {', '.join(manager.devices)}")
        if req.initJob is not None:
            init = job_or_404(req.initJob)
            if init["state"] != "succeeded":
                raise HTTPException(409, f"job {req.initJob} is {init['state']}: only a succeeded job's model can be a start")
        params = _dump(req)
        if req.initJob is None:  # from a starting model of the same architecture, its options fill the unset ones
            try:
                check_options(req.arch, base=req.unetBase, depth=req.unetDepth,
                              **builder_kwargs({k: params[k] for k in OPTION_PARAMS}))
            except ValueError as e:
                raise HTTPException(422, str(e))
        return manager.submit(req.dataset, {k: v for k, v in params.items() if k not in ("dataset", "initJob", "device")},
                              req.initJob, req.device)

    @app.get("/v1/jobs", dependencies=[Depends(auth)])
    def list_jobs() -> dict:
        return {"jobs": manager.list()}

    @app.get("/v1/jobs/{job_id}", dependencies=[Depends(auth)])
    def get_job(job_id: str) -> dict:
        return job_or_404(job_id)

    @app.post("/v1/jobs/{job_id}/cancel", dependencies=[Depends(auth)])
    def cancel_job(job_id: str) -> dict:
        job_or_404(job_id)
        return manager.cancel(job_id)

    @app.post("/v1/jobs/{job_id}/resume", dependencies=[Depends(auth)])
    def resume_job(job_id: str) -> dict:
        job_or_404(job_id)
        try:
            return manager.resume(job_id)
        except ValueError as e:
            raise HTTPException(409, str(e))

    @app.get("/v1/jobs/{job_id}/artifacts/{name}", dependencies=[Depends(auth)])
    def artifact(job_id: str, name: str):
        job = job_or_404(job_id)
        if name not in ARTIFACTS:
            raise HTTPException(404, f"no artifact {name} (model.onnx, model.json)")
        path = os.path.join(manager.job_dir(job_id), "out", name)
        if job["state"] != "succeeded" or not os.path.isfile(path):
            raise HTTPException(409, f"job {job_id} is {job['state']}: artifacts exist once it has succeeded")
        return FileResponse(path, media_type=ARTIFACTS[name], filename=name)

    @app.get("/v1/jobs/{job_id}/events", dependencies=[Depends(auth)])
    async def events(job_id: str, request: Request, since: int = 0):
        """Server-Sent Events: one `progress` event per progress line (id = line number), then `end`."""
        job_or_404(job_id)
        last = request.headers.get("last-event-id")
        start = int(last) + 1 if last and last.isdigit() else since
        path = os.path.join(manager.job_dir(job_id), "out", "progress.jsonl")
        return StreamingResponse(_follow(manager, job_id, path, start), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return app


async def _follow(manager: JobManager, job_id: str, path: str, start: int):
    offset, line_no, idle = 0, 0, 0.0
    while True:
        state = manager.get(job_id)["state"]
        try:
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            data = b""
        end = data.rfind(b"\n") + 1
        offset += end
        for line in data[:end].splitlines():
            if line_no >= start:
                yield f"id: {line_no}\nevent: progress\ndata: {line.decode('utf-8', 'replace')}\n\n"
            line_no += 1
        if end:
            idle = 0.0
        if state in TERMINAL and not end:
            yield f"event: end\ndata: {json.dumps(manager.get(job_id))}\n\n"
            return
        await asyncio.sleep(0.25)
        idle += 0.25
        if idle >= 15:
            idle = 0.0
            yield ": keep-alive\n\n"
