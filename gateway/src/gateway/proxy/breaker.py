"""A circuit breaker and a bulkhead: the two guards around every upstream call.

Why not pybreaker: ``CircuitBreaker.call`` holds the breaker's lock for the
whole call, so calls to one upstream ran one at a time (four concurrent 1 s
calls took 4 s). Here the lock guards only the state changes, never a call.

Breaker states (the classic machine, as in Nygard, *Release It!*, ch. 5):

- ``closed``: calls go through; ``fail_max`` failures in a row open it.
- ``open``: calls are refused at once (the caller answers 503 + Retry-After)
  until ``reset_seconds`` have passed since it opened.
- ``half-open``: one trial call goes through, the others are refused; its
  success closes the breaker, its failure opens it again.

The bulkhead bounds the calls in flight to one upstream, so a hung service can
hold at most that many of the threads that serve every other request. A call
refused because every slot has been held for seconds counts as a failure for
the breaker (``stalled``), so a hung service opens it within seconds, not only
when the stuck calls' timeouts expire.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class Breaker:
    """Whether calls to one dependency may go through, learnt from how the last ones went.

    Use: ``if breaker.admit(): ... breaker.success() / breaker.failure()``. Every
    admitted call must report exactly one of the two. Thread-safe; ``clock`` is
    monotonic seconds (a parameter so tests can move time). An outage is logged
    twice: WARNING when the breaker opens, INFO when it closes again (a failed
    trial that re-opens it is DEBUG).
    """

    def __init__(self, name: str, *, fail_max: int, reset_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.name = name
        self.fail_max = fail_max
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_running = False

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half-open`` (an open breaker past its reset time reads half-open)."""
        with self._lock:
            if self._state == OPEN and self._clock() - self._opened_at >= self.reset_seconds:
                return HALF_OPEN
            return self._state

    def retry_after(self) -> float:
        """Seconds until an open breaker lets a trial call through (0 when it would now)."""
        with self._lock:
            if self._state != OPEN:
                return 0.0
            return max(0.0, self.reset_seconds - (self._clock() - self._opened_at))

    def admit(self) -> bool:
        """True when a call may go now (and must then report success or failure)."""
        with self._lock:
            if self._state == CLOSED:
                return True
            if self._state == OPEN:
                if self._clock() - self._opened_at < self.reset_seconds:
                    return False
                self._change(HALF_OPEN)
            if self._trial_running:
                return False
            self._trial_running = True
            return True

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._trial_running = False
            if self._state != CLOSED:
                self._change(CLOSED)

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            self._trial_running = False
            if self._state == HALF_OPEN or (self._state == CLOSED and self._failures >= self.fail_max):
                self._opened_at = self._clock()
                self._change(OPEN)

    def stalled(self) -> None:
        """A failure seen without a call of its own (the bulkhead full of calls stuck on this dependency).

        Counts toward ``fail_max`` like ``failure`` while closed; a half-open breaker's
        running trial still decides (its flag is left alone).
        """
        with self._lock:
            self._failures += 1
            if self._state == CLOSED and self._failures >= self.fail_max:
                self._opened_at = self._clock()
                self._change(OPEN)

    def _change(self, state: str) -> None:
        was, self._state = self._state, state
        if state == OPEN and was == HALF_OPEN:
            # A failed trial: still down, not news. Logged at DEBUG so an outage is one WARNING when it
            # starts and one INFO when it ends, not a line every reset_seconds per process.
            log.debug("%s: trial call failed; circuit open again for %.0f s", self.name, self.reset_seconds)
        elif state == OPEN:
            log.warning("%s: circuit open after %d failure(s); trying again in %.0f s", self.name, self._failures, self.reset_seconds)
        elif state == CLOSED:
            log.info("%s: circuit closed; calls go through again", self.name)


class Bulkhead:
    """At most ``size`` calls in flight; the next one waits up to ``wait_seconds`` for a slot, then is refused.

    The short wait absorbs bursts while the upstream answers in milliseconds; when
    it hangs, the slots stay taken and callers are refused after that wait instead
    of queueing until their own timeouts. ``oldest_seconds`` says how long the
    oldest call in flight has been running, so a refusal can tell a hung upstream
    (every slot held for seconds) from a burst. A thread holds at most one slot of
    a bulkhead at a time (``enter`` and ``leave`` in the same thread).

    First come, first served: a slot that frees goes to the call that has waited
    longest, never to one arriving just then. With a semaphore (as before) a
    gateway thread that had just finished a call took the slot it had freed for
    its next request while the woken waiter found none, so under load a waiter
    could be passed over for its whole wait and refused while slots were turning
    over every few milliseconds (a list of 100 at 64 clients: 7-37 needless 503s
    in 5 s, bench/README.md, session 6).
    """

    def __init__(self, size: int, *, wait_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.size = size
        self.wait_seconds = wait_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[threading.Event] = deque()  # oldest first; set = a slot handed over
        self._started: dict[int, float] = {}  # thread ident -> when its call took the slot
        self._local = threading.local()

    def enter(self) -> bool:
        """True with a slot taken (give it back with ``leave``), False when none came within the wait."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                self._started[threading.get_ident()] = self._clock()
                return True
            if self.wait_seconds <= 0:
                return False
            turn = self._turn()
            self._waiting.append(turn)
        turn.wait(self.wait_seconds)
        with self._lock:
            # Set under the lock by leave(), so a slot handed over just as the wait ran out is taken.
            if not turn.is_set():
                self._waiting.remove(turn)
                return False
            self._started[threading.get_ident()] = self._clock()
            return True

    def _turn(self) -> threading.Event:
        # One Event per thread, cleared for each wait (each makes a Condition and a lock): only the
        # leave() that takes it off the queue sets it, so once enter() has returned nothing can.
        turn = getattr(self._local, "turn", None)
        if turn is None:
            turn = self._local.turn = threading.Event()
        turn.clear()
        return turn

    def leave(self) -> None:
        """Give back this thread's slot: to the longest waiter if any, else to the free ones.
        ValueError when no slot is taken (a leave without its enter)."""
        with self._lock:
            if self._free == self.size:
                raise ValueError("Bulkhead.leave() without a slot taken")
            self._started.pop(threading.get_ident(), None)
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._free += 1

    def oldest_seconds(self) -> float:
        """Seconds the longest-running call in flight has held its slot (0 when none)."""
        started = list(self._started.values())
        return self._clock() - min(started) if started else 0.0
