"""Dates at their true precision: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``, with derived day bounds."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import NamedTuple

_FORM = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")  # ASCII digits only (\d takes any script)
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


class DateError(ValueError):
    """A date value that is malformed or impossible; the message says what is allowed."""


class PartialDate(NamedTuple):
    value: str
    precision: str  # "day", "month" or "year"
    start: dt.date
    end: dt.date


def parse(value: str) -> PartialDate:
    """Parse a date at its true precision and return its first and last possible days.

    >>> parse("2023-10")
    PartialDate(value='2023-10', precision='month', start=datetime.date(2023, 10, 1), end=datetime.date(2023, 10, 31))
    """
    match = _FORM.fullmatch(value)
    if not match:
        raise DateError(f"{value!r} is not a date; write YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2023-07-18, 2023-07, 2023)")
    year, month, day = (int(g) if g else None for g in match.groups())
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise DateError(f"{value!r}: year {year} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")
    if month is None:
        return PartialDate(value, "year", dt.date(year, 1, 1), dt.date(year, 12, 31))
    if not 1 <= month <= 12:
        raise DateError(f"{value!r}: month {month:02d} does not exist (01-12)")
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return PartialDate(value, "month", dt.date(year, month, 1), dt.date(year, month, last))
    if not 1 <= day <= last:
        raise DateError(f"{value!r}: {calendar.month_name[month]} {year} has days 01-{last:02d}")
    day_date = dt.date(year, month, day)
    return PartialDate(value, "day", day_date, day_date)


def precision_of(value: str) -> str:
    """The precision a date string's form implies (no validation)."""
    return {4: "year", 7: "month", 10: "day"}.get(len(value), "invalid")
