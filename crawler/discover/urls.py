"""URL canonicalisation and scope checks, applied before the seen-check.

Two spellings of one resource must map to one key, or the frontier fetches it twice; two different
resources must never share a key, or one is silently lost. So this module only applies rewrites
that RFC 3986 calls equivalent (case of scheme and host, default ports, percent-encoding of
unreserved characters, dot segments) plus dropping parameters that exist only to track clicks.
It does not touch reserved characters, ``+`` versus ``%20``, or the order of repeated keys.

>>> canonicalize_url("HTTP://Example.COM:80/a/./b/../c?utm_source=x&b=2&a=1#top")
'http://example.com/a/c?a=1&b=2'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

import idna

# Parameters whose only job is attribution; dropping them never changes the page served.
# Deliberately absent: generic names such as `ref`, `source`, `src`, `from`, which some sites use
# to select content.
_TRACKING_BY_SOURCE: dict[str, str] = {
    "Facebook": "fbclid",
    "Google Ads and Analytics": "gclid gclsrc dclid gbraid wbraid _ga _gl",
    "Microsoft Ads": "msclkid",
    "Yandex": "yclid _openstat",
    "Mailchimp": "mc_cid mc_eid",
    "Instagram": "igshid igsh",
    "Twitter / X": "twclid ref_src ref_url",
    "TikTok": "ttclid",
    "LinkedIn": "li_fat_id",
    "HubSpot": "_hsenc _hsmi",
    "Marketo": "mkt_tok",
    "Omeda": "oly_anon_id oly_enc_id",
    "Vero": "vero_id vero_conv",
    "Adobe Analytics": "s_kwcid cmpid",
    "other click ids": "wickedid rb_clickid ncid sr_share",
}
TRACKING_PARAMS: frozenset[str] = frozenset(
    name for names in _TRACKING_BY_SOURCE.values() for name in names.split()
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)

DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443}

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters left as they are: unreserved plus reserved ones, whose escaped and literal forms mean
# different things (an escaped "/" is not a path separator), so neither form may be rewritten.
_KEEP = _UNRESERVED | frozenset(":/?#[]@!$&'()*+,;=")
_HEX = frozenset("0123456789abcdefABCDEF")
_WHATWG_STRIPPED = re.compile(r"[\t\n\r]")


def normalize_percent_encoding(component: str) -> str:
    """Decode escapes of unreserved characters, upper-case the rest, escape what must be escaped.

    >>> normalize_percent_encoding("%7euser/%e2%82%ac b%zz")
    '~user/%E2%82%AC%20b%25zz'
    """
    out: list[str] = []
    i = 0
    n = len(component)
    while i < n:
        ch = component[i]
        if ch == "%" and component[i + 1 : i + 2] in _HEX and component[i + 2 : i + 3] in _HEX:
            byte = int(component[i + 1 : i + 3], 16)
            decoded = chr(byte)
            out.append(decoded if decoded in _UNRESERVED else f"%{byte:02X}")
            i += 3
            continue
        if ch in _KEEP:
            out.append(ch)
        else:
            # A stray "%" lands here too, so it becomes "%25" rather than starting a bogus escape.
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, for an absolute path.

    >>> remove_dot_segments("/a/b/../../../c/./d/")
    '/c/d/'
    """
    segments = path.split("/")
    out: list[str] = []
    for seg in segments[1:]:
        if seg == "..":
            if out:
                out.pop()
        elif seg != ".":
            out.append(seg)
    # A trailing "." or ".." names a directory, so the result keeps its trailing slash.
    if segments[-1] in {".", ".."}:
        out.append("")
    return "/" + "/".join(out)


def _encode_host(host: str) -> str | None:
    host = host.rstrip(".").lower()
    if not host:
        return None
    if host.startswith("["):  # IPv6 literal: already ASCII, nothing to encode
        return host if host.endswith("]") else None
    if host.isascii():
        # ASCII hosts may carry "_" (common in real subdomains) which IDNA 2008 refuses.
        return host if re.fullmatch(r"[a-z0-9._-]+", host) else None
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        try:
            return host.encode("idna").decode("ascii")  # IDNA 2003, laxer
        except UnicodeError:
            return None


def _is_tracking(raw_key: str) -> bool:
    key = normalize_percent_encoding(raw_key).lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _canonical_query(query: str) -> str:
    pairs = [p for p in query.split("&") if p and not _is_tracking(p.split("=", 1)[0])]
    # Sort by key only: Python's sort is stable, so repeated keys keep their relative order,
    # which some servers depend on (?tag=b&tag=a is not always ?tag=a&tag=b).
    pairs.sort(key=lambda p: normalize_percent_encoding(p.split("=", 1)[0]))
    return "&".join(normalize_percent_encoding(p) for p in pairs)


