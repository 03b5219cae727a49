"""The job book both job managers keep (training jobs in jobs.py, prediction jobs in predictions.py): one record
per job in <root>/<id>/job.json behind one lock, cancel and resume of a record, and the background thread that
starts queued jobs and watches running ones. Each manager keeps its own rules: what a record holds, how it runs,
when it may be resumed."""
from __future__ import annotations

import os
import re
import threading
import time
from typing import Dict, Iterator, List, Optional, Tuple

from ..export import write_json_atomic

JOB_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class JobBook:
    #: fields a resume sets besides the state change
    resume_fields: Dict[str, object] = {}

    def __init__(self, root: str, thread_name: str):
        self.root = root
        os.makedirs(root, mode=0o700, exist_ok=True)
        self.lock = threading.RLock()
        self.jobs: Dict[str, dict] = {}
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name=thread_name, daemon=True)

    # ---- the manager's own rules ---------------------------------------------------------------
    def _loop(self) -> None:
        raise NotImplementedError

    def _kill(self, job: dict) -> None:
        """Ask the running job's worker to stop."""
        raise NotImplementedError

    def _cancel_fields(self) -> Dict[str, object]:
        """Fields a cancel request sets besides cancelRequested."""
        return {}

    def _not_resumable(self, job: dict) -> Optional[str]:
        """Why the job cannot be resumed; None when it can."""
        if job["state"] not in ("failed", "cancelled"):
            return f"job {job['id']} is {job['state']}: only a failed or cancelled job can be resumed"
        return None

    def public(self, job: dict) -> dict:
        """The record as the API serves it."""
        return dict(job)

    # ---- records -------------------------------------------------------------------------------
    def job_dir(self, job_id: str) -> str:
        if not JOB_ID_RE.match(job_id):
            raise KeyError(job_id)
        return os.path.join(self.root, job_id)

    def _save(self, job: dict) -> None:
        write_json_atomic(os.path.join(self.job_dir(job["id"]), "job.json"), job)

    def _record_files(self) -> Iterator[Tuple[str, str]]:
        """(job id, its job.json) for every job folder with a record."""
        for name in sorted(os.listdir(self.root)):
            path = os.path.join(self.root, name, "job.json")
            if JOB_ID_RE.match(name) and os.path.isfile(path):
                yield name, path

    def get(self, job_id: str) -> dict:
        with self.lock:
            return self.public(self.jobs[job_id])

    def list(self) -> List[dict]:
        with self.lock:
            return sorted((self.public(j) for j in self.jobs.values()), key=lambda j: j["createdAt"])

    # ---- API actions ---------------------------------------------------------------------------
    def _add(self, job_id: str, fields: dict) -> dict:
        """A new queued job: its record (the common fields, then the manager's), saved."""
        job = {"id": job_id, "state": "queued", "createdAt": now(), "startedAt": None, "finishedAt": None, **fields}
        self.jobs[job_id] = job
        self._save(job)
        return self.public(job)

    def cancel(self, job_id: str) -> dict:
        with self.lock:
            job = self.jobs[job_id]
            if job["state"] == "queued":
                job.update(state="cancelled", finishedAt=now())
                self._save(job)
            elif job["state"] == "running" and not job.get("cancelRequested"):
                job.update(cancelRequested=True, **self._cancel_fields())
                self._save(job)
                self._kill(job)
            return self.public(job)

    def resume(self, job_id: str) -> dict:
        with self.lock:
            job = self.jobs[job_id]
            problem = self._not_resumable(job)
            if problem:
                raise ValueError(problem)
            job.update(state="queued", error=None, finishedAt=None, cancelRequested=False, **self.resume_fields)
            self._save(job)
            return self.public(job)

    # ---- background thread ---------------------------------------------------------------------
    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Stops the background thread; the managers then stop or leave their running jobs."""
        self._stop.set()
        self.thread.join(timeout=5)
