"""WACZ packages: built with py-wacz from our page list, accepted by `wacz validate`, written atomically."""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from seedcrawl.archive.index import build_index
from seedcrawl.cli import main
from seedcrawl.packaging import (
    Page,
    WaczError,
    WaczResult,
    create_wacz,
    package_folder,
    pages_from_index,
    validate_wacz,
)
from tests.support.warcs import Golden, build_golden

HOST = "news.example.test"


def _folder(root: Path, files: int = 1) -> tuple[Path, list[Golden]]:
    """An output folder with `files` closed WARC files (other hosts, other record ids) and its index."""
    (root / "warc").mkdir(parents=True)
    goldens = [
        build_golden(
            root / "warc" / f"seedcrawl-2026112210000{n}-0000{n}.warc.gz",
            first_id=100 * n,
            host=f"s{n}.{HOST}",
        )
        for n in range(files)
    ]
    build_index(root)
    return root, goldens


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _page_list(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in _entries(path)["pages/pages.jsonl"].splitlines()]


def test_pages_from_index_lists_each_html_response_once(tmp_path: Path) -> None:
    root, (golden,) = _folder(tmp_path)
    pages = pages_from_index(root / "indexes" / "index.cdxj")
    # three 200 HTML responses; the request, warcinfo and revisit records are not pages
    assert sorted(p.url for p in pages) == sorted(c.url for c in golden.captures)
    assert {p.timestamp for p in pages} == {c.timestamp for c in golden.captures}


@dataclass(frozen=True)
class Built:
    result: WaczResult
    goldens: list[Golden]
    pages: list[Page]  # what was passed in, all with a matching capture


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One package of two WARC files, shared: each build runs py-wacz twice (about 2 s)."""
    tmp = tmp_path_factory.mktemp("wacz")
    root, goldens = _folder(tmp / "news", files=2)
    found = pages_from_index(root / "indexes" / "index.cdxj")
    titled = [Page(p.url, p.timestamp, f"Title of {p.url}") for p in found]
    stray = Page(goldens[0].captures[0].url, "20000101000000", "no capture at this time")
    result = create_wacz([g.path for g in goldens], [*titled, stray], tmp / "out" / "news.wacz", title="News")
    return Built(result, goldens, titled)


def test_package_holds_the_warcs_and_our_page_list_and_validates(built: Built) -> None:
    path = built.result.path
    validate_wacz(path)  # raises unless `wacz validate` accepts it
    entries = _entries(path)
    for g in built.goldens:  # stored as they are, byte for byte
        assert entries[f"archive/{g.path.name}"] == g.path.read_bytes()
    header, *listed = _page_list(path)
    assert header == {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    # the stray page (no capture at its timestamp) is dropped, and not counted
    assert sorted((p["url"], p["title"]) for p in listed) == sorted((p.url, p.title) for p in built.pages)
    assert built.result.pages == len(built.pages) == 6 and built.result.warcs == 2
    assert built.result.bytes == path.stat().st_size
    assert [p.name for p in path.parent.iterdir()] == ["news.wacz"]  # no temporary files left


def test_a_failed_build_keeps_the_previous_package(built: Built, tmp_path: Path) -> None:
    target = tmp_path / "package" / "p.wacz"
    target.parent.mkdir()
    shutil.copy(built.result.path, target)
    not_a_warc = tmp_path / "broken.warc.gz"
    not_a_warc.write_bytes(b"this is not a WARC file\n")
    with pytest.raises(WaczError):
        create_wacz([not_a_warc], [], target)
    assert target.read_bytes() == built.result.path.read_bytes()
    assert [p.name for p in target.parent.iterdir()] == ["p.wacz"]


def test_validate_rejects_a_package_whose_warc_was_altered(built: Built, tmp_path: Path) -> None:
    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(built.result.path) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("archive/"):
                data += b"\n"  # no longer the bytes datapackage.json has a hash of
            dst.writestr(item, data)
    with pytest.raises(WaczError, match="rejected"):
        validate_wacz(bad)


def test_no_warc_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WaczError, match="no WARC files"):
        create_wacz([], [], tmp_path / "x.wacz")


def test_package_folder_lists_corpus_articles_with_their_titles(tmp_path: Path) -> None:
    root, (golden,) = _folder(tmp_path / "My News")
    index_lines = (root / "indexes" / "index.cdxj").read_text().splitlines()
    # the corpus points at the record of the gzipped page by file name and offset
    target = golden.captures[1]
    offset = next(
        json.loads(line.split(" ", 2)[2])["offset"]
        for line in index_lines
        if '"warc-type": "response"' in line and target.url in line
    )
    article = {
        "id": "a1",
        "url": target.url,
        "title": "The gzipped story",
        "warc": {"file": golden.path.name, "offset": int(offset)},
    }
    (root / "corpus").mkdir()
    (root / "corpus" / "articles.jsonl").write_text(
        json.dumps(article) + "\n" + '{"id": "torn', encoding="utf-8"
    )
    (root / "logs").mkdir()
    (root / "logs" / "crawl-r1.log").write_text("crawl summary: {}\n")
    (root / "logs" / "crawl-r1.json").write_text("{}\n")

    result = package_folder(root)
    assert result.path == root / "package" / "my-news.wacz"
    assert [(p["url"], p["title"]) for p in _page_list(result.path)[1:]] == [
        (target.url, "The gzipped story")
    ]
    entries = _entries(result.path)
    assert "logs/crawl-r1.log" in entries and "logs/crawl-r1.json" not in entries


def _package_cli(*argv: str) -> int:
    return main(["package", *argv])


def test_package_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, (golden,) = _folder(tmp_path / "c")
    (root / "indexes" / "index.cdxj").unlink()  # brought up to date before pages are read from it
    assert _package_cli(str(root), "--output", str(tmp_path / "x.zip")) == 2
    # a missing folder is a usage error (2) in every command (seedcrawl/exits.py), no longer 1
    assert _package_cli(str(tmp_path / "missing")) == 2
    assert "no such folder" in capsys.readouterr().err
    assert _package_cli(str(root), "--output", str(tmp_path / "elsewhere" / "x.wacz")) == 0
    assert (tmp_path / "elsewhere" / "x.wacz").exists()
    # no corpus yet: every 200 HTML response is a page
    assert f"{len(golden.captures)} pages" in capsys.readouterr().err
