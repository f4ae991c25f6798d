"""What crawl shards share through Redis: the cross-shard seen set, one inbox per shard, and the
termination check. Only Redis primitives (sets, lists, a hash, Lua scripts, which Redis runs
atomically); no protocol of our own between the processes.

Keys, under `seedcrawl:<folder hash>:<run id>:`:

    seen        SET of 64-bit URL keys handed from one shard to another (SADD says who is first)
    inbox:I     LIST of URLs for shard I, appended by the others: [url, kind, priority, depth, via]
    state       HASH: cursor:I (how much of inbox:I shard I has read), idle:I (1 when idle),
                spent:I (pages shard I handed out, against the run's --max-pages)
    done        set once the crawl is over

An inbox is a log, not a queue: a shard reads it from its cursor on, and a shard restarted after
a crash reads it again from 0, so nothing handed to it is lost with the process; its own frontier
then skips what it had already taken, and the resume replays what it had archived.

Termination: a shard with nothing parked and nothing in flight runs IDLE, which, in one atomic
script, marks it idle unless its inbox holds unread entries, then declares the crawl done when
every shard is idle and every cursor is at the end of its inbox. Only a busy shard appends to an
inbox (it is handling a response), and a shard becomes busy only by reading its inbox (PULL, which
clears its idle flag in the same script) or by claiming pages of the budget (CLAIM, likewise), so
once the check holds nothing can wake anyone: no shard has a request in flight, and no URL is
waiting. A shard claims only the pages it hands out (crawler/run/frontier.py), so the budget's
count only grows while the shards run, and a shard idle because it is spent stays so. A shard
that dies busy stays busy until it is restarted, so the others wait for it rather than end the
crawl without its hosts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import redis

from seedcrawl.crawler.run.frontier_store import Entry, url_key
from seedcrawl.crawler.sharding.shards import ShardSpec, shard_of

# A restarted shard counts its pages afresh: its resume hands out again what it had archived.
_START = """
redis.call('HSET', KEYS[1], 'cursor:' .. ARGV[1], 0, 'idle:' .. ARGV[1], 0, 'spent:' .. ARGV[1], 0)
return 1
"""
# KEYS: state; ARGV: shard index, shard count, pages wanted, the run's budget
_CLAIM = """
local used = 0
for i = 0, tonumber(ARGV[2]) - 1 do
  used = used + tonumber(redis.call('HGET', KEYS[1], 'spent:' .. i) or '0')
end
local grant = math.min(tonumber(ARGV[3]), tonumber(ARGV[4]) - used)
if grant <= 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'spent:' .. ARGV[1], grant)
redis.call('HSET', KEYS[1], 'idle:' .. ARGV[1], 0)
return grant
"""
# KEYS: seen, inbox of the owner; ARGV: url key, message
_HAND_OFF = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
"""
# KEYS: state, own inbox; ARGV: shard index, how many
_PULL = """
local cursor = tonumber(redis.call('HGET', KEYS[1], 'cursor:' .. ARGV[1]) or '0')
local items = redis.call('LRANGE', KEYS[2], cursor, cursor + tonumber(ARGV[2]) - 1)
if #items > 0 then
  redis.call('HSET', KEYS[1], 'cursor:' .. ARGV[1], cursor + #items, 'idle:' .. ARGV[1], 0)
end
return items
"""
# KEYS: state, done, inbox:0 .. inbox:N-1; ARGV: shard index, shard count
_IDLE = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
local me = tonumber(ARGV[1])
local cursor = tonumber(redis.call('HGET', KEYS[1], 'cursor:' .. me) or '0')
if redis.call('LLEN', KEYS[3 + me]) > cursor then return 0 end
redis.call('HSET', KEYS[1], 'idle:' .. me, 1)
for i = 0, tonumber(ARGV[2]) - 1 do
  if redis.call('HGET', KEYS[1], 'idle:' .. i) ~= '1' then return 0 end
  local c = tonumber(redis.call('HGET', KEYS[1], 'cursor:' .. i) or '0')
  if redis.call('LLEN', KEYS[3 + i]) > c then return 0 end
