"""Hostile output folders: a symbolic link or a named pipe planted where a command reads or writes.

Every command (crawl, process, index, package, check) refuses such a folder with exit 3 before it
opens anything, the link's target stays untouched, and `index` deletes only files it wrote itself.
One crawl of a small fault web makes the folder; each test plants its trap in a copy of it.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.running import RUN_ID, Crawled, assert_archive_whole, crawl, process
from tests.faults.webs import FaultWeb, article, home
from tests.support.cli import run_seedcrawl

pytestmark = pytest.mark.slow

PRECIOUS = b"not seedcrawl's\n"
TIMEOUT = 90  # a command blocked on a named pipe would wait for ever: fail instead


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    with FaultWeb(sentinel_host="127.0.0.139") as web:
        site = web.add_site("folder", "127.0.0.131")
        site.add("/", home(["/a", "/b", web.url("sentinel")]))
        site.add("/a", article(1))
        site.add("/b", article(2))
        out = tmp_path_factory.mktemp("folder") / "out"
        result = crawl(out, [web.url("folder")])
        process(out)
        yield Crawled(web, result)


@pytest.fixture
def folder(crawled: Crawled, tmp_path: Path) -> Path:
    """A copy of the crawled folder, to plant a trap in."""
    copy = tmp_path / "out"
    shutil.copytree(crawled.crawl.out, copy, symlinks=True)
    return copy


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder that is not seedcrawl's, with a file in it that must survive."""
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "precious.cdxj").write_bytes(PRECIOUS)
    return other


def assert_untouched(other: Path) -> None:
    assert sorted(p.name for p in other.iterdir()) == ["precious.cdxj"]
    assert (other / "precious.cdxj").read_bytes() == PRECIOUS


def test_the_crawl_was_whole_and_in_scope(crawled: Crawled) -> None:
    assert_archive_whole(crawled.crawl.out)
    assert crawled.web.entries("sentinel") == []


def test_index_refuses_parts_linked_elsewhere_and_deletes_nothing_there(
    folder: Path, elsewhere: Path
) -> None:
    parts = folder / "indexes" / "parts"
    shutil.rmtree(parts)
    parts.symlink_to(elsewhere, target_is_directory=True)
    result = run_seedcrawl(["index", str(folder)], timeout=TIMEOUT)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "symbolic link" in result.stderr and "parts" in result.stderr
    assert_untouched(elsewhere)


def test_index_deletes_only_fragments_it_wrote(folder: Path) -> None:
    parts = folder / "indexes" / "parts"
    ours = sorted(parts.glob("seedcrawl-*.cdxj"))[0]
    foreign = parts / "notes.cdxj"
    foreign.write_bytes(PRECIOUS)  # a file someone keeps there: not a fragment of a WARC file
    stale = parts / "seedcrawl-00000000000000000-00000.warc.gz.cdxj"
    shutil.copy(ours, stale)  # a fragment of ours whose WARC file is gone
    result = run_seedcrawl(["index", str(folder)], timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert foreign.read_bytes() == PRECIOUS
    assert not stale.exists()


def test_package_refuses_a_linked_log_and_copies_nothing(folder: Path, elsewhere: Path) -> None:
    (folder / "logs" / "secrets.log").symlink_to(elsewhere / "precious.cdxj")
    result = run_seedcrawl(["package", str(folder)], timeout=TIMEOUT)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "symbolic link" in result.stderr and "secrets.log" in result.stderr
    packages = list((folder / "package").glob("*.wacz"))
    for package in packages:  # an old package, if any, holds no copy of the linked file
        with zipfile.ZipFile(package) as zf:
            assert all(PRECIOUS not in zf.read(name) for name in zf.namelist() if name.startswith("logs/"))
    assert_untouched(elsewhere)


def test_package_refuses_to_write_through_a_linked_package_folder(folder: Path, elsewhere: Path) -> None:
    shutil.rmtree(folder / "package", ignore_errors=True)
    (folder / "package").symlink_to(elsewhere, target_is_directory=True)
    result = run_seedcrawl(["package", str(folder)], timeout=TIMEOUT)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "symbolic link" in result.stderr and "package" in result.stderr
    assert_untouched(elsewhere)


def test_check_refuses_a_linked_warc_file(folder: Path, elsewhere: Path) -> None:
    warc = sorted((folder / "warc").glob("*.warc.gz"))[0]
    (folder / "warc" / "seedcrawl-99999999999999999-00000.warc.gz").symlink_to(warc)
    result = run_seedcrawl(["check", str(folder)], timeout=TIMEOUT)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "symbolic link" in result.stderr


def _crawl_args(folder: Path) -> list[str]:
    return ["crawl", "--out", str(folder), "--run-id", RUN_ID, "--new-run", "http://127.0.0.131:9/"]


# Where a named pipe blocks each command today: opening it waits for a writer that never comes.
PIPES = {
    "crawl, Scrapy's log file": (f"logs/crawl-{RUN_ID}.log", _crawl_args),
    "crawl, the run marker": ("state/run.json", _crawl_args),
    "process, the corpus": (
        "corpus/articles.jsonl",
        lambda folder: ["process", str(folder), "--workers", "1"],
    ),
    "index, a fragment": ("indexes/parts/{warc}.cdxj", lambda folder: ["index", str(folder)]),
    "package, a log": ("logs/crawl-other.log", lambda folder: ["package", str(folder)]),
}


@pytest.mark.parametrize("case", sorted(PIPES))
def test_a_named_pipe_is_refused_before_anything_opens_it(folder: Path, case: str) -> None:
    name, args = PIPES[case]
    warc = sorted((folder / "warc").glob("*.warc.gz"))[0].name
    pipe = folder / name.format(warc=warc)
    pipe.unlink(missing_ok=True)
    os.mkfifo(pipe)
    result = run_seedcrawl(args(folder), timeout=TIMEOUT)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "named pipe" in result.stderr and pipe.name in result.stderr


def test_a_file_where_a_folder_belongs_is_refused(folder: Path) -> None:
    shutil.rmtree(folder / "logs")
    (folder / "logs").write_bytes(b"not a folder\n")
    result = run_seedcrawl(_crawl_args(folder), timeout=TIMEOUT)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "logs" in result.stderr and "not a folder" in result.stderr
