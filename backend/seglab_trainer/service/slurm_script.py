"""Settings of the Slurm executor (the service's `--executor-config` file) and the batch script it submits."""
from __future__ import annotations

import dataclasses
import json
import os
import shlex
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional


class SlurmConfigError(ValueError):
    pass


@dataclass
class SlurmSettings:
    #: folder every node mounts at the same path; the service's data dir (datasets, job folders) must be inside it
    shared_dir: Optional[str] = None
    partition: Optional[str] = None
    account: Optional[str] = None
    nodes: int = 1
    gpus_per_node: int = 0
    cpus_per_task: Optional[int] = None
    mem: Optional[str] = None  # sbatch --mem, e.g. "32G"
    time: Optional[str] = None  # sbatch --time, e.g. "4:00:00"; a job over it fails with "time limit reached"
    extra_sbatch: List[str] = field(default_factory=list)  # more "#SBATCH" options, e.g. "--qos=high"
    setup: List[str] = field(default_factory=list)  # shell lines before training, e.g. "module load cuda"
    env: Dict[str, str] = field(default_factory=dict)  # e.g. {"NCCL_SOCKET_IFNAME": "ib0"}
    python: str = sys.executable  # the Python on the nodes that imports torch and seglab_trainer
    rdzv_port: int = 29500  # torchrun's rendezvous on a multi-node job's first node: this + Slurm job id % 1000
    slurm_conf: Optional[str] = None  # SLURM_CONF for sbatch/scontrol/scancel (default: Slurm's own)
    command_prefix: List[str] = field(default_factory=list)  # run Slurm's commands under this, e.g. ["ssh", "login1"]
    poll_interval_s: float = 2.0  # how often one job's state is asked from slurmctld

    @classmethod
    def from_mapping(cls, raw: dict, source: str = "executor config") -> "SlurmSettings":
        raw = dict(raw.get("slurm", raw))  # a file may hold the settings under a [slurm] table
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(raw) - set(names))
        if unknown:
            raise SlurmConfigError(
                f"{source}: unknown Slurm setting(s) {', '.join(unknown)}; " f"known: {', '.join(names)}"
            )
        s = cls(**raw)
        lines = isinstance(s.extra_sbatch, list) and all(isinstance(x, str) and "\n" not in x for x in s.extra_sbatch)
        checks = [
            (isinstance(s.nodes, int) and s.nodes >= 1, "nodes must be an integer >= 1"),
            (isinstance(s.gpus_per_node, int) and s.gpus_per_node >= 0, "gpus_per_node must be an integer >= 0"),
            (
                s.cpus_per_task is None or (isinstance(s.cpus_per_task, int) and s.cpus_per_task >= 1),
                "cpus_per_task must be an integer >= 1",
            ),
            (lines, "extra_sbatch must be a list of one-line strings"),
            (isinstance(s.setup, list) and all(isinstance(x, str) for x in s.setup), "setup must be a list of strings"),
            (
                isinstance(s.env, dict) and all(k.isidentifier() and isinstance(v, str) for k, v in s.env.items()),
                "env must map variable names to strings",
            ),
            (
                isinstance(s.command_prefix, list) and all(isinstance(x, str) for x in s.command_prefix),
                "command_prefix must be a list of strings",
            ),
            (isinstance(s.poll_interval_s, (int, float)) and s.poll_interval_s > 0, "poll_interval_s must be > 0"),
        ]
        for key in ("partition", "account", "mem", "time"):
            value = getattr(s, key)
            checks.append(
                (
                    value is None or (isinstance(value, str) and value != "" and not any(c.isspace() for c in value)),
                    f"{key} must be a string without spaces",
                )
            )
        for ok, message in checks:
            if not ok:
                raise SlurmConfigError(f"{source}: {message}")
        return s


def load_settings(config) -> SlurmSettings:
    """A dict, or the path of a JSON or TOML file."""
    if config is None:
        return SlurmSettings()
    if isinstance(config, dict):
        return SlurmSettings.from_mapping(config)
    try:
        with open(config, "rb") as f:
            data = f.read()
        if config.endswith(".toml"):
            import tomllib

            raw = tomllib.loads(data.decode("utf-8"))
        else:
            raw = json.loads(data)
    except (OSError, ValueError) as e:
        raise SlurmConfigError(f"{config}: cannot read the Slurm executor config: {e}")
    if not isinstance(raw, dict):
        raise SlurmConfigError(f"{config}: expected an object of Slurm settings")
    return SlurmSettings.from_mapping(raw, config)


