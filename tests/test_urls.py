from __future__ import annotations

import doctest
import importlib

import pytest

from seedcrawl.crawler.discover.urls import (
    TRACKING_PARAMS,
    Scope,
    canonicalize_url,
    in_scope,
    normalize_percent_encoding,
    remove_dot_segments,
    trusted_canonical,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.COM/a", "http://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),  # not http's default port
        ("http://example.com", "http://example.com/"),
        ("http://example.com./a", "http://example.com/a"),
        ("http://example.com/a#section-2", "http://example.com/a"),
        ("http://example.com/a/./b/../c/", "http://example.com/a/c/"),
        ("http://example.com/../../a", "http://example.com/a"),
        ("http://example.com/a/%2E%2E/b", "http://example.com/b"),  # encoded dots are dots
        ("http://example.com/%7Euser/%41", "http://example.com/~user/A"),
        ("http://example.com/a%2fb", "http://example.com/a%2Fb"),  # an escaped slash stays escaped
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("http://example.com/100%", "http://example.com/100%25"),
        ("http://example.com/caf\u00e9", "http://example.com/caf%C3%A9"),
        ("http://B\u00dcCHER.example/", "http://xn--bcher-kva.example/"),
        ("http://stra\u00dfe.example/", "http://xn--strae-oqa.example/"),  # IDNA 2008, as browsers do
        ("http://my_host.example.com/", "http://my_host.example.com/"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("http://user:pw@Example.com/", "http://user:pw@example.com/"),
        (" http://example.com/a\n", "http://example.com/a"),
    ],
)
def test_canonical_forms(raw: str, expected: str) -> None:
    assert canonicalize_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "mailto:a@example.com",
        "javascript:alert(1)",
        "ftp://example.com/f",
        "file:///etc/passwd",
        "data:,x",
        "http://",
        "http://example.com:99999/",
        "http://exa mple.com/",
        "/relative/path",
        "",
    ],
)
def test_unusable_urls_give_none(raw: str) -> None:
    assert canonicalize_url(raw) is None


def test_tracking_parameters_are_dropped_and_the_rest_sorted_stably() -> None:
    url = (
        "https://example.com/story?utm_source=tw&id=7&UTM_Medium=x&fbclid=abc&tag=b&gclid=1"
        "&tag=a&mc_cid=1&mc_eid=2&_ga=3&igshid=4&msclkid=5&dclid=6&yclid=7&ref_src=twsrc"
    )
    # Repeated keys keep their order: ?tag=b&tag=a can mean something else than ?tag=a&tag=b.
    assert canonicalize_url(url) == "https://example.com/story?id=7&tag=b&tag=a"


def test_only_tracking_parameters_leaves_no_query() -> None:
    assert canonicalize_url("https://example.com/a?utm_campaign=x&fbclid=y") == "https://example.com/a"


def test_lookalike_parameters_are_kept() -> None:
    assert canonicalize_url("https://example.com/a?ref=home&source=rss") == (
        "https://example.com/a?ref=home&source=rss"
    )


def test_documented_tracking_list_covers_the_usual_suspects() -> None:
    assert {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_ga",
        "yclid",
        "ref_src",
    } <= (TRACKING_PARAMS)


def test_query_values_keep_reserved_characters_and_plus() -> None:
    url = "http://example.com/s?q=a+b&path=%2Fx%3Dy&x=%7e"
    assert canonicalize_url(url) == "http://example.com/s?path=%2Fx%3Dy&q=a+b&x=~"


def test_canonicalisation_is_idempotent() -> None:
    for raw in [
        "HTTP://Ex.com:80/a/./b/../%7e?z=1&a=%e2%82%ac#f",
        "https://b\u00fccher.example/\u00e4 b?q=\u00fc",
    ]:
        once = canonicalize_url(raw)
        assert once is not None
        assert canonicalize_url(once) == once


def test_percent_encoding_helpers() -> None:
    assert normalize_percent_encoding("%7e%2f%e2%82%ac%") == "~%2F%E2%82%AC%25"
    assert remove_dot_segments("/a/b/..") == "/a/"
    assert remove_dot_segments("/./") == "/"


class TestScope:
    def test_exact_host_any_port(self) -> None:
        assert in_scope("http://example.com:8080/a", ["example.com"])
        assert not in_scope("http://www.example.com/a", ["example.com"])
        assert not in_scope("http://example.com.evil.net/a", ["example.com"])
        assert not in_scope("http://evilexample.com/a", ["example.com"])

    def test_host_with_port_is_exact(self) -> None:
        assert in_scope("http://127.0.0.1:8080/a", ["127.0.0.1:8080"])
        assert not in_scope("http://127.0.0.1:8081/a", ["127.0.0.1:8080"])
        assert in_scope("https://example.com/a", ["example.com:443"])  # the default port counts

    def test_wildcard_means_subdomains_only(self) -> None:
        scope = ["*.example.com"]
        assert in_scope("https://news.example.com/a", scope)
        assert in_scope("https://a.b.example.com/a", scope)
        assert not in_scope("https://example.com/a", scope)
        assert not in_scope("https://badexample.com/a", scope)

    def test_case_and_idna_agree(self) -> None:
        assert in_scope("http://xn--bcher-kva.example/", ["B\u00fccher.example"])
        assert in_scope("http://EXAMPLE.com/", ["example.COM"])

    def test_non_http_is_never_in_scope(self) -> None:
        assert not in_scope("ftp://example.com/", ["example.com"])

    def test_ipv6_entries_with_or_without_brackets(self) -> None:
        assert in_scope("http://[::1]:9000/", ["::1"])
        assert in_scope("http://[::1]:9000/", ["[::1]:9000"])
        assert not in_scope("http://[::1]:9001/", ["[::1]:9000"])

    @pytest.mark.parametrize("entry", ["", "exa mple.com", "example.com:port", "*.[::1]"])
    def test_bad_entries_are_refused_up_front(self, entry: str) -> None:
        with pytest.raises(ValueError):
            Scope.parse([entry])


class TestCanonicalLink:
    page = "https://example.com/world/2015/05/kerry-sochi?utm_source=x"

    def test_same_host_canonical_is_trusted_and_canonicalised(self) -> None:
        assert (
            trusted_canonical(self.page, "/world/kerry-sochi#top") == "https://example.com/world/kerry-sochi"
        )

    def test_scheme_upgrade_on_the_same_host_is_trusted(self) -> None:
        page = "http://example.com/a"
        assert trusted_canonical(page, "https://example.com/a") == "https://example.com/a"

    def test_other_host_is_refused_unless_in_scope(self) -> None:
        other = "https://syndicated.example.net/kerry-sochi"
        assert trusted_canonical(self.page, other) is None
        assert trusted_canonical(self.page, other, Scope.parse(["example.net", "*.example.net"])) == other

    def test_other_port_is_refused(self) -> None:
        assert trusted_canonical(self.page, "https://example.com:8443/world/kerry-sochi") is None

    def test_home_page_canonical_on_an_article_is_refused(self) -> None:
        assert trusted_canonical(self.page, "https://example.com/") is None
        assert trusted_canonical("https://example.com/?p=1", "https://example.com/") == "https://example.com/"

    @pytest.mark.parametrize("href", [None, "", "   ", "javascript:void(0)", "mailto:x@example.com"])
    def test_missing_or_unusable_canonical(self, href: str | None) -> None:
        assert trusted_canonical(self.page, href) is None


@pytest.mark.parametrize("module", ["seedcrawl.crawler.discover.urls"])
def test_docstring_examples_hold(module: str) -> None:
    assert doctest.testmod(importlib.import_module(module)).failed == 0
