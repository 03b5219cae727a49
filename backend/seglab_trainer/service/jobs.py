"""Job records (one JSON file per job in the data dir), one queue per device, progress followed from the
trainer's progress.jsonl. A background thread starts queued jobs and watches running ones."""
from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from typing import Dict, List, Optional

from .executors import Executor
from .jobbook import JobBook, now
from .schema import JOB_STATES

LOST = "the service stopped while the job was running; resume it with POST /v1/jobs/{id}/resume"
#: fields every job record has (a record without them cannot be served)
RECORD_FIELDS = ("id", "state", "createdAt", "dataset", "params", "device", "history", "resume", "attempts")
log = logging.getLogger("seglab_trainer.service")
ABSOLUTE_PATH_RE = re.compile(r"(?<![\w.])/(?:[^\s/'\"():,]+/)+([^\s/'\"():,]+)")


class JobManager(JobBook):
    resume_fields = {"resume": True}

    def __init__(self, data_dir: str, devices: List[str], executor: Executor, poll_s: float = 0.3):
        self.datasets_dir = os.path.join(data_dir, "datasets")
        self.devices, self.executor, self.poll_s = devices, executor, poll_s
        self.offsets: Dict[str, int] = {}
        super().__init__(os.path.join(data_dir, "jobs"), "seglab-jobs")
        self._load()

    # ---- records -------------------------------------------------------------------------------
    def _load(self) -> None:
        for name, path in self._record_files():
            try:
                job = _read_record(path, name)
            except ValueError as e:
                self._set_aside(name, e)
                continue
            if job["state"] == "running" and not self.executor.reattach(job.get("executor") or {}):
                self._ended_unwatched(job)
                self._save(job)
            self.jobs[job["id"]] = job

    def _set_aside(self, name: str, problem: Exception) -> None:
        """A record that cannot be read must not stop the service: its folder moves to jobs/<id>.corrupt-<time>."""
        aside = os.path.join(self.root, f"{name}.corrupt-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}")
        os.replace(os.path.join(self.root, name), aside)
        log.warning(
            "job record %s: %s; its folder was moved to %s",
            os.path.join(self.root, name, "job.json"),
            problem,
            aside,
        )

    def _ended_unwatched(self, job: dict) -> None:
        """A running job that nobody follows any more: its trainer may have finished while the service was down,
        so the record is rebuilt from progress.jsonl and the exported files before it is called lost."""
        job.update(history=[], error=None)
        self.offsets[job["id"]] = 0
        self._read_progress(job)
        if os.path.isfile(self._out(job["id"], "model.json")) and os.path.isfile(self._out(job["id"], "model.onnx")):
            job.update(state="succeeded", finishedAt=now(), resumable=False)
        else:
            job.update(
                state="failed",
                error=LOST.format(id=job["id"]),
                finishedAt=now(),
                resumable=self._has_checkpoint(job["id"]),
            )

    def _out(self, job_id: str, name: str) -> str:
        return os.path.join(self.job_dir(job_id), "out", name)

    def _has_checkpoint(self, job_id: str) -> bool:
        return os.path.isfile(self._out(job_id, "last.pt"))

    # ---- API actions ---------------------------------------------------------------------------
    def submit(self, dataset: str, params: dict, init_job: Optional[str], device: Optional[str]) -> dict:
        with self.lock:
            if device is None:  # the device with the shortest queue
                load = {
                    d: sum(1 for j in self.jobs.values() if j["device"] == d and j["state"] in ("queued", "running"))
                    for d in self.devices
                }
                device = min(self.devices, key=lambda d: load[d])
            job_id = uuid.uuid4().hex
            os.makedirs(os.path.join(self.job_dir(job_id), "out"), mode=0o700)
            return self._add(
                job_id,
                {
                    "dataset": dataset,
                    "params": params,
                    "initJob": init_job,
                    "device": device,
                    "executor": None,
                    "epoch": 0,
                    "epochs": params["epochs"],
                    "step": 0,
                    "totalSteps": None,
                    "loss": None,
                    "metrics": None,
                    "history": [],
                    "error": None,
                    "resumable": False,
                    "resume": False,
                    "attempts": 0,
                },
            )

    def _kill(self, job: dict) -> None:
        self.executor.cancel(job["executor"])

    def _not_resumable(self, job: dict) -> Optional[str]:
        """A training job resumes from its checkpoint."""
        if job["state"] not in ("failed", "cancelled") or not self._has_checkpoint(job["id"]):
            return (
                f"job {job['id']} is {job['state']} and has "
                f"{'a' if self._has_checkpoint(job['id']) else 'no'} checkpoint: only a failed or cancelled "
                "job with a checkpoint can be resumed"
            )
        return None

    # ---- background thread ---------------------------------------------------------------------
    def stop(self) -> None:
        """Service shutdown: jobs that cannot outlive the service (local children) are stopped and reported
        failed (resumable), instead of being left running unwatched."""
        super().stop()
        with self.lock:
            running = [j for j in self.jobs.values() if j["state"] == "running" and not self.executor.survives_service]
            for job in running:
                self.executor.cancel(job["executor"])
            deadline = time.time() + 15
            while running and time.time() < deadline:
                running = [j for j in running if self.executor.poll(j["executor"]) is None]
                time.sleep(0.1)
            for job in self.jobs.values():
                if job["state"] == "running" and not self.executor.survives_service:
                    job.update(
                        state="failed",
                        error=LOST.format(id=job["id"]),
                        finishedAt=now(),
                        resumable=self._has_checkpoint(job["id"]),
                    )
                    self._save(job)

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self.lock:
                for job in list(self.jobs.values()):
                    if job["state"] == "running":
                        self._watch(job)
                busy = {j["device"] for j in self.jobs.values() if j["state"] == "running"}
                for job in sorted(self.jobs.values(), key=lambda j: j["createdAt"]):
                    if job["state"] == "queued" and (self.executor.queues_jobs or job["device"] not in busy):
                        self._launch(job)
                        busy.add(job["device"])
            self._stop.wait(self.poll_s)

    def argv(self, job: dict) -> List[str]:
        p, out = job["params"], os.path.join(self.job_dir(job["id"]), "out")
        argv = [
            "--data",
            os.path.join(self.datasets_dir, job["dataset"]),
            "--out",
            out,
            "--arch",
            p["arch"],
            "--task",
            p.get("task", "semantic"),  # (records from before the field)
            "--epochs",
            str(p["epochs"]),
            "--optimizer",
            p["optimizer"],
            "--seed",
            str(p["seed"]),
            "--device",
            job["device"],
        ]
        for key, flag in (
            ("imageSize", "--image-size"),
            ("batchSize", "--batch-size"),
            ("lr", "--lr"),
            ("patience", "--patience"),
            ("minutes", "--minutes"),
            ("backbone", "--backbone"),
            ("unetBase", "--unet-base"),
            ("unetDepth", "--unet-depth"),
            ("weightDecay", "--weight-decay"),
            ("asppChannels", "--aspp-channels"),
            ("decoderChannels", "--decoder-channels"),
            ("widthMult", "--width-mult"),
            ("backboneBnMomentum", "--backbone-bn-momentum"),
        ):
            if p.get(key) is not None:
                argv += [flag, str(p[key])]
        if p.get("reducedTail") is not None:
            argv.append("--reduced-tail" if p["reducedTail"] else "--no-reduced-tail")
        if p.get("sigmoid"):
            argv.append("--export-sigmoid")
        if job["resume"]:
            argv += ["--resume", os.path.join(out, "last.pt")]
        elif job["initJob"]:
            argv += ["--init", os.path.join(self.job_dir(job["initJob"]), "out")]
        return argv

    def _launch(self, job: dict) -> None:
        folder = self.job_dir(job["id"])
        self.offsets[job["id"]] = self._progress_size(job["id"]) if job["resume"] else 0
        try:
            handle = self.executor.start(job["id"], self.argv(job), os.path.join(folder, "train.log"), folder)
        except OSError as e:
            job.update(state="failed", error=self._public(job, f"could not start the trainer: {e}"), finishedAt=now())
        else:
            job.update(state="running", executor=handle, startedAt=now(), attempts=job["attempts"] + 1)
        self._save(job)

    def _progress_size(self, job_id: str) -> int:
        try:
            return os.path.getsize(os.path.join(self.job_dir(job_id), "out", "progress.jsonl"))
        except OSError:
            return 0

    def _watch(self, job: dict) -> None:
        changed = self._read_progress(job)
        code = self.executor.poll(job["executor"])
        if code is not None:
            self._read_progress(job)
            done = os.path.isfile(os.path.join(self.job_dir(job["id"]), "out", "model.json"))
            if job.get("cancelRequested"):
                job.update(state="cancelled")
            elif code == 0 and done:
                job.update(state="succeeded")
            else:
                job.update(state="failed", error=job.get("error") or self._public(job, self._log_tail(job["id"], code)))
            job.update(finishedAt=now(), resumable=job["state"] != "succeeded" and self._has_checkpoint(job["id"]))
            changed = True
        if changed:
            self._save(job)

    def _read_progress(self, job: dict) -> bool:
        path = os.path.join(self.job_dir(job["id"]), "out", "progress.jsonl")
        try:
            with open(path, "rb") as f:
                f.seek(self.offsets.get(job["id"], 0))
                data = f.read()
        except FileNotFoundError:
            return False
        end = data.rfind(b"\n") + 1  # complete lines only
        self.offsets[job["id"]] = self.offsets.get(job["id"], 0) + end
        for line in data[:end].splitlines():
            try:
                apply_event(job, json.loads(line))
            except (ValueError, KeyError):
                continue
        if job.get("error"):
            job["error"] = self._public(job, job["error"])
        return end > 0

    def _public(self, job: dict, text: str) -> str:
        """Error text without the server's paths: dataset files by their path in the dataset, others by name."""
        text = text.replace(os.path.join(self.datasets_dir, job["dataset"]) + os.sep, "")
        return ABSOLUTE_PATH_RE.sub(lambda m: m.group(1), text)

    def _log_tail(self, job_id: str, code: int) -> str:
        try:
            with open(os.path.join(self.job_dir(job_id), "train.log"), "rb") as f:
                f.seek(max(0, os.path.getsize(f.name) - 2000))
                tail = f.read().decode("utf-8", "replace").strip().splitlines()[-5:]
        except OSError:
            tail = []
        return f"trainer exited with status {code}" + (": " + " | ".join(tail) if tail else "")


