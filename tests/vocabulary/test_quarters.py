"""Quarters: parsing, their first and last days, shifting, and which quarter a review covers."""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from csikit import clock
from csikit.errors import CsiError
from csikit.quarters import (
    as_of,
    in_progress,
    moment_of,
    parse_quarter,
    quarter_end,
    quarter_label,
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


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [
        ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026Q2", date(2026, 4, 1), date(2026, 6, 30)),
        ("2026Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2025Q4", date(2025, 10, 1), date(2025, 12, 31)),
    ],
)
def test_first_and_last_day(quarter, start, end):
    assert quarter_start(quarter) == start
    assert quarter_end(quarter) == end
    assert quarter_of(start) == quarter_of(end) == quarter


@pytest.mark.parametrize(
    ("quarter", "by", "expected"),
    [
        ("2026Q1", -1, "2025Q4"),
        ("2025Q4", 1, "2026Q1"),
        ("2026Q3", 0, "2026Q3"),
        ("2026Q2", 6, "2027Q4"),
        ("2026Q2", -9, "2024Q1"),
    ],
)
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
    assert as_of("2026Q2", NOW) == date(2026, 6, 30)
    assert as_of(None) == as_of("") == clock.today()


#: The moment the issue was written: 2026Q4 in progress.
NOW = datetime(2026, 12, 5, 14, 30)


def test_the_quarter_in_progress_is_as_of_now_a_finished_one_as_of_its_last_moment():
    assert moment_of("2026Q3", NOW) == datetime(2026, 9, 30, 23, 59, 59, 999999)
    assert moment_of("2026Q4", NOW) == moment_of("2027Q2", NOW) == moment_of(None, NOW) == NOW
    assert as_of("2026Q4", NOW) == date(2026, 12, 5)  # overdue days and the roadmap's line: today
    assert not in_progress("2026Q3", NOW) and in_progress("2026Q4", NOW)
    assert quarter_label("2026Q4", NOW) == "2026Q4, in progress, as of 5 Dec 2026"
    assert quarter_label("2026Q3", NOW) == "2026Q3"


def test_the_one_clock_moves_every_reader_of_the_time(monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 2, 3, 10, 0))
    assert clock.today() == date(2026, 2, 3) and as_of(None) == date(2026, 2, 3)
    assert in_progress("2026Q1") and not in_progress("2025Q4")
    from csikit.store import core

    assert core.now() == datetime(2026, 2, 3, 10, 0)  # what the store stamps its rows with


def test_quarters_with_data_join_readings_and_events_oldest_first():
    readings = [reading(date(2026, 3, 31)), reading(date(2025, 12, 1)), reading(date(2026, 2, 1))]
    assert quarters_with_data(readings) == ["2025Q4", "2026Q1"]
    assert quarters_with_data(readings, [event(date(2026, 8, 4))]) == ["2025Q4", "2026Q1", "2026Q3"]
    assert quarters_with_data([], []) == []


def test_resolve_quarter_defaults_to_the_last_finished_quarter_with_data():
    readings = [reading(date(2026, 3, 31)), reading(date(2025, 12, 1))]
    today = date(2026, 12, 5)
    assert resolve_quarter("", readings, today=today) == "2026Q1"
    # a workshop just held does not move the leadership pack off the last finished quarter ...
    held = [event(date(2026, 11, 2))]
    assert resolve_quarter("", readings, held, today=today) == "2026Q1"
    # ... and stays reachable, as "current" or by name
    assert (
        resolve_quarter("current", readings, held, today=today) == resolve_quarter("2026Q4", readings, held) == "2026Q4"
    )
    assert resolve_quarter(" Current ", readings, held, today=today) == "2026Q4"
    # with nothing finished yet, the quarter in progress
    assert resolve_quarter("", [], held, today=today) == "2026Q4"
    assert resolve_quarter("2025 q4", iter(readings)) == "2025Q4"  # normalised; any iterable
    with pytest.raises(CsiError, match="2026Q4 has no KPI measurements and no workshop activity"):
        resolve_quarter("current", readings, today=today)


def test_resolve_quarter_without_data_names_the_quarters_with_data():
    readings = [reading(date(2026, 3, 31)), reading(date(2025, 12, 1))]
    with pytest.raises(
        CsiError,
        match=r"^2024Q1 has no KPI measurements and no workshop activity to review; "
        r"quarters with measurements: 2025Q4, 2026Q1$",
    ):
        resolve_quarter("2024Q1", readings)
    with pytest.raises(CsiError, match="quarters with measurements: none"):
        resolve_quarter("2026Q3", [], [event(date(2026, 1, 5))])
    assert resolve_quarter("2026Q1", [], [event(date(2026, 1, 5))]) == "2026Q1"
    with pytest.raises(CsiError, match="no KPI measurements yet; add some with: csikit measure"):
        resolve_quarter("", [], [])
