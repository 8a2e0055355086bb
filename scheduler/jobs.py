"""The scheduled jobs: the monthly statement, request reminders, turn nudges — all in `run_due(now)`.

`run_due` looks at every account and does what is due *as of* `now`, each account in a transaction of
its own (one account's failure does not hold up the others; it is tried again at the next run):

1. The statement. The latest month whose scheduled day and time have come (after the account was
   created) names the period due: on the 1st business day of December, November. Unless it was
   handled already, it is claimed, its collaboration opened (or the one started by hand used) — the
   previous one rolled over — and the host leaders (or the schedule's people) told by direct message
   and on their Home tab. After downtime only the latest due period is opened; the ones in between
   that nobody started are listed in the reminder as skipped.
2. Request reminders, once the schedule's time of day has come in the account's time zone: on the
   day `remind_days_before` the due date, and every day while overdue, to the side the request waits
   on; the host leaders are told once when it is `escalate_after_days` overdue.
3. Turn nudges: a side holding the turn more than `nudge_after_days` business days is nudged, once a
   business day.

Every piece is claimed in the database in the same transaction as its outbox entries (see
models.flows.reminders), so a second run, a restart or another replica records nothing twice, and a
run after downtime catches up once: it computes what is due now, not what each missed tick would
have done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.collaborations import Account, Collaboration, CollaborationStatus, participants_of, turn_of
from models.flows.accounts import schedule_of
from models.flows.reminders import (
    claim,
    claimed_periods,
    escalate_request,
    nudge_turn,
    remind_request,
    remind_statement_due,
    requests_with_due_dates,
)
from models.flows.rollover import Superseded, collaborations_of, open_period
from models.permissions import leaders_of
from models.schedules import ClaimKind, Schedule, ScheduleClaim
from models.sessions import Sessions
from models.sides import Side
from scheduler.schedules import (
    Month,
    Stage,
    due_at,
    due_months,
    end_of_day,
    latest_due_month,
    local_day,
    nudge_days,
    request_stage,
    time_reached,
)

__all__ = ["RunReport", "run_account", "run_due"]

log = logging.getLogger(__name__)


@dataclass
class RunReport:
    """What one run recorded (what it found done already is not counted)."""

    opened: int = 0  # collaborations Baton opened for a due period
    rolled_over: int = 0  # previous collaborations rolled over into them
    reminders: int = 0  # "the statement is due" messages, and request reminders (DMs and channel posts)
    escalations: int = 0  # direct messages to host leaders about long-overdue requests
    nudges: int = 0  # turn nudges (DMs and channel posts)
    snoozed: int = 0  # reminder and nudge cycles a snooze suppressed
    skipped_periods: int = 0  # due periods passed over after downtime (listed in the reminder)
    failed: int = 0  # accounts whose run failed (logged; tried again at the next run)

    def add(self, other: RunReport) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def recorded(self) -> bool:
        """Whether anything was recorded for Slack (the outbox has work)."""
        return bool(self.opened or self.rolled_over or self.reminders or self.escalations or self.nudges)

    def __str__(self) -> str:
        return ", ".join(f"{f.name} {getattr(self, f.name)}" for f in fields(self))


async def run_due(
    sessions: Sessions,
    *,
    now: datetime | date,
    default_timezone: str,
    at: time | None = None,
) -> RunReport:
    """Do everything due by `now` for every account; idempotent (a second run records nothing).

    `now` is an instant, or a date: then each account is run as of that day at `at` in its own time
    zone (default: the end of that day), as `baton remind --date D [--time T]` asks.
    """
    async with sessions.read() as session:
        account_ids = list((await session.scalars(select(Account.id).order_by(Account.id))).all())
    report = RunReport()
    for account_id in account_ids:
        try:
            async with sessions.begin() as session:
                part = await run_account(session, account_id, now=now, at=at, default_timezone=default_timezone)
        except Exception:
            log.exception("scheduled run failed for account %s; it is tried again at the next run", account_id)
            report.failed += 1
            continue
        report.add(part)
    if report.recorded or report.failed:
        log.info("scheduled run: %s", report)
    return report


async def run_account(
    session: AsyncSession,
    account_id: int,
    *,
    now: datetime | date,
    default_timezone: str,
    at: time | None = None,
) -> RunReport:
    """Everything due for one account, in the caller's transaction."""
    report = RunReport()
    account = await session.get(Account, account_id)
    if account is None:
        return report
    schedule = await schedule_of(session, account_id, default_timezone=default_timezone)
    as_of = _as_of(now, at, schedule.timezone)
    if account.created_at > as_of:
        return report
    await _statement(session, account, schedule, as_of, report)

    active = await session.scalar(
        select(Collaboration).where(
            Collaboration.channel_id == account.channel_id, Collaboration.status == CollaborationStatus.ACTIVE
        )
    )
    if active is None or not time_reached(schedule, as_of):
        return report
    today = local_day(as_of, schedule.timezone)
    await _request_reminders(session, active, schedule, today, as_of, report)
    await _nudge(session, active, schedule, today, as_of, report)
    return report


