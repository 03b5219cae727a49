"""Uploaded models for prediction jobs: a tar of `model.onnx` and its card `model.json`, stored under the sha256
of the body in <data-dir>/models/<id>/. The card is checked against a dataset when a job is submitted (the
pre-labeler's own check, since class mapping depends on the dataset)."""
from __future__ import annotations

import json
import os
import shutil
import uuid
from typing import AsyncIterator

from .uploads import ID_RE, UploadError, extract, receive

FILES = ("model.onnx", "model.json")


class ModelStore:
    def __init__(self, data_dir: str, max_bytes: int):
        self.dir, self.tmp_dir, self.max_bytes = (
            os.path.join(data_dir, "models"),
            os.path.join(data_dir, "tmp"),
            max_bytes,
        )
        os.makedirs(self.dir, mode=0o700, exist_ok=True)

    def path(self, model_id: str) -> str:
        """The stored .onnx ("" for an unknown or malformed id)."""
        onnx = os.path.join(self.dir, model_id, FILES[0])
        return onnx if ID_RE.match(model_id) and os.path.isfile(onnx) else ""

    async def upload(self, body: AsyncIterator[bytes]) -> dict:
        work = os.path.join(self.tmp_dir, uuid.uuid4().hex)
        os.makedirs(work, mode=0o700)
        try:
            model_id, size = await receive(body, os.path.join(work, "upload.tar"), self.max_bytes)
            if not self.path(model_id):
                staging = os.path.join(work, "model")
                extract(os.path.join(work, "upload.tar"), staging, self.max_bytes)
                _check(staging)
                shutil.rmtree(os.path.join(self.dir, model_id), ignore_errors=True)
                os.rename(staging, os.path.join(self.dir, model_id))
            with open(os.path.join(self.dir, model_id, FILES[1]), encoding="utf-8") as f:
                card = json.load(f)
            return {"id": model_id, "bytes": size, "name": card.get("name")}
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _check(folder: str) -> None:
    names = sorted(os.listdir(folder))
    if names != sorted(FILES):
        raise UploadError(422, f"a model upload holds exactly model.onnx and its card model.json, not {names}")
    try:
        with open(os.path.join(folder, FILES[1]), encoding="utf-8") as f:
            card = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise UploadError(422, f"model.json: not JSON ({str(e)[:200]})")
    if not isinstance(card, dict):
        raise UploadError(422, "model.json: a model card is a JSON object")
