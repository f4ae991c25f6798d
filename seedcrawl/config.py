"""`--config FILE`: a command's options from a YAML file, command-line options winning.

Keys are the command's long options without the dashes (`max-pages: 500`, `allow-host: [a, b]`,
`topic: ...`), plus `urls` for seed URLs and `settings` for `-s` (a mapping of Scrapy settings).
The file's values become the parser's defaults before the command line is parsed, so anything
given on the command line overrides them and argparse checks and converts both the same way. An
unknown key is a usage error (exit 2) naming it.

This is the one place config files are read: `seedcrawl crawl|process|run` through
`apply_config`, and the Prefect flow's `config` and `options` parameters (flows/crawl_flow.py),
keyed the same way, through `options_from_mapping`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import yaml

from seedcrawl.option_fields import UsageError, add_arguments, from_args, setting_text

T = TypeVar("T")

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
            return [f"{name}={setting_text(setting)}" for name, setting in value.items()]
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


def read_config(path: str | Path, fail: Callable[[str], Any]) -> dict[str, Any]:
    """The mapping a config file holds (empty for an empty file); `fail(message)` on a bad file."""
    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"cannot read the config file {path}: {exc.strerror}")
    except yaml.YAMLError as exc:
        fail(f"config file {path} is not valid YAML: {exc}")
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        fail(f"config file {path}: expected a mapping of option names to values")
    return {str(key): value for key, value in loaded.items()}


def set_defaults(sub: argparse.ArgumentParser, values: Mapping[str, Any], where: str) -> None:
    """Make `values` (keyed by long option) the defaults of `sub`; `where` names their source."""
    actions = {
        key: action for action in sub._actions if (key := _key(action)) and key not in ("help", "config")
    }

    def fail(message: str) -> None:
        sub.error(f"{where}: {message}")

    for key, value in values.items():
        action = actions.get(key)
        if action is None:
            fail(f"unknown key {key!r} (known: {', '.join(sorted(actions))})")
            return
        converted = _convert(action, key, value, fail)
        # `no-package: true` means the option is given: its store_false destination becomes False
        action.default = not converted if isinstance(action, argparse._StoreFalseAction) else converted
        action.required = False  # given by the file; the command line may still override it


def apply_config(parser: argparse.ArgumentParser, argv: Sequence[str]) -> None:
    """Make the `--config` file's values the defaults of the command named in argv."""
    path = config_file(argv)
    sub = _subparser(parser, argv)
    if path is None or sub is None:
        return
    set_defaults(sub, read_config(path, sub.error), f"config file {path}")


class _RaisingParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def options_from_mapping(
    cls: type[T], command: str, out: str, values: Mapping[str, Any], config: str | None = None
) -> T:
    """`command`'s options from `values` keyed as a config file is (winning over the file
    `config`), and the output folder `out`: what the flow's parameters are. Raises UsageError."""
    parser = _RaisingParser(prog=f"seedcrawl {command}")
    add_arguments(parser, cls, command)
    filed = read_config(config, parser.error) if config is not None else {}
    set_defaults(parser, filed, f"config file {config}")
    set_defaults(parser, values, "options")
    return from_args(cls, parser.parse_args(["--out", out]))


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
