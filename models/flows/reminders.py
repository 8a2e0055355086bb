"""Scheduled notices: claiming each piece of scheduled work once, recording what it shows, and snoozing.

The scheduler decides *when* (scheduler/jobs.py); this module records *what*, in the caller's
transaction, and makes sure it happens once:

- `claim(key)` inserts the work's idempotency key ("kind, subject, period or day") into
  `schedule_claims` inside a savepoint. Two transactions racing on one key cannot both win: on
  Postgres the second waits on the primary key and then fails, on SQLite BEGIN IMMEDIATE serialises
  them; the loser gets None and its transaction goes on. Every post is then recorded with
  `enqueue_once` under its own dedupe key, a second guard.
- Who hears what (DESIGN §3): host people by direct message (lane "dm:<user>") and on their Home tab;
  guest people by a post in the channel that mentions them (Baton cannot message another
  organisation's users directly). Reminders for the host side never go to the shared channel.
- A reminder series is one subject and one side ("request:42:guest", "nudge:7:3:host"); each day of
  it is a cycle, its reminder key "<series>@<YYYY-MM-DD>". **Snooze 1 day** on a reminder records a
  pending snooze of its series; the series' next cycle is claimed, consumes it and posts nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.collaborations import (
    Account,
    Collaboration,
    CollaborationStatus,
    Participant,
    get_collaboration,
    participants_of,
)
from models.errors import NotAParticipant, NotFound
from models.notices import dm_lane
from models.outbox import OutboxKind, enqueue, enqueue_once
from models.permissions import leaders_of
from models.requests import DocumentRequest, RequestStatus
from models.schedules import ClaimKind, ReminderSnooze, ScheduleClaim
from models.sides import Actor, Role, Side

__all__ = [
    "AWAITING",
    "Cycle",
    "DueItem",
    "Snoozed",
    "active_requests_with_due_dates",
    "claim",
    "claimed_keys",
    "claimed_periods",
    "due_for",
    "escalate_request",
    "escalation_key",
    "nudge_series",
    "nudge_turn",
    "parse_reminder_key",
    "remind_request",
    "remind_statement_due",
    "reminder_key",
    "request_series",
    "requests_with_due_dates",
    "snooze",
]

# The statuses in which a request waits on its addressed side: only those are reminded of.
AWAITING = frozenset({RequestStatus.OPEN, RequestStatus.REOPENED})

# Keys looked up per read in `claimed_keys`: well within the bound parameters SQLite and asyncpg allow.
_KEYS_PER_READ = 500


@dataclass(frozen=True)
class Cycle:
    """What one reminder cycle did."""

    claimed: bool  # False: another run had it already (nothing was recorded)
    suppressed: bool = False  # a snooze consumed it: claimed, nothing posted
    posts: int = 0  # outbox entries recorded (direct messages, or the channel post)


@dataclass(frozen=True)
class Snoozed:
    """The answer to a Snooze click."""

    series: str
    side: Side
    already: bool  # the series was snoozed already: nothing changed
    message: str  # what to tell the person, plain text


@dataclass(frozen=True)
class DueItem:
    """Something scheduled that is waiting on a host person (for the Home tab)."""

    kind: str  # "statement" or "request"
    collaboration_id: int
    channel_id: str
    title: str  # the collaboration's
    period: str | None
    label: str | None  # the request's ("#2026-11/2")
    due_date: date | None


# --- keys -----------------------------------------------------------------------------------------


def request_series(request_id: int, side: Side) -> str:
    return f"request:{request_id}:{side.value}"


def nudge_series(collaboration_id: int, turn: int, side: Side) -> str:
    return f"nudge:{collaboration_id}:{turn}:{side.value}"


def escalation_key(request_id: int) -> str:
    """The claim of a request's one escalation to the host leaders."""
    return f"request-escalation:{request_id}"


def reminder_key(series: str, day: date) -> str:
    """The key of one cycle of a series: what a reminder's Snooze button carries."""
    return f"{series}@{day.isoformat()}"


def parse_reminder_key(key: str) -> tuple[str, date]:
    """(series, day) of a reminder key; NotFound when it is not one."""
    series, _, day = key.partition("@")
    try:
        return series, date.fromisoformat(day)
    except ValueError:
        raise NotFound("That reminder doesn't exist (any more).") from None


# --- claims ---------------------------------------------------------------------------------------


