"""Nothing a URL or a header says can steer where seedcrawl writes, and it never writes through a
symbolic link planted in its output folder: it refuses with a clear error, the link's target untouched."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from seedcrawl.archive.recovery import recover_file
from seedcrawl.crawler.run.resume import RunSpec, RunState, write_run
from seedcrawl.outdir.errors import OutputError
from seedcrawl.outdir.layout import Layout
from seedcrawl.pipelines.corpus import JsonlAppender
from tests.support.cli import crawl, run_seedcrawl
from tests.support.testweb import Request, Response, Site, SiteServer, page, redirect

CANARY = "escape-canary"
HOSTILE_LINKS = [
    f"/../../{CANARY}/a.html",
    f"/%2e%2e/%2E%2E/{CANARY}/b.html",
    f"/..%2f..%2f{CANARY}/c.html",
    f"/..%5c..%5c{CANARY}/d.html",
    "/nul%00byte.html",
    "/" + "long" * 700 + ".html",
    "/warc/../state/run.json",
    "/.seedcrawl.lock",
    f"/redirect?to=../../{CANARY}",
]
HOSTILE_HEADERS = [
    ("Content-Disposition", f'attachment; filename="../../{CANARY}/evil.html"'),
    ("Content-Location", f"/../../{CANARY}/located"),
    ("Link", f'<../../{CANARY}/canonical>; rel="canonical"'),
    ("Set-Cookie", f"a=1; Path=/../../{CANARY}"),
    ("X-Warc-Filename", f"../../{CANARY}.warc.gz"),
]
# Every file seedcrawl crawl, process and package write, by fixed name.
WRITTEN = re.compile(
    r"\.seedcrawl\.lock|warc/seedcrawl-\d{17}-\d{5}\.warc\.gz|indexes/index\.cdxj"
    r"|indexes/parts/seedcrawl-\d{17}-\d{5}\.warc\.gz\.cdxj|logs/crawl-hostile\.(log|json)"
    r"|state/(frontier|payload-digests|known-urls)\.sqlite3(-wal|-shm)?|state/(run|processed-warcs)\.json"
    r"|corpus/(articles|rejects|duplicates|clusters)\.jsonl|dedup/(lock|manifest\.json|shard-\d{6}\.npz)"
    r"|package/out\.wacz|report\.html|corpus/README\.md|logs/process-latest\.json"
)


def hostile_page(request: Request) -> Response:
    links = "".join(f'<a href="{href}">x</a>' for href in HOSTILE_LINKS)
    html = f"<html><head><link rel='canonical' href='/../../{CANARY}/'></head><body>{links}</body></html>"
    return page(html.encode(), "text/html; charset=utf-8", headers=HOSTILE_HEADERS)


@pytest.mark.slow
def test_hostile_urls_and_headers_cannot_steer_a_path(tmp_path: Path) -> None:
    out = tmp_path / "work" / "out"
    site = Site("hostile", fallback=hostile_page)
    site.add("/robots.txt", page(f"Sitemap: /../../{CANARY}/sitemap.xml\n".encode(), "text/plain"))
    site.add("/redirect", redirect(f"../../../../{CANARY}/moved.html"))
    with SiteServer(site, host="127.0.0.95") as server:
        crawl(out, [server.base_url + "/"], "--depth", "3", "--run-id", "hostile")
        requested = [entry.path for entry in server.log.entries()]
    assert sum(CANARY in path for path in requested) >= 3  # the hostile links were followed
    assert run_seedcrawl(["process", str(out), "--workers", "1"]).returncode == 0
    assert run_seedcrawl(["package", str(out)]).returncode == 0

    everything = [path for path in tmp_path.rglob("*") if not path.is_dir()]
    assert all(path.is_relative_to(out) for path in everything), everything
    strays = [name for path in everything if not WRITTEN.fullmatch(name := path.relative_to(out).as_posix())]
    assert not strays
    assert not [path for path in tmp_path.rglob(f"*{CANARY}*")]


@pytest.mark.parametrize(
    "args", [["--run-id", f"../../{CANARY}"], ["-s", f"SEEDCRAWL_WARC_PREFIX=../{CANARY}"]]
)
def test_names_from_options_cannot_leave_the_folder(tmp_path: Path, args: list[str]) -> None:
    result = run_seedcrawl(["crawl", "--out", str(tmp_path / "out"), *args, "http://127.0.0.1:9/"])
    assert result.returncode != 0
    assert not [path for path in tmp_path.rglob(f"*{CANARY}*")]


def test_layout_refuses_parts_that_lead_outside(tmp_path: Path) -> None:
    layout = Layout.create(tmp_path / "out")
    for parts in (["..", "x"], ["warc/../../x"], ["/etc/passwd"]):
        with pytest.raises(OutputError, match="outside the output folder"):
            layout.inside(*parts)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    target = tmp_path / "elsewhere" / "precious.txt"
    target.parent.mkdir()
    target.write_bytes(b"not seedcrawl's\n")
    return target


@pytest.mark.parametrize(
    ("link", "command"),
    [
        ("corpus/articles.jsonl", ["process"]),
        ("warc/seedcrawl-1.warc.gz.open", ["crawl"]),
        ("state/frontier.sqlite3", ["crawl"]),
        ("state/run.json", ["crawl"]),
        ("logs/crawl-r.log", ["crawl"]),
        ("warc", ["crawl"]),
    ],
)
def test_a_planted_symlink_is_refused_and_its_target_untouched(
    tmp_path: Path, outside: Path, link: str, command: list[str]
) -> None:
    out = tmp_path / "out"
    for folder in ("corpus", "state", "logs"):
        (out / folder).mkdir(parents=True)
    (out / link).parent.mkdir(parents=True, exist_ok=True)
    (out / link).symlink_to(outside.parent if link == "warc" else outside)
    before = outside.stat()
    args = [*command, str(out)] if command == ["process"] else [*command, "--out", str(out), "--run-id", "r"]
    result = run_seedcrawl([*args, "http://127.0.0.1:9/"] if command == ["crawl"] else args)
    assert result.returncode == 3, result.stderr[-2000:]
    assert "symbolic link" in result.stderr and link.split("/")[-1] in result.stderr
    assert outside.read_bytes() == b"not seedcrawl's\n" and outside.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in outside.parent.iterdir()) == ["precious.txt"]


def test_files_opened_after_the_check_do_not_follow_links_either(tmp_path: Path, outside: Path) -> None:
    """A link planted while a run is under way: every opener of ours refuses or replaces it."""
    open_warc = tmp_path / "seedcrawl-1.warc.gz.open"
    open_warc.symlink_to(outside)
    with pytest.raises(OutputError, match="symbolic link"):
        recover_file(open_warc)
    jsonl = tmp_path / "articles.jsonl"
    jsonl.symlink_to(outside)
    with pytest.raises(OSError):
        JsonlAppender(jsonl)
    (tmp_path / "run.json").symlink_to(outside)
    write_run(tmp_path, RunState("r", "running", RunSpec()))  # replaces the link itself
    assert not (tmp_path / "run.json").is_symlink()
    assert outside.read_bytes() == b"not seedcrawl's\n"
    assert os.listdir(outside.parent) == ["precious.txt"]
