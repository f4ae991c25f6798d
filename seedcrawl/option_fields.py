"""The machinery behind seedcrawl/options.py: one dataclass field per option drives everything.

A field made with `option(...)` carries its command-line flag, help and (for options that are
Scrapy settings) the setting's name. From the dataclass this module derives:

- the argparse arguments (`add_arguments`), whose long options are also the keys of a
  `--config` YAML file and of the flow's `options` parameter (seedcrawl/config.py);
- the object from parsed arguments (`from_args`), from JSON (`from_json`, the crawl child's
  input) and back (`to_json`).

The dataclass validates itself in `__post_init__`, so every way of building it is checked the
same way, before any work starts.
"""

from __future__ import annotations

import argparse
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, Field, field, fields
from pathlib import Path
from typing import Any, TypeVar

from seedcrawl.crawl_result import CrawlError, CrawlStatus
from seedcrawl.verbosity import console_level

T = TypeVar("T")
REQUIRED: Any = object()  # the default of an option that must be given (`--out`)


class UsageError(CrawlError):
    """An option, seed or setting the user gave is wrong: exit 2, before anything is touched."""

    def __init__(self, message: str) -> None:
        super().__init__(message, CrawlStatus.USAGE)


def option(
    flag: str,
    help: str,
    default: Any = None,
    *,
    short: str | None = None,
    metavar: str | None = None,
    choices: tuple[str, ...] | None = None,
    setting: str | None = None,
    only: str | None = None,
    count: bool = False,
) -> Any:
    """A field for the option `flag` ("--max-pages", or a positional name such as "urls").

    `setting`: the Scrapy setting the option sets (crawl options); `only`: the one command that
    has it ("crawl"); `count`: repeatable without a value (-vv); a list default (`()`) makes the
    option repeatable."""
    metadata: dict[str, Any] = {
        "flag": flag,
        "help": help,
        "short": short,
        "metavar": metavar,
        "choices": choices,
    }
    metadata.update(setting=setting, only=only, count=count)
    if default is REQUIRED:
        return field(metadata=metadata)
    if isinstance(default, dict):
        return field(default_factory=dict, metadata=metadata)
    return field(default=default, metadata=metadata)


def default_of(spec: Field[Any]) -> Any:
    if spec.default_factory is not MISSING:
        return spec.default_factory()
    return None if spec.default is MISSING else spec.default


def _base(hint: Any) -> tuple[Any, bool]:
    """(the type under `X | None`, whether None is allowed)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0], True
    return hint, False


def add_arguments(parser: argparse.ArgumentParser, cls: type[Any], command: str) -> None:
    hints = typing.get_type_hints(cls)
    for spec in fields(cls):
        meta = spec.metadata
        if "flag" not in meta or meta["only"] not in (None, command):
            continue
        hint, _ = _base(hints[spec.name])
        default = default_of(spec)
        kwargs: dict[str, Any] = {"help": meta["help"]}
        if meta["metavar"]:
            kwargs["metavar"] = meta["metavar"]
        if meta["choices"]:
            kwargs["choices"] = meta["choices"]
        if not meta["flag"].startswith("-"):  # a positional argument, named as its field
            many = typing.get_origin(hint) is tuple
            item = typing.get_args(hint)[0] if many else hint
            kwargs["type"] = item if item is not str else None
            parser.add_argument(meta["flag"], nargs="*" if many else None, **kwargs)
            continue
        kwargs["dest"] = spec.name
        if hint is bool:
            kwargs["action"] = "store_false" if default else "store_true"
        elif meta["count"]:
            kwargs.update(action="count", default=0)
        elif typing.get_origin(hint) in (tuple, dict):
            item = typing.get_args(hint)[0]
            kwargs.update(action="append", default=[], type=item if item is not str else None)
        else:
            kwargs["type"] = hint if hint is not str else None
            kwargs["default"] = default
            kwargs["required"] = spec.default is MISSING and spec.default_factory is MISSING
            if default is not None:
                kwargs["help"] += f" (default: {default})"
        flags = [meta["short"], meta["flag"]] if meta["short"] else [meta["flag"]]
        parser.add_argument(*flags, **kwargs)


def parse_setting(text: str) -> tuple[str, str]:
    name, sep, value = str(text).partition("=")
    if not sep or not name.strip():
        raise UsageError(f"-s takes NAME=VALUE, got {text!r}")
    return name.strip(), value


def setting_text(value: Any) -> str:
    """A setting's value as `-s` gives it: Scrapy reads dict and list settings as JSON."""
    if isinstance(value, dict | list | tuple):
        return json.dumps(list(value) if isinstance(value, tuple) else value)
    return str(value)


