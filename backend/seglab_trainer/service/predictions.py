"""Prediction jobs (POST /v1/predictions): one record per job under <data-dir>/predictions/<id>/, run one at a
time by SegLab's own pre-labeler, `node dist/cli.js prelabel` (onnxruntime-node, CPU), so the masks follow the
host's rules (letterbox, tiling, argmax, class mapping) by construction. A job is idempotent: images already
written by the same model are skipped, so a restart or a killed worker only costs the images in flight."""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import threading
import time
import uuid
from typing import Dict, List, Optional

from ..export import write_json_atomic
from .executors import PACKAGE_PARENT
from .jobs import JOB_ID_RE, now

log = logging.getLogger("seglab_trainer.service")
#: the built CLI of the repository the service runs from
DEFAULT_CLI = os.path.join(os.path.dirname(PACKAGE_PARENT), "dist", "cli.js")
MANIFEST = ".seglab-model.json"
CANCEL_GRACE_S = 10.0


class PredictionManager:
    def __init__(self, data_dir: str, node: Optional[str], cli: str, poll_s: float = 0.3):
        self.root = os.path.join(data_dir, "predictions")
        os.makedirs(self.root, mode=0o700, exist_ok=True)
        self.node, self.cli, self.poll_s = node, cli, poll_s
        self.lock = threading.RLock()
        self.jobs: Dict[str, dict] = {}
        self.procs: Dict[str, subprocess.Popen] = {}
        self._stop = threading.Event()
        self._load()
        self.thread = threading.Thread(target=self._loop, name="seglab-predictions", daemon=True)

    def available(self) -> Optional[str]:
        """None when jobs can run here, else why not."""
        if not self.node:
            return "node is not on the service's PATH"
        if not os.path.isfile(self.cli):
            return f"the SegLab CLI {os.path.basename(self.cli)} is not built (npm run build)"
        return None

    def job_dir(self, job_id: str) -> str:
        if not JOB_ID_RE.match(job_id):
            raise KeyError(job_id)
        return os.path.join(self.root, job_id)

    def out_dir(self, job_id: str) -> str:
        return os.path.join(self.job_dir(job_id), "out")

    def progress_path(self, job_id: str) -> str:
        return os.path.join(self.job_dir(job_id), "progress.jsonl")

    def _save(self, job: dict) -> None:
        write_json_atomic(os.path.join(self.job_dir(job["id"]), "job.json"), job)

    def _load(self) -> None:
        """Jobs that were running when the service stopped are queued again: their written images are kept."""
        for name in sorted(os.listdir(self.root)):
            path = os.path.join(self.root, name, "job.json")
            if not JOB_ID_RE.match(name) or not os.path.isfile(path):
                continue
            try:
                with open(path, encoding="utf-8") as f:
                    job = json.load(f)
            except (OSError, ValueError) as e:
                log.warning("prediction record %s is unreadable (%s); left out", path, e)
                continue
            if job.get("state") == "running":
                _kill_orphan(job.get("pid"))
                job.update(state="queued", pid=None)
                self._save(job)
            self.jobs[name] = job

    def get(self, job_id: str) -> dict:
        with self.lock:
            return public_record(self.jobs[job_id])

    def list(self) -> List[dict]:
        with self.lock:
            return sorted((public_record(j) for j in self.jobs.values()), key=_created)

    def submit(self, dataset: dict, model: dict, options: dict) -> dict:
        """`dataset`: {kind, id|path, root} and `model`: {kind, id, file}, both checked by the route."""
        with self.lock:
            job_id = uuid.uuid4().hex
            os.makedirs(self.out_dir(job_id), mode=0o700)
            job = {
                "id": job_id,
                "state": "queued",
                "createdAt": now(),
                "startedAt": None,
                "finishedAt": None,
                "dataset": dataset,
                "model": model,
                "options": options,
                "done": 0,
                "total": None,
                "written": 0,
                "skipped": 0,
                "failed": [],
                "error": None,
                "attempts": 0,
                "pid": None,
            }
            self.jobs[job_id] = job
            self._save(job)
            return public_record(job)

    def cancel(self, job_id: str) -> dict:
        with self.lock:
            job = self.jobs[job_id]
            if job["state"] == "queued":
                job.update(state="cancelled", finishedAt=now())
                self._save(job)
            elif job["state"] == "running" and not job.get("cancelRequested"):
                job.update(cancelRequested=True, cancelAt=time.time())
                self._save(job)
                _signal(job["pid"], signal.SIGINT)  # the CLI stops between images and saves its manifest
            return public_record(job)

    def resume(self, job_id: str) -> dict:
        with self.lock:
            job = self.jobs[job_id]
            if job["state"] not in ("failed", "cancelled"):
                raise ValueError(f"job {job_id} is {job['state']}: only a failed or cancelled job can be resumed")
            job.update(state="queued", error=None, finishedAt=None, cancelRequested=False)
            self._save(job)
            return public_record(job)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Service shutdown: a running worker is stopped; its job is queued again at the next start."""
        self._stop.set()
        self.thread.join(timeout=5)
        with self.lock:
            for job_id, proc in self.procs.items():
                _signal(proc.pid, signal.SIGINT)
                try:
                    proc.wait(timeout=CANCEL_GRACE_S)
                except subprocess.TimeoutExpired:
                    _signal(proc.pid, signal.SIGKILL)

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self.lock:
                for job in list(self.jobs.values()):
                    if job["state"] == "running":
                        self._watch(job)
                if not any(j["state"] == "running" for j in self.jobs.values()):
                    queued = sorted((j for j in self.jobs.values() if j["state"] == "queued"), key=_created)
                    if queued:
                        self._launch(queued[0])
            self._stop.wait(self.poll_s)

    def argv(self, job: dict) -> List[str]:
        argv = [str(self.node), self.cli, "prelabel", job["dataset"]["root"], "--model", job["model"]["file"]]
        argv += ["--out", self.out_dir(job["id"]), "--progress", self.progress_path(job["id"]), "--json"]
        if job["options"].get("onlyUnlabeled"):
            argv.append("--only-unlabeled")
        if job["options"].get("tileSize") is not None:
            argv += ["--tile", str(job["options"]["tileSize"])]
        return argv

    def _launch(self, job: dict) -> None:
        folder = self.job_dir(job["id"])
        try:
            with open(os.path.join(folder, "worker.log"), "ab") as out:
                proc = subprocess.Popen(
                    self.argv(job),
                    cwd=folder,
                    env={k: v for k, v in os.environ.items() if k != "SEGLAB_TOKEN"},
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        except OSError as e:
            job.update(state="failed", error=f"could not start the pre-labeler: {e}", finishedAt=now())
        else:
            self.procs[job["id"]] = proc
            job.update(state="running", pid=proc.pid, startedAt=now(), attempts=job["attempts"] + 1)
        self._save(job)

    def _watch(self, job: dict) -> None:
        proc = self.procs.get(job["id"])
        code = proc.poll() if proc else -1
        if code is None and job.get("cancelRequested") and time.time() - job.get("cancelAt", 0) > CANCEL_GRACE_S:
            _signal(job["pid"], signal.SIGKILL)
        changed = self._read_progress(job)
        if code is not None:
            self.procs.pop(job["id"], None)
            done = job.pop("_done", None)
            if job.get("cancelRequested"):
                job.update(state="cancelled")
            elif done is not None and not done["cancelled"]:
                job.update(state="succeeded", written=done["written"], skipped=done["skipped"], failed=done["failed"])
            else:
                job.update(state="failed", error=self._log_tail(job["id"], code))
            job.update(finishedAt=now(), pid=None)
            changed = True
        if changed:
            self._save(job)

    def _read_progress(self, job: dict) -> bool:
        """The last progress line of this attempt (the file keeps every attempt's lines, for the event stream)."""
        offset = job.get("_offset", 0)
        try:
            with open(self.progress_path(job["id"]), "rb") as f:
                f.seek(offset)
                data = f.read()
        except FileNotFoundError:
            return False
        end = data.rfind(b"\n") + 1
        job["_offset"] = offset + end
        for line in data[:end].splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if e.get("type") == "progress":
                job.update(done=e["done"], total=e["total"])
            elif e.get("type") == "done":
                job["_done"] = e
        return end > 0

    def _log_tail(self, job_id: str, code: int) -> str:
        try:
            with open(os.path.join(self.job_dir(job_id), "worker.log"), "rb") as f:
                f.seek(max(0, os.path.getsize(f.name) - 2000))
                tail = f.read().decode("utf-8", "replace").strip().splitlines()[-5:]
        except OSError:
            tail = []
        text = f"the pre-labeler exited with status {code}" + (": " + " | ".join(tail) if tail else "")
        return text.replace(self.root + os.sep, "")

    def summary(self, job_id: str) -> dict:
        """The per-image summary the uncertainty queue uses: the pre-labeler's manifest of the output folder."""
        try:
            with open(os.path.join(self.out_dir(job_id), MANIFEST), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return {"version": 1, "images": {}}

    def written(self, job_id: str) -> List[str]:
        """Stems with a finished prediction (the CLI writes each PNG atomically)."""
        return sorted(n[:-4] for n in os.listdir(self.out_dir(job_id)) if n.endswith(".png"))


def public_record(job: dict) -> dict:
    """The record without the server's own paths."""
    out = {k: v for k, v in job.items() if not k.startswith("_") and k not in ("pid", "cancelAt")}
    out["dataset"] = {k: v for k, v in job["dataset"].items() if k != "root"}
    out["model"] = {k: v for k, v in job["model"].items() if k != "file"}
    return out


def _created(job: dict) -> str:
    return job["createdAt"]


def _signal(pid: Optional[int], sig: int) -> None:
    if not pid:
        return
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_orphan(pid: Optional[int]) -> None:
    """A worker of the previous service, still running: nobody follows it any more."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if b"prelabel" in f.read():
                _signal(pid, signal.SIGKILL)
    except (OSError, TypeError):
        pass
