"""One options object per command: the same from the command line, a config file, the flow's
parameters and the crawl child's JSON, and checked the same way whichever built it."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest

from seedcrawl.cli import build_parser
from seedcrawl.config import apply_config, options_from_mapping
from seedcrawl.flows.crawl_flow import seedcrawl_flow
from seedcrawl.option_fields import (
    UsageError,
    add_arguments,
    from_args,
    from_values,
    option,
    to_config,
    to_json,
)
from seedcrawl.options import CrawlOptions, RunOptions
from seedcrawl.process_cmd import add_process_parser
from seedcrawl.process_options import ProcessOptions


def parsed(cls: type[Any], *argv: str) -> Any:
    parser = build_parser()
    apply_config(parser, argv)
    return from_args(cls, parser.parse_args(argv))


def test_the_command_line_a_config_file_and_the_flow_build_the_same_options(tmp_path: Path) -> None:
    argv = ["--max-pages", "5", "--allow-host", "*.a.example", "--topic", "kerry lavrov", "--refetch",
            "--max-bytes", "1000", "--max-time", "2.5", "--user-agent", "tester/1", "--no-package",
            "--retries", "0", "--scope", "domain", "--include", "/news/", "-s", "DOWNLOAD_DELAY=2",
            "--seeds", "seeds.txt", "https://a.example/"]  # fmt: skip
    from_cli = parsed(RunOptions, "run", "--out", "news", *argv)
    config = tmp_path / "run.yaml"
    config.write_text(
        "max-pages: 5\nallow-host: ['*.a.example']\ntopic: kerry lavrov\nrefetch: true\nmax-bytes: 1000\n"
        "max-time: 2.5\nuser-agent: tester/1\nno-package: true\nretries: 0\nscope: domain\n"
        "include: [/news/]\nsettings: {DOWNLOAD_DELAY: 2}\nseeds: seeds.txt\nurls: [https://a.example/]\n"
    )
    from_file = parsed(RunOptions, "run", "--out", "news", "--config", str(config))
    from_flow = RunOptions.from_parameters("news", to_config(from_cli, "run"))
    assert from_cli == from_file == from_flow
    assert from_cli.package is False and from_cli.crawl_retries == 0 and from_cli.max_time == 2.5
    assert from_cli.seeds_file == Path("seeds.txt") and from_cli.urls == ("https://a.example/",)
    child = from_values(CrawlOptions, json.loads(json.dumps(to_json(from_cli.crawl_options()))))
    assert child == from_cli.crawl_options()  # what the crawl's child process gets is all of it


def test_options_that_are_settings_become_them_and_s_wins(tmp_path: Path) -> None:
    options = CrawlOptions(
        out=Path("o"), max_bytes=9, scope="prefix", exclude=("a,b", "c"), requisites=False,
        user_agent="tester/1", browser="never", settings={"USER_AGENT": "other/2"},
    )  # fmt: skip
    assert options.field_settings() == {
        "SEEDCRAWL_MAX_BYTES": "9", "SEEDCRAWL_BROWSER": "never", "SEEDCRAWL_SCOPE": "prefix",
        "SEEDCRAWL_EXCLUDE": '["a,b", "c"]', "SEEDCRAWL_REQUISITES": "False", "USER_AGENT": "tester/1",
    }  # fmt: skip
    assert CrawlOptions(out=Path("o")).field_settings() == {}  # nothing given, nothing set

    from seedcrawl.crawl import build_settings
    from seedcrawl.outdir.layout import Layout

    built = build_settings(options, Layout(tmp_path))
    assert built.get("USER_AGENT") == "other/2" and built.getint("SEEDCRAWL_MAX_BYTES") == 9


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"depth": -1}, "--depth"),
        ({"max_pages": 0}, "--max-pages"),
        ({"max_bytes": 0}, "--max-bytes"),
        ({"max_time": 0}, "--max-time"),
        ({"run_id": "../x"}, "--run-id"),
        ({"shards": 2}, "--redis"),
        ({"shard": 0, "shards": 2, "redis": "redis://h/0"}, "--run-id"),
        ({"include": ["("]}, "--include"),
        ({"urls": ["ftp://a.example/"]}, "'ftp://a.example/'"),
        ({"settings": {"DOWNLOAD_DELAY": "abc"}}, "DOWNLOAD_DELAY"),
        ({"settings": {"ROBOTSTXT_OBEY": "maybe"}}, "ROBOTSTXT_OBEY"),
        ({"settings": {"DOWNLOADER_MIDDLEWARES": "[1]"}}, "DOWNLOADER_MIDDLEWARES"),
        ({"browser": "sometimes"}, "--browser"),
        ({"max_pages": "many"}, "--max-pages"),
        ({"refetch": "yes"}, "--refetch"),
        ({"verbose": 1, "quiet": 1}, "not allowed with"),
        ({"max_pagez": 1}, "max_pagez"),
    ],
)
def test_a_bad_crawl_option_is_a_usage_error_naming_it(values: dict[str, Any], named: str) -> None:
    with pytest.raises(UsageError, match=None) as refused:
        from_values(CrawlOptions, {"out": "o", **values})
    assert named in str(refused.value) and refused.value.exit_code == 2


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"dedup-threshold": 2}, "--dedup-threshold"),
        ({"dask-workers": 2, "dask-address": "tcp://h:1"}, "not both"),
        ({"dask-address": "h:1"}, "--dask-address"),
        ({"retries": -1}, "--retries"),
        ({"max-pagez": 5}, "max-pagez"),
        ({"settings": {"DOWNLOAD_DELAY": "abc"}}, "DOWNLOAD_DELAY"),
    ],
)
def test_the_flow_refuses_bad_options_before_anything(options: dict[str, Any], named: str) -> None:
    with pytest.raises(UsageError) as refused:
        RunOptions.from_parameters("o", options)
    assert named in str(refused.value)


def test_an_unknown_setting_name_is_a_warning_naming_the_closest() -> None:
    options = CrawlOptions(out=Path("o"), settings={"DOWNLOAD_DELAYY": "1", "SEEDCRAWL_MAX_BYTE": "5"})
    warnings = options.setting_warnings()
    assert len(warnings) == 2
    assert "DOWNLOAD_DELAYY" in warnings[0] and "did you mean DOWNLOAD_DELAY?" in warnings[0]
    assert "did you mean SEEDCRAWL_MAX_BYTES?" in warnings[1]
    assert CrawlOptions(out=Path("o"), settings={"DOWNLOAD_DELAY": "1"}).setting_warnings() == []


def test_run_has_every_crawl_option() -> None:
    crawl = {f.name for f in fields(CrawlOptions)}
    assert crawl <= {f.name for f in fields(RunOptions)}
    parser = build_parser()
    run_flags = set(parser.parse_args(["run", "--out", "o"]).__dict__)
    assert crawl - {"shard"} <= run_flags  # one shard of several is started by hand with `crawl`
    args = parser.parse_args(
        ["run", "--out", "o", "--max-bytes", "5", "--max-time", "1", "--browser", "never"]
    )
    assert from_args(RunOptions, args).crawl_options().max_bytes == 5  # an option, not a -s setting


def test_the_flow_takes_the_options_keyed_as_a_config_file() -> None:
    parameters = seedcrawl_flow.parameters.properties
    assert set(parameters) == {"out", "options", "config", "show_progress"}


@dataclass(frozen=True)
class _WithANewOption(CrawlOptions):
    """What adding a crawl option to CrawlOptions takes: the field, nothing else."""

    politeness: float | None = option("--politeness", "seconds between requests", setting="DOWNLOAD_DELAY")


def test_one_field_is_the_whole_of_a_new_option(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser, _WithANewOption, "crawl")
    from_cli = from_args(_WithANewOption, parser.parse_args(["--out", "o", "--politeness", "2"]))
    assert from_cli.politeness == 2.0  # a command-line option,
    assert options_from_mapping(_WithANewOption, "crawl", "o", {"politeness": 2}) == from_cli  # a config key,
    assert from_values(_WithANewOption, to_json(from_cli)) == from_cli  # the child's JSON,
    assert from_cli.field_settings() == {"DOWNLOAD_DELAY": "2.0"}  # and the Scrapy setting it names
    with pytest.raises(UsageError, match="politeness: invalid value"):
        options_from_mapping(_WithANewOption, "crawl", "o", {"politeness": "slow"})


def test_process_options_match_the_process_command() -> None:
    commands = argparse.ArgumentParser().add_subparsers()
    add_process_parser(commands)
    today = {s for a in commands.choices["process"]._actions for s in a.option_strings}
    defined = argparse.ArgumentParser()
    add_arguments(defined, ProcessOptions, "process")
    assert today - {"--config", "-h", "--help"} <= {s for a in defined._actions for s in a.option_strings}
    options = from_args(ProcessOptions, defined.parse_args(["DIR", "--workers", "3", "--language", "en,de"]))
    pipeline = options.pipeline_options()
    assert pipeline.workers == 3 and pipeline.extract.languages == frozenset({"en", "de"})
    assert options.dask_choice() == (False, None, None)
    assert from_values(ProcessOptions, {"out": "DIR", "dask": True}).dask_choice()[0]


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"workers": 0}, "--workers"),
        ({"dedup_threshold": 0}, "--dedup-threshold"),
        ({"extract_timeout": -1}, "--extract-timeout"),
        ({"language": "english!"}, "--language"),
        ({"dask_workers": 0}, "--dask-workers"),
    ],
)
def test_a_bad_process_option_is_a_usage_error(values: dict[str, Any], named: str) -> None:
    with pytest.raises(UsageError) as refused:
        from_values(ProcessOptions, {"out": "DIR", **values})
    assert named in str(refused.value)
