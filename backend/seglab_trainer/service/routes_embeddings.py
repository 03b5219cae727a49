"""/v1/embeddings: Smart Select's image embeddings for a dataset, computed on the service (embeddings.py). The job
is a prediction job of kind "embeddings": its record, events, cancel and resume are under /v1/predictions/{id}."""
from __future__ import annotations

import json
import os
from typing import Literal, Optional

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, Field, StrictBool, StrictStr

from .auth import require_token
from .embeddings import check_encoder, embedding_results
from .routes_predictions import _dataset, _tar, prediction_or_404, predictions_of

router = APIRouter(dependencies=[Depends(require_token)])
ARCHIVE_INDEX = "embeddings.json"


class EmbeddingRequest(BaseModel):
    """One of dataset/path, and the uploaded promptable model; nothing is coerced and unknown fields are refused."""

    dataset: Optional[StrictStr] = Field(None, max_length=64, description="an uploaded dataset's id")
    path: Optional[StrictStr] = Field(None, max_length=4096, description="a dataset folder under an allowed root")
    model: StrictStr = Field(..., max_length=64, description="an uploaded model: the encoder as model.onnx, its card")
    onlyUnlabeled: StrictBool = False
    device: Literal["cpu", "cuda"] = Field(
        "cpu", description="cuda: the encoder on CUDA or the job fails, never the CPU"
    )

    class Config:
        extra = "forbid"


@router.post("/v1/embeddings", status_code=201)
def create_embeddings(req: EmbeddingRequest, request: Request) -> dict:
    manager = predictions_of(request)
    why = manager.available()
    if why:
        raise HTTPException(503, f"embedding jobs cannot run on this service: {why}")
    dataset = _dataset(req, request)  # type: ignore[arg-type]
    file = request.app.state.models.path(req.model)
    if not file:
        raise HTTPException(404, f"no model {req.model}")
    answer, problem = check_encoder(str(manager.node), manager.cli, dataset["root"], file, req.onlyUnlabeled)
    if problem:
        raise HTTPException(422, f"the model cannot compute embeddings: {problem}")
    model = {"kind": "upload", "id": req.model, "file": file, "name": answer["model"]["name"]}
    model["keyPrefix"] = answer["model"]["keyPrefix"]
    stems = [i["stem"] for i in answer["images"]]
    options = {"onlyUnlabeled": req.onlyUnlabeled, "device": req.device}
    return manager.submit(dataset, model, options, stems, "embeddings")


def _embedding_job(request: Request, job_id: str) -> str:
    manager = predictions_of(request)
    if prediction_or_404(manager, job_id).get("kind") != "embeddings":
        raise HTTPException(404, f"prediction job {job_id} computes no embeddings")
    return manager.job_dir(job_id)


@router.get("/v1/embeddings/{job_id}/images")
def embedding_images(job_id: str, request: Request) -> dict:
    """Stem -> key of each image whose embeddings are written."""
    return {"images": {stem: key for stem, (key, _) in embedding_results(_embedding_job(request, job_id)).items()}}


@router.get("/v1/embeddings/{job_id}/images/{stem:path}.emb")
def embedding_image(job_id: str, stem: str, request: Request):
    found = embedding_results(_embedding_job(request, job_id)).get(stem)
    if found is None:
        raise HTTPException(404, f"no embeddings for {stem} (yet)")
    return FileResponse(found[1], media_type="application/octet-stream", headers={"X-SegLab-Key": found[0]})


@router.get("/v1/embeddings/{job_id}/archive")
def embedding_archive(job_id: str, request: Request):
    """A tar of the <key>.emb files written so far and embeddings.json ({stem: key}), streamed."""
    found = embedding_results(_embedding_job(request, job_id))
    files = {os.path.basename(path): path for _, path in found.values()}
    index = json.dumps({stem: key for stem, (key, _) in found.items()}, indent=1).encode() + b"\n"
    return StreamingResponse(_tar(files, index, ARCHIVE_INDEX), media_type="application/x-tar")
