"""The outbox worker: delivers recorded Slack posts after commit, in order per lane, with retries.

Delivery is at-least-once: an entry is marked done after Slack answered. Deliverers render the
current state when they run (a card refreshed twice shows the same thing), so a repeat is harmless.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from asyncio import FIRST_COMPLETED
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db import Sessions
from bot.metrics import Metrics
from bot.slack_client import retry_after_seconds
from models.base import utcnow
from models.outbox import OutboxEntry, OutboxStatus

__all__ = ["Deliverer", "DeliveryFailed", "OutboxWorker", "RetryPolicy", "classify"]

log = logging.getLogger(__name__)

Deliverer = Callable[[OutboxEntry], Awaitable[dict[str, Any] | None]]
SetAsideHook = Callable[[OutboxEntry], Awaitable[None]]

# Slack errors that no retry will fix for this entry: the channel is gone, archived or closed to us.
PERMANENT_CHANNEL_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "account_inactive",
        "user_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "restricted_action",
        "team_access_not_granted",
    }
)
# Slack errors that mean "try again later".
TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)


class DeliveryFailed(Exception):
    """A deliverer's own failure; `permanent` decides between retry and set-aside."""

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


def classify(error: BaseException) -> DeliveryFailed:
    """Sort a failure into transient (retry later) or permanent (set aside)."""
    if isinstance(error, DeliveryFailed):
        return error
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = str(error.response.get("error") or f"http_{status}")
        if status == 429 or code in ("ratelimited", "rate_limited"):
            return DeliveryFailed(code, permanent=False, retry_after=retry_after_seconds(error.response.headers))
        if status >= 500 or code in TRANSIENT_ERRORS:
            return DeliveryFailed(code, permanent=False)
        return DeliveryFailed(code, permanent=True)
    if isinstance(error, aiohttp.ClientError | asyncio.TimeoutError | ConnectionError | OSError):
        return DeliveryFailed(f"{type(error).__name__}: {error}", permanent=False)
    # A bug in a deliverer: retrying will not help, but losing the entry silently is worse.
    return DeliveryFailed(f"{type(error).__name__}: {error}", permanent=True)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff for transient failures; a rate limit waits exactly as long as Slack asks."""

    base: float = 2.0
    cap: float = 300.0
    lease: float = 120.0  # how long a claimed entry is ours before another worker may take it

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            # Slack named the moment to come back: backing off further only delays the lane.
            return float(retry_after)
        return float(min(self.cap, self.base * (2 ** max(0, attempts - 1))))


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt leaves: the entry's new values, and whether its lane goes on now."""

    values: dict[str, Any]
    lane_moves_on: bool
    counted_as: str  # delivered, retried or set_aside (the metric's outcome)


