"""Accounts: reading one, editing its details and default people, and setting its statement schedule.

An account is created with the first collaboration in a channel (`start_collaboration`). Its host
leaders — the leaders of the host side of its newest collaboration — may edit it afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.collaborations import Account, Collaboration, latest_in_channel, participants_of
from models.errors import InvalidInput, NotAParticipant, NotFound, RoleRequired
from models.permissions import leaders_of, names
from models.schedules import AccountPerson, DayRule, Schedule, StatementSchedule
from models.sides import Actor, Role, Side

__all__ = [
    "AccountView",
    "DefaultPerson",
    "account_of_channel",
    "account_view",
    "schedule_of",
    "schedules_of",
    "set_schedule",
    "update_account",
]

MAX_BUSINESS_DAY = 23  # no month has more business days than that
MAX_REMINDED = 20
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")


@dataclass(frozen=True)
class DefaultPerson:
    """A default participant of the account: carried into every period's collaboration with this role."""

    user_id: str
    team_key: str
    side: Side
    role: Role
    display_name: str = ""


@dataclass(frozen=True)
class AccountView:
    id: int
    name: str
    customer_number: str | None
    channel_id: str
    guest_team_key: str | None
    timezone: str
    created_at: datetime
    schedule: Schedule
    default_people: tuple[DefaultPerson, ...]


async def account_of_channel(session: AsyncSession, channel_id: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.channel_id == channel_id))


async def schedule_of(session: AsyncSession, account_id: int, *, default_timezone: str) -> Schedule:
    """The account's statement schedule, or the defaults (in the account's time zone, else `default_timezone`)."""
    row = await session.get(StatementSchedule, account_id)
    account = None if row is not None else await session.get(Account, account_id)
    return _schedule(row, account, default_timezone)


async def schedules_of(
    session: AsyncSession, accounts: Sequence[Account], *, default_timezone: str
) -> dict[int, Schedule]:
    """Each account's schedule (`schedule_of`), by account id, in one read of every schedule row."""
    rows = {row.account_id: row for row in (await session.scalars(select(StatementSchedule))).all()}
    return {account.id: _schedule(rows.get(account.id), account, default_timezone) for account in accounts}


def _schedule(row: StatementSchedule | None, account: Account | None, default_timezone: str) -> Schedule:
    if row is not None:
        return row.as_schedule()
    return Schedule.default(account.timezone if account is not None and account.timezone else default_timezone)


async def account_view(session: AsyncSession, account_id: int, *, default_timezone: str) -> AccountView:
    """The account, its schedule and its default people (for the schedule modal and the Home tab)."""
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("That account doesn't exist (any more).")
    people = (
        await session.scalars(
            select(AccountPerson).where(AccountPerson.account_id == account_id).order_by(AccountPerson.id)
        )
    ).all()
    return AccountView(
        id=account.id,
        name=account.name,
        customer_number=account.customer_number,
        channel_id=account.channel_id,
        guest_team_key=account.guest_team_key,
        timezone=account.timezone,
        created_at=account.created_at,
        schedule=await schedule_of(session, account_id, default_timezone=default_timezone),
        default_people=tuple(DefaultPerson(p.user_id, p.team_key, p.side, p.role, p.display_name) for p in people),
    )


