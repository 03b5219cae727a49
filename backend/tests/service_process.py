"""A real `python -m seglab_trainer serve` on a free port, for the service and Slurm tests."""
import os
import signal
import socket
import subprocess
import sys
import time

import httpx

BACKEND = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ServiceProcess:
    """Subclasses set `token` and `data_dir` and give the serve options in `serve_args()`."""

    token: str
    data_dir: str

    def serve_args(self) -> list:
        return []

    def start(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {**os.environ, "SEGLAB_TOKEN": self.token, "PYTHONPATH": BACKEND}
        cmd = [sys.executable, "-m", "seglab_trainer", "serve", "--port", str(self.port), "--data-dir", self.data_dir,
               *self.serve_args()]
        self.proc = subprocess.Popen(cmd, cwd=BACKEND, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{self.port}"
        self.client = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stderr.read().decode())
            try:
                if httpx.get(self.url + "/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise TimeoutError("service did not start")

    def stop(self, sig=signal.SIGTERM) -> None:
        self.client.close()
        self.proc.send_signal(sig)
        self.proc.wait(timeout=20)
        self.proc.stderr.close()