async def claim(
    session: AsyncSession, key: str, *, kind: ClaimKind, now: datetime, **fields: Any
) -> ScheduleClaim | None:
    """Claim a piece of scheduled work in the caller's transaction: the row, or None when it is taken."""
    if await session.get(ScheduleClaim, key) is not None:
        return None
    row = ScheduleClaim(key=key, kind=kind, claimed_at=now, **fields)
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


async def claimed_keys(session: AsyncSession, keys: Collection[str]) -> set[str]:
    """Which of `keys` are claimed already (a few reads however many keys there are)."""
    wanted = sorted(set(keys))
    claimed: set[str] = set()
    for start in range(0, len(wanted), _KEYS_PER_READ):
        chunk = wanted[start : start + _KEYS_PER_READ]
        claimed.update((await session.scalars(select(ScheduleClaim.key).where(ScheduleClaim.key.in_(chunk)))).all())
    return claimed


async def claimed_periods(session: AsyncSession, account_id: int) -> set[str]:
    """The periods whose statement the schedule has handled for the account."""
    rows = await session.scalars(
        select(ScheduleClaim.period).where(
            ScheduleClaim.account_id == account_id,
            ScheduleClaim.kind == ClaimKind.STATEMENT,
            ScheduleClaim.period.is_not(None),
        )
    )
    return {p for p in rows if p is not None}


async def _take_snooze(session: AsyncSession, series: str) -> bool:
    """Consume the series' pending snooze; True when there was one."""
    result = await session.execute(delete(ReminderSnooze).where(ReminderSnooze.series == series))
    return bool(getattr(result, "rowcount", 0))


# --- recording ------------------------------------------------------------------------------------


async def remind_statement_due(
    session: AsyncSession,
    *,
    account: Account,
    period: str,
    collaboration: Collaboration | None,
    user_ids: Sequence[str],
    opened: bool,
    skipped: Sequence[str] = (),
    home: bool = True,
) -> int:
    """Tell each host person in `user_ids` by direct message that the period's statement is due (and
    refresh their Home tab when `home`); returns how many messages were recorded (once per person)."""
    recorded = 0
    for user_id in dict.fromkeys(user_ids):
        entry = await enqueue_once(
            session,
            kind=OutboxKind.STATEMENT_DUE,
            lane=dm_lane(user_id),
            payload={
                "user_id": user_id,
                "account_id": account.id,
                "period": period,
                "collaboration_id": collaboration.id if collaboration is not None else None,
                "opened": opened,
                "skipped": list(skipped),
            },
            collaboration_id=collaboration.id if collaboration is not None else None,
            dedupe_key=f"statement-due:{account.id}:{period}:{user_id}",
        )
        if entry is None:
            continue
        recorded += 1
        if home:
            await _home(session, user_id, collaboration)
    return recorded


async def remind_request(
    session: AsyncSession,
    *,
    request: DocumentRequest,
    collaboration: Collaboration,
    stage: str,
    days: int,
    day: date,
    now: datetime,
) -> Cycle:
    """Today's reminder about a request, to its addressed side: host people by DM, guest people by a
    mention in the channel. Once per request and day; a pending snooze of the series suppresses it."""
    side = request.addressed_side
    series = request_series(request.id, side)
    key = reminder_key(series, day)
    row = await claim(
        session,
        key,
        kind=ClaimKind.REQUEST_REMINDER,
        now=now,
        account_id=collaboration.account_id,
        collaboration_id=collaboration.id,
        request_id=request.id,
        side=side,
        day=day,
    )
    if row is None:
        return Cycle(claimed=False)
    if await _take_snooze(session, series):
        row.suppressed = True
        return Cycle(claimed=True, suppressed=True)
    people = await participants_of(session, collaboration.id)
    workers = [p for p in people if p.side is side and p.role in (Role.LEADER, Role.CONTRIBUTOR)]
    payload: dict[str, Any] = {
        "request_id": request.id,
        "collaboration_id": collaboration.id,
        "reminder_key": key,
        "stage": stage,
        "days": days,
    }
    posts = await _tell(session, collaboration, side, workers, OutboxKind.REQUEST_REMINDER, key, payload)
    return Cycle(claimed=True, posts=posts)


async def escalate_request(
    session: AsyncSession, *, request: DocumentRequest, collaboration: Collaboration, days: int, now: datetime
) -> int:
    """Tell the host leaders, once per request, that it is `days` days overdue; returns the DMs recorded."""
    row = await claim(
        session,
        escalation_key(request.id),
        kind=ClaimKind.REQUEST_ESCALATION,
        now=now,
        account_id=collaboration.account_id,
        collaboration_id=collaboration.id,
        request_id=request.id,
        side=Side.HOST,
    )
    if row is None:
        return 0
    leaders = leaders_of(await participants_of(session, collaboration.id), Side.HOST)
    recorded = 0
    for leader in leaders:
        entry = await enqueue_once(
            session,
            kind=OutboxKind.REQUEST_ESCALATION,
            lane=dm_lane(leader.user_id),
            payload={
                "user_id": leader.user_id,
                "request_id": request.id,
                "collaboration_id": collaboration.id,
                "days": days,
            },
            collaboration_id=collaboration.id,
            dedupe_key=f"request-escalation:{request.id}:{leader.user_id}",
        )
        if entry is not None:
            recorded += 1
            await _home(session, leader.user_id, collaboration)
    return recorded


async def nudge_turn(
    session: AsyncSession, *, collaboration: Collaboration, days: int, day: date, now: datetime
) -> Cycle:
    """Today's nudge to the leaders of the side holding the turn for `days` business days: host leaders
    by DM, guest leaders by a mention in the channel. Once a day; a pending snooze suppresses it."""
    side, turn = collaboration.holding_side, collaboration.turn_number
    series = nudge_series(collaboration.id, turn, side)
    key = reminder_key(series, day)
    row = await claim(
        session,
        key,
        kind=ClaimKind.TURN_NUDGE,
        now=now,
        account_id=collaboration.account_id,
        collaboration_id=collaboration.id,
        side=side,
        day=day,
    )
    if row is None:
        return Cycle(claimed=False)
    if await _take_snooze(session, series):
        row.suppressed = True
        return Cycle(claimed=True, suppressed=True)
    leaders = leaders_of(await participants_of(session, collaboration.id), side)
    payload: dict[str, Any] = {
        "collaboration_id": collaboration.id,
        "turn": turn,
        "side": side.value,
        "days": days,
        "reminder_key": key,
    }
    posts = await _tell(session, collaboration, side, leaders, OutboxKind.TURN_NUDGE, key, payload)
    return Cycle(claimed=True, posts=posts)


async def _tell(
    session: AsyncSession,
    collaboration: Collaboration,
    side: Side,
    people: Sequence[Participant],
    kind: OutboxKind,
    key: str,
    payload: dict[str, Any],
) -> int:
    """Host people: a DM each, and their Home tab. Guest people: one channel post mentioning them."""
    if not people:
        return 0  # nobody of that side has joined yet: nobody to tell
    if side is Side.HOST:
        recorded = 0
        for person in people:
            entry = await enqueue_once(
                session,
                kind=kind,
                lane=dm_lane(person.user_id),
                payload={**payload, "user_id": person.user_id},
                collaboration_id=collaboration.id,
                dedupe_key=f"{key}:{person.user_id}",
            )
            if entry is not None:
                recorded += 1
                await _home(session, person.user_id, collaboration)
        return recorded
    entry = await enqueue_once(
        session,
        kind=kind,
        lane=collaboration.channel_id,
        payload={**payload, "channel_id": collaboration.channel_id, "mentions": [p.user_id for p in people]},
        collaboration_id=collaboration.id,
        dedupe_key=f"{key}:channel",
    )
    return int(entry is not None)


async def _home(session: AsyncSession, user_id: str, collaboration: Collaboration | None) -> None:
    await enqueue(
        session,
        kind=OutboxKind.HOME_REFRESH,
        lane=dm_lane(user_id),
        payload={"user_id": user_id},
        collaboration_id=collaboration.id if collaboration is not None else None,
    )


# --- snoozing -------------------------------------------------------------------------------------


