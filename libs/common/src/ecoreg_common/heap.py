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

Not done: pausing the collector for a batch (tried in session 7). The pause could only end when
no batch was running anywhere in the process, so overlapping batches from a few clients kept it
off for every thread, and the cyclic garbage of invalid items (tracebacks) grew a worker from
80 to 400 MB in 40 s (found by review). The freeze alone took the collector from 15 to 4.6 ms a batch.
"""

from __future__ import annotations

import gc
import sys


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
