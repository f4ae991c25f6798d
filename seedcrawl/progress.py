"""Progress bars on a terminal (rich): done of total, rate, time left. Nothing on a non-terminal."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Items per second, named ("12.5 pages/s")."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed or 0:.1f} {self.unit}/s", style="progress.data.speed")


def progress_bar(unit: str, auto_refresh: bool = True) -> Progress:
    """A bar for `unit`s: "[bar] 120/400 pages 12.5 pages/s 0:00:09 ETA 0:00:22 note"."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        RateColumn(unit),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[note]}"),
        console=Console(file=sys.stderr),
        auto_refresh=auto_refresh,
    )
