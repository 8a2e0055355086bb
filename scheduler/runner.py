"""Running the scheduled jobs: APScheduler inside `baton serve`, and `baton remind` for one moment.

APScheduler keeps its jobs in memory only. There is one: every `interval` seconds (and once at start)
it runs `run_due(now)`, which reads what is due from the database — the accounts, their schedules and
what was claimed already — so nothing has to be rebuilt or persisted, every replica may run it, and a
restart after downtime catches up once (the run computes what is due as of now; `coalesce` folds
missed ticks into one, and `max_instances=1` keeps a slow run from overlapping the next).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from models.base import utcnow
from models.sessions import Sessions
from scheduler.jobs import RunReport, run_due

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = ["JOB_ID", "Scheduler", "remind"]

log = logging.getLogger(__name__)

JOB_ID = "baton-run-due"
REMIND_DRAIN_SECONDS = 300.0  # `baton remind` delivers what it recorded; what is left, `serve` delivers


class Scheduler:
    """The scheduler of one process: `start()` inside the running event loop, `await stop()` to end."""

    def __init__(
        self,
        sessions: Sessions,
        *,
        default_timezone: str,
        interval: float = 60.0,
        clock: Callable[[], datetime] = utcnow,
        on_recorded: Callable[[RunReport], None] | None = None,
        after_run: Callable[[datetime], Awaitable[object]] | None = None,
    ) -> None:
        """`on_recorded` is called after a run that recorded something (e.g. wake the outbox worker);
        `after_run(now)` after every run (the statement pick-up from SharePoint, which looks at the period
        a run has just opened)."""
        self.sessions = sessions
        self.default_timezone = default_timezone
        self.interval = interval
        self.clock = clock
        self.on_recorded = on_recorded
        self.after_run = after_run
        self.last_report: RunReport | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[Any]] = set()

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def start(self) -> None:
        """Schedule the run every `interval` seconds, the first one now. Call from the event loop."""
        if self._scheduler is not None:
            return
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self._tick,
            trigger=IntervalTrigger(seconds=self.interval, timezone=UTC),
            id=JOB_ID,
            name="run due statements, reminders and nudges",
            next_run_time=datetime.now(UTC),  # APScheduler's own (real) time, whatever `clock` says
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,  # a late tick still runs (once): it only asks what is due now
            replace_existing=True,
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info("scheduler started: due work is looked for every %.0f s", self.interval)

    async def stop(self) -> None:
        """Stop scheduling, and wait for a run in flight to finish (its transaction commits or rolls back)."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def run_now(self) -> RunReport:
        """Run what is due now, outside the schedule (tests, an operator)."""
        now = self.clock()
        report = await run_due(self.sessions, now=now, default_timezone=self.default_timezone)
        self.last_report = report
        if report.recorded and self.on_recorded is not None:
            self.on_recorded(report)
        if self.after_run is not None:
            try:
                await self.after_run(now)
            except Exception:
                log.exception("the work after the scheduled run failed; trying again at the next tick")
        return report

    async def _tick(self) -> RunReport | None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            return await self.run_now()
        except Exception:
            log.exception("scheduled run failed; trying again at the next tick")
            return None
        finally:
            if task is not None:
                self._running.discard(task)


async def remind(settings: Settings, day: date, at: time | None = None) -> RunReport:
    """`baton remind --date D [--time T]`: run what is due by `at` (default: the end of the day) on `day`
    in each account's time zone, then deliver what it recorded. Idempotent: a second run posts nothing.

    Migrates the database first (as `serve` does), and uses Baton's own wiring for delivery, so every
    outbox kind the run records (cards, archives, reminders) has its deliverer.
    """
    from bot.app import build_baton
    from bot.migrate import upgrade
    from bot.scheduled_deliveries import build_scheduled_deliverers

    baton = build_baton(settings)
    deps = baton.deps
    try:
        await upgrade(deps.engine)
        # Until the composition root merges them in, the scheduler's deliverers are added here.
        deps.outbox.deliverers = {**build_scheduled_deliverers(deps.slack, deps.sessions), **deps.outbox.deliverers}
        report = await run_due(deps.sessions, now=day, at=at, default_timezone=settings.BATON_TIMEZONE)
        if baton.pickup is not None:  # statements for the periods just opened (Microsoft 365)
            await baton.pickup.run(utcnow())
        with contextlib.suppress(TimeoutError):
            await deps.outbox.drain(timeout=REMIND_DRAIN_SECONDS)
        left = await deps.outbox.due()
        if left:
            log.warning("%d posts are still waiting to be delivered; `baton serve` delivers them", left)
        return report
    finally:
        await baton.close()
