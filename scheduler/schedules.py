"""When things are due: the monthly statement's instant, and the daily reminder and nudge cycles.

Everything here is pure: a schedule and a moment in, dates and UTC instants out. Local days and times
are the account's (its schedule's time zone); storage and comparisons are in UTC.

A statement sent in month M covers period M-1: on the scheduled day of December (the 1st business
day, say, at 09:00 local time) the November statement is due.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from models.schedules import DayRule, Schedule
from scheduler.calendar import business_calendar, last_day_of_month

__all__ = [
    "Month",
    "RequestStage",
    "Stage",
    "due_at",
    "due_months",
    "end_of_day",
    "latest_due_month",
    "local_day",
    "next_due_at",
    "nudge_days",
    "request_stage",
    "statement_day",
    "time_reached",
]

_MAX_MONTHS = 240  # how far back a catch-up looks: twenty years of missed statements is plenty


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month: the one a statement is sent in, or the period one covers."""

    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, period: str) -> Month:
        """ "2026-11" → Month(2026, 11)."""
        year, month = period.split("-")
        return cls(int(year), int(month))

    def shift(self, by: int) -> Month:
        index = self.year * 12 + (self.month - 1) + by
        return Month(index // 12, index % 12 + 1)

    @property
    def period(self) -> str:
        """ "YYYY-MM", as collaborations store it."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def covers(self) -> Month:
        """The period a statement sent in this month covers: the month before."""
        return self.shift(-1)


def statement_day(schedule: Schedule, month: Month) -> date:
    """The day of `month` the statement is due (local to the account)."""
    if schedule.day_rule is DayRule.BUSINESS_DAY:
        return business_calendar(schedule.country).nth_business_day(month.year, month.month, schedule.day)
    last = last_day_of_month(month.year, month.month)
    return last.replace(day=min(schedule.day, last.day))


def _instant(day: date, at: time, timezone: str) -> datetime:
    """`day` at local time `at` in `timezone`, as a UTC instant (zoneinfo resolves DST gaps and folds)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def due_at(schedule: Schedule, month: Month) -> datetime:
    """The UTC instant the statement is due in `month`: its day, at the schedule's local time."""
    return _instant(statement_day(schedule, month), schedule.at, schedule.timezone)


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def end_of_day(day: date, timezone: str) -> datetime:
    """The last instant of `day` in `timezone`, in UTC (what `baton remind --date` means by default)."""
    return _instant(day, time.max, timezone)


def time_reached(schedule: Schedule, moment: datetime) -> bool:
    """Whether `moment` is at or past the schedule's local time of day (daily cycles start then)."""
    local = moment.astimezone(ZoneInfo(schedule.timezone))
    return local.time().replace(tzinfo=None) >= schedule.at


def latest_due_month(schedule: Schedule, as_of: datetime) -> Month:
    """The latest month whose statement is due by `as_of`: this month once its day and time have come."""
    this = Month.of(local_day(as_of, schedule.timezone))
    return this if due_at(schedule, this) <= as_of else this.shift(-1)


def due_months(schedule: Schedule, *, after: datetime, as_of: datetime) -> list[Month]:
    """The months whose statement became due after `after` and by `as_of`, oldest first."""
    months: list[Month] = []
    month = latest_due_month(schedule, as_of)
    for _ in range(_MAX_MONTHS):
        if due_at(schedule, month) <= after:
            break
        months.append(month)
        month = month.shift(-1)
    return months[::-1]


def next_due_at(schedule: Schedule, after: datetime) -> datetime:
    """The first instant after `after` at which a statement becomes due."""
    month = latest_due_month(schedule, after).shift(1)
    return due_at(schedule, month)


class Stage(enum.StrEnum):
    DUE_SOON = "due_soon"  # the reminder before the due date
    OVERDUE = "overdue"  # daily, from the day after the due date


@dataclass(frozen=True)
class RequestStage:
    stage: Stage
    days: int  # days until the due date (DUE_SOON) or past it (OVERDUE)


def request_stage(due: date, today: date, *, days_before: int) -> RequestStage | None:
    """Whether a request due on `due` is reminded of on `today`: once `days_before` days ahead, then
    every day while it is overdue (the due date itself is the side's last day, left in peace)."""
    if today > due:
        return RequestStage(Stage.OVERDUE, (today - due).days)
    if (due - today).days == days_before:
        return RequestStage(Stage.DUE_SOON, days_before)
    return None


def nudge_days(schedule: Schedule, *, turn_started: date, today: date) -> int | None:
    """Business days the side has held the turn, when that is more than the schedule allows and today is
    a business day (one nudge a day, on business days); None otherwise."""
    calendar = business_calendar(schedule.country)
    if not calendar.is_business_day(today):
        return None
    held = calendar.business_days_after(turn_started, today)
    return held if held > schedule.nudge_after_days else None
