"""`seedcrawl demo`: the main job against the bundled demo web, on a machine with no network.

Serves the demo news sites on loopback (127.0.0.10-13, and the out-of-scope sentinel on
127.0.0.2) from this process, then runs the same flow as `seedcrawl run` against them with
politeness off (it is our own server). A fixed port keeps the URLs the same from one demo to the
next, so running it again shows an incremental run: only seed, feed and section pages are fetched
again, and nothing new is added to the corpus.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_demo_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "demo", help="serve the bundled demo web on 127.0.0.x and run the main job on it"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("out/demo"), metavar="DIR", help="output folder (out/demo)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port of the demo sites (default 8000)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show Prefect's own log lines")


def cmd_demo(args: argparse.Namespace) -> int:
    from seedcrawl.contract.records import ARTICLES
    from seedcrawl.options import LOOPBACK, RunOptions
    from seedcrawl.outdir.layout import Layout
    from seedcrawl.report import REPORT
    from seedcrawl.run_cmd import run
    from seedcrawl.testweb import DemoWeb

    try:
        web = DemoWeb(port=args.port).start()
    except OSError as exc:
        print(
            f"seedcrawl: cannot serve the demo web on port {args.port}: {exc.strerror} (try --port)",
            file=sys.stderr,
        )
        return 3
    try:
        print("demo web serving:", *web.seed_urls, file=sys.stderr)
        options = RunOptions(
            out=args.out,
            urls=tuple(web.seed_urls),
            depth=6,
            settings=dict(LOOPBACK),
            verbose=int(args.verbose),
        )
        code = run(options)
        layout = Layout(args.out.absolute())
        corpus = layout.corpus_dir / ARTICLES
        if code == 0:
            print(
                f"demo finished: corpus {corpus}, WARC files in {layout.warc_dir}",
                file=sys.stderr,
            )
            # last, so it is what a terminal shows: open it in a browser
            print(f"report: {layout.root / REPORT}", file=sys.stderr)
        return code
    finally:
        web.stop()
