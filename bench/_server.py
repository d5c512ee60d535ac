"""Shared by the benchmarks that drive a real server: gunicorn started in its own process group
(so kill -9 of the group takes the master and every worker at once), and waits until it answers."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from _setup import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int = 2, threads: int = 10, log: Path | None = None,
                 extra: list[str] | None = None) -> subprocess.Popen[bytes]:
    """gunicorn serving the project on 127.0.0.1:``port``; with ``log``, its stderr (Django's
    tracebacks included) is appended there, else discarded."""
    cmd = [sys.executable, "-m", "gunicorn", "gongzhi.wsgi", "-w", str(workers), "--threads", str(threads),
           "-b", f"127.0.0.1:{port}", "--log-level", "error", *(extra or [])]
    err: IO[bytes] | int = subprocess.DEVNULL
    if log is not None:
        err = log.open("ab")  # the child keeps its own descriptor: ours is closed at once
    try:
        return subprocess.Popen(cmd, cwd=ROOT / "src", env=os.environ.copy(), start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=err)
    finally:
        if not isinstance(err, int):
            err.close()


def wait_up(port: int) -> None:
    """Until the port accepts connections (the master has bound it; workers may still boot)."""
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not come up")


def wait_answering(port: int, path: str = "/login/", limit: float = 120.0) -> float:
    """Until a worker answers ``path`` with any HTTP status; returns the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", path)
            conn.getresponse().read()
            return time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
        finally:
            conn.close()
    raise SystemExit(f"server did not answer {path} within {limit:.0f} s")


def kill_group(server: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Signal the server's whole process group (master and workers) and reap the master."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, sig)
    server.wait()
