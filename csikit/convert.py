"""Plain data (YAML, JSON, CSV rows) converted to and from model records.

One generic converter, driven by the records' type hints, so the workshop file,
the store and the CSV importers agree on every field. Problems are collected,
not raised one at a time: a person fixing a file wants to see all of them.
The CSV importers share :func:`read_csv_rows`, so every bad cell is reported the
same way: ``file:line: field: what to fix``.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from .errors import ImportFileError, Problem, ValidationError

T = TypeVar("T")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def _describe(value: Any) -> str:
    return repr(value) if not isinstance(value, (dict, list)) else type(value).__name__


def build(cls: type[T], data: Any, path: str = "") -> T:
    """Build a record of ``cls`` from plain data; raise ValidationError listing every problem."""
    problems: list[Problem] = []
    result = _convert(cls, data, path, problems)
    if problems:
        raise ValidationError(problems)
    return result


def _convert(tp: Any, value: Any, path: str, problems: list[Problem]) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(args[0], value, path, problems)
    if origin is tuple:
        inner = typing.get_args(tp)[0]
        if isinstance(value, (str, dict)) or not isinstance(value, (list, tuple)):
            problems.append(Problem(path, f"must be a list, not {_describe(value)}"))
            return ()
        return tuple(_convert(inner, v, _join(path, i), problems) for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp):
        return _record(tp, value, path, problems)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _enum(tp, value, path, problems)
    if tp is bool:
        if not isinstance(value, bool):
            problems.append(Problem(path, f"must be true or false, not {_describe(value)}"))
            return False
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                return int(value)
            problems.append(Problem(path, f"must be a whole number, not {_describe(value)}"))
            return 0
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                return float(str(value).strip())
            except ValueError:
                problems.append(Problem(path, f"must be a number, not {_describe(value)}"))
                return 0.0
        return float(value)
    if tp is str:
        if isinstance(value, (dict, list)):
            problems.append(Problem(path, f"must be text, not a {type(value).__name__}"))
            return ""
        return "" if value is None else str(value)
    if tp is date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            problems.append(Problem(path, f"{_describe(value)} is not a date; write it as YYYY-MM-DD"))
            return date(1970, 1, 1)
    return value


def _enum(tp: type[Enum], value: Any, path: str, problems: list[Problem]) -> Any:
    for member in tp:
        if value == member.value or (isinstance(value, str) and value == member.name.lower()):
            return member
    choices = [str(m.value) for m in tp]
    msg = f"{_describe(value)} is not one of {', '.join(choices)}"
    close = difflib.get_close_matches(str(value), choices, n=1)
    problems.append(Problem(path, msg + (f"; did you mean {close[0]!r}?" if close else "")))
    return next(iter(tp))


def _record(cls: type, value: Any, path: str, problems: list[Problem]) -> Any:
    if not isinstance(value, dict):
        problems.append(Problem(path, f"must be a mapping of fields, not {_describe(value)}"))
        return None
    hints = _hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if not f.name.startswith("_")}
    kwargs: dict[str, Any] = {}
    before = len(problems)
    for key, raw in value.items():
        name = str(key)
        if name not in known:
            msg = f"unknown field {name!r}"
            close = difflib.get_close_matches(name, list(known), n=1)
            msg += f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(known)}"
            problems.append(Problem(_join(path, name), msg))
            continue
        kwargs[name] = _convert(hints[name], raw, _join(path, name), problems)
    for name, f in known.items():
        missing = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if missing and name not in kwargs:
            problems.append(Problem(_join(path, name), "is required but missing"))
    if len(problems) > before:
        return None
    try:
        return cls(**kwargs)
    except ValidationError as exc:
        problems.extend(Problem(_join(path, p.field) if p.field else path, p.message) for p in exc.problems)
        return None


def to_plain(record: Any) -> Any:
    """A record as JSON-ready plain data (enums as values, dates as ISO text)."""
    if dataclasses.is_dataclass(record):
        return {
            f.name: to_plain(getattr(record, f.name)) for f in dataclasses.fields(record) if not f.name.startswith("_")
        }
    if isinstance(record, (list, tuple)):
        return [to_plain(v) for v in record]
    if isinstance(record, Enum):
        return record.value
    if isinstance(record, date):
        return record.isoformat()
    return record


def row_error(path: str | Path, line: int, problem: Problem) -> str:
    """One line of an import error: ``file:line: field: what to fix``."""
    return f"{Path(path).name}:{line}: {problem}"


def read_csv_rows(
    path: str | Path,
    header: Callable[[list[str]], str | None],
    row: Callable[[dict[str, str | None]], T],
) -> list[T]:
    """Every data row of a UTF-8 CSV file turned into a record; all rows or none.

    Parameters
    ----------
    path
        The CSV file (a byte-order mark, as Excel writes, is allowed).
    header
        Given the column names, stripped and lower-cased, returns None when they
        will do, else what the header must be ("must be practice, assessor, level").
    row
        Turns one row (keyed by those names) into a record, or raises
        :class:`~csikit.errors.ValidationError` listing each bad cell.

    Raises
    ------
    ImportFileError
        One ``file:line: field: what to fix`` line per problem, numbering lines as
        a spreadsheet does (the header is line 1). Every row is read first, so one
        error lists all the bad cells.
    OSError
        The file cannot be opened (callers say where it was expected).
    """
    path = Path(path)
    out: list[T] = []
    problems: list[str] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            names = [h.strip().lower() for h in reader.fieldnames or []]
            wrong = header(names)
            if wrong:
                found = ", ".join(names) or "nothing"
                raise ImportFileError(
                    str(path), [row_error(path, 1, Problem("", f"the header {wrong}; found {found}"))]
                )
            reader.fieldnames = names
            for cells in reader:
                try:
                    out.append(row(cells))
                except ValidationError as exc:
                    problems += [row_error(path, reader.line_num, p) for p in exc.problems]
    except UnicodeDecodeError:
        raise ImportFileError(
            str(path), [row_error(path, 1, Problem("", "is not UTF-8 text; save it as 'CSV UTF-8'"))]
        ) from None
    if problems:
        raise ImportFileError(str(path), problems)
    return out
