"""KPI measurements: reading them from CSV files, and how far a reading has come toward its target."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

from .convert import read_csv_rows
from .errors import CsiError, Problem, ValidationError
from .model import Measurement
from .quarters import quarter_end

COLUMNS = ("kpi", "date", "quarter", "value", "source")


def progress_percent(actual: float | None, baseline: float | None, target: float | None) -> float:
    """Percent of the way from baseline (0) to target (100) that ``actual`` has come.

    Works for falling targets too: the sign of ``target - baseline`` carries the
    direction, so a value worse than the baseline is negative and one past the target
    is over 100. A target equal to the baseline leaves no way to go: 100 when
    ``actual`` is there, NaN otherwise. A missing value (None or NaN) gives NaN.
    Pure Python, so a participant's kernel can use it without pandas.

    Examples
    --------
    >>> progress_percent(60, 50, 70)
    50.0
    >>> progress_percent(8, 10, 6)
    50.0
    """
    if any(v is None or v != v for v in (actual, baseline, target)):
        return math.nan
    span = target - baseline
    if span == 0:
        return 100.0 if actual == target else math.nan
    return 100 * (actual - baseline) / span


def read_measurements_csv(path: str | Path, known_kpis: set[str] | None = None) -> list[Measurement]:
    """Read ``kpi, date|quarter, value[, source]`` rows; all or nothing.

    Parameters
    ----------
    path
        A UTF-8 CSV file whose first line names the columns.
    known_kpis
        The workshop's KPI ids; a row naming any other KPI is refused. None skips the check.

    Raises
    ------
    ImportFileError
        One line per bad cell, naming the row (as a spreadsheet numbers it) and column;
        two rows giving one KPI on one date different values are refused (a row repeated
        as it is counts once).
    """
    seen: dict[tuple[str, date], Measurement] = {}

    def one(row: dict) -> Measurement:
        m = _row(row, known_kpis)
        first = seen.setdefault((m.kpi, m.date), m)
        if first.value != m.value:
            msg = (
                f"{m.kpi} on {m.date:%Y-%m-%d} is already {first.value:g} in an earlier row; give one value per KPI "
                "and date (a quarter counts as its last day)"
            )
            raise ValidationError([Problem("value", msg)])
        return m

    rows = read_csv_rows(path, _header_problem, one)
    return list({(m.kpi, m.date): m for m in rows}.values())  # a row repeated as is counts once


def _header_problem(header: list[str]) -> str | None:
    """What is wrong with the column names, or None."""
    unknown = [h for h in header if h not in COLUMNS]
    if unknown or "kpi" not in header or "value" not in header or not ({"date", "quarter"} & set(header)):
        return "must have columns kpi, value and date or quarter (optional: source)"
    return None


def _row(row: dict, known_kpis: set[str] | None) -> Measurement:
    """One row as a Measurement; raises ValidationError naming every bad cell."""
    problems: list[Problem] = []
    kpi = (row.get("kpi") or "").strip()
    if not kpi:
        problems.append(Problem("kpi", "is empty"))
    elif known_kpis is not None and kpi not in known_kpis:
        problems.append(
            Problem("kpi", f"{kpi!r} is not a KPI of this workshop; known: {', '.join(sorted(known_kpis))}")
        )
    day = None
    raw_date, raw_q = (row.get("date") or "").strip(), (row.get("quarter") or "").strip()
    if raw_date:
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            problems.append(Problem("date", f"{raw_date!r} is not a date; write it as YYYY-MM-DD"))
    elif raw_q:
        try:
            day = quarter_end(raw_q)
        except CsiError as exc:
            problems.append(Problem("quarter", str(exc)))
    else:
        problems.append(Problem("date", "give a date (YYYY-MM-DD) or a quarter (YYYYQn)"))
    raw_value = (row.get("value") or "").strip()
    value = 0.0
    try:
        value = float(raw_value)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError
    except ValueError:
        problems.append(Problem("value", f"{raw_value!r} is not a number"))
    if problems:
        raise ValidationError(problems)
    return Measurement(kpi=kpi, date=day, value=value, source=(row.get("source") or "").strip())
