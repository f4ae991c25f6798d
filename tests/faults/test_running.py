"""The fault tests' memory bound measures the command, whatever the size of the test process."""

from __future__ import annotations

from tests.faults.running import RSS_BOUND_MB, run_measured


def test_peak_rss_is_the_commands_not_the_test_processs() -> None:
    # A pytest worker late in a run holds hundreds of MB; Linux would carry that peak into a child
    # it forked directly (tests/faults/running.py).
    ballast = b"\x01" * ((RSS_BOUND_MB + 200) << 20)  # written, so resident
    run = run_measured(["--version"], timeout=120)
    assert run.returncode == 0 and "seedcrawl" not in run.stderr  # --version prints to stdout
    assert 5 < run.peak_rss_mb < RSS_BOUND_MB / 2, run.peak_rss_mb
    del ballast
    # the command's exit status (a usage error), not the launcher's
    assert run_measured(["no-such-command"], timeout=120).returncode == 2
