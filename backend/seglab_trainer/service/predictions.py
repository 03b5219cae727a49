"""Prediction jobs (POST /v1/predictions): one record per job under <data-dir>/predictions/<id>/, run by SegLab's
own pre-labeler, `node dist/cli.js prelabel` (onnxruntime-node, CPU), so the masks follow the host's rules
(letterbox, tiling, argmax, class mapping) by construction. A job is split into shards (prediction_runners.py:
one local process, or a Slurm array task each), shard k writing out/<k>/ and shards/<k>.jsonl; the job's
progress.jsonl is the sum the service writes. Shards are idempotent (images already written by the same model
are skipped), so a restart, a killed worker or a re-run shard only costs the images in flight."""
from __future__ import annotations

import json
import logging
import os
import time
import uuid
from typing import Dict, List, Optional, Union

from .embeddings import embedding_argv
from .engines import torch_command
from .executors import PACKAGE_PARENT
from .jobbook import JobBook, now
from .prediction_runners import LocalRunner, SlurmArrayRunner

log = logging.getLogger("seglab_trainer.service")
#: the built CLI of the repository the service runs from
DEFAULT_CLI = os.path.join(os.path.dirname(PACKAGE_PARENT), "dist", "cli.js")
MANIFEST = ".seglab-model.json"
CANCEL_GRACE_S = 10.0
Runner = Union[LocalRunner, SlurmArrayRunner]


