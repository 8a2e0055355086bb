"""Business days: Monday to Friday, less the public holidays of an account's country (`holidays`)."""

from __future__ import annotations

import calendar as _calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays

__all__ = ["BusinessCalendar", "business_calendar", "last_day_of_month", "supported_country"]

_WEEKEND = frozenset({5, 6})  # Saturday, Sunday
_MAX_SCAN = 400  # days: no calendar has a year without a business day


def supported_country(country: str) -> bool:
    """Whether `holidays` knows the public holidays of `country` (ISO 3166 alpha-2, like "US" or "DE")."""
    return country.upper() in holidays.list_supported_countries()


def last_day_of_month(year: int, month: int) -> date:
    return date(year, month, _calendar.monthrange(year, month)[1])


class BusinessCalendar:
    """Which days are business days for one country (None: weekends only)."""

    def __init__(self, country: str | None = None) -> None:
        self.country = country.upper() if country else None
        self._holidays: holidays.HolidayBase | None = None
        if self.country is not None:
            if not supported_country(self.country):
                raise ValueError(f"no public holidays are known for country {country!r}")
            self._holidays = holidays.country_holidays(self.country)

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.country!r})"

    def holiday(self, day: date) -> str | None:
        """The public holiday's name on `day`, if it is one."""
        if self._holidays is None:
            return None
        return self._holidays.get(day)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() not in _WEEKEND and self.holiday(day) is None

    def next_business_day(self, day: date) -> date:
        """The first business day after `day`."""
        for offset in range(1, _MAX_SCAN):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise ValueError(f"no business day within a year after {day}")

    def nth_business_day(self, year: int, month: int, n: int) -> date:
        """The month's `n`th business day (1 = the first); its last business day when it has fewer."""
        if n < 1:
            raise ValueError("n counts from 1")
        found: date | None = None
        count = 0
        day = date(year, month, 1)
        while day.month == month:
            if self.is_business_day(day):
                count += 1
                found = day
                if count == n:
                    return day
            day += timedelta(days=1)
        if found is None:
            raise ValueError(f"{year}-{month:02d} has no business day")
        return found

    def business_days_after(self, start: date, end: date) -> int:
        """How many business days fall after `start`, up to and including `end` (0 when end <= start)."""
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            if self.is_business_day(day):
                count += 1
            day += timedelta(days=1)
        return count


@lru_cache(maxsize=256)
def business_calendar(country: str | None) -> BusinessCalendar:
    """The (shared) calendar of `country`: building a country's holiday rules costs more than a lookup."""
    return BusinessCalendar(country)
