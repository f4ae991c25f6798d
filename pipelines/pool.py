"""Map a function over a stream in worker processes, in order, with bounded memory and time.

`ProcessPoolExecutor.map` and `multiprocessing.Pool.imap` both read their whole input ahead of the
workers, which for a folder of WARC files means every payload in memory at once. This keeps at
most `window` items in flight and yields results in input order.

Each item also has a budget (`Budget`): a worker that spends longer than `seconds` on one item,
or whose resident memory grows by more than `rss_bytes` while on one item, is killed and replaced, and the item's result is
what `on_overrun` makes of it (a rejection, for processing). One pathological page (markup on
which trafilatura is worse than quadratic, or takes hundreds of MB) therefore costs at most its
budget, never the run, and `workers` processes peak at about `workers` times (an idle worker's
size + `rss_bytes`). Memory is
watched by polling each busy worker's RSS in /proc; the address space of a worker is also capped
(RLIMIT_AS, its size at start plus the budget), so an allocation faster than the polling
fails in the worker (MemoryError) instead of growing without bound.

Workers come from a fork server: forking the caller directly is unsafe when it runs threads
(a Prefect flow process does), since a child can inherit a lock some other thread held.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

from seedcrawl.contract.records import RejectReason

In = TypeVar("In")
Out = TypeVar("Out")

# The default budget of `seedcrawl process` (README, reliability): a normal page takes well under a
# second and a worker about 100 MB; 1.6 MB of `word<br>` lines take 17 s and 394 MB (bench/results).
EXTRACT_TIMEOUT_S = 30.0
EXTRACT_MEMORY_MB = 512
EXTRACT_TIMEOUT = RejectReason.EXTRACT_TIMEOUT
EXTRACT_MEMORY = RejectReason.EXTRACT_MEMORY
POLL_S = 0.05  # how often busy workers' memory and deadlines are looked at
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True, slots=True)
class Budget:
    """What one item may cost its worker: wall-clock seconds and resident memory (None: no bound)."""

    seconds: float | None = None
    rss_bytes: int | None = None

    def __post_init__(self) -> None:
        if (self.seconds is not None and self.seconds <= 0) or (
            self.rss_bytes is not None and self.rss_bytes <= 0
        ):
            raise ValueError("a budget must be positive (or None for none)")


Overrun = Callable[[Any, RejectReason, str], Any]  # (item, reason, detail) -> the item's result


def ordered_map(
    fn: Callable[[In], Out],
    items: Iterable[In],
    workers: int,
    window_per_worker: int = 8,
    budget: Budget | None = None,
    on_overrun: Callable[[In, RejectReason, str], Out] | None = None,
) -> Iterator[Out]:
    """`map(fn, items)`, spread over `workers` processes, results in input order.

    Without a budget and with one worker, `fn` runs in this process. With a budget, `on_overrun`
    gives the result of an item whose worker was killed (or died). `fn` must be a picklable
    top-level function (or a functools.partial of one).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if budget is None and workers == 1:
        yield from map(fn, items)
        return
    if budget is not None and on_overrun is None:
        raise ValueError("a budget needs on_overrun")
    pool = _Pool(fn, workers, budget or Budget(), on_overrun)
    try:
        yield from pool.run(iter(items), workers * window_per_worker)
    finally:
        pool.close()


@dataclass
class _Task(Generic[In]):
    seq: int
    item: In
    started: float
    # The worker's resident size when it took the item: the budget bounds what the item adds, since
    # an idle worker already holds the pipeline (its libraries, the language model, MinHash tables).
    rss_before: int


