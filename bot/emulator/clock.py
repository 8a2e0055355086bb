"""An advanceable clock: the emulator's notion of "now" for ts, trigger expiry and rate-limit windows."""

from __future__ import annotations

import time

__all__ = ["Clock"]


class Clock:
    """Wall-clock time plus an offset that tests can advance.

    By default the clock follows real time, so a client that really sleeps on `Retry-After` sees the
    window pass; `advance()` jumps ahead without sleeping (expire a trigger, refill a rate limit).
    `start` pins the epoch the clock starts at (the demo plays a December morning); `frozen` stops it
    from following real time at all, for tests that want exact timestamps.
    """

    def __init__(self, start: float | None = None, *, frozen: bool = False) -> None:
        self._frozen = frozen
        self._origin = time.time()
        self._start = self._origin if start is None else start
        self._offset = 0.0

    def now(self) -> float:
        """Return the emulated epoch time in seconds."""
        elapsed = 0.0 if self._frozen else time.time() - self._origin
        return self._start + elapsed + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds` (never backwards: Slack's ts only increase)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds
