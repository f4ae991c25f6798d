"""A library function's own code, reading some of its module's names as others.

trafilatura and htmldate (pinned) are made cheaper in a few places without copying their code or
changing their modules: a function is rebuilt from its code object with a namespace in which a few
global names mean a faster equivalent (`pipelines.trafilatura_content`, `pipelines.date_search`).
Every other caller, and the library after an upgrade, still gets the code as written.
"""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any, TypeVar, cast

__all__ = ["rebound"]

F = TypeVar("F", bound=Callable[..., Any])


def rebound(function: F, **names: object) -> F:
    """`function`'s own code, reading `names` where it would read its module's globals of those names."""
    missing = sorted(set(names) - set(function.__code__.co_names))
    if missing:
        # a name the code does not read would be replaced in vain: the library has changed
        raise ValueError(f"{function.__qualname__} does not read {', '.join(missing)}")
    copy = FunctionType(
        function.__code__,
        {**function.__globals__, **names},
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    return cast(F, copy)
