"""DIR/report.html: what a run did, as charts and tables in one file (see page.py).

Written after every `crawl`, `process` and `run`, and rebuilt by `seedcrawl report DIR`, from
what the folder already holds (crawl summaries, the CDXJ index, the corpus files).
"""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from seedcrawl.outdir.atomic import write_bytes_atomically

REPORT = "report.html"
DEFAULT_REPLAY = "http://127.0.0.1:8080/{collection}/"  # pywb, as in the README's replay recipe


def write_report(root: Path, replay_base: str | None = None) -> Path:
    """Build DIR/report.html (atomically) and return its path."""
    from plotly.offline import get_plotlyjs

    from seedcrawl.report.data import load_folder
    from seedcrawl.report.page import render

    root = Path(root).absolute()
    base = replay_base or DEFAULT_REPLAY.format(collection=root.name)
    text = render(load_folder(root), get_plotlyjs(), base)
    path = root / REPORT
    write_bytes_atomically(path, text.encode("utf-8"))
    return path


def publish_report(root: Path, replay_base: str | None = None) -> Path | None:
    """Write DIR/report.html after a command's real work: a folder that cannot take it is said
    (a warning), not fatal to the command."""
    try:
        return write_report(root, replay_base)
    except OSError as exc:
        print(f"seedcrawl: warning: could not write {root}/report.html: {exc}", file=sys.stderr)
        return None


def record_outcome(root: Path, run_id: str | None, exit_code: int, argv: Sequence[str]) -> None:
    """Add the exit status and the command line to a crawl's summary (logs/crawl-<run id>.json)."""
    if not run_id:
        return
    path = Path(root).absolute() / "logs" / f"crawl-{run_id}.json"
    try:
        summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    summary.update(exit_code=exit_code, command=shlex.join(argv))
    write_bytes_atomically(path, (json.dumps(summary, indent=2) + "\n").encode("utf-8"))