def apply_event(job: dict, e: dict) -> None:
    """Fold one progress line into the job record."""
    kind = e.get("type")
    if kind == "start":
        job["totalSteps"] = e["stepsPerEpoch"] * e["epochs"]
    elif kind == "step":
        job.update(epoch=e["epoch"], step=e["step"], loss=e["loss"], totalSteps=e.get("totalSteps", job["totalSteps"]))
    elif kind == "epoch":
        job.update(epoch=e["epoch"], step=e["step"], metrics=e["val"])
        job["history"] = [h for h in job["history"] if h["epoch"] < e["epoch"]] + [
            {
                "epoch": e["epoch"],
                "loss": e["loss"],
                "miou": e["val"]["miou"],
                "imagesPerSecond": e.get("imagesPerSecond"),
            }
        ]
    elif kind == "error":
        job["error"] = e["message"]


def _read_record(path: str, folder: str) -> dict:
    """A job.json; ValueError for one that is empty, not JSON, not this folder's job or missing a field."""
    try:
        with open(path, encoding="utf-8") as f:
            job = json.load(f)
    except (ValueError, OSError, RecursionError) as e:
        raise ValueError(f"unreadable ({str(e)[:200] or type(e).__name__})")
    if not isinstance(job, dict) or job.get("id") != folder:
        raise ValueError("not the record of the job of its folder")
    missing = [k for k in RECORD_FIELDS if k not in job]
    if missing or job["state"] not in JOB_STATES:
        raise ValueError(f"missing {', '.join(missing)}" if missing else f"unknown state {job['state']!r}")
    return job