end
redis.call('SET', KEYS[2], 1)
return 1
"""


def namespace(root: Path, run_id: str) -> str:
    """Keys of one run into one folder: another run, or another folder, never sees them."""
    folder = hashlib.blake2b(str(root.absolute()).encode("utf-8"), digest_size=6).hexdigest()
    return f"seedcrawl:{folder}:{run_id}"


class ShardQueue:
    def __init__(self, shard: ShardSpec, prefix: str, client: redis.Redis | None = None) -> None:
        self.shard = shard
        self.prefix = prefix
        self.redis = client or redis.Redis.from_url(shard.redis_url)
        self._seen = f"{prefix}:seen"
        self._state = f"{prefix}:state"
        self._done = f"{prefix}:done"
        self._inboxes = [f"{prefix}:inbox:{i}" for i in range(shard.count)]
        self._start = self.redis.register_script(_START)
        self._hand_off = self.redis.register_script(_HAND_OFF)
        self._pull = self.redis.register_script(_PULL)
        self._idle = self.redis.register_script(_IDLE)
        self._claim = self.redis.register_script(_CLAIM)
        self.handed_off = 0

    def start(self) -> None:
        """This shard (re)starts: busy, reading its inbox from the beginning."""
        self._start(keys=[self._state], args=[self.shard.index])

    def owns(self, host: str) -> bool:
        return shard_of(host, self.shard.count) == self.shard.index

    def hand_off(self, entry: Entry) -> bool:
        """Send `entry` to the shard owning its host; False when some shard sent it before."""
        owner = shard_of(entry.host, self.shard.count)
        message = json.dumps([entry.url, entry.kind, entry.priority, entry.depth, entry.via])
        sent = bool(
            self._hand_off(keys=[self._seen, self._inboxes[owner]], args=[url_key(entry.url), message])
        )
        self.handed_off += sent
        return sent

    def pull(self, limit: int = 500) -> list[Entry]:
        """Entries other shards handed to this one since the last pull (marks this shard busy)."""
        raw: Iterable[Any] = self._pull(
            keys=[self._state, self._inboxes[self.shard.index]], args=[self.shard.index, limit]
        )
        entries = []
        for item in raw:
            url, kind, priority, depth, via = json.loads(item)
            entries.append(Entry(str(url), str(kind), int(priority), int(depth), via))
        return entries

    def idle(self) -> bool:
        """Mark this shard idle; True when the whole crawl is over (see the module's docstring)."""
        keys = [self._state, self._done, *self._inboxes]
        return bool(self._idle(keys=keys, args=[self.shard.index, self.shard.count]))

    def claim(self, n: int, budget: int) -> int:
        """How many of `n` pages this shard may hand out, with `budget` pages for the whole run."""
        return int(self._claim(keys=[self._state], args=[self.shard.index, self.shard.count, n, budget]))

    def spent(self) -> int:
        """Pages every shard handed out so far in this run."""
        values = self.redis.hmget(self._state, [f"spent:{i}" for i in range(self.shard.count)])
        return sum(int(value or 0) for value in values)

    def is_done(self) -> bool:
        return bool(self.redis.exists(self._done))

    def reset(self) -> None:
        """A new run into the folder: drop what earlier runs into it left (supervisor only, under
        the folder's lock, so no shard of another run is using them)."""
        folder = self.prefix.rsplit(":", 1)[0]
        stale = list(self.redis.scan_iter(match=f"{folder}:*", count=1000))
        for start in range(0, len(stale), 1000):
            self.redis.delete(*stale[start : start + 1000])

    def clear_done(self) -> None:
        self.redis.delete(self._done)

    def close(self) -> None:
        self.redis.close()
