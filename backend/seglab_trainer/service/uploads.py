"""Dataset uploads: a tar stream (optionally gzip) read by tarstream.TarReader within limits, extracted into a
fresh staging folder without ever following a path outside it, checked (upload_checks.py), stored under its
sha256. A fixed number of uploads run at once."""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import uuid
from typing import AsyncIterator, List, Optional, Tuple

from ..dataset import DatasetError, labeled_samples, load_config
from ..export import write_json_atomic
from .tarstream import TarError, TarReader
from .upload_checks import MAX_CONFIG_BYTES, ConfigProblem, check_config_text, describe, pair_problems

ID_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_MEMBERS = 200_000
#: the archive may expand to this many times the upload limit (images and masks are compressed already)
EXPANSION = 4


class UploadError(Exception):
    """An upload refused with `status`; `files` ([{file, problem}]) lists the bad files of a 422."""

    def __init__(self, status: int, detail: str, files: Optional[List[dict]] = None):
        super().__init__(detail)
        self.status, self.detail, self.files = status, detail, files


def extract(tar_path: str, dest: str, max_bytes: int) -> None:
    """Regular files and folders into `dest` (which must not exist); links, devices, `..` and absolute paths are
    refused (tarstream). Files are created with O_EXCL, so a duplicate path fails instead of overwriting."""
    os.makedirs(dest, mode=0o700)
    try:
        with open(tar_path, "rb") as f:
            reader = TarReader(f, max_bytes, MAX_MEMBERS)
            for m in reader:
                target = os.path.join(dest, m.path)
                if m.is_dir:
                    os.makedirs(target, mode=0o700, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                with os.fdopen(fd, "wb") as out:
                    for chunk in reader.read_data():
                        out.write(chunk)
    except TarError as e:
        raise UploadError(e.status, e.detail)
    except (FileExistsError, NotADirectoryError, IsADirectoryError) as e:
        name = os.path.relpath(e.filename, dest) if e.filename else "?"
        raise UploadError(400, f"archive member {name!r}: duplicate path (or a file where a folder is)")


def dataset_root(folder: str) -> str:
    """seglab.json at the archive root, or inside its single top-level folder."""
    if os.path.isfile(os.path.join(folder, "seglab.json")):
        return folder
    entries = os.listdir(folder)
    if len(entries) == 1 and os.path.isfile(os.path.join(folder, entries[0], "seglab.json")):
        return os.path.join(folder, entries[0])
    raise UploadError(422, "the archive has no seglab.json at its root and no class list was given")


def write_config(folder: str, classes: List[dict]) -> None:
    with open(os.path.join(folder, "seglab.json"), "x", encoding="utf-8") as f:
        json.dump({"name": "upload", "classes": classes}, f)


def summarize(root: str, archive_root: str, images_only: bool = False) -> dict:
    """Check the dataset the way the CLI and the trainer read it; a 422 naming archive paths when it cannot train
    (`images_only`: for prediction jobs, which need no mask)."""
    config = os.path.join(root, "seglab.json")
    config_name = os.path.relpath(config, archive_root)
    try:
        with open(config, "rb") as f:
            check_config_text(f.read(MAX_CONFIG_BYTES + 1))  # one byte more: too large
        cfg = load_config(root)
        samples = labeled_samples(root, cfg)
    except ConfigProblem as e:
        raise UploadError(422, f"{config_name}: {e}", [{"file": config_name, "problem": str(e)}])
    except DatasetError as e:
        raise UploadError(422, str(e).replace(os.path.realpath(archive_root) + os.sep, ""))
    if not samples and not images_only:
        raise UploadError(422, f"no image in {cfg.images_dir}/ has a mask in {cfg.masks_dir}/: nothing to train on")
    problems = pair_problems(samples, cfg, archive_root)
    if problems:
        raise UploadError(422, describe(problems), problems)
    return {"name": cfg.name, "classes": [c.to_json() for c in cfg.classes], "labeled": len(samples)}


def parse_classes(raw: Optional[str]) -> Optional[List[dict]]:
    if raw is None:
        return None
    try:
        classes = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise UploadError(400, f"classes: invalid JSON: {str(e)[:200]}")
    if not isinstance(classes, list) or not classes:
        raise UploadError(400, "classes: expected a non-empty list of {id, name, color}")
    return classes


class DatasetStore:
    """<data-dir>/datasets/<id>/ (extracted) and <id>.json (its summary, written last: it marks the dataset
    complete); uploads are staged in <data-dir>/tmp/, emptied at start. At most `max_uploads` run at once: each
    holds a decoder and up to 4x its size on disk."""

    def __init__(self, data_dir: str, max_upload_bytes: int, max_uploads: int = 2):
        self.datasets_dir, self.tmp_dir = os.path.join(data_dir, "datasets"), os.path.join(data_dir, "tmp")
        self.max_upload_bytes, self.max_uploads, self.uploads = max_upload_bytes, max_uploads, 0
        os.makedirs(self.datasets_dir, mode=0o700, exist_ok=True)
        shutil.rmtree(self.tmp_dir, ignore_errors=True)  # half-finished uploads of a previous run
        os.makedirs(self.tmp_dir, mode=0o700)

    def meta_path(self, dataset_id: str) -> str:
        """The summary's path ("" for a malformed id)."""
        return os.path.join(self.datasets_dir, f"{dataset_id}.json") if ID_RE.match(dataset_id) else ""

    def exists(self, dataset_id: str) -> bool:
        return bool(self.meta_path(dataset_id)) and os.path.isfile(self.meta_path(dataset_id))

    def get(self, dataset_id: str) -> Optional[dict]:
        if not self.exists(dataset_id):
            return None
        with open(self.meta_path(dataset_id), encoding="utf-8") as f:
            return json.load(f)

    async def upload(
        self, body: AsyncIterator[bytes], classes: Optional[str], images_only: bool = False
    ) -> Tuple[dict, bool]:
        """Stores a tar stream; answers (summary, created). The slot count is checked and taken without an await
        in between, so the event loop cannot let two requests take the last slot."""
        if self.uploads >= self.max_uploads:
            raise UploadError(
                429,
                f"{self.uploads} uploads are in progress, the most this service runs at once: "
                "retry when one has finished",
            )
        self.uploads += 1
        try:
            return await self._upload(body, classes, images_only)
        finally:
            self.uploads -= 1

    async def _upload(self, body: AsyncIterator[bytes], classes: Optional[str], images_only: bool) -> Tuple[dict, bool]:
        """Id = sha256 of the body, or of body sha256 + class list."""
        class_list = parse_classes(classes)
        work = os.path.join(self.tmp_dir, uuid.uuid4().hex)
        os.makedirs(work, mode=0o700)
        try:
            digest, size = await receive(body, os.path.join(work, "upload.tar"), self.max_upload_bytes)
            if class_list is not None:
                digest = hashlib.sha256((digest + json.dumps(class_list, sort_keys=True)).encode()).hexdigest()
            known = self.get(digest)
            if known is not None:
                return known, False
            staging = os.path.join(work, "data")
            limit = self.max_upload_bytes * EXPANSION
            await asyncio.get_running_loop().run_in_executor(
                None, extract, os.path.join(work, "upload.tar"), staging, limit
            )
            if class_list is not None and not os.path.exists(os.path.join(staging, "seglab.json")):
                write_config(staging, class_list)
            root = dataset_root(staging)
            summary = await asyncio.get_running_loop().run_in_executor(None, summarize, root, staging, images_only)
            info = {"id": digest, "bytes": size, **summary}
            # no await from here to the return, so concurrent uploads of the same bytes cannot interleave
            known = self.get(digest)
            if known is not None:
                return known, False
            final = os.path.join(self.datasets_dir, digest)
            shutil.rmtree(final, ignore_errors=True)
            os.rename(root, final)
            write_json_atomic(self.meta_path(digest), info)
            return info, True
        finally:
            shutil.rmtree(work, ignore_errors=True)


async def receive(body: AsyncIterator[bytes], path: str, max_bytes: int) -> Tuple[str, int]:
    """Writes an upload's body to a new file `path`: (its sha256, its size); 413 past `max_bytes`."""
    h, size = hashlib.sha256(), 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        async for chunk in body:
            size += len(chunk)
            if size > max_bytes:
                raise UploadError(413, f"upload larger than the limit of {max_bytes} bytes")
            h.update(chunk)
            f.write(chunk)
    return h.hexdigest(), size
