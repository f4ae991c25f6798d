"""The crawl's responses the browser is answered from (crawler/chromium/browser_cache.py)."""

from __future__ import annotations

import asyncio

from scrapy.http import Response

from seedcrawl.crawler.chromium.browser_cache import ResponseCache, SharedResponses

CSS = "http://cdn.example/css/site.css"


def _response(url: str, body: bytes = b"p{}", status: int = 200) -> Response:
    return Response(url, status=status, body=body)


def test_a_fetched_requisite_is_answered_under_any_spelling_of_its_url() -> None:
    async def run() -> Response | None:
        shared = SharedResponses(1 << 20)
        shared.started(CSS)
        shared.answered(CSS, "GET", _response(CSS))
        return await shared.get("HTTP://CDN.example:80/css/site.css#x", wait=0.1)

    found = asyncio.run(run())
    assert found is not None and found.body == b"p{}"


def test_the_browser_waits_for_a_request_in_flight_instead_of_asking_again() -> None:
    async def run() -> tuple[Response | None, float]:
        shared = SharedResponses(1 << 20)
        shared.started(CSS)
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, shared.answered, CSS, "GET", _response(CSS))
        started = loop.time()
        found = await shared.get(CSS, wait=5)
        return found, loop.time() - started

    found, waited = asyncio.run(run())
    assert found is not None and waited < 5


def test_errors_posts_and_unknown_urls_are_not_answered_from_the_cache() -> None:
    async def run() -> list[Response | None]:
        shared = SharedResponses(1 << 20)
        shared.answered(CSS, "GET", _response(CSS, status=404))
        shared.answered("http://h/api", "POST", _response("http://h/api"))
        return [await shared.get(url, wait=0.1) for url in (CSS, "http://h/api", "http://h/other")]

    assert asyncio.run(run()) == [None, None, None]


def test_a_request_that_left_without_a_response_frees_its_waiters() -> None:
    async def run() -> Response | None:
        shared = SharedResponses(1 << 20)
        shared.started(CSS)
        shared.left(CSS)  # an error: no response follows
        return await shared.get(CSS, wait=10)

    assert asyncio.run(run()) is None


def test_the_cache_keeps_its_byte_limit_least_recently_used_out() -> None:
    cache = ResponseCache(800)
    for n in range(10):
        cache.put(f"http://h/{n}", _response(f"http://h/{n}", b"x" * 100))
    assert cache.size <= 800
    assert cache.get("http://h/0") is None and cache.get("http://h/9") is not None
    cache.put("http://h/big", _response("http://h/big", b"x" * 101))  # over limit/8: not kept
    assert cache.get("http://h/big") is None
