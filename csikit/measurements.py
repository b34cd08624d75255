"""KPI measurements from CSV files, and the quarters they fall in."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

from .errors import CsiError, ImportFileError, Problem, ValidationError
from .model import Measurement

_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
COLUMNS = ("kpi", "date", "quarter", "value", "source")


def parse_quarter(text: str) -> tuple[int, int]:
    """``'2026Q3'`` → ``(2026, 3)``; raise CsiError with the expected form otherwise."""
    m = _QUARTER.match(str(text).strip())
    if not m:
        msg = f"{text!r} is not a quarter; write it as YYYYQn, e.g. 2026Q3"
        raise CsiError(msg)
    return int(m.group(1)), int(m.group(2))


def quarter_of(day: date) -> str:
    """The quarter a date falls in, as ``'2026Q3'``."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_end(quarter: str) -> date:
    """The last day of a quarter."""
    year, q = parse_quarter(quarter)
    month = q * 3
    return date(year, month, 30 if month in (6, 9) else 31)


def read_measurements_csv(path: str | Path, known_kpis: set[str] | None = None) -> list[Measurement]:
    """Read ``kpi, date|quarter, value[, source]`` rows; all or nothing.

    Raises
    ------
    ImportFileError
        One line per bad cell, naming the row (as a spreadsheet numbers it) and column.
    """
    path = Path(path)
    try:
        return _read(path, known_kpis)
    except UnicodeDecodeError:
        raise ImportFileError(str(path), [f"{path.name}:1: is not UTF-8 text; save it as 'CSV UTF-8'"]) from None


def _read(path: Path, known_kpis: set[str] | None) -> list[Measurement]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        problems: list[str] = []
        unknown = [h for h in header if h not in COLUMNS]
        if unknown or "kpi" not in header or "value" not in header or not ({"date", "quarter"} & set(header)):
            msg = (f"{path.name}:1: the header must have columns kpi, value and date or quarter "
                   f"(optional: source); found {', '.join(header) or 'nothing'}")
            raise ImportFileError(str(path), [msg])
        reader.fieldnames = header
        out: list[Measurement] = []
        for row in reader:
            rowno = reader.line_num
            got = _row(row, known_kpis)
            if isinstance(got, Measurement):
                out.append(got)
            else:
                problems += [f"{path.name}:{rowno}: {p.field}: {p.message}" for p in got]
    if problems:
        raise ImportFileError(str(path), problems)
    return out


def _row(row: dict, known_kpis: set[str] | None) -> Measurement | list[Problem]:
    problems: list[Problem] = []
    kpi = (row.get("kpi") or "").strip()
    if not kpi:
        problems.append(Problem("kpi", "is empty"))
    elif known_kpis is not None and kpi not in known_kpis:
        problems.append(Problem("kpi", f"{kpi!r} is not a KPI of this workshop; known: {', '.join(sorted(known_kpis))}"))
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
        return problems
    try:
        return Measurement(kpi=kpi, date=day, value=value, source=(row.get("source") or "").strip())
    except ValidationError as exc:
        return exc.problems