@dataclass
class OutboxWorker:
    """Claims due entries with a lease and drives each lane, in order, through its deliverers.

    Up to `batch_size` lanes are in flight at once. A lane is driven until it is empty or an entry
    must wait for a retry: a lane that finishes frees its slot for the next one at once, so a slow
    lane (a 429's Retry-After, a large upload) never holds the others back.
    """

    sessions: Sessions
    deliverers: Mapping[str, Deliverer]
    metrics: Metrics | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    poll_interval: float = 1.0
    batch_size: int = 50
    on_set_aside: SetAsideHook | None = None
    clock: Callable[[], datetime] = utcnow
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False)
    _stopping: bool = field(default=False, init=False)

    def wake(self) -> None:
        """Look for new entries now instead of at the next poll (call after a commit)."""
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self) -> None:
        """Finish the deliveries in flight, then stop polling."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        lanes: set[asyncio.Task[int]] = set()
        while not self._stopping:
            self._wake.clear()
            free = self.batch_size - len(lanes)
            claimed: list[OutboxEntry] = []
            if free > 0:
                try:
                    claimed = await self._claim(free)
                except Exception:
                    log.exception("outbox claim failed; retrying at the next poll")
            for entry in claimed:
                lanes.add(asyncio.create_task(self._drive_lane(entry), name=f"outbox-lane-{entry.lane}"))
            if claimed and len(lanes) < self.batch_size:
                continue  # more may be due already
            # Wait for a lane to free its slot, a commit's wake-up, or the next poll.
            waker = asyncio.create_task(self._wake.wait())
            done, _ = await asyncio.wait({waker, *lanes}, timeout=self.poll_interval, return_when=FIRST_COMPLETED)
            waker.cancel()
            lanes -= done
        if lanes:
            await asyncio.gather(*lanes)

    async def run_once(self) -> int:
        """Claim what is due and drive those lanes until each is empty or waits; return the count delivered."""
        entries = await self._claim(self.batch_size)
        results = await asyncio.gather(*(self._drive_lane(entry) for entry in entries))
        return sum(results)

    async def due(self) -> int:
        """How many entries are pending and due now (claimed ones included)."""
        async with self.sessions.read() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(OutboxEntry)
                .where(OutboxEntry.status == OutboxStatus.PENDING, OutboxEntry.next_attempt_at <= self.clock())
            )
        return int(count or 0)

    async def drain(self, timeout: float = 10.0) -> None:
        """Deliver until nothing is due (tests, the demo, `baton remind`)."""
        async with asyncio.timeout(timeout):
            while await self.run_once():
                pass

    async def _claim(self, limit: int) -> list[OutboxEntry]:
        """Claim up to `limit` due heads of lanes, in one transaction."""
        async with self.sessions.begin() as session:
            return await self._claim_in(session, limit)

    async def _claim_in(self, session: AsyncSession, limit: int, lane: str | None = None) -> list[OutboxEntry]:
        """Claim up to `limit` due heads of lanes (of `lane` only, when given) in the caller's transaction."""
        now = self.clock()
        earlier = aliased(OutboxEntry)
        # The head of each lane only: an entry waits while an earlier one of its lane is pending.
        blocked = (
            select(earlier.id)
            .where(
                earlier.lane == OutboxEntry.lane,
                earlier.id < OutboxEntry.id,
                earlier.status == OutboxStatus.PENDING,
            )
            .exists()
        )
        claimable = and_(
            OutboxEntry.status == OutboxStatus.PENDING,
            or_(OutboxEntry.claimed_until.is_(None), OutboxEntry.claimed_until < now),
        )
        heads = (
            select(OutboxEntry.id)
            .where(claimable, OutboxEntry.next_attempt_at <= now, ~blocked)
            .order_by(OutboxEntry.id)
            .limit(limit)
            # PostgreSQL: rows another worker is claiming right now are skipped, not waited for
            # (SQLite ignores this; its write lock already serialises claims).
            .with_for_update(of=OutboxEntry, skip_locked=True)
        )
        if lane is not None:
            heads = heads.where(OutboxEntry.lane == lane)
        ids = (await session.scalars(heads)).all()
        if not ids:
            return []
        # The conditional update is the claim: of two workers, exactly one gets each row.
        await session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(ids), claimable)
            .values(claimed_until=now + timedelta(seconds=self.policy.lease), claimed_by=self.worker_id)
            .execution_options(synchronize_session=False)
        )
        claimed = await session.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.id.in_(ids), OutboxEntry.claimed_by == self.worker_id)
            .order_by(OutboxEntry.id)
        )
        return list(claimed.all())

    async def _drive_lane(self, entry: OutboxEntry) -> int:
        """Deliver `entry`, then the entries behind it in its lane, until the lane is empty or must wait."""
        delivered = 0
        current: OutboxEntry | None = entry
        try:
            while current is not None:
                outcome = await self._attempt(current)
                # The entry's outcome and the claim of the next one in its lane share one transaction.
                following = await self._finish(current, outcome.values, claim_next=outcome.lane_moves_on)
                self._count(current.kind, outcome.counted_as)
                if outcome.counted_as == "delivered":
                    delivered += 1
                if outcome.counted_as == "set_aside":
                    await self._report_set_aside(current, outcome.values["last_error"])
                current = following
        except Exception:
            # The database failed under us: the claimed entry is taken up again when its lease ends.
            log.exception("outbox lane %s stopped", entry.lane, extra={"lane": entry.lane})
        return delivered

    async def _attempt(self, entry: OutboxEntry) -> Outcome:
        """Run the entry's deliverer; what to record of it, and whether its lane moves on."""
        deliverer = self.deliverers.get(entry.kind)
        try:
            if deliverer is None:
                raise DeliveryFailed(f"no deliverer for kind {entry.kind!r}", permanent=True)
            result = await deliverer(entry)
        except Exception as e:
            failure = classify(e)
            attempts = entry.attempts + 1
            if failure.permanent:
                log.error(
                    "outbox entry %s (%s) set aside: %s",
                    entry.id,
                    entry.kind,
                    failure,
                    extra={"outbox_id": entry.id, "lane": entry.lane},
                )
                # The lane moves on: a dead channel must not block the entries behind it.
                values = {"status": OutboxStatus.SET_ASIDE, "attempts": attempts, "last_error": str(failure)}
                return Outcome(values, lane_moves_on=not self._stopping, counted_as="set_aside")
            delay = self.policy.delay(attempts, failure.retry_after)
            log.warning(
                "outbox entry %s (%s) failed, retrying in %.1fs: %s",
                entry.id,
                entry.kind,
                delay,
                failure,
                extra={"outbox_id": entry.id, "attempts": attempts},
            )
            # The lane's later entries wait behind this one's retry, to keep their order.
            values = {
                "attempts": attempts,
                "last_error": str(failure),
                "next_attempt_at": self.clock() + timedelta(seconds=delay),
            }
            return Outcome(values, lane_moves_on=False, counted_as="retried")
        values = {"status": OutboxStatus.DONE, "result": result, "done_at": self.clock()}
        return Outcome(values, lane_moves_on=not self._stopping, counted_as="delivered")

    async def _report_set_aside(self, entry: OutboxEntry, error: str) -> None:
        entry.last_error = error
        if self.on_set_aside is not None:
            try:
                await self.on_set_aside(entry)
            except Exception:
                log.exception("could not report set-aside outbox entry %s", entry.id)

    async def _finish(self, entry: OutboxEntry, values: dict[str, Any], *, claim_next: bool) -> OutboxEntry | None:
        """Record the entry's outcome and release it; with `claim_next`, claim its lane's next entry too."""
        async with self.sessions.begin() as session:
            await session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id == entry.id, OutboxEntry.claimed_by == self.worker_id)
                .values(claimed_until=None, claimed_by=None, **values)
                .execution_options(synchronize_session=False)
            )
            if not claim_next:
                return None
            following = await self._claim_in(session, 1, lane=entry.lane)
            return following[0] if following else None

    def _count(self, kind: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.outbox.labels(kind=kind, outcome=outcome).inc()
