"""Bad input to `seedcrawl process`: each bad record is skipped with a reason, the rest goes on."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from seedcrawl.archive.records import HttpExchange, RecordFactory
from seedcrawl.archive.writer import RotatingWarcWriter
from seedcrawl.contract.records import iter_lines
from tests.support.cli import run_seedcrawl

ARTICLE = (
    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
    "<meta property='og:type' content='article'></head><body><article><h1>{title}</h1>{paras}</article></body></html>"
)


def article(title: str, n: int = 6) -> bytes:
    sentence = f"{title} was discussed at length by ministers who met in Geneva on Tuesday afternoon. "
    paras = "".join(f"<p>{sentence * 3} Paragraph {i}.</p>" for i in range(n))
    return ARTICLE.format(title=title, paras=paras).encode()


def exchange(
    path: str, body: bytes, content_type: str = "text/html; charset=utf-8", **extra: object
) -> HttpExchange:
    fields: dict[str, object] = {
        "url": f"http://127.0.0.1:9/{path}",
        "method": "GET",
        "request_headers": [],
        "request_body": b"",
        "protocol": "HTTP/1.1",
        "status": 200,
        "response_headers": [("Content-Type", content_type)],
        "body": body,
        "fetched_at": datetime(2026, 11, 22, tzinfo=UTC),
    }
    fields.update(extra)
    return HttpExchange(**fields)  # type: ignore[arg-type]


def build_folder(out: Path) -> None:
    (out / "warc").mkdir(parents=True)
    writer = RotatingWarcWriter(out / "warc", RecordFactory())
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    nested = b"<html><body>" + b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000 + b"</body></html>"
    with_nuls = article("Nul bytes in the middle").replace(b"ministers", b"minis\x00ters")
    captures = [
        exchange("good-1", article("Ceasefire talks resume")),
        exchange("png", png),
        exchange("huge", b"<html><body>" + b"<p>word " * 2_600_000 + b"</body></html>"),
        exchange("nested", nested),
        exchange("nuls", with_nuls),
        exchange("cut", article("A page cut short")[:300], truncated="length"),
        exchange("victim", article("This record will be corrupted on disk")),
        exchange("good-2", article("Sanctions remain in place")),
    ]
    for capture in captures:
        writer.write_exchange(capture)
    [path] = writer.close()
    first_bytes = path.read_bytes()[:40]
    _damage(path, target="victim")
    with path.open("ab") as stream:  # and a last member torn off mid-write
        stream.write(first_bytes)


def _damage(path: Path, target: str) -> None:
    """Flip bytes inside the gzip member of the response record for `target`."""
    from seedcrawl.archive.reader import iter_records

    member = next(
        r for r in iter_records(path) if r.type == "response" and (r.target_uri or "").endswith(target)
    )
    data = bytearray(path.read_bytes())
    middle = member.offset + member.length // 2
    data[middle : middle + 8] = b"\x00\xff" * 4
    path.write_bytes(bytes(data))


def test_bad_records_are_skipped_with_reasons(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_folder(out)
    result = run_seedcrawl(["process", str(out), "--workers", "2"], timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    urls = [str(a["url"]) for a in iter_lines(out / "corpus" / "articles.jsonl")]
    assert {"http://127.0.0.1:9/good-1", "http://127.0.0.1:9/good-2"} <= set(urls)
    reasons = Counter(str(r["reason"]) for r in iter_lines(out / "corpus" / "rejects.jsonl"))
    by_url = {str(r["url"]): str(r["reason"]) for r in iter_lines(out / "corpus" / "rejects.jsonl")}
    assert by_url["http://127.0.0.1:9/png"] == "binary"
    assert by_url["http://127.0.0.1:9/huge"] == "too_large"
    assert by_url["http://127.0.0.1:9/cut"] == "truncated"
    assert by_url["http://127.0.0.1:9/nested"] in {"parse_error", "empty_text", "not_article"}
    assert reasons["corrupt_record"] >= 2  # the damaged member and the torn last one
    assert "http://127.0.0.1:9/victim" not in urls
    for line in (out / "corpus" / "articles.jsonl").read_bytes().splitlines():
        assert b"\x00" not in line and b"\\u0000" not in line
        json.loads(line)
    rejected = sum(reasons.values())
    assert f"{rejected} rejects" in result.stderr
