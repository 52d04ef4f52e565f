"""The cyclic garbage collector in a served process: the objects a worker starts with, set aside once.

A worker holds a few hundred thousand objects from the moment its app exists (the
libraries, the routes, the schemas, the OpenAPI document) and keeps them for its whole
life. CPython's full collections walk all of them, and a request that builds many
objects at once (a 1,000-item batch: the items, the states, the rows, the answer) sets
off several: in process, 3 full collections in 20 batches of 1,000 took 250 ms, 12 ms a
batch (15 ms a batch with the young collections; bench/README.md, issue #14, session 7).
``gc.freeze`` moves every object then alive into a permanent generation that no
collection walks (it is what it was added for: long-lived objects made at start-up);
the objects made later are collected as before.
"""

from __future__ import annotations

import functools
import gc
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def served_by_gunicorn() -> bool:
    """Whether this process was started by gunicorn (its arbiter is loaded in the master and so in every worker forked from it)."""
    return "gunicorn.arbiter" in sys.modules


def freeze_startup_objects() -> bool:
    """In a process gunicorn runs, collect once and freeze what is left (``gc.freeze``); returns whether it did.

    Elsewhere (tests, the Flask dev server, commands) it does nothing: an app made there is
    not the process's for good, and frozen objects are never collected, even once unreachable.
    Call it last when the app is made, so what it freezes is the app and the libraries.
    """
    if not served_by_gunicorn():
        return False
    gc.collect()  # nothing unreachable is frozen
    gc.freeze()
    return True


_pause_lock = threading.Lock()
_pausing = 0  # requests inside collector_paused now, in all threads
_resume = False  # whether the collector was on when the first of them came in


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while the block runs (``gc.disable``), the collector as it was once the last such block in the process ends.

    For a request that builds and keeps many objects at once, none of them garbage until it
    ends (a 1,000-item batch: its items, states, rows and answer, ~100,000 containers):
    the young collections it sets off walk them again and again, 4-5 ms a batch after
    ``freeze_startup_objects``, and free nothing. Plain reference counting still frees what
    the block drops; cycles made meanwhile (in any thread) wait for the next collection
    after it. Blocks may overlap across threads: the collector resumes when the last ends,
    and only if it was enabled when the first began.
    """
    global _pausing, _resume
    with _pause_lock:
        if _pausing == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pausing -= 1
            if _pausing == 0 and _resume:
                gc.enable()


def paused_collector(view: Callable[..., T]) -> Callable[..., T]:
    """``view`` run inside ``collector_paused`` (for a MethodView's ``decorators``: parsing, work and answer all inside)."""

    @functools.wraps(view)
    def paused(*args, **kwargs) -> T:
        with collector_paused():
            return view(*args, **kwargs)

    return paused
