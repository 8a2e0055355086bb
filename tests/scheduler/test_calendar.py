"""Business days and due instants: weekends, public holidays by country, local times across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from models.schedules import DayRule, Schedule
from scheduler.calendar import BusinessCalendar, business_calendar
from scheduler.schedules import (
    Month,
    Stage,
    due_at,
    due_months,
    end_of_day,
    latest_due_month,
    next_due_at,
    nudge_days,
    request_stage,
    statement_day,
    time_reached,
)


def test_a_month_starting_on_a_saturday_has_its_first_business_day_on_monday() -> None:
    assert date(2025, 11, 1).weekday() == 5  # a Saturday
    assert BusinessCalendar().nth_business_day(2025, 11, 1) == date(2025, 11, 3)
    assert BusinessCalendar().nth_business_day(2025, 11, 2) == date(2025, 11, 4)
    schedule = Schedule.default("UTC")
    assert statement_day(schedule, Month(2025, 11)) == date(2025, 11, 3)


def test_public_holidays_of_the_accounts_country_are_not_business_days() -> None:
    us = BusinessCalendar("US")
    assert us.holiday(date(2026, 1, 1)) is not None
    assert not us.is_business_day(date(2026, 1, 1))
    assert us.nth_business_day(2026, 1, 1) == date(2026, 1, 2)
    # Without a country only weekends are skipped: New Year's Day 2026 (a Thursday) is a business day.
    assert BusinessCalendar().nth_business_day(2026, 1, 1) == date(2026, 1, 1)
    # Labour Day in Germany, Friday 1 May 2026: the first business day moves to Monday (the code's case
    # does not matter).
    assert BusinessCalendar("de").nth_business_day(2026, 5, 1) == date(2026, 5, 4)
    assert BusinessCalendar().nth_business_day(2026, 5, 1) == date(2026, 5, 1)
    assert business_calendar("US") is business_calendar("US")


def test_an_unknown_country_is_refused() -> None:
    with pytest.raises(ValueError, match="XX"):
        BusinessCalendar("XX")


def test_a_day_past_the_months_end_is_its_last_day_or_last_business_day() -> None:
    assert statement_day(Schedule("UTC", day_rule=DayRule.DAY_OF_MONTH, day=31), Month(2026, 2)) == date(2026, 2, 28)
    assert statement_day(Schedule("UTC", day_rule=DayRule.DAY_OF_MONTH, day=15), Month(2026, 11)) == date(2026, 11, 15)
    # February 2026 has 20 business days: the 23rd is its last one, Friday the 27th.
    assert statement_day(Schedule("UTC", day=23), Month(2026, 2)) == date(2026, 2, 27)


def test_nine_in_berlin_is_a_different_utc_instant_either_side_of_the_dst_change() -> None:
    berlin = Schedule("Europe/Berlin", at=time(9, 0))
    assert due_at(berlin, Month(2026, 3)) == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # CET, UTC+1
    assert due_at(berlin, Month(2026, 4)) == datetime(2026, 4, 1, 7, 0, tzinfo=UTC)  # CEST, UTC+2
    assert due_at(Schedule("America/New_York"), Month(2026, 11)) == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def test_the_latest_due_month_turns_at_the_scheduled_instant() -> None:
    berlin = Schedule("Europe/Berlin", country="DE")
    just_before = datetime(2026, 4, 1, 6, 59, tzinfo=UTC)
    at_nine = datetime(2026, 4, 1, 7, 0, tzinfo=UTC)
    assert latest_due_month(berlin, just_before) == Month(2026, 3)
    assert latest_due_month(berlin, at_nine) == Month(2026, 4)
    assert latest_due_month(berlin, at_nine).covers.period == "2026-03"
    assert next_due_at(berlin, just_before) == at_nine
    assert next_due_at(berlin, at_nine) == datetime(2026, 5, 4, 7, 0, tzinfo=UTC)  # 1 May: Labour Day


def test_due_months_after_downtime_are_listed_oldest_first() -> None:
    schedule = Schedule("UTC")
    months = due_months(
        schedule, after=datetime(2026, 9, 10, tzinfo=UTC), as_of=datetime(2027, 1, 5, 12, 0, tzinfo=UTC)
    )
    assert [m.covers.period for m in months] == ["2026-09", "2026-10", "2026-11", "2026-12"]


def test_the_end_of_a_day_is_in_the_accounts_time_zone() -> None:
    assert end_of_day(date(2026, 12, 1), "Europe/Berlin") == datetime(2026, 12, 1, 22, 59, 59, 999999, tzinfo=UTC)
    assert time_reached(Schedule("Europe/Berlin"), datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    assert not time_reached(Schedule("Europe/Berlin"), datetime(2026, 12, 1, 7, 59, tzinfo=UTC))


def test_a_request_is_reminded_the_day_before_and_every_day_while_overdue() -> None:
    due = date(2026, 12, 15)
    stages = {d: request_stage(due, date(2026, 12, d), days_before=1) for d in range(12, 19)}
    assert stages[12] is None and stages[13] is None
    assert stages[14] is not None and stages[14].stage is Stage.DUE_SOON
    assert stages[15] is None  # the due date itself: the side's last day
    assert [(s.stage, s.days) for d in (16, 17, 18) if (s := stages[d]) is not None] == [
        (Stage.OVERDUE, 1),
        (Stage.OVERDUE, 2),
        (Stage.OVERDUE, 3),
    ]


def test_a_turn_is_nudged_on_business_days_once_held_longer_than_the_threshold() -> None:
    schedule = Schedule("UTC", nudge_after_days=2)
    monday = date(2026, 11, 2)
    held = {d: nudge_days(schedule, turn_started=monday, today=date(2026, 11, d)) for d in range(2, 11)}
    assert held[3] is None and held[4] is None  # Tuesday, Wednesday: 1 and 2 business days
    assert held[5] == 3 and held[6] == 4  # Thursday, Friday
    assert held[7] is None and held[8] is None  # the weekend
    assert held[9] == 5 and held[10] == 6
