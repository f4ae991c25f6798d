"""Exceptions raised by processing steps.

`Rejected` means "this record does not belong in the corpus" and carries a short machine-readable
reason that ends up in rejects.jsonl; it is expected and counted. Anything else escaping a
per-record step is a bug or bad input, and is counted and skipped under the reason "error".
`PipelineError` is for run-wide failures (unreadable output folder, broken index) that must stop
the run.
"""

from __future__ import annotations


class PipelineError(Exception):
    """A failure of the whole run, not of one record."""


class Rejected(Exception):
    """A record is skipped for a stated reason (not_html, not_article, empty_text, decode_error, ...)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
