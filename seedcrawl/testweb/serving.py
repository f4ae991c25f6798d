"""`python -m seedcrawl.testweb`: serve the demo web until interrupted.

The `demo-web` deployment in prefect.yaml crawls it on port 8000. tests/support/testweb adds a
request log and a ground-truth manifest to the same loop (`python -m tests.support.testweb`).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from seedcrawl.testweb.demo import DemoWeb


def build_parser(prog: str = "python -m seedcrawl.testweb") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve the bundled demo news web on loopback addresses (127.0.0.10-13, sentinel 127.0.0.2).",
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="port shared by all sites; 0 = one free port each"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before every response")
    parser.add_argument(
        "--first-host", default="127.0.0.10", help="address of the first site; the others follow"
    )
    return parser


def serve(
    web: DemoWeb,
    *,
    started: Callable[[DemoWeb], None] = lambda web: None,
    stopping: Callable[[DemoWeb], None] = lambda web: None,
) -> int:
    """Serve `web` until SIGINT or SIGTERM, printing its seed URLs; `started`/`stopping` are hooks."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, on_signal)
    try:
        with web:
            started(web)
            for url in web.seed_urls:
                print(url)
            print(
                f"# serving {len(web.sites)} sites and a sentinel host at {web.sentinel_url}; Ctrl-C stops it"
            )
            sys.stdout.flush()
            while not stop.wait(0.5):
                pass
            stopping(web)
    except OSError as exc:
        print(f"error: cannot serve the demo web: {exc}", file=sys.stderr)
        return 1
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return serve(DemoWeb(port=args.port, latency=args.latency, first_host=args.first_host))
