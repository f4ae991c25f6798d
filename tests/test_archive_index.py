"""seedcrawl.archive.index: a sorted CDXJ index of every record, built incrementally and written atomically."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import seedcrawl.archive.index as index_module
from seedcrawl.archive.errors import IndexBuildError
from seedcrawl.archive.index import INDEX_NAME, PARTS_DIR, build_index
from seedcrawl.archive.reader import iter_folder
from tests.support.warcs import build_golden


def _warc_dir(out: Path) -> Path:
    (out / "warc").mkdir(parents=True, exist_ok=True)
    return out / "warc"


def _lines(out: Path) -> list[str]:
    return (out / "indexes" / INDEX_NAME).read_text(encoding="utf-8").splitlines()


def _parse(line: str) -> tuple[str, str, dict[str, str]]:
    urlkey, timestamp, text = line.split(" ", 2)
    return urlkey, timestamp, json.loads(text)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    build_golden(_warc_dir(tmp_path) / "crawl-00001.warc.gz")
    build_golden(_warc_dir(tmp_path) / "crawl-00002.warc.gz", first_id=100, host="other.example.test")
    return tmp_path


def test_every_record_of_every_closed_warc_is_indexed(out: Path) -> None:
    (out / "warc" / "crawl-00003.warc.gz.open").write_bytes(b"still being written")
    result = build_index(out)
    entries = [_parse(line)[2] for line in _lines(out)]
    indexed = {(e["filename"], int(e["offset"]), int(e["length"])) for e in entries}
    records = list(iter_folder(out / "warc"))
    assert indexed == {(r.file, r.offset, r.length) for r in records}
    assert len(entries) == len(records) == result.lines == 16
    assert Counter(e["warc-type"] for e in entries) == Counter(r.type for r in records)
    assert result.indexed == ["crawl-00001.warc.gz", "crawl-00002.warc.gz"] and result.reused == []


def test_lines_are_sorted_in_byte_order(out: Path) -> None:
    build_index(out)
    raw = (out / "indexes" / INDEX_NAME).read_bytes().splitlines()
    assert raw == sorted(raw)


def test_replayable_lines_come_first_within_a_capture(out: Path) -> None:
    """pywb serves the first line of equal key and time: it must be the response, not the request."""
    build_index(out)
    first_type: dict[tuple[str, str], str] = {}
    for line in _lines(out):
        urlkey, timestamp, fields = _parse(line)
        first_type.setdefault((urlkey, timestamp), fields["warc-type"])
    captures = {k: v for k, v in first_type.items() if k[0] != "-"}
    assert set(captures.values()) == {"response", "revisit"}
    warcinfo = [_parse(line)[2] for line in _lines(out) if line.startswith("- ")]
    assert [e["warc-type"] for e in warcinfo] == ["warcinfo", "warcinfo"]


def test_adding_a_warc_indexes_only_the_new_file(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_index(out)
    parts = out / "indexes" / PARTS_DIR
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in parts.iterdir()}
    read: list[str] = []
    real = index_module.index_lines

    def counting(warc: Path) -> list[str]:
        read.append(warc.name)
        return real(warc)

    monkeypatch.setattr(index_module, "index_lines", counting)
    build_golden(_warc_dir(out) / "crawl-00003.warc.gz", first_id=200, host="third.example.test")
    result = build_index(out)
    assert read == ["crawl-00003.warc.gz"] == result.indexed
    assert result.reused == ["crawl-00001.warc.gz", "crawl-00002.warc.gz"]
    assert {
        p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in parts.iterdir() if p.name in before
    } == before
    assert result.lines == len(_lines(out)) == 24
    read.clear()
    assert build_index(out).indexed == [] and read == []


def test_a_replaced_warc_is_reindexed_and_a_removed_one_dropped(out: Path) -> None:
    build_index(out)
    warc_dir = out / "warc"
    (warc_dir / "crawl-00002.warc.gz").unlink()
    build_golden(warc_dir / "crawl-00002.warc.gz", first_id=300, host="replaced.example.test")
    (warc_dir / "crawl-00001.warc.gz").unlink()
    result = build_index(out)
    assert result.indexed == ["crawl-00002.warc.gz"] and result.dropped == ["crawl-00001.warc.gz"]
    entries = [_parse(line) for line in _lines(out)]
    assert {e[2]["filename"] for e in entries} == {"crawl-00002.warc.gz"}
    assert any(key.startswith("test,example,replaced)") for key, _, _ in entries)
    assert not (out / "indexes" / PARTS_DIR / "crawl-00001.warc.gz.cdxj").exists()


def test_a_failed_merge_leaves_the_old_index_whole(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_index(out)
    index = out / "indexes" / INDEX_NAME
    old = index.read_bytes()
    build_golden(_warc_dir(out) / "crawl-00003.warc.gz", first_id=200, host="third.example.test")

    def failing(fragment: Path, stack: object) -> Iterator[str]:
        yield "a line that never makes it\n"
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(index_module, "_data_lines", failing)
    with pytest.raises(IndexBuildError):
        build_index(out)
    assert index.read_bytes() == old
    assert sorted(p.name for p in index.parent.iterdir()) == [INDEX_NAME, PARTS_DIR]  # no temp file left
    monkeypatch.undo()
    assert build_index(out).lines == 24


@pytest.mark.parametrize(
    "content", [b"not a WARC at all\n", gzip.compress(b"gzip, but not a WARC\n", mtime=0), b""]
)
def test_an_unreadable_warc_is_an_index_build_error(out: Path, content: bytes) -> None:
    (out / "warc" / "crawl-00009.warc.gz").write_bytes(content)
    with pytest.raises(IndexBuildError) as caught:
        build_index(out)
    assert caught.value.file is not None and caught.value.file.name == "crawl-00009.warc.gz"
    assert (out / "indexes" / PARTS_DIR / "crawl-00001.warc.gz.cdxj").exists()


def test_an_empty_output_folder_gives_an_empty_index(tmp_path: Path) -> None:
    result = build_index(tmp_path)
    assert result.lines == 0 and (tmp_path / "indexes" / INDEX_NAME).read_bytes() == b""