# A page's URL is canonicalised several times on its way (link, frontier, downloader, scope)
# and its navigation links recur on every page of a site: a bounded cache of a few MB answers
# most calls, which otherwise cost ~0.3 ms of CPU a page.
@lru_cache(maxsize=16_384)
def canonicalize_url(url: str) -> str | None:
    """The key used for the seen-check, or None when the URL is not a usable http(s) URL.

    >>> canonicalize_url("https://bücher.example/ä?gclid=1") is not None
    True
    >>> canonicalize_url("mailto:someone@example.com") is None
    True
    """
    url = _WHATWG_STRIPPED.sub("", url.strip())
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # bad port or malformed IPv6 literal
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or parts.hostname is None:
        return None
    host = _encode_host(parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]")
    if host is None:
        return None
    netloc = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{normalize_percent_encoding(userinfo)}@{netloc}"
    path = remove_dot_segments(normalize_percent_encoding(parts.path or "/"))
    return urlunsplit((scheme, netloc, path, _canonical_query(parts.query), ""))


@dataclass(frozen=True, slots=True)
class Scope:
    """A parsed scope list; build it once and test many URLs against it.

    Entries: ``example.com`` (that exact host, any port), ``example.com:8080`` (that host and port
    only), ``*.example.com`` (any subdomain, not the bare domain: list both when both are wanted).
    """

    exact: frozenset[tuple[str, int | None]]
    suffixes: tuple[tuple[str, int | None], ...]  # (".example.com", port)

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Scope:
        exact: set[tuple[str, int | None]] = set()
        suffixes: list[tuple[str, int | None]] = []
        for entry in entries:
            host, port = _parse_scope_entry(entry)
            if host.startswith("*."):
                suffixes.append((host[1:], port))
            else:
                exact.add((host, port))
        return cls(frozenset(exact), tuple(suffixes))

    def contains(self, url: str) -> bool:
        canonical = canonicalize_url(url)
        if canonical is None:
            return False
        parts = urlsplit(canonical)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = parts.port if parts.port is not None else DEFAULT_PORTS[parts.scheme]
        if (host, None) in self.exact or (host, port) in self.exact:
            return True
        return any(
            host.endswith(suffix) and len(host) > len(suffix) and want in (None, port)
            for suffix, want in self.suffixes
        )


def _parse_scope_entry(entry: str) -> tuple[str, int | None]:
    text = entry.strip().lower()
    wildcard = text.startswith("*.")
    host, port = (text[2:] if wildcard else text), None
    if host.count(":") > 1 and not host.startswith("["):
        host = f"[{host}]"  # a bare IPv6 literal, as urlsplit().hostname returns it
    match = re.fullmatch(r"(\[[^\]]*\]|[^:\[\]]*)(?::(\d{1,5}))?", host)
    if match is None:
        raise ValueError(f"invalid scope entry: {entry!r}")
    host = match.group(1)
    if match.group(2) is not None:
        port = int(match.group(2))
    encoded = _encode_host(host)
    if encoded is None or (wildcard and encoded.startswith("[")):
        raise ValueError(f"invalid scope entry: {entry!r}")
    return ("*." if wildcard else "") + encoded, port


def in_scope(url: str, hosts: Iterable[str]) -> bool:
    """Whether a URL's host is allowed by a scope list (see `Scope` for the entry syntax).

    >>> in_scope("https://news.example.com/a", ["*.example.com"])
    True
    >>> in_scope("https://example.com.evil.net/", ["example.com"])
    False
    """
    return Scope.parse(hosts).contains(url)


def trusted_canonical(page_url: str, canonical_href: str | None, scope: Scope | None = None) -> str | None:
    """The canonical URL a page declares, if it is safe to let it replace the page URL.

    Trusted on the page's own host and port (either scheme), or anywhere in `scope` when one is
    given. A canonical link elsewhere is syndication (whose original we may not be allowed to
    crawl) or spoofing. A canonical pointing at the site root from a deeper page is a common CMS
    misconfiguration; trusting it would fold every article into the home page, so it is refused.
    """
    page = canonicalize_url(page_url)
    if page is None or not canonical_href or not canonical_href.strip():
        return None
    candidate = canonicalize_url(urljoin(page, canonical_href.strip()))
    if candidate is None:
        return None
    page_parts, cand_parts = urlsplit(page), urlsplit(candidate)
    same_origin = (page_parts.hostname, page_parts.port) == (cand_parts.hostname, cand_parts.port)
    if not same_origin and not (scope is not None and scope.contains(candidate)):
        return None
    if cand_parts.path == "/" and not cand_parts.query and page_parts.path != "/":
        return None
    return candidate
