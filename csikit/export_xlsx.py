"""The export as one XLSX workbook: typed cells, a frozen header with filters, fitted widths.

Every sheet is one of :data:`csikit.export.TABLES`: its header row is bold and frozen, an
autofilter covers the table, each column is as wide as its longest line (capped), dates and
times are real Excel dates with a number format, whole numbers are integers, and text a
spreadsheet would take for a formula is a text cell with Excel's quote prefix. It also holds
the two rules of text in a spreadsheet that the CSV export keeps too (:func:`looks_like_formula`,
:func:`xlsx_safe`); it imports nothing of csikit, so :mod:`csikit.export` imports it.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

#: Characters an XLSX file cannot hold (control characters other than tab and newlines).
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_safe(value: object) -> object:
    """Text as an XLSX cell can hold it: line breaks are ``\\n`` (XML reads ``\\r`` as one), and
    other control characters become U+FFFD (the file format refuses them)."""
    if not isinstance(value, str):
        return value
    return _NOT_IN_XLSX.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))


#: How a spreadsheet recognises a formula (OWASP's list for CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    """Whether a spreadsheet would take this text for a formula (OWASP's CSV injection list)."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


#: Number format of the kinds that need one (whole and decimal numbers show as they are).
NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss"}
#: Widest a column gets, in characters: a 500-character idea stays readable in its cell
#: without pushing every other column off the screen.
MAX_WIDTH = 60
_SHOWN_WIDTH = {"date": 10, "datetime": 19}


def write_workbook(path: Path, sheets: list[tuple[Any, pd.DataFrame]]) -> None:
    """Write one sheet per table (a :class:`csikit.export.Table` and its typed frame from
    :func:`csikit.export.tables`) to ``path``.

    The workbook is streamed (openpyxl's write-only mode): a room of hundreds answering a
    whole agenda is tens of thousands of rows, which a workbook held in memory writes at a
    fraction of the speed and several times the memory.
    """
    book = Workbook(write_only=True)
    for table, frame in sheets:
        _write_sheet(book, book.create_sheet(table.sheet), table, frame)
    book.save(path)


def _write_sheet(book, sheet, table: Any, frame: pd.DataFrame) -> None:
    typed = [frame[col.key].tolist() for col in table.columns]
    cells = [[_cell_value(v, col.kind) for v in values] for col, values in zip(table.columns, typed, strict=True)]
    # a streamed sheet takes its widths, pane and filter before its first row
    for c, (col, values) in enumerate(zip(table.columns, cells, strict=True), start=1):
        shown = [_SHOWN_WIDTH.get(col.kind) or _width(v) for v in values if v is not None]
        width = max([_width(col.header), *shown])
        sheet.column_dimensions[get_column_letter(c)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(frame) + 1}"
    bold = Font(bold=True)
    sheet.append([_styled(sheet, col.header, font=bold) for col in table.columns])
    formats = [NUMBER_FORMATS.get(col.kind) for col in table.columns]
    texts = [col.kind == "text" for col in table.columns]
    for r in range(len(frame)):
        row = []
        for c in range(len(table.columns)):
            value = cells[c][r]
            if value is None or not (formats[c] or (texts[c] and looks_like_formula(typed[c][r]))):
                row.append(value)
            elif formats[c]:
                row.append(_styled(sheet, value, number_format=formats[c]))
            else:
                # Excel's own mark for text typed with a leading ': the cell holds the text
                # exactly as typed (it reads, sorts, filters and counts as typed, unlike a
                # literal ' in the value), shows the ' only in the formula bar, and stays text
                # when someone edits it. The cell is a plain string either way: openpyxl would
                # otherwise store any text starting with = as a formula.
                cell = _styled(sheet, value, quotePrefix=True)
                cell.data_type = "s"
                row.append(cell)
        sheet.append(row)


def _styled(sheet, value, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _cell_value(value, kind: str):
    """A frame's value as the cell holds it (None: an empty cell)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if kind == "int":
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "date":
        return value.date()
    if kind == "datetime":
        return value.to_pydatetime()
    return xlsx_safe(value) or None


def _width(value) -> int:
    """How many characters wide a value shows: its longest line, wide characters counting two."""
    if isinstance(value, float):
        return len(f"{value:.10g}")
    if not isinstance(value, str):
        return len(str(value))
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in value.split("\n"))
