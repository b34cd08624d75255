"""The export as one XLSX workbook: typed cells, a frozen header with filters, fitted widths.

Every sheet is one of :data:`csikit.export.TABLES`: its header row is bold and frozen, an
autofilter covers the table, each column is as wide as its longest line (capped), dates and
times are real Excel dates with a number format, whole numbers are integers, and text a
spreadsheet would take for a formula is a text cell with Excel's quote prefix.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .export import Table, looks_like_formula, xlsx_safe

#: Number format of each kind of column (``General`` leaves numbers as Excel shows them).
NUMBER_FORMATS = {"int": "0", "number": "General", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss"}
#: Widest a column gets, in characters: a 500-character idea stays readable in its cell
#: without pushing every other column off the screen.
MAX_WIDTH = 60
_SHOWN_WIDTH = {"date": 10, "datetime": 19}


def write_workbook(path: Path, sheets: list[tuple[Table, pd.DataFrame]]) -> None:
    """Write one sheet per table (its typed frame from :func:`csikit.export.tables`) to ``path``."""
    book = Workbook()
    book.remove(book.active)
    for table, frame in sheets:
        _write_sheet(book.create_sheet(table.sheet), table, frame)
    book.save(path)


def _write_sheet(sheet, table: Table, frame: pd.DataFrame) -> None:
    bold = Font(bold=True)
    widths = []
    for c, col in enumerate(table.columns, start=1):
        sheet.cell(row=1, column=c, value=col.header).font = bold
        widths.append(_width(col.header))
    for c, col in enumerate(table.columns, start=1):
        fmt, shown = NUMBER_FORMATS.get(col.kind), _SHOWN_WIDTH.get(col.kind)
        for r, value in enumerate(frame[col.key].tolist(), start=2):
            typed, value = value, _cell_value(value, col.kind)
            if value is None:
                continue
            cell = sheet.cell(row=r, column=c, value=value)
            if fmt:
                cell.number_format = fmt
            if col.kind == "text" and looks_like_formula(typed):
                # Excel's own mark for text typed with a leading ': the cell holds the text
                # exactly as typed (it reads, sorts, filters and counts as typed, unlike a
                # literal ' in the value), shows the ' only in the formula bar, and stays text
                # when someone edits it. The cell is a plain string either way: openpyxl would
                # otherwise store any text starting with = as a formula.
                cell.data_type = "s"
                cell.quotePrefix = True
            widths[c - 1] = max(widths[c - 1], shown or _width(value))
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(table.columns))
    sheet.auto_filter.ref = f"A1:{last}{len(frame) + 1}"


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
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
               for line in value.split("\n"))
