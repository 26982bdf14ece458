"""Reuse of large freed blocks while derivatives are computed.

Every operation on a dual array allocates its output, planes x size elements, and
temporaries are freed as soon as they are used. glibc returns large freed blocks
to the system, so the next allocation of the same size faults in fresh zeroed
pages, which at thousands of planes costs more than the arithmetic (hessian of
rosen at n = 100: about 4,000 page faults a call). Inside a memory scope numpy
allocates through hyperdiff's block cache, by numpy's allocator hook (NEP 49),
which is per context, so nothing outside the scope changes: freed blocks of
256 KiB or more are kept, up to 1 GiB, and handed out again for the same size.
When the last scope closes, up to 1 GiB of them stay cached for the next one
(the next call of a transform allocates the same sizes: at 1e7 points one seeded
array alone is 240 MB, and faulting it in afresh took more than the arithmetic);
release_memory() gives them back.

The transforms open a scope around their function while it makes large arrays:
opening one costs a few microseconds (numpy's handler is a context variable, set
twice), a fifth of a gradient of 10 variables. Each transform keeps one byte of
state: its first call has a scope, a scoped call that allocated no large array
turns it off, and an unscoped call whose operations made a large output turns it
back on (register_memory.cpp).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from . import _core


class reuse_memory:  # lower case, as a with-statement helper (np.errstate)
    """Context manager: numpy arrays allocated inside reuse large freed blocks.

    The transforms (grad, hessian, ...) run in one already; use it around direct
    dual-array code that allocates many large temporaries::

        with hd.reuse_memory():
            y = f(hd.hyperdual(x, e1, e2))
    """

    __slots__ = ("_previous",)

    def __init__(self) -> None:
        self._previous: list[Any] = []

    def __enter__(self) -> reuse_memory:
        self._previous.append(_core.open_memory_scope())
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _core.close_memory_scope(self._previous.pop())


def release_memory() -> int:
    """Give the freed blocks hyperdiff keeps for reuse (at most 1 GiB between
    transforms) back to the system; returns their size in bytes."""
    return int(_core.release_memory())


def cached_bytes() -> int:
    """Bytes of freed blocks the cache holds now."""
    return int(_core.cached_bytes())
