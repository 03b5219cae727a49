"""Where a prediction job's shards run: `LocalRunner`, one child process of the service (one shard); or
`SlurmArrayRunner`, a Slurm job array with one task per shard (re-submitting only the shards still to do). A shard
is one `seglab prelabel` command; `{k}` in its arguments stands for the shard's number."""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from typing import Dict, List

from .slurm import SlurmError, SlurmExecutor


class LocalRunner:
    survives_service = False
    python = sys.executable  # the PyTorch engine's (engines.torch_command)
    shard_gpu = False  # a shard sees the service's own devices (the engine check finds them)

    def __init__(self) -> None:
        self.procs: Dict[int, subprocess.Popen] = {}

    def start(self, job_id: str, folder: str, argv: List[str], shards: List[int]) -> dict:
        if shards != [0]:
            raise ValueError("a local prediction job is one shard")
        with open(os.path.join(folder, "worker.log"), "ab") as out:
            proc = subprocess.Popen(
                [a.replace("{k}", "0") for a in argv],
                cwd=folder,
                env={k: v for k, v in os.environ.items() if k != "SEGLAB_TOKEN"},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs[proc.pid] = proc
        return {"kind": "local", "pid": proc.pid}

    def running(self, handle: dict) -> bool:
        proc = self.procs.get(handle["pid"])
        if proc is None or proc.poll() is not None:
            self.procs.pop(handle["pid"], None)
            return False
        return True

    def cancel(self, handle: dict, hard: bool = False) -> None:
        """SIGINT: the pre-labeler stops between images and saves its manifest; `hard`: SIGKILL."""
        try:
            os.killpg(handle["pid"], signal.SIGKILL if hard else signal.SIGINT)
        except (ProcessLookupError, PermissionError):
            pass

    def reattach(self, handle: dict) -> bool:
        """A worker of the previous service is stopped: nobody follows it any more."""
        try:
            with open(f"/proc/{handle.get('pid')}/cmdline", "rb") as f:
                cmdline = f.read()
                if any(w in cmdline for w in (b"prelabel", b"\0predict\0", b"\0embed\0")):
                    self.cancel(handle, hard=True)
        except OSError:
            pass
        return False


class SlurmArrayRunner:
    """One array task per shard, with the executor's settings (partition, account, time, mem, setup, env; one
    node a task; one GPU a task where the nodes have GPUs, as a shard is one process). Each task leaves
    `shards/<k>.node` (where it ran) and `shards/<k>.exit` (its status)."""

    survives_service = True

    def __init__(self, executor: SlurmExecutor):
        self.executor = executor
        self.python = executor.settings.python  # the nodes' Python, as training jobs run it
        self.shard_gpu = executor.settings.gpus_per_node > 0  # the service's own host may have none
        self.seen: Dict[str, float] = {}  # Slurm job id -> when squeue was last asked

    def start(self, job_id: str, folder: str, argv: List[str], shards: List[int]) -> dict:
        script = os.path.join(folder, "slurm-array.sh")
        with open(script + ".tmp", "w", encoding="utf-8") as f:
            f.write(self.render(job_id, folder, argv, shards))
        os.replace(script + ".tmp", script)
        r = self.executor._run("sbatch", "--parsable", script)
        slurm_id = r.stdout.strip().split(";")[0]
        if r.returncode != 0 or not slurm_id.isdigit():
            raise SlurmError(f"sbatch refused the prediction job: {r.stderr.strip() or r.stdout.strip()}")
        return {"kind": "slurm", "jobId": slurm_id, "shards": shards}

    def render(self, job_id: str, folder: str, argv: List[str], shards: List[int]) -> str:
        s, q = self.executor.settings, shlex.quote
        opts = [
            f"--job-name=seglab-predict-{job_id[:8]}",
            f"--chdir={folder}",
            f"--output={os.path.join(folder, 'worker-%a.log')}",
            "--open-mode=append",
            f"--array={','.join(map(str, shards))}",
            "--nodes=1",
            "--ntasks=1",
            *(f"--{k}={v}" for k, v in (("partition", s.partition), ("account", s.account)) if v),
            *(f"--{k}={v}" for k, v in (("time", s.time), ("mem", s.mem), ("cpus-per-task", s.cpus_per_task)) if v),
            *(["--gpus-per-node=1"] if self.shard_gpu else []),
            *s.extra_sbatch,
        ]
        command = " ".join(q(a).replace("{k}", "'\"$k\"'") for a in argv)
        return "\n".join(
            [
                "#!/bin/bash",
                *(f"#SBATCH {o}" for o in opts),
                f"# SegLab prediction job {job_id}: one array task per shard, rendered by the training service.",
                "set -uo pipefail",
                *(f"export {k}={q(v)}" for k, v in sorted(s.env.items())),
                *s.setup,
                "k=$SLURM_ARRAY_TASK_ID",
                'rm -f "shards/$k.exit"; echo "$SLURMD_NODENAME" > "shards/$k.node"',
                command,
                "rc=$?",
                'echo "$rc" > "shards/$k.exit.tmp" && mv "shards/$k.exit.tmp" "shards/$k.exit"',
                "exit $rc",
                "",
            ]
        )

    def running(self, handle: dict) -> bool:
        """True while Slurm still holds a task of the array (asked at most every poll_interval_s)."""
        slurm_id = handle["jobId"]
        if time.time() - self.seen.get(slurm_id, 0) < self.executor.settings.poll_interval_s:
            return True
        self.seen[slurm_id] = time.time()
        r = self.executor._run("squeue", "-h", "-r", "-j", slurm_id, "-o", "%T")
        if r.returncode != 0 and "Invalid job id" not in r.stderr:
            return True  # slurmctld busy or unreachable: ask again later
        return bool(r.stdout.strip()) and r.returncode == 0

    def cancel(self, handle: dict, hard: bool = False) -> None:
        """Soft: SIGINT to every task's whole process tree (the pre-labeler saves its manifest); hard: scancel."""
        self.executor._run("scancel", *(["--full", "--signal=INT"] if not hard else []), handle["jobId"])

    def reattach(self, handle: dict) -> bool:
        return True
