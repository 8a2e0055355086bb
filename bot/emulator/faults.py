"""Slack under stress: injected faults, outages, per-tier rate limits, and counters for benchmarks."""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field

from .methods import Tier

__all__ = ["Fault", "FaultPlan", "RateLimiter", "Stats"]

# Requests per minute Slack documents for each tier ("+" limits: the floor is what an app can count on).
TIER_PER_MINUTE: dict[Tier, int] = {Tier.T1: 1, Tier.T2: 20, Tier.T3: 50, Tier.T4: 100, Tier.SPECIAL: 100}


@dataclass(frozen=True)
class Fault:
    """What happens to one call: wait `delay` seconds, then drop the connection, answer `status`, or `error`.

    A fault with only a delay answers normally after it (a slow Slack).
    """

    status: int | None = None
    error: str | None = None
    delay: float = 0.0
    reset: bool = False

    @property
    def only_slow(self) -> bool:
        """Whether the call still succeeds after the delay."""
        return self.status is None and self.error is None and not self.reset


class FaultPlan:
    """Faults queued for the next calls of a method, and outages that last until `recover()`."""

    def __init__(self) -> None:
        self._queued: dict[str, deque[Fault]] = {}
        self._outages: dict[str | None, Fault] = {}

    def fail_next(
        self,
        method: str,
        n: int = 1,
        *,
        status: int | None = None,
        error: str | None = None,
        delay: float = 0.0,
        reset: bool = False,
    ) -> None:
        """Make the next `n` calls of `method` fail (HTTP 500 unless told otherwise)."""
        if status is None and error is None and not reset and not delay:
            status = 500
        queue = self._queued.setdefault(method, deque())
        queue.extend(Fault(status=status, error=error, delay=delay, reset=reset) for _ in range(n))

    def outage(
        self, method: str | None = None, *, status: int = 503, error: str | None = None, reset: bool = False
    ) -> None:
        """Make every call of `method` (every call when None) fail until `recover()`."""
        self._outages[method] = Fault(status=None if error else status, error=error, reset=reset)

    def recover(self) -> None:
        """End every outage (queued one-shot faults stay queued)."""
        self._outages.clear()

    def clear(self) -> None:
        """Forget every queued fault and outage."""
        self._queued.clear()
        self._outages.clear()

    def take(self, method: str) -> Fault | None:
        """The fault for this call of `method`, if any (an outage first, then the queue)."""
        outage = self._outages.get(method) or self._outages.get(None)
        if outage is not None:
            return outage
        queue = self._queued.get(method)
        if queue:
            return queue.popleft()
        return None


@dataclass
class Stats:
    """Counters a benchmark reports: calls, 429s and injected faults per method."""

    calls: Counter[str] = field(default_factory=Counter)
    ratelimited: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)

    def report(self) -> str:
        """One line per method: calls, 429s, faults."""
        lines = []
        for method in sorted(self.calls):
            lines.append(
                f"{method}: {self.calls[method]} calls, {self.ratelimited[method]} rate-limited, "
                f"{self.faults[method]} faulted"
            )
        return "\n".join(lines)


class RateLimiter:
    """Slack's per-method tier windows, plus chat.postMessage's per-channel and per-workspace limits.

    Windows are sliding minutes on the emulator clock, shrunk by `time_scale` so a benchmark can run a
    month of fan-out in seconds; Retry-After is whole seconds at scale 1 and a decimal below it.
    """

    def __init__(self) -> None:
        self.enabled = False
        self.time_scale = 1.0
        self.post_burst = 3  # messages a channel can take at once before the 1-per-second pace applies
        self.workspace_per_minute = 600
        self._windows: dict[str, deque[float]] = {}
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, when)

    def enable(self, time_scale: float = 1.0, *, post_burst: int = 3, workspace_per_minute: int = 600) -> None:
        """Turn limits on (they are off by default), with windows scaled by `time_scale`."""
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.enabled = True
        self.time_scale = time_scale
        self.post_burst = post_burst
        self.workspace_per_minute = workspace_per_minute
        self._windows.clear()
        self._buckets.clear()

    def disable(self) -> None:
        """Turn limits off."""
        self.enabled = False

    def retry_after_header(self, seconds: float) -> str:
        """Format Retry-After: integer seconds at scale 1 (as Slack sends), tenths below it."""
        if self.time_scale >= 1:
            return str(max(1, math.ceil(seconds - 1e-9)))
        return f"{max(0.1, math.ceil(seconds * 10 - 1e-9) / 10):.1f}"

    def check(self, method: str, tier: Tier, now: float, channel: str | None = None) -> float | None:
        """Count this call; return how long to wait when it is over a limit (and then it is not counted)."""
        if not self.enabled:
            return None
        minute = 60.0 * self.time_scale
        if method == "chat.postMessage":
            wait = self._window_wait("chat.postMessage#workspace", self.workspace_per_minute, minute, now)
            if wait is None and channel is not None:
                wait = self._bucket_wait(channel, now)
            if wait is None:
                self._window_record("chat.postMessage#workspace", now)
                if channel is not None:
                    tokens, _ = self._buckets[channel]
                    self._buckets[channel] = (tokens - 1, now)
            return wait
        wait = self._window_wait(method, TIER_PER_MINUTE[tier], minute, now)
        if wait is None:
            self._window_record(method, now)
        return wait

    def _window_wait(self, key: str, limit: int, window: float, now: float) -> float | None:
        log = self._windows.setdefault(key, deque())
        while log and log[0] <= now - window:
            log.popleft()
        if len(log) >= limit:
            return log[0] + window - now
        return None

    def _window_record(self, key: str, now: float) -> None:
        self._windows.setdefault(key, deque()).append(now)

    def _bucket_wait(self, channel: str, now: float) -> float | None:
        interval = 1.0 * self.time_scale  # one message per second per channel
        tokens, when = self._buckets.get(channel, (float(self.post_burst), now))
        tokens = min(float(self.post_burst), tokens + (now - when) / interval)
        self._buckets[channel] = (tokens, now)
        if tokens < 1:
            return (1 - tokens) * interval
        return None
