"""The date model: true precision, derived bounds, impossible dates rejected."""

import datetime as dt

import pytest

from aigov_timeline.dates import DateError, parse


@pytest.mark.parametrize("value, precision, start, end", [
    ("2023-07-18", "day", dt.date(2023, 7, 18), dt.date(2023, 7, 18)),
    ("2023-10", "month", dt.date(2023, 10, 1), dt.date(2023, 10, 31)),
    ("2024-02", "month", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2023-02", "month", dt.date(2023, 2, 1), dt.date(2023, 2, 28)),
    ("2024", "year", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
])
def test_bounds_follow_the_precision(value, precision, start, end):
    parsed = parse(value)
    assert (parsed.precision, parsed.start, parsed.end) == (precision, start, end)


@pytest.mark.parametrize("value, message", [
    ("2023-02-30", "February 2023 has days 01-28"),
    ("2024-13", "month 13 does not exist"),
    ("2023-7-18", "not a date"),
    ("18 July 2023", "not a date"),
    ("0025-01-01", "outside"),
    ("2023-07-18T10:00", "not a date"),
])
def test_bad_dates_are_rejected_with_a_reason(value, message):
    with pytest.raises(DateError, match=message):
        parse(value)