def with_device(argv: List[str], device: str) -> List[str]:
    """The job runs on the cluster's nodes, not on the service's devices."""
    argv = list(argv)
    if "--device" in argv:
        argv[argv.index("--device") + 1] = device
    else:
        argv += ["--device", device]
    return argv


def render(s: SlurmSettings, job_id: str, argv: List[str], job_dir: str, log_path: str, env: Dict[str, str]) -> str:
    """The batch script. It is also what runs again after a requeue (node failure, preemption): it then finds
    the job's last checkpoint and resumes from it."""
    q = shlex.quote
    procs = s.gpus_per_node or 1
    opts = [
        f"--job-name=seglab-{job_id[:8]}",
        f"--chdir={job_dir}",
        f"--output={log_path}",
        "--open-mode=append",
        f"--nodes={s.nodes}",
        "--ntasks-per-node=1",
        "--requeue",
    ]
    opts += [
        f"--{key.replace('_', '-')}={value}"
        for key, value in (
            ("cpus_per_task", s.cpus_per_task),
            ("gpus_per_node", s.gpus_per_node or None),
            ("mem", s.mem),
            ("time", s.time),
            ("partition", s.partition),
            ("account", s.account),
        )
        if value is not None
    ]
    opts += [x[len("#SBATCH") :].strip() if x.startswith("#SBATCH") else x for x in s.extra_sbatch]
    if s.cpus_per_task and "OMP_NUM_THREADS" not in env:  # the allocation, not the whole node (no CPU binding)
        env = {**env, "OMP_NUM_THREADS": str(max(1, s.cpus_per_task // procs))}
    out = argv[argv.index("--out") + 1]
    last = os.path.join(out, "last.pt")
    if s.nodes == 1 and procs == 1:
        launch = f"srun --ntasks=1 {q(s.python)} -m seglab_trainer train"
    else:
        # one port per job, so that jobs sharing a first node do not meet at the same rendezvous
        endpoint = (
            "--standalone"
            if s.nodes == 1
            else f'--rdzv_backend=c10d --rdzv_endpoint="$first:$(({s.rdzv_port} + SLURM_JOB_ID % 1000))"'
        )
        launch = (
            f"srun --kill-on-bad-exit=1 --ntasks-per-node=1 {q(s.python)} -m torch.distributed.run "
            f'--nnodes="$SLURM_NNODES" --nproc_per_node={procs} --rdzv_id="$SLURM_JOB_ID" {endpoint} '
            # workers' stdout also kept in the job folder; a plain "0" (no redirect) is what torch < 2.0
            # on Python 3.11 cannot parse (Std.NONE is not iterated), so it would not start
            '--redirects=1 --tee=1 --log_dir="torchrun-$SLURM_JOB_ID-${SLURM_RESTART_COUNT:-0}" '
            "-m seglab_trainer train"
        )
    lines = [
        "#!/bin/bash",
        *(f"#SBATCH {o}" for o in opts),
        f"# SegLab training job {job_id}, rendered by the training service (executor: slurm).",
        "set -uo pipefail",
        *(f"export {k}={q(v)}" for k, v in sorted(env.items())),
        *s.setup,
        f"args=({' '.join(q(a) for a in argv)})",
        "# a requeued run (node failure, preemption) continues from its checkpoint",
        f"if [ -f {q(last)} ] && [[ \" ${{args[*]}} \" != *' --resume '* ]]; then args+=(--resume {q(last)}); fi",
        'first=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
        'echo "seglab: Slurm job $SLURM_JOB_ID on $SLURM_JOB_NODELIST, first node $first," \\',
        '     "restart ${SLURM_RESTART_COUNT:-0}"',
        f'{launch} "${{args[@]}}"',
        "rc=$?",
        'echo "$SLURM_JOB_ID $rc" > slurm-exit.tmp && mv slurm-exit.tmp slurm-exit',
        "exit $rc",
        "",
    ]
    return "\n".join(lines)
