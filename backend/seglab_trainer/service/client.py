"""A Python client of the service (the benchmark and the tests use it; the extension has its own in TypeScript),
and `LocalService`: a real `python -m seglab_trainer serve` in a subprocess on a free port."""
from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import tarfile
import time
from typing import Callable, List, Optional, Sequence, Tuple

import httpx

from .executors import PACKAGE_PARENT


def tar_of(folder: str) -> bytes:
    """A dataset folder as the upload body: a plain tar with the folder's content at its root."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        tf.add(folder, arcname=".")
    return buf.getvalue()


class ServiceError(RuntimeError):
    pass


class Client:
    def __init__(self, url: str, token: str, timeout: float = 30):
        self.url = url
        self.client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)

    def _ok(self, r: httpx.Response, *codes: int) -> httpx.Response:
        if r.status_code not in codes:
            raise ServiceError(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.text[:2000]}")
        return r

    def upload(self, root: str) -> str:
        """Uploads a dataset folder; answers its id (the same data uploaded before costs nothing)."""
        r = self.client.post("/v1/datasets", content=tar_of(root), headers={"Content-Type": "application/x-tar"})
        return self._ok(r, 200, 201).json()["id"]

    def submit(self, dataset: str, **params) -> dict:
        return self._ok(self.client.post("/v1/jobs", json={"dataset": dataset, **params}), 201).json()

    def job(self, job_id: str) -> dict:
        return self._ok(self.client.get(f"/v1/jobs/{job_id}"), 200).json()

    def wait(self, job_id: str, until: Callable[[dict], bool], timeout: float = 120, interval: float = 0.2) -> dict:
        deadline = time.time() + timeout
        while True:
            job = self.job(job_id)
            if until(job):
                return job
            if time.time() > deadline:
                raise TimeoutError(json.dumps(job))
            time.sleep(interval)

    def events(self, job_id: str, timeout: float = 120, resource: str = "jobs") -> List[Tuple[str, dict]]:
        """(event, data) pairs of the job's Server-Sent Events, until `end` (whose data is the final job record);
        `resource="predictions"` for a prediction job's."""
        events, kind = [], None
        with self.client.stream("GET", f"/v1/{resource}/{job_id}/events", timeout=timeout) as stream:
            if stream.status_code != 200:
                stream.read()  # the error's body, for the message
                self._ok(stream, 200)
            for line in stream.iter_lines():
                line = line.rstrip("\r\n")  # httpx 0.23 (Debian's) keeps the line ending
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    events.append((kind, json.loads(line[6:])))
                    if kind == "end":
                        break
        return events

    def artifact(self, job_id: str, name: str) -> bytes:
        return self._ok(self.client.get(f"/v1/jobs/{job_id}/artifacts/{name}"), 200).content

    def close(self) -> None:
        self.client.close()


class LocalService(Client):
    """`python -m seglab_trainer serve` on a free port of 127.0.0.1 with the given token and data dir. `start()`
    after `stop()` starts it again (on a new port) over the same data dir."""

    def __init__(self, data_dir: str, token: str, serve_args: Sequence[str] = ()):
        self.data_dir, self.token, self.serve_args = data_dir, token, list(serve_args)
        self.proc: Optional[subprocess.Popen] = None
        self.start()

    def start(self, timeout: float = 60) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "SEGLAB_TOKEN": self.token}
        cmd = [
            sys.executable,
            "-m",
            "seglab_trainer",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            self.data_dir,
            *self.serve_args,
        ]
        # its log goes to a file: a pipe nobody reads would stall a long run once full
        os.makedirs(self.data_dir, exist_ok=True)
        log = os.path.join(self.data_dir, "service.log")
        with os.fdopen(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as out:
            # `-m seglab_trainer` from the package's parent folder; the service puts it on its trainers' PYTHONPATH
            self.proc = subprocess.Popen(cmd, cwd=PACKAGE_PARENT, env=env, stdout=subprocess.DEVNULL, stderr=out)
        super().__init__(f"http://127.0.0.1:{port}", self.token)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                with open(log, errors="replace") as f:
                    raise ServiceError(f"the service exited: {f.read()[-2000:]}")
            try:
                if httpx.get(self.url + "/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop(signal.SIGKILL)
        raise TimeoutError("the service did not answer /v1/health within %d s" % timeout)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.close()
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
