"""Dataset uploads: a tar stream (optionally gzip) validated member by member, extracted without ever
following a path outside the staging folder, stored under its sha256."""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import tarfile
import uuid
from typing import AsyncIterator, List, Optional, Tuple

from ..dataset import DatasetError, labeled_samples, load_config
from ..export import write_json_atomic

ID_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_MEMBERS = 200_000


class UploadError(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def _member_path(m: tarfile.TarInfo) -> str:
    name = m.name
    if not name or "\0" in name or "\\" in name:
        raise UploadError(400, f"archive member {name!r}: empty name, NUL or backslash")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise UploadError(400, f"archive member {name!r}: absolute paths are not allowed")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UploadError(400, f"archive member {name!r}: '..' is not allowed")
    if not (m.isfile() or m.isdir()):
        kind = "link" if (m.issym() or m.islnk()) else "special file"
        raise UploadError(400, f"archive member {name!r}: {kind}s are not allowed (regular files and folders only)")
    return "/".join(parts)


def extract(tar_path: str, dest: str, max_bytes: int) -> None:
    """Validate every member first, then extract regular files and folders into `dest` (which must not exist)."""
    try:
        with tarfile.open(tar_path, mode="r:*") as tf:
            members = []
            seen, total = set(), 0
            for m in tf:
                path = _member_path(m)
                if not path:
                    continue
                if path in seen:
                    raise UploadError(400, f"archive member {m.name!r}: duplicate path")
                seen.add(path)
                total += m.size
                if total > max_bytes:
                    raise UploadError(413, f"archive expands to more than {max_bytes} bytes")
                if len(members) >= MAX_MEMBERS:
                    raise UploadError(413, f"archive has more than {MAX_MEMBERS} members")
                members.append((path, m))
            os.makedirs(dest)
            root = os.path.realpath(dest)
            for path, m in members:
                target = os.path.realpath(os.path.join(root, path))
                if not target.startswith(root + os.sep):
                    raise UploadError(400, f"archive member {m.name!r}: resolves outside the dataset")
                if m.isdir():
                    os.makedirs(target, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                src = tf.extractfile(m)
                with src, open(target, "xb") as out:  # "x": never overwrite, never follow an existing link
                    shutil.copyfileobj(src, out, 1 << 20)
    except (tarfile.TarError, EOFError, OSError, UnicodeError) as e:
        if isinstance(e, FileExistsError):
            raise UploadError(400, f"archive member collides with another path: {e.filename}")
        raise UploadError(400, f"not a readable tar archive: {e}")


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


def summarize(root: str) -> dict:
    """Check the dataset the way the trainer reads it; a clear 422 when it cannot train."""
    try:
        cfg = load_config(root)
        samples = labeled_samples(root, cfg)
    except DatasetError as e:
        raise UploadError(422, str(e).replace(root + os.sep, ""))
    if not samples:
        raise UploadError(422, f"no image in {cfg.images_dir}/ has a mask in {cfg.masks_dir}/: nothing to train on")
    return {"name": cfg.name, "classes": [c.to_json() for c in cfg.classes], "labeled": len(samples)}


def parse_classes(raw: Optional[str]) -> Optional[List[dict]]:
    if raw is None:
        return None
    try:
        classes = json.loads(raw)
    except json.JSONDecodeError as e:
        raise UploadError(400, f"classes: invalid JSON: {e}")
    if not isinstance(classes, list) or not classes:
        raise UploadError(400, "classes: expected a non-empty list of {id, name, color}")
    return classes


class DatasetStore:
    """<data-dir>/datasets/<id>/ (extracted) and <id>.json (its summary, written last: it marks the dataset
    complete); uploads are staged in <data-dir>/tmp/, emptied at start."""

    def __init__(self, data_dir: str, max_upload_bytes: int):
        self.datasets_dir, self.tmp_dir = os.path.join(data_dir, "datasets"), os.path.join(data_dir, "tmp")
        self.max_upload_bytes = max_upload_bytes
        os.makedirs(self.datasets_dir, exist_ok=True)
        shutil.rmtree(self.tmp_dir, ignore_errors=True)  # half-finished uploads of a previous run
        os.makedirs(self.tmp_dir)

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

    async def upload(self, body: AsyncIterator[bytes], classes: Optional[str]) -> Tuple[dict, bool]:
        """Stores a tar stream; answers (summary, created). Id = sha256 of the body, or of body sha256 + class list."""
        class_list = parse_classes(classes)
        work = os.path.join(self.tmp_dir, uuid.uuid4().hex)
        os.makedirs(work)
        try:
            digest, size = await self._receive(body, os.path.join(work, "upload.tar"))
            if class_list is not None:
                digest = hashlib.sha256((digest + json.dumps(class_list, sort_keys=True)).encode()).hexdigest()
            known = self.get(digest)
            if known is not None:
                return known, False
            staging = os.path.join(work, "data")
            await asyncio.get_running_loop().run_in_executor(
                None, extract, os.path.join(work, "upload.tar"), staging, self.max_upload_bytes * 4
            )
            if class_list is not None and not os.path.exists(os.path.join(staging, "seglab.json")):
                write_config(staging, class_list)
            root = dataset_root(staging)
            info = {"id": digest, "bytes": size, **summarize(root)}
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

    async def _receive(self, body: AsyncIterator[bytes], path: str) -> Tuple[str, int]:
        h, size = hashlib.sha256(), 0
        with open(path, "wb") as f:
            async for chunk in body:
                size += len(chunk)
                if size > self.max_upload_bytes:
                    raise UploadError(413, f"upload larger than the limit of {self.max_upload_bytes} bytes")
                h.update(chunk)
                f.write(chunk)
        return h.hexdigest(), size
