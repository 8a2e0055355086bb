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
have done. A run first reads, for all accounts at once, which keys each would claim, and leaves out
the accounts whose keys are all taken (most of them, most minutes).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.collaborations import (
    Account,
    Collaboration,
    Turn,
    active_collaborations,
    active_in_channel,
    current_turns,
    participants_of,
    turn_of,
)
from models.flows.accounts import schedule_of, schedules_of
from models.flows.reminders import (
    active_requests_with_due_dates,
    claim,
    claimed_keys,
    claimed_periods,
    escalate_request,
    escalation_key,
    nudge_series,
    nudge_turn,
    remind_request,
    remind_statement_due,
    reminder_key,
    request_series,
    requests_with_due_dates,
)
from models.flows.rollover import Opened, Superseded, collaborations_of, open_period
from models.permissions import leaders_of
from models.requests import DocumentRequest
from models.schedules import ClaimKind, Schedule
from models.sessions import Sessions
from models.sides import Side
from scheduler.schedules import (
    Month,
    RequestStage,
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
        account_ids = await _accounts_with_work(session, now=now, at=at, default_timezone=default_timezone)
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


async def _accounts_with_work(
    session: AsyncSession, *, now: datetime | date, at: time | None, default_timezone: str
) -> list[int]:
    """The accounts a run as of `now` may record something for, read for all accounts at once.

    Every piece of work `run_account` records is claimed under a key first, and nothing is recorded
    when the key is taken. Most runs find every key taken (the job runs every minute; the statement is
    due once a month, a reminder once a day), yet `run_account` would spend a write transaction and
    half a dozen reads on each account to find that out. Here a few reads over all accounts list the
    keys each one would claim, and the accounts whose keys are all taken are left out. Those that are
    run decide again on what they read in their own transaction.
    """
    accounts = (await session.scalars(select(Account).order_by(Account.id))).all()
    schedules = await schedules_of(session, accounts, default_timezone=default_timezone)
    active = {c.channel_id: c for c in await active_collaborations(session)}
    turns = {t.collaboration_id: t for t in await current_turns(session)}
    requests: dict[int, list[DocumentRequest]] = defaultdict(list)
    for request in await active_requests_with_due_dates(session):
        requests[request.collaboration_id].append(request)

    keys: dict[int, list[str]] = {}
    unsure: set[int] = set()
    for account in accounts:
        try:
            schedule = schedules[account.id]
            as_of = _as_of(now, at, schedule.timezone)
            if account.created_at > as_of:
                continue  # run_account does nothing for it
            c = active.get(account.channel_id)
            keys[account.id] = _keys_to_claim(
                account, schedule, as_of, c, requests[c.id] if c else [], turns.get(c.id) if c else None
            )
        except Exception:
            # A schedule this cannot work out (a time zone or holiday country no longer known): the account
            # is run, so it fails on its own and is logged, and the others go on.
            keys[account.id] = []
            unsure.add(account.id)
    claimed = await claimed_keys(session, [key for each in keys.values() for key in each])
    return [account_id for account_id, each in keys.items() if account_id in unsure or not claimed.issuperset(each)]


def _keys_to_claim(
    account: Account,
    schedule: Schedule,
    as_of: datetime,
    active: Collaboration | None,
    requests: Sequence[DocumentRequest],
    turn: Turn | None,
) -> list[str]:
    """The keys `run_account` would claim as of `as_of`, given what it would read; it decides with the same helpers."""
    keys: list[str] = []
    latest = _latest_due(account, schedule, as_of)
    if latest is not None:
        keys.append(_statement_key(account.id, latest))
    if active is None or not time_reached(schedule, as_of):
        return keys
    today = local_day(as_of, schedule.timezone)
    for request, stage in _reminders_due(requests, schedule, today):
        keys.append(reminder_key(request_series(request.id, request.addressed_side), today))
        if _escalates(schedule, stage):
            keys.append(escalation_key(request.id))
    if turn is not None and _nudge_due(schedule, turn, today) is not None:
        keys.append(reminder_key(nudge_series(active.id, active.turn_number, active.holding_side), today))
    return keys


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
    opened = await _statement(session, account, schedule, as_of, report)
    # What was opened just now is the channel's active collaboration (it has one at most): not read again.
    active = opened.collaboration if opened else await active_in_channel(session, account.channel_id)
    if active is None or not time_reached(schedule, as_of):
        return report
    today = local_day(as_of, schedule.timezone)
    # A collaboration opened just now holds only the requests carried into it (no published one: none
    # to remind of), and its Turn 1 began now (no turn to nudge): those reads are spared.
    if opened is None or opened.carried.requests:
        await _request_reminders(session, active, schedule, today, as_of, report)
    if opened is None:
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
) -> Opened | None:
    """The statement due, if it was not handled yet; what opening its collaboration did, when Baton opened one."""
    latest = _latest_due(account, schedule, as_of)
    if latest is None:
        return None
    period = latest.covers.period
    # Claiming looks the key up first, so it is also the check for "handled already" (the common case:
    # every minute of the month but the first), in one read.
    row = await claim(
        session,
        _statement_key(account.id, latest),
        kind=ClaimKind.STATEMENT,
        now=as_of,
        account_id=account.id,
        period=period,
    )
    if row is None:
        return None  # handled, or another run (a replica) is handling it

    channel = list(await collaborations_of(session, account.channel_id))
    skipped = await _skipped(session, schedule, account, as_of, latest, channel)
    collaboration: Collaboration | None = next((c for c in reversed(channel) if c.period == period), None)
    result: Opened | None = None
    if schedule.auto_open:
        try:
            result = await open_period(session, account_id=account.id, period=period, now=as_of, channel=channel)
        except Superseded as e:
            log.info("account %s: %s", account.id, e.message)
            return None
        collaboration = result.collaboration
        report.opened += int(result.opened)
        report.rolled_over += int(result.rolled_over is not None)
    if collaboration is not None:
        row.collaboration_id = collaboration.id
    opened = result if result is not None and result.opened else None

    people_of = collaboration or (channel[-1] if channel else None)
    recipients: list[str] = list(schedule.remind_user_ids)
    if not recipients and people_of is not None:
        # Opened just now, its people are at hand: they are not read back.
        people = opened.people if opened else await participants_of(session, people_of.id)
        recipients = [p.user_id for p in leaders_of(people, Side.HOST)]
    report.reminders += await remind_statement_due(
        session,
        account=account,
        period=period,
        collaboration=collaboration,
        user_ids=recipients,
        opened=opened is not None,
        skipped=skipped,
        home=opened is None,  # opening refreshed its people's Home tabs already
    )
    report.skipped_periods += len(skipped)
    return opened


