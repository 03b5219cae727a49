"""/v1/datasets: upload a tar stream, read a stored dataset's summary."""
from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from .auth import require_token
from .uploads import DatasetStore, UploadError

router = APIRouter(prefix="/v1/datasets", dependencies=[Depends(require_token)])


def store_of(request: Request) -> DatasetStore:
    return request.app.state.store


@router.get("/{dataset_id}")
def get_dataset(dataset_id: str, request: Request) -> dict:
    info = store_of(request).get(dataset_id)
    if info is None:
        raise HTTPException(404, f"no dataset {dataset_id}")
    return info


@router.post("")
async def upload_dataset(request: Request, classes: Optional[str] = None, imagesOnly: bool = False):
    """Body: a tar (or tar.gz) stream; see API.md. `imagesOnly`: for prediction jobs, masks are not needed."""
    store = store_of(request)
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > store.max_upload_bytes:
        raise UploadError(413, f"upload larger than the limit of {store.max_upload_bytes} bytes")
    info, created = await store.upload(request.stream(), classes, imagesOnly)
    return JSONResponse({**info, "existing": not created}, status_code=201 if created else 200)