class PredictionManager(JobBook):
    def __init__(self, data_dir: str, node: Optional[str], cli: str, runner: Runner, shard_size: int = 0):
        """`shard_size`: images a shard (0: one shard; a local runner always runs one)."""
        self.node, self.cli, self.runner = node, cli, runner
        self.shard_size = shard_size if isinstance(runner, SlurmArrayRunner) else 0
        super().__init__(os.path.join(data_dir, "predictions"), "seglab-predictions")
        self._load()

    def available(self) -> Optional[str]:
        """None when jobs can run here, else why not."""
        if not self.node:
            return "node is not on the service's PATH"
        if not os.path.isfile(self.cli):
            return f"the SegLab CLI {os.path.basename(self.cli)} is not built (npm run build)"
        return None

    # ---- files ---------------------------------------------------------------------------------
    def progress_path(self, job_id: str) -> str:
        return os.path.join(self.job_dir(job_id), "progress.jsonl")

    def _shard_file(self, job_id: str, k: Union[int, str], ext: str) -> str:
        return os.path.join(self.job_dir(job_id), "shards", f"{k}.{ext}")

    def _load(self) -> None:
        """Running jobs are followed again (Slurm) or queued again (local: their written images are kept)."""
        for name, path in self._record_files():
            try:
                with open(path, encoding="utf-8") as f:
                    job = json.load(f)
            except (OSError, ValueError) as e:
                log.warning("prediction record %s is unreadable (%s); left out", path, e)
                continue
            if job.get("state") == "running" and not self.runner.reattach(job.get("executor") or {}):
                job.update(state="queued", executor=None)
                self._save(job)
            self.jobs[name] = job

    def public(self, job: dict) -> dict:
        return public_record(job)

    # ---- API actions ---------------------------------------------------------------------------
    def submit(
        self,
        dataset: dict,
        model: dict,
        options: dict,
        stems: List[str],
        kind: str = "prelabel",
    ) -> dict:
        """`dataset` {kind, id|path, root}, `model` {kind, id, name, file} and `stems` (the images the run
        predicts, from the pre-labeler's check) as the route checked them. `kind`: "prelabel" (masks) or
        "embeddings" (embeddings.py)."""
        with self.lock:
            job_id = uuid.uuid4().hex
            os.makedirs(os.path.join(self.job_dir(job_id), "shards"), mode=0o700)
            size = self.shard_size or max(1, len(stems))
            shards = [stems[i : i + size] for i in range(0, len(stems), size)] or [[]]
            if len(shards) > 1:
                for k, part in enumerate(shards):
                    with open(self._shard_file(job_id, k, "txt"), "w", encoding="utf-8") as f:
                        f.write("".join(f"{stem}\n" for stem in part))
            return self._add(
                job_id,
                {
                    "kind": kind,
                    "dataset": dataset,
                    "model": model,
                    "options": options,
                    "shards": len(shards),
                    "shardSizes": [len(p) for p in shards],
                    "nodes": [],
                    "done": 0,
                    "total": len(stems),
                    "written": 0,
                    "skipped": 0,
                    "failed": [],
                    "error": None,
                    "attempts": 0,
                    "executor": None,
                },
            )

    def _kill(self, job: dict) -> None:
        self.runner.cancel(job["executor"])

    def _cancel_fields(self) -> Dict[str, object]:
        return {"cancelAt": time.time()}  # a worker still running CANCEL_GRACE_S later is killed

    # (a resume runs only the shards that have not finished: _launch)

    # ---- background thread ---------------------------------------------------------------------
    def stop(self) -> None:
        """Service shutdown: a local worker is stopped (its job is queued again at the next start); Slurm's run on."""
        super().stop()
        with self.lock:
            running = [j for j in self.jobs.values() if j["state"] == "running"]
            if self.runner.survives_service:
                return
            for job in running:
                self.runner.cancel(job["executor"])
            deadline = time.time() + CANCEL_GRACE_S
            while any(self.runner.running(j["executor"]) for j in running) and time.time() < deadline:
                time.sleep(0.1)
            for job in running:
                self.runner.cancel(job["executor"], hard=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self.lock:
                for job in list(self.jobs.values()):
                    if job["state"] == "running":
                        self._watch(job)
                busy = any(j["state"] == "running" for j in self.jobs.values())
                queued = sorted((j for j in self.jobs.values() if j["state"] == "queued"), key=_created)
                if queued and (self.runner.survives_service or not busy):
                    self._launch(queued[0])
            self._stop.wait(0.3)

    def argv(self, job: dict) -> List[str]:
        """Shard {k}'s command."""
        folder = self.job_dir(job["id"])
        if job.get("kind") == "embeddings":
            return embedding_argv(folder, job, str(self.node), self.cli)
        torch = job["options"].get("engine") == "torch"  # engines.py; records from before it ran onnx
        head = torch_command(self.runner.python) if torch else [str(self.node), self.cli, "prelabel"]
        argv = [*head, job["dataset"]["root"], "--model", job["model"]["file"]]
        argv += ["--out", os.path.join(folder, "out", "{k}"), "--progress", self._shard_file(job["id"], "{k}", "jsonl")]
        if job["shards"] > 1:
            argv += ["--stems", self._shard_file(job["id"], "{k}", "txt")]
        if job["options"].get("onlyUnlabeled"):
            argv.append("--only-unlabeled")
        if job["options"].get("tileSize") is not None:
            argv += ["--tile", str(job["options"]["tileSize"])]
        return argv + ["--json"]

    def _launch(self, job: dict) -> None:
        ends = self._ends(job)
        todo = [k for k, e in enumerate(ends) if e is None]
        if not todo:  # a resumed job whose shards had all finished
            return self._finish(job, ends)
        try:
            handle = self.runner.start(job["id"], self.job_dir(job["id"]), self.argv(job), todo)
        except (OSError, ValueError) as e:
            job.update(state="failed", error=f"could not start the pre-labeler: {e}", finishedAt=now())
        else:
            job.update(state="running", executor=handle, startedAt=now(), attempts=job["attempts"] + 1)
        self._save(job)

    def _watch(self, job: dict) -> None:
        running = self.runner.running(job["executor"])
        if running and job.get("cancelRequested") and time.time() - job.get("cancelAt", 0) > CANCEL_GRACE_S:
            self.runner.cancel(job["executor"], hard=True)
        ends = self._ends(job)
        done = sum(
            e["written"] + e["skipped"] + len(e["failed"]) if e else self._shard_done(job["id"], k)
            for k, e in enumerate(ends)
        )
        if done != job["done"]:
            job["done"] = done
            progress = {"type": "progress", "done": done, "total": job["total"], "shards": job["shards"]}
            self._event(job, {**progress, "shardsDone": sum(1 for e in ends if e)})
            self._save(job)
        if not running:
            self._finish(job, ends)

    def _finish(self, job: dict, ends: List[Optional[dict]]) -> None:
        """The job's end: succeeded when every shard ran to its end, else cancelled or failed (resumable)."""
        job["nodes"] = self._nodes(job)
        finished = [e for e in ends if e]
        written, skipped = sum(e["written"] for e in finished), sum(e["skipped"] for e in finished)
        failed = [f for e in finished for f in e["failed"]]
        job.update(written=written, skipped=skipped, failed=failed, finishedAt=now())
        lines = [self._last_line(job["id"], k) or {} for k in range(job["shards"])]
        providers = sorted({line["provider"] for line in lines if "provider" in line})
        if providers:  # embedding jobs: the ONNX Runtime provider that ran (a cancelled shard's too)
            job["provider"] = ", ".join(providers)
        if len(finished) == job["shards"]:
            job.update(state="succeeded")
        elif job.get("cancelRequested"):
            job.update(state="cancelled")
        else:
            left = ", ".join(str(k) for k, e in enumerate(ends) if not e)
            job.update(
                state="failed", error=f"shard(s) {left} of {job['shards']} did not finish: {self._log_tail(job['id'])}"
            )
        self._event(
            job,
            {
                "type": "done",
                "written": written,
                "skipped": skipped,
                "failed": failed,
                "cancelled": job["state"] == "cancelled",
            },
        )
        self._save(job)

    def _ends(self, job: dict) -> List[Optional[dict]]:
        return [self._shard_end(job["id"], k) for k in range(job["shards"])]

    def _event(self, job: dict, line: dict) -> None:
        with open(self.progress_path(job["id"]), "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")

    def _last_line(self, job_id: str, k: int) -> Optional[dict]:
        try:
            with open(self._shard_file(job_id, k, "jsonl"), "rb") as f:
                f.seek(max(0, os.path.getsize(f.name) - 4096))
                lines = f.read().splitlines()
            return json.loads(lines[-1]) if lines else None
        except (OSError, ValueError):
            return None

    def _shard_end(self, job_id: str, k: int) -> Optional[dict]:
        """The summary line of the shard's last attempt when it ran to its end; None otherwise."""
        line = self._last_line(job_id, k)
        return line if line and line.get("type") == "done" and not line.get("cancelled") else None

    def _shard_done(self, job_id: str, k: int) -> int:
        line = self._last_line(job_id, k)
        return line["done"] if line and line.get("type") == "progress" else 0

    def _nodes(self, job: dict) -> List[str]:
        nodes = set()
        for k in range(job["shards"]):
            try:
                with open(self._shard_file(job["id"], k, "node"), encoding="utf-8") as f:
                    nodes.add(f.read().strip())
            except OSError:
                pass
        return sorted(nodes)

    def _log_tail(self, job_id: str) -> str:
        logs = sorted(n for n in os.listdir(self.job_dir(job_id)) if n.startswith("worker") and n.endswith(".log"))
        tail: List[str] = []
        for name in logs:
            with open(os.path.join(self.job_dir(job_id), name), "rb") as f:
                f.seek(max(0, os.path.getsize(f.name) - 1000))
                tail += f.read().decode("utf-8", "replace").strip().splitlines()[-2:]
        text = (" | ".join(tail[-5:]) or "no output").replace(self.root + os.sep, "")
        return text.replace(os.path.dirname(self.root) + os.sep, "")  # e.g. models/<id>/model.onnx: no server paths

    # ---- results -------------------------------------------------------------------------------
    def results(self, job_id: str) -> Dict[str, str]:
        """Stem -> its finished PNG (the CLI writes each atomically), over every shard's folder."""
        out, found = os.path.join(self.job_dir(job_id), "out"), {}
        for folder, _, files in os.walk(out):
            shard = os.path.relpath(folder, out).split(os.sep)[0]
            for name in files:
                if name.endswith(".png"):
                    path = os.path.join(folder, name)
                    found[os.path.relpath(path, os.path.join(out, shard))[:-4].replace(os.sep, "/")] = path
        return dict(sorted(found.items()))

    def summary(self, job_id: str) -> dict:
        """The per-image summary the uncertainty queue uses: the shards' manifests as one."""
        merged: dict = {"version": 1, "images": {}}
        out = os.path.join(self.job_dir(job_id), "out")
        for shard in sorted(os.listdir(out), key=lambda n: int(n) if n.isdigit() else -1):
            try:
                with open(os.path.join(out, shard, MANIFEST), encoding="utf-8") as f:
                    manifest = json.load(f)
            except (OSError, ValueError):
                continue
            merged.update({k: v for k, v in manifest.items() if k != "images"})
            merged["images"].update(manifest.get("images", {}))
        return merged


def public_record(job: dict) -> dict:
    """The record without the server's own paths."""
    out = {k: v for k, v in job.items() if k not in ("executor", "cancelAt", "shardSizes")}
    out["dataset"] = {k: v for k, v in job["dataset"].items() if k != "root"}
    out["model"] = {k: v for k, v in job["model"].items() if k != "file"}
    return out


def _created(job: dict) -> str:
    return job["createdAt"]
