"""The app under gunicorn for the benchmarks: a database built once per engine and scale, a server on a free port."""
from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
WORKERS = 4  # two per core on the 2-core machines this project runs on
_built: dict[tuple[str, object], tuple[dict, dict, str]] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))


def split_cores() -> tuple[list[int], list[int]]:
    """(server cores, load generator cores): the generator on its own core; with two cores or fewer it shares one."""
    every = cpus()
    if len(every) >= 3:
        return every[:-1], every[-1:]
    return every, every[-1:]


def database(engine: str, scale, pg_url: str | None) -> tuple[str, dict, dict, str]:
    """(url, plan, facts, upload dir) of a database with the load estate, built once per run for (engine, scale)."""
    from bench.estate import build

    key = (engine, scale)
    if key not in _built:
        work = tempfile.mkdtemp(prefix=f"patrol-bench-{engine}-")
        atexit.register(shutil.rmtree, work, ignore_errors=True)  # the database file and the uploaded photos
        url = f"sqlite:///{work}/bench.sqlite" if engine == "sqlite" else pg_url
        plan, facts = build(url, scale, os.path.join(work, "uploads"))
        _built[key] = (plan, facts, work)
    plan, facts, work = _built[key]
    url = f"sqlite:///{work}/bench.sqlite" if engine == "sqlite" else pg_url
    return url, plan, facts, os.path.join(work, "uploads")


class Server:
    """gunicorn serving bench/floor_app.py on a free port, pinned to the server cores; stopped on exit."""

    def __init__(self, db_url: str, upload_dir: str, workers: int = WORKERS):
        self.db_url, self.upload_dir, self.workers = db_url, upload_dir, workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        env = {**os.environ, "DATABASE_URL": self.db_url, "UPLOAD_DIR": self.upload_dir, "SECRET_KEY": "bench-secret",
               "BASE_URL": self.base, "PYTHONPATH": str(ROOT)}
        env.pop("PATROL_DEV", None)
        server_cores = split_cores()[0]
        self.log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)
        atexit.register(os.remove, self.log.name)
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
             "--backlog", "2048", "--timeout", "60", "--log-level", "warning", "bench.floor_app:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, server_cores)) if hasattr(os, "sched_setaffinity") else None)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *_exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def errors_logged(self) -> str:
        """What gunicorn and the app wrote to the log (tracebacks of 500s)."""
        return Path(self.log.name).read_text(errors="replace")
