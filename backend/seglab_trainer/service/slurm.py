"""The `slurm` executor: each job is a Slurm batch job (sbatch; srun + torchrun across its nodes), followed with
`scontrol show job` (no accounting database needed) and cancelled with `scancel`. The trainer writes its
progress into the job folder on the shared file system, where the service follows it as for local jobs."""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
from typing import Dict, List, Optional

from .executors import Executor, trainer_env
from .slurm_script import SlurmConfigError, load_settings, render, with_device

#: Slurm states in which the job is still on its way (waiting, running, being requeued)
ACTIVE = {
    "PENDING",
    "CONFIGURING",
    "RUNNING",
    "COMPLETING",
    "SUSPENDED",
    "REQUEUED",
    "REQUEUE_HOLD",
    "REQUEUE_FED",
    "RESIZING",
    "SIGNALING",
    "STAGE_OUT",
    "STOPPED",
    "SPECIAL_EXIT",
}
#: why a job that the trainer did not end itself has ended, as the job record's error says it
ENDINGS = {
    "TIMEOUT": "time limit reached",
    "CANCELLED": "cancelled in Slurm (scancel or an administrator)",
    "NODE_FAIL": "a node of the job failed",
    "BOOT_FAIL": "a node of the job failed to boot",
    "PREEMPTED": "preempted by a higher-priority job",
    "OUT_OF_MEMORY": "out of memory (the job's --mem)",
    "DEADLINE": "the job's deadline passed",
}
#: the service's settings for the trainer that the batch script sets again on the nodes
SCRIPT_ENV = ("PYTHONPATH", "TORCHINDUCTOR_CACHE_DIR", "TRITON_CACHE_DIR", "TMPDIR")
FIELD_RE = re.compile(r"(?:^|\s)(JobState|Reason|NodeList|ExitCode|TimeLimit|Restarts|RunTime)=(\S+)")


class SlurmError(OSError):
    pass


