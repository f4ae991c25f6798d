"""Exceptions raised by processing steps.

`Rejected` means "this record does not belong in the corpus" and carries a short machine-readable
reason that ends up in rejects.jsonl; it is expected and counted. Anything else escaping a
per-record step is a bug or bad input, and is counted and skipped under the reason "error".
`PipelineError` is for run-wide failures (unreadable output folder, broken index) that must stop
the run.
"""

from __future__ import annotations

from seedcrawl.contract.records import RejectReason


class PipelineError(Exception):
    """A failure of the whole run, not of one record."""


class Rejected(Exception):
    """A record is skipped for a stated reason (not_html, not_article, empty_text, decode_error, ...)."""

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def out_of_memory(err: BaseException) -> bool:
    """Whether `err` is an allocation failure, including libxml2's.

    libxml2 reports a failed allocation as an XPath or parser error whose log says ERR_NO_MEMORY;
    under a worker's memory budget (pipelines.pool) that is the budget's overrun, not a fault of
    the page.
    """
    if isinstance(err, MemoryError):
        return True
    from lxml import etree  # only a page's parse errors carry the log: no import cost otherwise

    log = getattr(err, "error_log", None) or ()
    return any(getattr(entry, "type", None) == etree.ErrorTypes.ERR_NO_MEMORY for entry in log)
