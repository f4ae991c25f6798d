"""Reading and checking seed URLs, and the scope they define.

Bad seeds are reported all at once with the line they came from, before anything is fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from seedcrawl.crawler.discover.urls import Scope


class SeedError(ValueError):
    """Seeds are missing or malformed; the message says which and where."""


def check_url(url: str, where: str = "") -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise SeedError(f"{where}not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise SeedError(f"{where}URL has no host: {url!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise SeedError(f"{where}URL has a bad port: {url!r}") from None
    return url.strip()


def read_seed_file(path: Path) -> list[str]:
    """One URL a line; blank lines and `#` comments ignored."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SeedError(f"cannot read seed file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SeedError(f"seed file {path} is not UTF-8 text") from None
    seeds = []
    for number, line in enumerate(lines, 1):
        # A comment is a whole line starting with "#", or " #..." after a URL; a bare "#" inside a
        # URL is its fragment.
        text = re.split(r"\s#", line.strip(), maxsplit=1)[0].strip()
        if text and not text.startswith("#"):
            seeds.append(check_url(text, f"{path}:{number}: "))
    return seeds


def parse_seed_list(seeds: Iterable[str] | str | None) -> list[str]:
    """Seeds given as a list or a comma/whitespace separated string, checked and de-duplicated."""
    if seeds is None:
        return []
    items = seeds.replace(",", " ").split() if isinstance(seeds, str) else list(seeds)
    return list(dict.fromkeys(check_url(item) for item in items if item.strip()))


def scope_for(seeds: Iterable[str], allow_hosts: Iterable[str]) -> Scope:
    """Hosts a crawl may request: the seeds' hosts (any port) plus the allowed entries
    (`host`, `host:port` or `*.domain`)."""
    entries = [urlsplit(seed).hostname or "" for seed in seeds]
    for host in allow_hosts:
        if not host.strip() or "/" in host:
            raise SeedError(f"--allow-host takes a host name (host, host:port or *.domain), not {host!r}")
        entries.append(host)
    try:
        return Scope.parse(entry for entry in entries if entry)
    except ValueError as exc:
        raise SeedError(str(exc)) from None
