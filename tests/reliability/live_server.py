"""The app served by gunicorn in a process group of its own, killed with SIGKILL and started again; a bare HTTP client."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid as uuidlib
from pathlib import Path
from urllib.parse import urlencode

from tests.conftest import CSRF

ROOT = Path(__file__).resolve().parents[2]


class Unreachable(Exception):
    """No answer: the server is down, or died while the request was on its way."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """gunicorn serving wsgi:app with one worker, forked from a master that loaded the app (so a new worker is quick).

    kill_worker() is kill -9 on the process handling requests, which the master replaces; kill() is kill -9 on
    the master and its worker at once, and recover() then starts the server anew."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.starts = self.kills = 0
        self._lock = threading.RLock()  # a kill waits for a start under way, and the other way round

    def start(self) -> None:
        with self._lock, open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", "1", "--preload", "--no-control-socket",
                 "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            self.starts += 1
            deadline = time.monotonic() + 30
            while not self._healthy():
                assert self.process.poll() is None, f"the server did not start: see {self.log_path}"
                assert time.monotonic() < deadline, f"the server did not answer /healthz: see {self.log_path}"
                time.sleep(0.05)

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def kill(self) -> None:
        """SIGKILL to the whole process group: no request finishes, no handler runs."""
        with self._lock:
            if self.process is not None and self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.kills += 1
            if self.process is not None:
                self.process.wait()

    def kill_worker(self) -> None:
        """SIGKILL to the worker, in the middle of whatever it is doing; the master forks a new one."""
        with self._lock:
            if self.process is None or self.process.poll() is not None:
                return
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            for pid in children:  # none while the master is forking a new worker
                os.kill(int(pid), signal.SIGKILL)
                self.kills += 1

    def recover(self) -> None:
        """After a request got no answer: start the server again unless it is still up."""
        with self._lock:
            if self.process is not None and self.process.poll() is None and self._healthy():
                return
            self.kill()
            self.start()

    def kill_after(self, seconds: float, whole_server: bool) -> threading.Timer:
        timer = threading.Timer(seconds, self.kill if whole_server else self.kill_worker)
        timer.start()
        return timer


class Client:
    """A phone's HTTP traffic over http.client: one connection per request, the session cookie kept by hand."""

    def __init__(self, server: LiveServer):
        self.server, self.cookie, self.csrf = server, "", ""

    def send(self, method: str, path: str, body: bytes = b"", content_type: str | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": self.cookie, "X-CSRFToken": self.csrf, "Accept-Language": "zh-CN"}
        if content_type:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise Unreachable(str(exc)) from exc
        finally:
            connection.close()
        cookie = response.getheader("Set-Cookie")
        if cookie and cookie.startswith("session="):
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data

    def sign_in(self, username: str, password: str) -> None:
        _status, page = self.send("GET", "/login")
        self.csrf = CSRF.search(page.decode()).group(1)
        form = urlencode({"username": username, "password": password, "csrf_token": self.csrf}).encode()
        status, _page = self.send("POST", "/login", form, "application/x-www-form-urlencoded")
        assert status == 303, status

    def use_token_of_pack(self, log_id: int) -> dict:
        """The log's offline pack, whose CSRF token the phone sends from now on."""
        status, data = self.send("GET", f"/api/v1/sync/logs/{log_id}/pack")
        assert status == 200, data
        pack = json.loads(data)
        self.csrf = pack["csrf_token"]
        return pack


def multipart(fields: dict[str, str], file_field: str, file_bytes: bytes) -> tuple[bytes, str]:
    boundary = uuidlib.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="photo.jpg"\r\n'
                 f"Content-Type: image/jpeg\r\n\r\n".encode() + file_bytes + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
