"""Replay WARC files with a real pywb, the way an archivist would, for end-to-end tests.

pywb pins old redis/fakeredis, so it lives in its own environment (`make pywb` -> `.venv-pywb`);
we drive its command-line tools as subprocesses and talk to `wayback` over loopback HTTP.
`http.client` is used on purpose: it undoes chunked transfer coding but never content coding, so
`replay_id` returns the body bytes exactly as pywb sent them.
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import NamedTuple, Protocol
from urllib.parse import quote

import pytest

REPO = Path(__file__).resolve().parents[2]
PYWB_BIN = REPO / ".venv-pywb" / "bin"
COLL = "test"
READY_WITHIN_S = 60.0  # generous: a cold gevent/pywb import on a loaded 2-core CI box is slow


class PywbError(RuntimeError):
    """pywb could not be set up or did not start."""


class Replayed(NamedTuple):
    """(status, headers, body), as `replay_id` returns it."""

    status: int
    headers: list[tuple[str, str]]  # in order, repeated names kept
    body: bytes  # after de-chunking only; content coding untouched

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def pywb_available() -> bool:
    return (PYWB_BIN / "wayback").exists() and (PYWB_BIN / "wb-manager").exists()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: Sequence[str], cwd: Path) -> None:
    done = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise PywbError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")


class PywbServer:
    """A pywb collection in `root` holding `warcs`, served by `wayback` on 127.0.0.1.

    With `index=None` the WARCs are added with `wb-manager add` (pywb indexes them itself).
    With an `index` path, the WARCs are copied in as they are and that CDXJ file becomes the
    collection's only index, which shows whether pywb can look things up with our index.
    """

    def __init__(self, root: Path, warcs: Sequence[Path], index: Path | None = None) -> None:
        self.root = root
        self.warcs = list(warcs)
        self.index = index
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = root / "wayback.log"

    def start(self) -> PywbServer:
        self.root.mkdir(parents=True, exist_ok=True)
        _run([str(PYWB_BIN / "wb-manager"), "init", COLL], self.root)
        coll = self.root / "collections" / COLL
        if self.index is None:
            _run([str(PYWB_BIN / "wb-manager"), "add", COLL, *map(str, self.warcs)], self.root)
        else:
            for warc in self.warcs:
                shutil.copy2(warc, coll / "archive" / warc.name)
            shutil.copy2(self.index, coll / "indexes" / "index.cdxj")
        self.port = _free_port()
        with self._log.open("wb") as log:
            # -b 127.0.0.1: wayback binds every interface by default.
            self._proc = subprocess.Popen(
                [str(PYWB_BIN / "wayback"), "-b", "127.0.0.1", "-p", str(self.port)],
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_WITHIN_S
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise PywbError(f"wayback exited with {self._proc.returncode}: {self.log_tail()}")
            try:
                if self._get("/").status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass  # not listening yet
            time.sleep(0.1)
        self.stop()
        raise PywbError(f"wayback not ready within {READY_WITHIN_S}s: {self.log_tail()}")

    def log_tail(self) -> str:
        return self._log.read_text(errors="replace")[-3000:] if self._log.exists() else ""

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)

    def __enter__(self) -> PywbServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _get(self, path: str, headers: dict[str, str] | None = None) -> Replayed:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path, headers=headers or {})
            resp = conn.getresponse()
            return Replayed(resp.status, list(resp.getheaders()), resp.read())
        finally:
            conn.close()

    def cdx(self, url: str, **params: str) -> list[dict[str, str]]:
        query = "&".join(
            f"{k}={quote(v, safe='')}" for k, v in {"url": url, "output": "json", **params}.items()
        )
        got = self._get(f"/{COLL}/cdx?{query}")
        if got.status != 200:
            raise PywbError(f"cdx {url}: HTTP {got.status}: {got.body[:500]!r}")
        return [json.loads(line) for line in got.body.decode().splitlines() if line.strip()]

    def replay_id(self, timestamp: str, url: str, headers: dict[str, str] | None = None) -> Replayed:
        """The capture as pywb replays it in `id_` (identity, no rewriting) mode."""
        return self._get(f"/{COLL}/{timestamp}id_/{url}", headers)


class PywbFactory(Protocol):
    def __call__(self, warcs: Sequence[Path], index: Path | None = None) -> PywbServer: ...


@pytest.fixture(scope="module")
def pywb_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PywbFactory]:
    """Starts pywb servers on demand (`pywb_factory(warcs, index=None)`), shared by a test module
    (starting one takes seconds); stops them all after the module.

    Skips the test, saying how to fix it, when the pywb environment is missing.
    """
    if not pywb_available():
        pytest.skip(f"pywb is not installed in {PYWB_BIN.parent}: run `make pywb` to enable replay tests")
    root = tmp_path_factory.mktemp("pywb")
    servers: list[PywbServer] = []

    def make(warcs: Sequence[Path], index: Path | None = None) -> PywbServer:
        server = PywbServer(root / f"server{len(servers)}", warcs, index)
        servers.append(server)
        return server.start()

    try:
        yield make
    finally:
        for server in servers:
            server.stop()
