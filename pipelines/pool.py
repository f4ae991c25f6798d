"""Map a function over a stream in worker processes, in order, with bounded memory.

`ProcessPoolExecutor.map` and `multiprocessing.Pool.imap` both read their whole input ahead of the
workers, which for a folder of WARC files means every payload in memory at once. This keeps at
most `window` items in flight and yields results in input order.

Workers come from a fork server: forking the caller directly is unsafe when it runs threads
(a Prefect flow process does), since a child can inherit a lock some other thread held.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


def ordered_map(
    fn: Callable[[In], Out], items: Iterable[In], workers: int, window_per_worker: int = 8
) -> Iterator[Out]:
    """`map(fn, items)`, spread over `workers` processes (in this process when workers == 1).

    `fn` must be a picklable top-level function (or a functools.partial of one).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if workers == 1:
        yield from map(fn, items)
        return
    window = workers * window_per_worker
    context = multiprocessing.get_context("forkserver")
    # Workers forked from a server that has already imported the pipeline start in milliseconds.
    context.set_forkserver_preload(["pipelines.steps"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[Out]] = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
