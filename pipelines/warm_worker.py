"""Preloaded by the extraction pool's fork server, so every worker forked from it starts warm.

This module does its work on import on purpose: the fork server imports it once, and each worker
forked afterwards inherits the result. Without it a fresh worker's first record pays for the
language model (about 0.7 s of CPU) and trafilatura's first-call set-up (about 0.3 s) inside
that record's time budget, so a worker started to replace a killed one could overrun its budget
on an ordinary page when the machine is busy.
"""

from __future__ import annotations

import trafilatura

import seedcrawl.pipelines.steps  # noqa: F401  (the pipeline itself, as the pool preloaded before)
from seedcrawl.pipelines.language import detect_language

_PARAGRAPH = "A short paragraph of plain English prose that warms up the extraction. " * 4

detect_language(_PARAGRAPH)
trafilatura.extract(
    f"<html><body><article><h1>Warm</h1><p>{_PARAGRAPH}</p></article></body></html>",
    include_comments=False,
)