async def snooze(session: AsyncSession, *, actor: Actor, reminder_key: str, now: datetime) -> Snoozed:
    """**Snooze 1 day** on a reminder: the next reminder of its series is skipped, exactly one.

    Anyone of the side the reminder is for (an active participant of that side); a second click, by
    anyone, changes nothing. NotFound for a key that names no reminder; NotAParticipant otherwise.
    """
    series, _day = parse_reminder_key(reminder_key)
    kind, _, rest = series.partition(":")
    parts = rest.split(":")
    try:
        side = Side(parts[-1])
        subject_ids = [int(p) for p in parts[:-1]]
    except ValueError:
        raise NotFound("That reminder doesn't exist (any more).") from None
    if kind == "request" and len(subject_ids) == 1:
        request = await session.get(DocumentRequest, subject_ids[0])
        if request is None:
            raise NotFound("That request doesn't exist (any more).")
        c = await get_collaboration(session, request.collaboration_id)
        what = f"request {request.label}"
    elif kind == "nudge" and len(subject_ids) == 2:
        c = await get_collaboration(session, subject_ids[0])
        what = f"Turn {subject_ids[1]}"
    else:
        raise NotFound("That reminder doesn't exist (any more).")

    people = await participants_of(session, c.id)
    me = next((p for p in people if p.user_id == actor.user_id), None)
    if me is None or me.side is not side:
        mine = [p.user_id for p in people if p.side is side]
        raise NotAParticipant(
            f"This reminder is for {c.org_name(side)}'s people: only they can snooze it.", can_act=tuple(mine)
        )
    done = Snoozed(
        series=series,
        side=side,
        already=False,
        message=f"Snoozed for a day: the next reminder about {what} is skipped; they resume after that.",
    )
    if await session.get(ReminderSnooze, series) is not None:
        return Snoozed(series, side, already=True, message=f"Reminders about {what} are snoozed already.")
    try:
        async with session.begin_nested():
            session.add(
                ReminderSnooze(
                    series=series, side=side, reminder_key=reminder_key, snoozed_by=actor.user_id, snoozed_at=now
                )
            )
    except IntegrityError:
        return Snoozed(series, side, already=True, message=f"Reminders about {what} are snoozed already.")
    return done


# --- reading --------------------------------------------------------------------------------------


# What the reminders look at: published requests that wait on their addressed side and have a due date.
_WITH_DUE_DATES = select(DocumentRequest).where(
    DocumentRequest.published.is_(True),
    DocumentRequest.status.in_(AWAITING),
    DocumentRequest.due_date.is_not(None),
)


async def requests_with_due_dates(session: AsyncSession, collaboration_id: int) -> Sequence[DocumentRequest]:
    """The collaboration's published requests that wait on their addressed side and have a due date."""
    return (
        await session.scalars(
            _WITH_DUE_DATES.where(DocumentRequest.collaboration_id == collaboration_id).order_by(DocumentRequest.id)
        )
    ).all()


async def active_requests_with_due_dates(session: AsyncSession) -> Sequence[DocumentRequest]:
    """`requests_with_due_dates` of every active collaboration, in one read."""
    return (
        await session.scalars(
            _WITH_DUE_DATES.join(Collaboration, Collaboration.id == DocumentRequest.collaboration_id)
            .where(Collaboration.status == CollaborationStatus.ACTIVE)
            .order_by(DocumentRequest.id)
        )
    ).all()


async def due_for(session: AsyncSession, *, user_id: str, today: date) -> list[DueItem]:
    """What is due for a host person (the Home tab): statements the schedule opened that the host has not
    sent yet (Turn 1 still the host's), and requests addressed to the host due by tomorrow or overdue."""
    mine = and_(
        Participant.collaboration_id == Collaboration.id,
        Participant.user_id == user_id,
        Participant.active.is_(True),
        Participant.side == Side.HOST,
    )
    statements = (
        await session.scalars(
            select(Collaboration)
            .join(Participant, mine)
            .where(
                Collaboration.status == CollaborationStatus.ACTIVE,
                Collaboration.turn_number == 1,
                Collaboration.holding_side == Side.HOST,
                exists().where(
                    ScheduleClaim.collaboration_id == Collaboration.id, ScheduleClaim.kind == ClaimKind.STATEMENT
                ),
            )
            .order_by(Collaboration.id)
        )
    ).all()
    items = [DueItem("statement", c.id, c.channel_id, c.title, c.period, None, None) for c in statements]
    rows = (
        await session.execute(
            select(DocumentRequest, Collaboration)
            .join(Collaboration, Collaboration.id == DocumentRequest.collaboration_id)
            .join(Participant, mine)
            .where(
                Collaboration.status == CollaborationStatus.ACTIVE,
                DocumentRequest.published.is_(True),
                DocumentRequest.status.in_(AWAITING),
                DocumentRequest.addressed_side == Side.HOST,
                DocumentRequest.due_date.is_not(None),
            )
            .order_by(DocumentRequest.due_date, DocumentRequest.id)
        )
    ).all()
    for request, c in rows:
        if request.due_date is not None and (request.due_date - today).days <= 1:
            items.append(DueItem("request", c.id, c.channel_id, c.title, c.period, request.label, request.due_date))
    return items
