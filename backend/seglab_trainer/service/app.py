"""FastAPI app of the training service, versioned under /v1 (see backend/API.md): the routers of
routes_datasets.py, routes_jobs.py and routes_events.py over one DatasetStore and one JobManager."""
from __future__ import annotations

import os
import shutil
from typing import List, Optional

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .. import __version__
from .executors import Executor, LocalExecutor
from .jobs import JobManager
from .model_uploads import ModelStore
from .prediction_runners import LocalRunner, SlurmArrayRunner
from .predictions import DEFAULT_CLI, PredictionManager
from .routes_datasets import router as datasets_router
from .routes_docs import router as docs_router
from .routes_embeddings import router as embeddings_router
from .routes_events import router as events_router
from .routes_jobs import router as jobs_router
from .routes_predictions import router as predictions_router
from .slurm import SlurmExecutor
from .uploads import DatasetStore, UploadError

EXECUTORS = {"local": LocalExecutor, "slurm": SlurmExecutor}


def detect_devices() -> List[dict]:
    import torch

    if torch.cuda.is_available():
        return [
            {
                "name": f"cuda:{i}",
                "label": torch.cuda.get_device_name(i),
                "memory": torch.cuda.get_device_properties(i).total_memory,
            }
            for i in range(torch.cuda.device_count())
        ]
    return [{"name": "cpu", "label": "CPU", "memory": None}]


def create_app(
    data_dir: str,
    token: str,
    max_upload_bytes: int = 2 << 30,
    executor: str = "local",
    devices: Optional[List[dict]] = None,
    executor_options: Optional[dict] = None,
    max_uploads: int = 2,
    api_docs: bool = False,
    predict_roots: Optional[List[str]] = None,
    prelabel_cli: str = DEFAULT_CLI,
    predict_shard_size: int = 1000,
) -> FastAPI:
    data_dir = os.path.realpath(data_dir)
    store = DatasetStore(data_dir, max_upload_bytes, max_uploads)
    runner: Executor = EXECUTORS[executor](os.path.join(data_dir, "cache"), **(executor_options or {}))
    devices = devices or runner.devices() or detect_devices()
    manager = JobManager(data_dir, [d["name"] for d in devices], runner)
    # FastAPI's own docs routes need no token and load their scripts from a CDN: routes_docs replaces them
    app = FastAPI(title="SegLab training service", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.token, app.state.store, app.state.manager = token, store, manager
    app.add_event_handler("startup", manager.start)
    app.add_event_handler("shutdown", manager.stop)
    predict_runner = SlurmArrayRunner(runner) if isinstance(runner, SlurmExecutor) else LocalRunner()
    predictions = PredictionManager(data_dir, shutil.which("node"), prelabel_cli, predict_runner, predict_shard_size)
    app.state.predictions, app.state.models = predictions, ModelStore(data_dir, max_upload_bytes)
    app.state.predict_roots = [os.path.realpath(r) for r in predict_roots or []]
    app.add_event_handler("startup", predictions.start)
    app.add_event_handler("shutdown", predictions.stop)
    app.add_exception_handler(UploadError, _upload_error)

    @app.get("/v1/health")
    def health() -> dict:
        import torch
        import torchvision
        from torch.version import cuda

        return {
            "status": "ok",
            "api": "v1",
            "version": __version__,
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "cuda": cuda,
            "devices": devices,
            "executor": executor,
        }

    for router in (
        datasets_router,
        jobs_router,
        events_router,
        predictions_router,
        embeddings_router,
        *([docs_router] if api_docs else []),
    ):
        app.include_router(router)
    return app


async def _upload_error(_request: Request, e: Exception) -> JSONResponse:
    assert isinstance(e, UploadError)
    files = {"files": e.files} if e.files is not None else {}
    return JSONResponse({"detail": e.detail, **files}, status_code=e.status)