class _Worker:
    def __init__(self, context: Any, fn: Callable[[Any], Any], budget: Budget) -> None:
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(child, fn, budget), daemon=True)
        self.process.start()
        child.close()
        self.task: _Task[Any] | None = None

    def rss(self) -> int | None:
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            return None  # not Linux, or already gone: the address-space cap still holds

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class _Pool(Generic[In, Out]):
    def __init__(
        self,
        fn: Callable[[In], Out],
        workers: int,
        budget: Budget,
        on_overrun: Callable[[In, RejectReason, str], Out] | None,
    ) -> None:
        self.context = multiprocessing.get_context("forkserver")
        # Workers forked from a server that has already imported the pipeline start in milliseconds.
        self.context.set_forkserver_preload(["seedcrawl.pipelines.warm_worker"])
        self.fn, self.budget, self.on_overrun = fn, budget, on_overrun
        self.workers = [_Worker(self.context, fn, budget) for _ in range(workers)]
        self.done: dict[int, Out] = {}

    def run(self, items: Iterator[In], window: int) -> Iterator[Out]:
        next_seq, next_out, exhausted = 0, 0, False
        while True:
            for worker in self.workers:
                if worker.task is None and not exhausted and next_seq - next_out < window:
                    item = next(items, _END)
                    if item is _END:
                        exhausted = True
                        break
                    worker.task = _Task(next_seq, item, time.monotonic(), worker.rss() or 0)
                    with contextlib.suppress(OSError):  # a worker gone meanwhile: _collect sees it
                        worker.conn.send((True, item))
                    next_seq += 1
            busy = [w for w in self.workers if w.task is not None]
            if busy:
                self._collect(busy)
            while next_out in self.done:
                yield self.done.pop(next_out)
                next_out += 1
            if exhausted and next_out == next_seq:
                return

    def _collect(self, busy: list[_Worker]) -> None:
        ready = wait([w.conn for w in busy], timeout=POLL_S)
        now = time.monotonic()
        for worker in busy:
            task = worker.task
            assert task is not None
            if worker.conn in ready:
                try:
                    ok, value = worker.conn.recv()
                except (EOFError, OSError):
                    worker.process.join(1)
                    code = worker.process.exitcode
                    self._replace(worker, RejectReason.ERROR, f"extraction process died (exit code {code})")
                    continue
                if not ok:
                    if isinstance(value, MemoryError) and self.budget.rss_bytes is not None:
                        # the address-space cap stopped an allocation faster than the polling
                        self._replace(worker, EXTRACT_MEMORY, "allocation over the memory budget")
                        continue
                    worker.task = None
                    raise value
                self.done[task.seq] = value
                worker.task = None
            elif self.budget.seconds is not None and now - task.started > self.budget.seconds:
                self._replace(worker, EXTRACT_TIMEOUT, f"not done after {self.budget.seconds:g} s")
            elif (
                self.budget.rss_bytes is not None
                and (worker.rss() or 0) - task.rss_before > self.budget.rss_bytes
            ):
                mib = self.budget.rss_bytes >> 20
                self._replace(worker, EXTRACT_MEMORY, f"grew over {mib} MiB resident")

    def _replace(self, worker: _Worker, reason: RejectReason, detail: str) -> None:
        task = worker.task
        assert task is not None
        worker.kill()
        if self.on_overrun is None:  # no budget, so nothing killed it: it died
            raise RuntimeError(f"a worker process failed: {detail}")
        self.done[task.seq] = self.on_overrun(task.item, reason, detail)
        self.workers[self.workers.index(worker)] = _Worker(self.context, self.fn, self.budget)

    def close(self) -> None:
        for worker in self.workers:
            if worker.task is None and worker.process.is_alive():
                with contextlib.suppress(OSError):  # gone already: joined below
                    worker.conn.send((False, None))
        for worker in self.workers:
            worker.process.join(2 if worker.task is None else 0)
            if worker.process.is_alive():
                worker.kill()
            worker.conn.close()


_END = object()  # the end of the input (never sent)


def _serve(conn: Connection, fn: Callable[[Any], Any], budget: Budget) -> None:
    """A worker: apply `fn` to each item received until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    if budget.rss_bytes is not None:
        _cap_address_space(budget.rss_bytes)
    while True:
        try:
            more, item = conn.recv()
        except (EOFError, OSError):
            return
        if not more:
            return
        try:
            result: tuple[bool, Any] = (True, fn(item))
        except Exception as exc:  # handed to the caller, as ProcessPoolExecutor does
            result = (False, exc)
        conn.send(result)


def _cap_address_space(rss_bytes: int) -> None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            size = int(statm.read().split()[0]) * _PAGE
    except (OSError, ValueError, IndexError):
        return
    limit = size + rss_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
