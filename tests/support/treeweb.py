"""A small generated web for crash, signal and disk-full tests, and helpers to stop a crawl mid-way.

`TreeWeb` serves `sites` loopback sites of `pages` small pages each; page k links to pages 2k+1 and
2k+2, so every page is reachable from the home page and the expected set of URLs is known. Pages
listed in `held` answer only after `release()`: requests to them stay in flight as long as a test
wants, which is how a test knows a stop signal arrived with downloads still running.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from seedcrawl.archive.reader import iter_records
from tests.support.cli import FAST, REPO, seedcrawl_command
from tests.support.testweb import Request, Response, ServerGroup, Site, SiteServer, page

HOLD_LIMIT = 120.0  # a held page answers after this long even if never released


def _html(title: str, links: Sequence[int], filler: int) -> bytes:
    items = "".join(f'<li><a href="/p/{k}.html">Story {k}</a></li>' for k in links)
    words = " ".join(f"word{i % 97}" for i in range(filler))
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<article><h1>{title}</h1><p>{words}</p></article><ul>{items}</ul></body></html>"
    ).encode()


class TreeWeb(ServerGroup):
    def __init__(
        self,
        sites: int,
        pages: int,
        *,
        first_host: int,
        latency: float = 0.0,
        held: Collection[int] = (),
        filler: int = 200,
    ) -> None:
        self.pages = pages
        self._released = threading.Event()
        self._held_lock = threading.Lock()
        self.held_requests = 0  # requests to held pages received so far, answered or not
        super().__init__(
            [
                SiteServer(
                    self._site(f"tree{i}", held, filler), host=f"127.0.0.{first_host + i}", latency=latency
                )
                for i in range(sites)
            ]
        )

    def _site(self, name: str, held: Collection[int], filler: int) -> Site:
        site = Site(name)
        site.add("/robots.txt", page(b"User-agent: *\nAllow: /\n", "text/plain"))
        for k in range(self.pages):
            links = [c for c in (2 * k + 1, 2 * k + 2) if c < self.pages]
            response = page(_html(f"{name} story {k}", links, filler), "text/html; charset=utf-8")
            path = "/" if k == 0 else f"/p/{k}.html"
            site.add(path, self._holding(response) if k in held else response)
        return site

    def _holding(self, response: Response) -> Callable[[Request], Response]:
        def answer(request: Request) -> Response:
            with self._held_lock:
                self.held_requests += 1
            self._released.wait(HOLD_LIMIT)
            return response

        return answer

    def release(self) -> None:
        self._released.set()

    def url(self, site: int, k: int) -> str:
        return self.servers[site].base_url + ("/" if k == 0 else f"/p/{k}.html")

    def page_urls(self) -> set[str]:
        return {self.url(i, k) for i in range(len(self.servers)) for k in range(self.pages)}

    def served(self) -> Counter[str]:
        """Requests answered so far, by URL."""
        return Counter(entry.url for server in self.servers for entry in server.log.entries())

    def close(self) -> None:
        self.release()  # held requests answer, so the servers' threads can stop
        super().close()


def start_crawl(out: Path, seeds: Sequence[str], *extra: str) -> subprocess.Popen[str]:
    """`seedcrawl crawl` in the background, politeness off, stderr captured."""
    return subprocess.Popen(
        seedcrawl_command("crawl", "--out", str(out), *FAST, *extra, *seeds),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def captured(out: Path) -> Counter[str]:
    """Response (and revisit) records in the closed WARC files of `out`, by URL."""
    return Counter(
        record.target_uri or ""
        for path in sorted((out / "warc").glob("*.warc.gz"))
        for record in iter_records(path, max_payload=0)
        if record.type in ("response", "revisit")
    )