class SlurmExecutor(Executor):
    kind = "slurm"
    survives_service = True
    queues_jobs = True

    def __init__(self, cache_dir: str, config=None):
        self.cache_dir = cache_dir
        self.settings = load_settings(config)
        shared = self.settings.shared_dir and os.path.realpath(self.settings.shared_dir)
        if shared and os.path.commonpath([shared, os.path.realpath(cache_dir)]) != shared:
            raise SlurmConfigError(
                f"the service's data dir {os.path.dirname(cache_dir)} is not inside shared_dir "
                f"{shared}: the cluster's nodes would not see its datasets and job folders"
            )
        self.seen: Dict[str, float] = {}  # Slurm job id -> when scontrol was last asked

    def devices(self) -> List[dict]:
        s = self.settings
        where = f"partition {s.partition}" if s.partition else "default partition"
        return [
            {
                "name": "slurm",
                "label": f"Slurm ({where}): {s.nodes} node(s) x " f"{s.gpus_per_node or 'no'} GPU(s)",
                "memory": None,
            }
        ]

    # ---- Slurm's commands ----------------------------------------------------------------------
    def _env(self) -> Dict[str, str]:
        env = {k: v for k, v in trainer_env(self.cache_dir).items() if not k.startswith("SLURM_")}
        if self.settings.slurm_conf:
            env["SLURM_CONF"] = self.settings.slurm_conf
        elif os.environ.get("SLURM_CONF"):
            env["SLURM_CONF"] = os.environ["SLURM_CONF"]
        return env

    def _run(self, *cmd: str, timeout: float = 15) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(
                [*self.settings.command_prefix, *cmd],
                capture_output=True,
                text=True,
                env=self._env(),
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise SlurmError(f"{cmd[0]} did not answer in {timeout:.0f} s")
        except FileNotFoundError as e:
            raise SlurmError(f"{e.filename}: not found (the service's machine needs Slurm's client commands)")

    def show(self, slurm_id: str) -> Optional[Dict[str, str]]:
        """The job's fields from slurmctld; None when Slurm does not know the job (any more)."""
        r = self._run("scontrol", "show", "job", "-o", slurm_id)
        if r.returncode != 0:
            if "Invalid job id" in r.stderr:
                return None
            raise SlurmError(f"scontrol show job {slurm_id}: {r.stderr.strip() or r.returncode}")
        return dict(FIELD_RE.findall(r.stdout))

    # ---- Executor ------------------------------------------------------------------------------
    def start(self, job_id: str, argv: List[str], log_path: str, cwd: str) -> dict:
        s = self.settings
        argv = with_device(argv, "cuda" if s.gpus_per_node else "cpu")
        env = {k: v for k, v in self._env().items() if k in SCRIPT_ENV}
        script = os.path.join(cwd, "slurm-job.sh")
        with open(script + ".tmp", "w", encoding="utf-8") as f:
            f.write(render(s, job_id, argv, cwd, log_path, {**env, **s.env}))
        os.replace(script + ".tmp", script)
        if os.path.exists(os.path.join(cwd, "slurm-exit")):
            os.unlink(os.path.join(cwd, "slurm-exit"))  # of a previous attempt
        r = self._run("sbatch", "--parsable", script)
        if r.returncode != 0:
            raise SlurmError(f"sbatch refused the job: {r.stderr.strip() or r.stdout.strip()}")
        slurm_id = r.stdout.strip().split(";")[0]
        if not slurm_id.isdigit():
            raise SlurmError(f"sbatch answered {r.stdout.strip()!r}, not a job id")
        return {
            "kind": self.kind,
            "jobId": slurm_id,
            "script": script,
            "state": "PENDING",
            "reason": None,
            "nodes": [],
            "restarts": 0,
        }

    def poll(self, handle: dict) -> Optional[int]:
        slurm_id = handle["jobId"]
        if time.time() - self.seen.get(slurm_id, 0) < self.settings.poll_interval_s:
            return None
        self.seen[slurm_id] = time.time()
        try:
            info = self.show(slurm_id)
        except SlurmError as e:  # slurmctld down or slow: the job itself may be fine
            handle["reason"] = str(e)
            return None
        if info is None:
            self.seen.pop(slurm_id, None)
            return self._forgotten(handle)
        state = info.get("JobState", "UNKNOWN")
        if info.get("NodeList") not in (None, "(null)", handle.get("nodeList")):
            handle["nodeList"] = info["NodeList"]
            r = self._run("scontrol", "show", "hostnames", info["NodeList"])
            handle["nodes"] = r.stdout.split() if r.returncode == 0 else [info["NodeList"]]
        handle.update(
            state=state,
            reason=None if info.get("Reason") in (None, "None") else info["Reason"],
            restarts=int(info.get("Restarts", "0") or 0),
        )
        if state in ACTIVE:
            return None
        self.seen.pop(slurm_id, None)
        code = int(info.get("ExitCode", "1:0").split(":")[0] or 0)
        if state == "COMPLETED":
            return code
        if state in ENDINGS and not (state == "CANCELLED" and handle.get("cancelRequested")):
            limit = f" ({info['TimeLimit']})" if state == "TIMEOUT" and "TimeLimit" in info else ""
            self._report(handle, f"Slurm job {slurm_id} {state}: {ENDINGS[state]}{limit}")
        return code or 1

    def cancel(self, handle: dict) -> None:
        handle["cancelRequested"] = True
        self.seen.pop(handle["jobId"], None)
        self._run("scancel", handle["jobId"])  # an already finished job: nothing to do, poll reports it

    def reattach(self, handle: dict) -> bool:
        """A Slurm job goes on without the service: follow it again (poll reports it if it ended meanwhile)."""
        return handle.get("kind") == self.kind and str(handle.get("jobId", "")).isdigit()

    # ---- endings the trainer could not report itself -------------------------------------------
    def _forgotten(self, handle: dict) -> int:
        """slurmctld drops finished jobs after MinJobAge: the batch script's exit file tells how it ended."""
        folder = os.path.dirname(handle["script"])
        try:
            with open(os.path.join(folder, "slurm-exit")) as f:
                slurm_id, code = f.read().split()
            if slurm_id == handle["jobId"]:
                return int(code)
        except (OSError, ValueError):
            pass
        self._report(
            handle,
            f"Slurm no longer knows job {handle['jobId']} and it left no exit status "
            "(killed by a time limit, scancel, a node failure or preemption while nobody watched)",
        )
        return 1

    def _report(self, handle: dict, message: str) -> None:
        """An error line in the job's progress, so the job record and the event stream say why it ended."""
        handle["reason"] = message
        path = os.path.join(os.path.dirname(handle["script"]), "out", "progress.jsonl")
        line = {"type": "error", "time": round(time.time(), 3), "message": message, "source": "slurm"}
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
