"""The one way to run a crawl in a child process: options in as JSON, a CrawlResult out as JSON.

    python -m seedcrawl.crawl_child RESULT_FILE [COMMAND...] < OPTIONS_JSON

A Twisted reactor cannot be restarted, so the flow (a retry, the next scheduled run of a served
flow) and the shard supervisor each run a crawl in a process of its own. The options are
CrawlOptions' JSON (`to_json`) on stdin (a list of seeds may exceed what one argument may hold);
the result is written atomically to RESULT_FILE whatever happens, refusals included, and the
process exits with the result's exit code. COMMAND, if given, is recorded in the crawl's summary
as what ran it (the run report shows it). `run_child` is the parent's side.
"""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from seedcrawl.crawl_result import CrawlError, CrawlResult, CrawlStatus, child_command
from seedcrawl.option_fields import from_values, to_json
from seedcrawl.options import CrawlOptions

TAIL_BYTES = 8192


def run_child(
    options: CrawlOptions,
    echo: bool = True,
    recorded: Sequence[str] = (),
    start: Callable[[list[str]], subprocess.Popen[bytes]] | None = None,
) -> CrawlResult:
    """Crawl with `options` in a child process, passing its output through to our stderr."""
    with tempfile.TemporaryDirectory(prefix="seedcrawl-crawl-") as folder:
        result_file = Path(folder) / "result.json"
        command = child_command(result_file, recorded)
        proc = (start or _start)(command)
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(to_json(options)).encode("utf-8"))
        proc.stdin.close()
        tail = _pass_through(proc, echo)
        status = proc.wait()
        try:
            return CrawlResult.read(result_file)
        except (OSError, ValueError, KeyError):  # died before writing it: killed, out of memory
            last = tail.strip().splitlines()[-1:] or [f"exit status {status}"]
            return CrawlResult(
                CrawlStatus.CRASHED, f"the crawl process died (exit status {status}): {last[0]}"
            )


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _pass_through(proc: subprocess.Popen[bytes], echo: bool) -> str:
    """The child's output, echoed as it comes; returns its last bytes (for a crash's message)."""
    if proc.stdout is None:
        return ""
    tail = bytearray()
    text = codecs.getincrementaldecoder("utf-8")("replace")  # a character may span two reads
    while chunk := os.read(proc.stdout.fileno(), 65536):  # whatever has arrived, not a full buffer
        if echo:
            sys.stderr.write(text.decode(chunk))
            sys.stderr.flush()
        tail += chunk
        del tail[:-TAIL_BYTES]
    return tail.decode("utf-8", "replace")


def main(argv: list[str]) -> int:
    if not argv:
        print(
            "usage: python -m seedcrawl.crawl_child RESULT_FILE [COMMAND...] < OPTIONS_JSON", file=sys.stderr
        )
        return 2
    from seedcrawl.flows.runner import quiet_prefect

    quiet_prefect()
    result_file = Path(argv[0])
    options: CrawlOptions | None = None
    try:
        options = from_values(CrawlOptions, json.loads(sys.stdin.read()))
        from seedcrawl.shard_run import start_crawl

        result = start_crawl(options)
    except CrawlError as exc:
        result = CrawlResult.failed(exc)
    except ValueError as exc:  # the JSON itself
        result = CrawlResult(CrawlStatus.USAGE, f"the crawl's options are not valid JSON: {exc}")
    except KeyboardInterrupt:
        result = CrawlResult(CrawlStatus.INTERRUPTED, "interrupted before the crawl started")
    result.write(result_file)
    if len(argv) > 1 and result.run_id and options is not None:
        from seedcrawl.report import record_outcome

        record_outcome(options.out, result.run_id, result.exit_code, argv[1:])
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
