"""Crawl shards: which shard owns a host, and what a shard keeps apart from the others.

`seedcrawl crawl --shards N --redis URL` runs N crawl processes on one output folder (see
seedcrawl/shard_run.py). Shard i of N owns every host whose registered domain (public suffix list,
bundled with tldextract, never fetched) hashes to i: blake2b of the domain, mod N. A registered
domain's hosts (www., m., a port) therefore share a shard, so robots.txt, politeness and per-host
state stay inside one process, and the split is the same on every machine and in every run.

What a shard keeps apart from the others in the shared folder:

    its lock       DIR/.seedcrawl-shard-IofN.lock (the folder's own lock is held by the supervisor)
    its state      DIR/state/shard-IofN/ (run marker, frontier, known articles)
    its WARC files DIR/warc/<prefix>-shardIofN-<time>-<serial>.warc.gz, warcinfo `shard: I/N`
    its logs       DIR/logs/crawl-<run-id>-shardIofN.{log,json}

URLs one shard finds on another's host go to that shard through Redis (crawler/sharding/shard_queue.py),
which also holds the run's page budget and the folder's capture history (crawler/sharding/shard_history.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from scrapy.settings import BaseSettings

from seedcrawl.outdir.layout import Layout

if TYPE_CHECKING:
    import tldextract

SHARD_SETTING = "SEEDCRAWL_SHARD"  # "I/N", set by `seedcrawl crawl --shards N --shard I`
REDIS_SETTING = "SEEDCRAWL_REDIS"


@dataclass(frozen=True, slots=True)
class ShardSpec:
    index: int
    count: int
    redis_url: str

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index} of {self.count}: the index must be in 0..{self.count - 1}")

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ShardSpec | None:
        text = str(settings.get(SHARD_SETTING) or "")
        if not text:
            return None
        index, _, count = text.partition("/")
        redis_url = str(settings.get(REDIS_SETTING) or "")
        if not redis_url:
            raise ValueError(f"{SHARD_SETTING} needs {REDIS_SETTING} (--redis URL)")
        return cls(int(index), int(count), redis_url)

    @property
    def label(self) -> str:
        """As written in the warcinfo record: "0/2"."""
        return f"{self.index}/{self.count}"

    @property
    def slug(self) -> str:
        """As written in file names: "shard0of2"."""
        return f"shard{self.index}of{self.count}"

    @property
    def lock_name(self) -> str:
        return f".seedcrawl-{self.slug}.lock"

    @property
    def state_name(self) -> str:
        return f"state/{self.slug}"

    def owns(self, host: str) -> bool:
        return shard_of(host, self.count) == self.index


def registered_domain(host: str) -> str:
    """The registered domain of a host ("www.bbc.co.uk:443" -> "bbc.co.uk"); an IP address as is."""
    name = host.rsplit("@", 1)[-1].lower()
    if name.startswith("["):  # IPv6 literal
        return name.split("]", 1)[0] + "]"
    name = name.split(":", 1)[0].rstrip(".")
    return _registered(name)


@lru_cache(maxsize=65536)
def _registered(name: str) -> str:
    extracted = _extractor()(name)
    domain = extracted.top_domain_under_public_suffix
    return domain or name  # an IP address, "localhost", a bare suffix: the host itself


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    import tldextract

    # The snapshot bundled with the package: no request for the list, ever.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def shard_of(host: str, count: int) -> int:
    """The shard owning `host`: stable across processes, machines and Python versions."""
    if count <= 1:
        return 0
    digest = hashlib.blake2b(registered_domain(host).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def crawl_layout(settings: BaseSettings) -> Layout | None:
    """The output folder as this crawl process sees it: a shard's state lives in its own subfolder."""
    output = settings.get("SEEDCRAWL_OUTPUT")
    if not output:
        return None
    layout = Layout.create(output)
    shard = ShardSpec.from_settings(settings)
    if shard is None:
        return layout
    layout.state_dir  # noqa: B018 - creates DIR/state, the parent of the shard's folder
    return Layout(layout.root, state_name=shard.state_name)


def file_suffix(settings: BaseSettings) -> str:
    """Appended to per-process file names (logs): "-shard0of2" for a shard, "" otherwise."""
    text = str(settings.get(SHARD_SETTING) or "")
    if not text:
        return ""
    index, _, count = text.partition("/")
    return f"-shard{int(index)}of{int(count)}"


def warc_prefix(settings: BaseSettings) -> str:
    prefix = str(settings.get("SEEDCRAWL_WARC_PREFIX") or "seedcrawl")
    return prefix + file_suffix(settings)