def _coerce(name: str, hint: Any, value: Any) -> Any:
    hint, optional = _base(hint)
    if value is None:
        if optional:
            return None
        raise UsageError(f"{name} needs a value")
    origin = typing.get_origin(hint)
    if origin is dict:
        if isinstance(value, list | tuple):  # -s NAME=VALUE, as argparse collects them
            return dict(parse_setting(item) for item in value)
        if not isinstance(value, Mapping):
            raise UsageError(f"{name} takes a mapping of names to values, got {value!r}")
        return {str(key): setting_text(item) for key, item in value.items()}
    if origin is tuple:
        items = value if isinstance(value, list | tuple) else [value]
        return tuple(_coerce(name, typing.get_args(hint)[0], item) for item in items)
    if hint is bool:
        if not isinstance(value, bool):
            raise UsageError(f"{name} takes true or false, got {value!r}")
        return value
    try:
        if hint is int and (isinstance(value, bool) or not float(value).is_integer()):
            raise ValueError
        return hint(value) if hint is not int else int(float(value))
    except (TypeError, ValueError):
        raise UsageError(f"{name}: invalid value {value!r}") from None


def from_values(cls: type[T], values: Mapping[str, Any]) -> T:
    """`cls` from field values (JSON types or argparse's), each converted to its field's type."""
    hints = typing.get_type_hints(cls)
    known = {spec.name: spec for spec in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UsageError(f"unknown option {unknown[0]!r} (known: {', '.join(sorted(known))})")
    converted = {}
    for name, value in values.items():
        flag = known[name].metadata.get("flag", name)
        converted[name] = _coerce(flag, hints[name], value)
    return cls(**converted)


def from_args(cls: type[T], args: argparse.Namespace) -> T:
    """`cls` from parsed command-line arguments (those the command has)."""
    names = {spec.name for spec in fields(cls)}  # type: ignore[arg-type]
    return from_values(cls, {name: value for name, value in vars(args).items() if name in names})


def to_json(options: Any) -> dict[str, Any]:
    """Field values as JSON types (`from_values` reads them back)."""
    found: dict[str, Any] = {}
    for spec in fields(options):
        value = getattr(options, spec.name)
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = [str(item) if isinstance(item, Path) else item for item in value]
        elif isinstance(value, Mapping):
            value = dict(value)
        found[spec.name] = value
    return found


def to_config(options: Any, command: str) -> dict[str, Any]:
    """The options given (not at their defaults) keyed as a `--config` file is, but `out`."""
    data = to_json(options)
    found: dict[str, Any] = {}
    for spec in fields(options):
        meta = spec.metadata
        if "flag" not in meta or meta["only"] not in (None, command) or spec.name == "out":
            continue
        if getattr(options, spec.name) == default_of(spec):
            continue
        key = "settings" if meta["flag"] == "-s" else meta["flag"].lstrip("-")
        # a flag given is true, whichever way it sets its field (--no-package: package false)
        found[key] = True if isinstance(getattr(options, spec.name), bool) else data[spec.name]
    return found


def flags(cls: type[Any], command: str) -> dict[str, str]:
    """Field name -> its long option (or positional name), for the options `command` has."""
    return {
        spec.name: spec.metadata["flag"]
        for spec in fields(cls)
        if "flag" in spec.metadata and spec.metadata["only"] in (None, command)
    }


def verbose_option(help: str) -> Any:
    return option("--verbose", help, 0, short="-v", count=True)


def quiet_option(help: str) -> Any:
    return option("--quiet", help, 0, short="-q", count=True)


def console_level_of(default: int, verbose: int, quiet: int) -> int:
    """The console's level (seedcrawl/verbosity.py); -v with -q is a usage error."""
    try:
        return console_level(default, verbose, quiet)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