def _as_of(now: datetime | date, at: time | None, timezone: str) -> datetime:
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("run_due needs an aware datetime")
        return now
    if at is None:
        return end_of_day(now, timezone)
    return datetime.combine(now, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


async def _statement(
    session: AsyncSession, account: Account, schedule: Schedule, as_of: datetime, report: RunReport
) -> None:
    latest = latest_due_month(schedule, as_of)
    if due_at(schedule, latest) <= account.created_at:
        return  # the account did not exist yet when it became due: its first period was started by hand
    period = latest.covers.period
    key = f"statement:{account.id}:{period}"
    if await session.get(ScheduleClaim, key) is not None:
        return  # handled (the common case: every minute of the month but the first)

    channel = list(await collaborations_of(session, account.channel_id))
    known = {c.period for c in channel if c.period} | await claimed_periods(session, account.id)
    skipped = _skipped(schedule, account, as_of, latest, known)
    row = await claim(session, key, kind=ClaimKind.STATEMENT, now=as_of, account_id=account.id, period=period)
    if row is None:
        return  # another run (a replica) is handling it

    collaboration: Collaboration | None = next((c for c in reversed(channel) if c.period == period), None)
    opened = False
    if schedule.auto_open:
        try:
            result = await open_period(session, account_id=account.id, period=period, now=as_of)
        except Superseded as e:
            log.info("account %s: %s", account.id, e.message)
            return
        collaboration, opened = result.collaboration, result.opened
        report.opened += int(result.opened)
        report.rolled_over += int(result.rolled_over is not None)
    if collaboration is not None:
        row.collaboration_id = collaboration.id

    people_of = collaboration or (channel[-1] if channel else None)
    recipients: list[str] = list(schedule.remind_user_ids)
    if not recipients and people_of is not None:
        recipients = [p.user_id for p in leaders_of(await participants_of(session, people_of.id), Side.HOST)]
    report.reminders += await remind_statement_due(
        session,
        account=account,
        period=period,
        collaboration=collaboration,
        user_ids=recipients,
        opened=opened,
        skipped=skipped,
        home=not opened,  # opening refreshed its people's Home tabs already
    )
    report.skipped_periods += len(skipped)


def _skipped(schedule: Schedule, account: Account, as_of: datetime, latest: Month, known: set[str]) -> list[str]:
    """The periods that fell due before `latest` while nothing ran, newest known period excluded."""
    period = latest.covers.period
    last_known = max((p for p in known if p < period), default=None)
    earlier = [m.covers.period for m in due_months(schedule, after=account.created_at, as_of=as_of) if m < latest]
    return [p for p in earlier if p not in known and (last_known is None or p > last_known)]


async def _request_reminders(
    session: AsyncSession,
    c: Collaboration,
    schedule: Schedule,
    today: date,
    as_of: datetime,
    report: RunReport,
) -> None:
    for request in await requests_with_due_dates(session, c.id):
        assert request.due_date is not None  # selected for it
        stage = request_stage(request.due_date, today, days_before=schedule.remind_days_before)
        if stage is None:
            continue
        cycle = await remind_request(
            session, request=request, collaboration=c, stage=stage.stage.value, days=stage.days, day=today, now=as_of
        )
        report.reminders += cycle.posts
        report.snoozed += int(cycle.suppressed)
        if stage.stage is Stage.OVERDUE and stage.days >= schedule.escalate_after_days:
            report.escalations += await escalate_request(
                session, request=request, collaboration=c, days=stage.days, now=as_of
            )


async def _nudge(
    session: AsyncSession,
    c: Collaboration,
    schedule: Schedule,
    today: date,
    as_of: datetime,
    report: RunReport,
) -> None:
    turn = await turn_of(session, c.id, c.turn_number)
    if turn is None:
        return
    days = nudge_days(schedule, turn_started=local_day(turn.started_at, schedule.timezone), today=today)
    if days is None:
        return
    cycle = await nudge_turn(session, collaboration=c, days=days, day=today, now=as_of)
    report.nudges += cycle.posts
    report.snoozed += int(cycle.suppressed)
