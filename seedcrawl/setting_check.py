"""`-s NAME=VALUE` checked before a crawl starts: a bad value is a usage error naming the setting,
an unknown name a warning naming the closest known one.

Known settings are Scrapy's defaults and seedcrawl's (crawler/settings.py). A value is checked
against the type of the setting's default, as Scrapy will read it: a number for a number, true
or false for a flag, JSON for a mapping. Settings whose default is None or a string take
anything.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from functools import cache
from types import ModuleType
from typing import Any

from seedcrawl.option_fields import UsageError


@cache
def known_settings() -> dict[str, Any]:
    """Every known setting's name and default value."""
    import scrapy.settings.default_settings as scrapy_defaults

    from seedcrawl.crawler import settings as ours

    def of(module: ModuleType) -> dict[str, Any]:
        return {name: getattr(module, name) for name in dir(module) if name.isupper()}

    return {**of(scrapy_defaults), **of(ours)}


def _problem(default: Any, value: str) -> str | None:
    text = value.strip()
    if isinstance(default, bool):
        if text.lower() not in ("true", "false", "1", "0"):
            return "takes True or False"
    elif isinstance(default, int | float):
        try:
            float(text)
        except ValueError:
            return "takes a number"
    elif isinstance(default, dict):
        try:
            loaded = json.loads(text)
        except ValueError:
            return "takes a JSON object"
        if not isinstance(loaded, dict):
            return "takes a JSON object"
    return None


def check_settings(settings: Mapping[str, str]) -> None:
    """Raises UsageError for the first value its setting cannot take."""
    known = known_settings()
    for name, value in settings.items():
        if name in known:
            problem = _problem(known[name], value)
            if problem is not None:
                raise UsageError(f"-s {name}={value}: {name} {problem} (its default is {known[name]!r})")


def unknown_setting_warnings(settings: Mapping[str, str]) -> list[str]:
    """One warning per setting name neither Scrapy nor seedcrawl knows, with the closest known name."""
    known = known_settings()
    warnings = []
    for name in settings:
        if name in known:
            continue
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        warnings.append(f"-s {name}: not a Scrapy or seedcrawl setting, passed on as it is{hint}")
    return warnings