async def set_schedule(
    session: AsyncSession,
    *,
    actor: Actor,
    account_id: int,
    day_rule: DayRule | str = DayRule.BUSINESS_DAY,
    day: int = 1,
    at: time | str = "09:00",
    timezone: str | None = None,
    country: str | None = None,
    auto_open: bool = True,
    remind_user_ids: Sequence[str] = (),
    remind_days_before: int = 1,
    escalate_after_days: int = 3,
    nudge_after_days: int = 3,
    default_timezone: str = "UTC",
    now: datetime,
) -> Schedule:
    """Set the account's statement schedule; a host leader only. Errors name the field to fix.

    `day_rule` and `day`: the `day`th of the month, or its `day`th business day (weekends and the
    public holidays of `country` skipped). `at`: the local time ("09:00") in `timezone` (default: the
    account's, else `default_timezone`). `auto_open`: open the next period's collaboration on that
    day. `remind_user_ids`: who is told the statement is due (empty: the host leaders). The thresholds:
    a request's first reminder `remind_days_before` its due date, the host leaders told once it is
    `escalate_after_days` overdue, and a side nudged after holding the turn `nudge_after_days`
    business days.
    """
    account = await _editable(session, actor, account_id)
    try:
        rule = DayRule(day_rule)
    except ValueError:
        raise InvalidInput("Choose a day of the month or a business day.", field="day_rule") from None
    top = MAX_BUSINESS_DAY if rule is DayRule.BUSINESS_DAY else 31
    if not 1 <= int(day) <= top:
        what = "business day" if rule is DayRule.BUSINESS_DAY else "day of the month"
        raise InvalidInput(f"Choose a {what} from 1 to {top}.", field="day")
    local = _local_time(at)
    zone = (timezone or "").strip() or account.timezone or default_timezone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{zone} isn't a time zone Baton knows; use a name like Europe/Berlin.", field="timezone"
        ) from None
    code = (country or "").strip().upper() or None
    if code is not None and code not in holidays.list_supported_countries():
        raise InvalidInput(
            f"Baton doesn't know the public holidays of {code}; use a two-letter country code like US or DE.",
            field="country",
        )
    reminded = list(dict.fromkeys(u.strip() for u in remind_user_ids if u.strip()))
    if len(reminded) > MAX_REMINDED or not all(_USER_ID.fullmatch(u) for u in reminded):
        raise InvalidInput(f"Choose up to {MAX_REMINDED} people to remind.", field="remind")
    _within(remind_days_before, 0, 30, "remind_days_before", "Remind from 0 to 30 days before a request is due.")
    _within(escalate_after_days, 1, 90, "escalate_after_days", "Tell the leaders after 1 to 90 days overdue.")
    _within(nudge_after_days, 1, 60, "nudge_after_days", "Nudge after 1 to 60 business days.")

    row = await session.get(StatementSchedule, account.id)
    if row is None:
        row = StatementSchedule(account_id=account.id, updated_at=now)
        session.add(row)
    row.day_rule = rule
    row.day = int(day)
    row.local_time = local.strftime("%H:%M")
    row.timezone = zone
    row.holiday_country = code
    row.auto_open = bool(auto_open)
    row.remind_user_ids = reminded
    row.remind_days_before = int(remind_days_before)
    row.escalate_after_days = int(escalate_after_days)
    row.nudge_after_days = int(nudge_after_days)
    row.updated_by = actor.user_id
    row.updated_at = now
    account.timezone = zone
    await session.flush()
    return row.as_schedule()


async def update_account(
    session: AsyncSession,
    *,
    actor: Actor,
    account_id: int,
    name: str | None = None,
    customer_number: str | None = None,
    default_people: Sequence[DefaultPerson] | None = None,
    default_timezone: str = "UTC",
) -> AccountView:
    """Edit the account: its name, customer number (empty clears it), default people (replaced as a whole).

    A host leader only. The defaults join every period's collaboration with their roles.
    """
    account = await _editable(session, actor, account_id)
    if name is not None:
        cleaned = name.strip()
        if not cleaned or len(cleaned) > 200:
            raise InvalidInput("Name the retailer, in up to 200 characters.", field="account_name")
        account.name = cleaned
    if customer_number is not None:
        number = customer_number.strip()
        if len(number) > 64:
            raise InvalidInput("Keep the customer number under 64 characters.", field="customer_number")
        account.customer_number = number or None
    if default_people is not None:
        for person in default_people:
            if not _USER_ID.fullmatch(person.user_id) or not person.team_key:
                raise InvalidInput("One of the default people isn't a Slack user.", field="people")
        await session.execute(delete(AccountPerson).where(AccountPerson.account_id == account.id))
        seen: set[str] = set()
        for person in default_people:
            if person.user_id in seen:
                continue
            seen.add(person.user_id)
            session.add(
                AccountPerson(
                    account_id=account.id,
                    user_id=person.user_id,
                    team_key=person.team_key,
                    side=Side(person.side),
                    role=Role(person.role),
                    display_name=person.display_name[:200],
                )
            )
    await session.flush()
    return await account_view(session, account.id, default_timezone=default_timezone)


async def _editable(session: AsyncSession, actor: Actor, account_id: int) -> Account:
    """The account, when `actor` leads its host side (in the channel's newest collaboration)."""
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound("That account doesn't exist (any more).")
    latest: Collaboration | None = await latest_in_channel(session, account.channel_id)
    if latest is None:
        raise NotFound("That account has no collaboration yet.")
    people = await participants_of(session, latest.id)
    leaders = leaders_of(people, Side.HOST)
    me = next((p for p in people if p.user_id == actor.user_id), None)
    if actor.team_key != latest.host_team_key or me is None or me.side is not Side.HOST:
        raise NotAParticipant(
            f"Only {latest.host_name}'s leaders in this channel change {account.name}'s account: "
            f"ask {names(leaders, fallback='one of them')}.",
            can_act=tuple(p.user_id for p in leaders),
        )
    if me not in leaders:
        raise RoleRequired(
            f"Only leaders change the account and its schedule: ask {names(leaders, fallback='a leader')}.",
            can_act=tuple(p.user_id for p in leaders),
        )
    return account


def _local_time(at: time | str) -> time:
    if isinstance(at, time):
        return at.replace(second=0, microsecond=0, tzinfo=None)
    m = _TIME.fullmatch(at.strip())
    if m is None:
        raise InvalidInput("Write the time as hours and minutes, like 09:00.", field="time")
    return time(int(m.group(1)), int(m.group(2)))


def _within(value: int, low: int, high: int, field: str, message: str) -> None:
    if not low <= int(value) <= high:
        raise InvalidInput(message, field=field)
