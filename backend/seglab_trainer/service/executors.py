"""Where a job's training process runs. `local` starts it as a subprocess of the service; slurm.py's `slurm`
(sbatch + srun/torchrun) implements the same four calls."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from typing import Dict, List, Optional

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Executor(ABC):
    kind: str
    #: whether a job keeps running, and can be re-attached, when the service stops (a scheduler's job does)
    survives_service: bool = False
    #: whether the executor's own scheduler queues jobs (the service then hands over every queued job at once)
    queues_jobs: bool = False

    def devices(self) -> List[dict]:
        """Where its jobs run, when that is not the service's own devices (a cluster); [] means those."""
        return []

    @abstractmethod
    def start(self, job_id: str, argv: List[str], log_path: str, cwd: str) -> dict:
        """Launch `python -m seglab_trainer train <argv>`; returns a JSON-able handle kept in the job record."""

    @abstractmethod
    def poll(self, handle: dict) -> Optional[int]:
        """None while the job runs, else its exit status."""

    @abstractmethod
    def cancel(self, handle: dict) -> None:
        """Ask the job to stop; poll() reports the exit."""

    @abstractmethod
    def reattach(self, handle: dict) -> bool:
        """After a service restart: True when the job is still followed (a scheduler keeps it running);
        False when it is lost (anything left of it is stopped)."""


def python_module(python: str, module: str) -> List[str]:
    """`python -m module` with this package first on its path, for workers started in a job's folder."""
    path = os.pathsep.join(p for p in (PACKAGE_PARENT, os.environ.get("PYTHONPATH")) if p)
    return ["env", f"PYTHONPATH={path}", python, "-m", module]


def trainer_env(cache_dir: str) -> Dict[str, str]:
    """The service's environment, with the package importable and compiler caches and temporary files kept
    inside the data dir (torch.compile would otherwise write to /tmp and ~/.triton)."""
    env = dict(os.environ)
    for var, sub in (("TORCHINDUCTOR_CACHE_DIR", "inductor"), ("TRITON_CACHE_DIR", "triton"), ("TMPDIR", "tmp")):
        env[var] = os.path.join(cache_dir, sub)
        os.makedirs(env[var], exist_ok=True)
    env["PYTHONPATH"] = PACKAGE_PARENT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("SEGLAB_TOKEN", None)  # the trainer has no business with the service's credential
    return env


class LocalExecutor(Executor):
    """A child process in its own session, so cancel reaches torchrun's workers too (SIGTERM, then SIGKILL)."""

    kind = "local"

    def __init__(self, cache_dir: str, grace_s: float = 10.0):
        self.cache_dir = cache_dir
        self.procs: Dict[int, subprocess.Popen] = {}
        self.grace_s = grace_s
        self.term_sent: Dict[int, float] = {}

    def start(self, job_id: str, argv: List[str], log_path: str, cwd: str) -> dict:
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "seglab_trainer", "train", *argv],
                cwd=cwd,
                env=trainer_env(self.cache_dir),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs[proc.pid] = proc
        return {"kind": self.kind, "pid": proc.pid}

    def poll(self, handle: dict) -> Optional[int]:
        proc = self.procs.get(handle["pid"])
        if proc is None:
            return -1
        code = proc.poll()
        if (
            code is None
            and handle["pid"] in self.term_sent
            and time.time() - self.term_sent[handle["pid"]] > self.grace_s
        ):
            self._signal(handle["pid"], signal.SIGKILL)
        if code is not None:
            self.procs.pop(handle["pid"], None)
            self.term_sent.pop(handle["pid"], None)
        return code

    def cancel(self, handle: dict) -> None:
        if handle["pid"] in self.procs:
            self.term_sent[handle["pid"]] = time.time()
            self._signal(handle["pid"], signal.SIGTERM)

    def reattach(self, handle: dict) -> bool:
        pid = handle.get("pid")
        if pid and _is_trainer(pid):
            self._signal(pid, signal.SIGKILL)  # an orphan from the previous service: nobody follows it any more
        return False

    @staticmethod
    def _signal(pid: int, sig: int) -> None:
        try:
            os.killpg(pid, sig)  # the process group of start_new_session = the job's pid
        except (ProcessLookupError, PermissionError):
            pass


def _is_trainer(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"seglab_trainer" in f.read()
    except OSError:
        return False