def _latest_due(account: Account, schedule: Schedule, as_of: datetime) -> Month | None:
    """The latest month whose statement is due by `as_of`, unless it fell due before the account existed
    (its first period was started by hand)."""
    latest = latest_due_month(schedule, as_of)
    return None if due_at(schedule, latest) <= account.created_at else latest


def _statement_key(account_id: int, month: Month) -> str:
    """The claim of the statement sent in `month` (for the period it covers)."""
    return f"statement:{account_id}:{month.covers.period}"


async def _skipped(
    session: AsyncSession,
    schedule: Schedule,
    account: Account,
    as_of: datetime,
    latest: Month,
    channel: Sequence[Collaboration],
) -> list[str]:
    """The periods that fell due before `latest` while nothing ran, newest known period excluded.

    A period is known when the channel has its collaboration or the schedule claimed it. The claims are
    read only when the collaborations leave some period unaccounted for: knowing more periods can only
    shorten the list, so when it is empty already they cannot change it (and usually it is).
    """
    period = latest.covers.period
    earlier = [m.covers.period for m in due_months(schedule, after=account.created_at, as_of=as_of) if m < latest]

    def unknown(known: set[str]) -> list[str]:
        last_known = max((p for p in known if p < period), default=None)
        return [p for p in earlier if p not in known and (last_known is None or p > last_known)]

    in_channel = {c.period for c in channel if c.period}
    if not unknown(in_channel):
        return []
    return unknown(in_channel | await claimed_periods(session, account.id))


async def _request_reminders(
    session: AsyncSession,
    c: Collaboration,
    schedule: Schedule,
    today: date,
    as_of: datetime,
    report: RunReport,
) -> None:
    for request, stage in _reminders_due(await requests_with_due_dates(session, c.id), schedule, today):
        cycle = await remind_request(
            session, request=request, collaboration=c, stage=stage.stage.value, days=stage.days, day=today, now=as_of
        )
        report.reminders += cycle.posts
        report.snoozed += int(cycle.suppressed)
        if _escalates(schedule, stage):
            report.escalations += await escalate_request(
                session, request=request, collaboration=c, days=stage.days, now=as_of
            )


def _reminders_due(
    requests: Sequence[DocumentRequest], schedule: Schedule, today: date
) -> list[tuple[DocumentRequest, RequestStage]]:
    """The requests (`requests_with_due_dates`) reminded of today, and at which stage."""
    due: list[tuple[DocumentRequest, RequestStage]] = []
    for request in requests:
        assert request.due_date is not None  # selected for it
        stage = request_stage(request.due_date, today, days_before=schedule.remind_days_before)
        if stage is not None:
            due.append((request, stage))
    return due


def _escalates(schedule: Schedule, stage: RequestStage) -> bool:
    """Whether a request at `stage` is overdue long enough for the host leaders to hear of it."""
    return stage.stage is Stage.OVERDUE and stage.days >= schedule.escalate_after_days


async def _nudge(
    session: AsyncSession,
    c: Collaboration,
    schedule: Schedule,
    today: date,
    as_of: datetime,
    report: RunReport,
) -> None:
    turn = await turn_of(session, c.id, c.turn_number)
    days = None if turn is None else _nudge_due(schedule, turn, today)
    if days is None:
        return
    cycle = await nudge_turn(session, collaboration=c, days=days, day=today, now=as_of)
    report.nudges += cycle.posts
    report.snoozed += int(cycle.suppressed)


def _nudge_due(schedule: Schedule, turn: Turn, today: date) -> int | None:
    """The business days the side has held `turn`, when that earns it a nudge today (`nudge_days`)."""
    return nudge_days(schedule, turn_started=local_day(turn.started_at, schedule.timezone), today=today)
