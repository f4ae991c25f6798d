"""`seedcrawl run` as a user meets it in a terminal: refusals at once, no retry of what cannot
pass, no telemetry notice, and a run-history hint that works as printed."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import REPO, installed
from tests.support.folders import folder_with_earlier_work, snapshot

CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "BUILDKITE", "CI_NAME", "TF_BUILD")


def user_env() -> dict[str, str]:
    """A user's shell: no Prefect settings, no CI, nothing that turns telemetry off."""
    dropped = ("DO_NOT_TRACK", *CI_VARIABLES)
    return {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k not in dropped}


def in_terminal(argv: list[str], env: dict[str, str], timeout: float = 300) -> tuple[int, str]:
    """Run `argv` with a terminal as its stdout and stderr (Prefect shows its notice only there)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env, cwd=REPO)
    os.close(slave)
    output = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                proc.kill()
                raise AssertionError(f"no output for {timeout} s:\n{output.decode(errors='replace')}")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every holder of the terminal has exited
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(master)
    return proc.wait(timeout=60), output.decode("utf-8", "replace").replace("\r\n", "\n")


def test_a_bad_setting_is_refused_at_once_and_the_folder_left_alone(tmp_path: Path) -> None:
    out = folder_with_earlier_work(tmp_path / "o")
    before = snapshot(out)
    done = installed(
        ["run", "--out", str(out), "-s", "DOWNLOAD_DELAY=abc", "http://127.0.0.1:9/"], env=user_env()
    )
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("seedcrawl: ") and "DOWNLOAD_DELAY" in last
    assert "Prefect" not in done.stderr  # refused before its server was started: nothing to retry
    assert snapshot(out) == before


@pytest.mark.slow
def test_an_unreachable_seed_fails_once_with_a_clear_message(tmp_path: Path) -> None:
    out = tmp_path / "run out"  # a space: the printed hint must still work when pasted
    command = [
        str(Path(sys.executable).with_name("seedcrawl")),
        "run",
        "--out",
        str(out),
        "http://127.0.0.1:9/",
    ]
    status, said = in_terminal(command, user_env())
    assert status == 1, said[-3000:]
    assert "starting Prefect's temporary server" in said  # said before the 10-20 s of silence
    assert "anonymous usage" not in said and "telemetry" not in said.lower()
    final = said.strip().splitlines()[-1]
    assert final.startswith("seedcrawl: crawl failed: no page was fetched") and "ConnectionRefused" in final
    marker = json.loads((out / "state" / "run.json").read_text())
    assert len(marker["attempts"]) == 1  # a refused connection is not retried
    (hint,) = [line for line in said.splitlines() if "run history: " in line]
    shown = subprocess.run(
        ["bash", "-c", hint.split("run history: ", 1)[1]],
        env=user_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr[-3000:]
    assert marker["run_id"][:8] in shown.stdout  # the flow run, listed from DIR/.prefect
