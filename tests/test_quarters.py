"""Quarters: parsing, their first and last days, shifting, and which quarter a review covers."""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from csikit.errors import CsiError
from csikit.quarters import (
    as_of,
    parse_quarter,
    quarter_end,
    quarter_of,
    quarter_start,
    quarters_with_data,
    resolve_quarter,
    shift_quarter,
)


def reading(day: date) -> SimpleNamespace:
    return SimpleNamespace(date=day)


def event(day: date) -> SimpleNamespace:
    return SimpleNamespace(at=datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc))


@pytest.mark.parametrize(("quarter", "start", "end"), [
    ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ("2026Q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("2025Q4", date(2025, 10, 1), date(2025, 12, 31)),
])
def test_first_and_last_day(quarter, start, end):
    assert quarter_start(quarter) == start
    assert quarter_end(quarter) == end
    assert quarter_of(start) == quarter_of(end) == quarter


@pytest.mark.parametrize(("quarter", "by", "expected"), [
    ("2026Q1", -1, "2025Q4"), ("2025Q4", 1, "2026Q1"), ("2026Q3", 0, "2026Q3"), ("2026Q2", 6, "2027Q4"),
    ("2026Q2", -9, "2024Q1"),
])
def test_shift_quarter_crosses_years(quarter, by, expected):
    assert shift_quarter(quarter, by) == expected


def test_parse_quarter_reads_loose_spellings():
    assert parse_quarter(" 2026 q3 ") == (2026, 3)
    assert parse_quarter("2026-Q1") == (2026, 1)


@pytest.mark.parametrize("bad", ["2026Q5", "2026Q0", "Q3 2026", "2026-09", "", "next"])
def test_bad_quarter_says_how_to_write_it(bad):
    with pytest.raises(CsiError, match="write it as YYYYQn, e.g. 2026Q3"):
        parse_quarter(bad)
    with pytest.raises(CsiError, match="write it as YYYYQn"):
        quarter_end(bad)


def test_as_of_is_the_quarter_end_or_today():
    assert as_of("2026Q2") == date(2026, 6, 30)
    assert as_of(None) == as_of("") == date.today()


def test_quarters_with_data_join_readings_and_events_oldest_first():
    readings = [reading(date(2026, 3, 31)), reading(date(2025, 12, 1)), reading(date(2026, 2, 1))]
    assert quarters_with_data(readings) == ["2025Q4", "2026Q1"]
    assert quarters_with_data(readings, [event(date(2026, 8, 4))]) == ["2025Q4", "2026Q1", "2026Q3"]
    assert quarters_with_data([], []) == []


def test_resolve_quarter_defaults_to_the_latest_with_data():
    readings = [reading(date(2026, 3, 31)), reading(date(2025, 12, 1))]
    assert resolve_quarter("", readings) == "2026Q1"
    assert resolve_quarter("", readings, [event(date(2026, 11, 2))]) == "2026Q4"  # a workshop just held
    assert resolve_quarter("2025 q4", iter(readings)) == "2025Q4"  # normalised; any iterable


def test_resolve_quarter_without_data_names_the_quarters_with_data():
    readings = [reading(date(2026, 3, 31)), reading(date(2025, 12, 1))]
    with pytest.raises(CsiError, match=r"^2024Q1 has no KPI measurements and no workshop activity to review; "
                                       r"quarters with measurements: 2025Q4, 2026Q1$"):
        resolve_quarter("2024Q1", readings)
    with pytest.raises(CsiError, match="quarters with measurements: none"):
        resolve_quarter("2026Q3", [], [event(date(2026, 1, 5))])
    assert resolve_quarter("2026Q1", [], [event(date(2026, 1, 5))]) == "2026Q1"
    with pytest.raises(CsiError, match="no KPI measurements yet; add some with: csikit measure"):
        resolve_quarter("", [], [])
