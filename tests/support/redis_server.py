"""A real redis-server for a test, on 127.0.0.1 and a free port, with nothing saved to disk."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

INSTALL_HINT = "redis-server is not installed: apt-get install redis-server (what .ci/run does)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Start redis-server; yields its URL. Fails (not skips) when redis-server is missing."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise AssertionError(INSTALL_HINT)
    error = ""
    for _ in range(3):  # another process may take the free port before redis-server binds it
        port = _free_port()
        log = workdir / f"redis-{port}.log"
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        proc = subprocess.Popen(
            [*args, "--dir", str(workdir), "--logfile", str(log)], stdout=subprocess.DEVNULL
        )
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
        try:
            for _ in range(100):
                if proc.poll() is not None:
                    break
                try:
                    client.ping()
                except redis.ConnectionError:
                    time.sleep(0.05)
                    continue
                yield f"redis://127.0.0.1:{port}/0"
                return
        finally:
            client.close()
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)
        error = log.read_text(errors="replace")[-500:] if log.exists() else f"exit status {proc.returncode}"
    raise AssertionError(f"redis-server could not start: {error}")
