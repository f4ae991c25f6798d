"""`--config FILE`: a command's options from a YAML file, command-line options winning.

Keys are the command's long options without the dashes (`max-pages: 500`, `allow-host: [a, b]`,
`topic: ...`), plus `urls` for seed URLs and `settings` for `-s` (a mapping of Scrapy settings).
The file's values become the parser's defaults before the command line is parsed, so anything
given on the command line overrides them and argparse checks and converts both the same way. An
unknown key is a usage error (exit 2) naming it.

This is the one place config files are read: `seedcrawl crawl|process|run` and the Prefect flow's
`config` parameter (flows/crawl_flow.py) all come through `apply_config`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

OPTION = "--config"


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        OPTION,
        type=Path,
        metavar="FILE",
        help="read options from a YAML file (keys: the long options, e.g. max-pages); "
        "options given on the command line win",
    )


def config_file(argv: Sequence[str]) -> str | None:
    """The FILE of `--config FILE` or `--config=FILE` in argv (before `--`), if any."""
    for i, token in enumerate(argv):
        if token == "--":
            return None
        if token == OPTION and i + 1 < len(argv):
            return argv[i + 1]
        if token.startswith(OPTION + "="):
            return token.split("=", 1)[1]
    return None


def _subparser(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.ArgumentParser | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            command = next((token for token in argv if not token.startswith("-")), None)
            found = action.choices.get(command) if command else None
            return found if isinstance(found, argparse.ArgumentParser) else None
    return None


def _key(action: argparse.Action) -> str | None:
    if action.dest == "settings":
        return "settings"
    longs = [s for s in action.option_strings if s.startswith("--")]
    if longs:
        return longs[0][2:]
    return action.dest if not action.option_strings else None


def _convert(action: argparse.Action, key: str, value: Any, fail: Any) -> Any:
    if key == "settings":
        if isinstance(value, dict):
            return [f"{name}={setting}" for name, setting in value.items()]
        value = value if isinstance(value, list) else [value]
        return [str(item) for item in value]
    if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
        if not isinstance(value, bool):
            fail(f"{key}: takes true or false, got {value!r}")
        return value
    convert = action.type if callable(action.type) else str
    many = isinstance(action, argparse._AppendAction) or action.nargs in ("*", "+")
    try:
        if many:
            return [convert(str(item)) for item in (value if isinstance(value, list) else [value])]
        if isinstance(value, list | dict):
            fail(f"{key}: takes one value, got {value!r}")
        return convert(str(value))
    except (TypeError, ValueError):
        fail(f"{key}: invalid value {value!r}")
    return None


def apply_config(parser: argparse.ArgumentParser, argv: Sequence[str]) -> None:
    """Make the `--config` file's values the defaults of the command named in argv."""
    path = config_file(argv)
    sub = _subparser(parser, argv)
    if path is None or sub is None:
        return
    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        sub.error(f"cannot read the config file {path}: {exc.strerror}")
    except yaml.YAMLError as exc:
        sub.error(f"config file {path} is not valid YAML: {exc}")
    if loaded is None:
        return
    if not isinstance(loaded, dict):
        sub.error(f"config file {path}: expected a mapping of option names to values")
    actions = {
        key: action for action in sub._actions if (key := _key(action)) and key not in ("help", "config")
    }

    def fail(message: str) -> None:
        sub.error(f"config file {path}: {message}")

    for key, value in loaded.items():
        action = actions.get(str(key))
        if action is None:
            fail(f"unknown key {key!r} (known: {', '.join(sorted(actions))})")
            return
        action.default = _convert(action, str(key), value, fail)
        action.required = False  # given by the file; the command line may still override it


def without_config_repeats(
    args: argparse.Namespace, parser: argparse.ArgumentParser, argv: Sequence[str]
) -> None:
    """Options given more than once (append) on the command line replace the file's list, not extend it."""
    sub = _subparser(parser, argv)
    if sub is None or config_file(argv) is None:
        return
    for action in sub._actions:
        if isinstance(action, argparse._AppendAction) and isinstance(action.default, list) and action.default:
            given = any(
                token in action.option_strings or token.split("=")[0] in action.option_strings
                for token in argv
            )
            if given:
                setattr(args, action.dest, getattr(args, action.dest)[len(action.default) :])
