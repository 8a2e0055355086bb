"""Statement schedules, an account's default people, and the claims that make scheduled work happen once.

- `StatementSchedule`: when an account's monthly statement is due (a day of the month, or its Nth
  business day, at a local time in a time zone; the account's public holidays by country code),
  whether the next period's collaboration is opened automatically, who is reminded, and the reminder,
  escalation and nudge thresholds. An account without a row has `Schedule.default(...)`.
- `AccountPerson`: the account's default participants and their roles, carried into every period.
- `ScheduleClaim`: one row per piece of scheduled work done — a period opened, a day's reminder about
  a request, a day's nudge, an escalation. Its primary key is the idempotency key: whoever inserts it
  first does the work, in the same transaction; a second run, a restart or another replica finds it
  taken and does nothing.
- `ReminderSnooze`: a pending "Snooze 1 day" on a series of reminders; the next cycle consumes it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, enum_type
from models.sides import Role, Side

__all__ = [
    "DEFAULT_TIME",
    "AccountPerson",
    "ClaimKind",
    "DayRule",
    "ReminderSnooze",
    "Schedule",
    "ScheduleClaim",
    "StatementSchedule",
]

DEFAULT_TIME = time(9, 0)


class DayRule(enum.StrEnum):
    """How the statement's day in the month is chosen."""

    DAY_OF_MONTH = "day_of_month"  # that calendar day (the month's last day when it has fewer)
    BUSINESS_DAY = "business_day"  # the Nth business day: weekends and the account's holidays skipped


class ClaimKind(enum.StrEnum):
    STATEMENT = "statement"  # a period's statement handled (opened, or found started by hand)
    REQUEST_REMINDER = "request_reminder"  # one day's reminder about one request, to the side that must act
    REQUEST_ESCALATION = "request_escalation"  # a request overdue long enough to tell the host leaders
    TURN_NUDGE = "turn_nudge"  # one day's nudge to a side holding the turn too long


@dataclass(frozen=True)
class Schedule:
    """An account's statement schedule as the job reads it (a row, or the defaults)."""

    timezone: str
    day_rule: DayRule = DayRule.BUSINESS_DAY
    day: int = 1
    at: time = DEFAULT_TIME
    country: str | None = None  # public holidays of this country (ISO 3166 alpha-2) are not business days
    auto_open: bool = True
    remind_user_ids: tuple[str, ...] = field(default=())  # empty: the host leaders of the collaboration
    remind_days_before: int = 1  # a request's first reminder, days before its due date
    escalate_after_days: int = 3  # days overdue before the host leaders are told
    nudge_after_days: int = 3  # business days a side may hold the turn before it is nudged
    configured: bool = False  # False: the defaults, nobody set a schedule

    @classmethod
    def default(cls, timezone: str) -> Schedule:
        """1st business day, 09:00 in `timezone`, opened automatically, the host leaders reminded."""
        return cls(timezone=timezone)


class StatementSchedule(Base):
    """The schedule of one account's monthly statement."""

    __tablename__ = "statement_schedules"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True, autoincrement=False)
    day_rule: Mapped[DayRule] = mapped_column(enum_type(DayRule))
    day: Mapped[int]
    local_time: Mapped[str] = mapped_column(String(5))  # "HH:MM" in `timezone`
    timezone: Mapped[str] = mapped_column(String(64))
    holiday_country: Mapped[str | None] = mapped_column(String(8), default=None)
    auto_open: Mapped[bool] = mapped_column(default=True)
    remind_user_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    remind_days_before: Mapped[int] = mapped_column(default=1)
    escalate_after_days: Mapped[int] = mapped_column(default=3)
    nudge_after_days: Mapped[int] = mapped_column(default=3)
    updated_by: Mapped[str | None] = mapped_column(String(32), default=None)
    updated_at: Mapped[datetime]

    def as_schedule(self) -> Schedule:
        hours, minutes = (int(part) for part in self.local_time.split(":"))
        return Schedule(
            timezone=self.timezone,
            day_rule=self.day_rule,
            day=self.day,
            at=time(hours, minutes),
            country=self.holiday_country,
            auto_open=self.auto_open,
            remind_user_ids=tuple(self.remind_user_ids or ()),
            remind_days_before=self.remind_days_before,
            escalate_after_days=self.escalate_after_days,
            nudge_after_days=self.nudge_after_days,
            configured=True,
        )


class AccountPerson(Base):
    """A default participant of the account's collaborations: carried, with this role, into every period."""

    __tablename__ = "account_people"
    __table_args__ = (UniqueConstraint("account_id", "user_id", name="uq_account_people_account_user"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    team_key: Mapped[str] = mapped_column(String(32))
    side: Mapped[Side] = mapped_column(enum_type(Side))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    display_name: Mapped[str] = mapped_column(String(200), default="")


class ScheduleClaim(Base):
    """A piece of scheduled work, claimed once: the key is "kind, subject, period or day"."""

    __tablename__ = "schedule_claims"
    __table_args__ = (Index("ix_schedule_claims_account_kind", "account_id", "kind"),)

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    kind: Mapped[ClaimKind] = mapped_column(enum_type(ClaimKind))
    account_id: Mapped[int | None] = mapped_column(default=None)
    collaboration_id: Mapped[int | None] = mapped_column(default=None)
    request_id: Mapped[int | None] = mapped_column(default=None)
    side: Mapped[Side | None] = mapped_column(enum_type(Side), default=None)
    period: Mapped[str | None] = mapped_column(String(7), default=None)
    day: Mapped[date | None] = mapped_column(Date, default=None)
    # A reminder cycle that a snooze suppressed: claimed (so it is not tried again) but nothing was posted.
    suppressed: Mapped[bool] = mapped_column(default=False)
    claimed_at: Mapped[datetime]


class ReminderSnooze(Base):
    """A pending snooze of a series of reminders: the series' next cycle is skipped, and this row removed."""

    __tablename__ = "reminder_snoozes"

    series: Mapped[str] = mapped_column(String(200), primary_key=True)
    side: Mapped[Side] = mapped_column(enum_type(Side))
    reminder_key: Mapped[str] = mapped_column(String(255))  # the reminder whose button was clicked
    snoozed_by: Mapped[str] = mapped_column(String(32))
    snoozed_at: Mapped[datetime]
