"""Tidy tables of a workshop's data, for spreadsheets and other tools."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from . import convert
from .store import Store


def tables(store: Store, code: str) -> dict[str, pd.DataFrame]:
    """The register, responses, ideas, measurements and audit trail as frames.

    Responses carry a participant number, never a name: anonymous stays anonymous, and
    ``shown_position``: where the item stood on that person's screen (1 = first; empty for
    answers entered from paper), the input of the fair-order check.
    """
    ws = store.workshop(code)
    register = pd.json_normalize([convert.to_plain(i) for i in store.initiatives(code)], sep="_")
    rows, idea_rows = [], []
    for a in ws.agenda:
        texts = {i.id: i.text for i in store.status(code, a.id).items}
        for r in store.responses(code, a.id):
            rows.append({"step": int(a.step), "activity": a.id, "kind": a.kind.value, "participant": r.participant,
                         "item": r.item, "item_text": texts.get(r.item, ""), "criterion": r.criterion,
                         "value": r.value, "comment": r.comment,
                         "shown_position": None if r.position is None else r.position + 1})
        for idea in store.ideas(code, a.id) if a.kind.value == "ideas" else []:
            idea_rows.append({"step": int(a.step), "activity": a.id, "idea": idea.id, "participant": idea.participant,
                              "text": idea.text, "merged_into": idea.merged_into})
    measurements = pd.DataFrame([convert.to_plain(m) for m in store.measurements(code)], columns=["kpi", "date", "value", "source"])
    events = pd.DataFrame([convert.to_plain(e) for e in store.events(code)], columns=["at", "action", "activity", "actor", "detail"])
    return {
        "register": register,
        "responses": pd.DataFrame(rows, columns=["step", "activity", "kind", "participant", "item", "item_text", "criterion", "value", "comment",
                                            "shown_position"]).astype({"shown_position": "Int64"}),
        "ideas": pd.DataFrame(idea_rows, columns=["step", "activity", "idea", "participant", "text", "merged_into"]),
        "measurements": measurements,
        "events": events,
    }


#: Characters an XLSX file cannot hold (control characters other than tab and newlines).
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_safe(value: object) -> object:
    """Text as an XLSX cell can hold it: line breaks are ``\\n`` (XML reads ``\\r`` as one), and
    other control characters become U+FFFD (the file format refuses them)."""
    if not isinstance(value, str):
        return value
    return _NOT_IN_XLSX.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))


#: How a spreadsheet recognises a formula (OWASP's list for CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """Text that a spreadsheet opening the CSV would run as a formula gets a leading ``'``
    (the spreadsheet convention for "this is text"); every other text is exactly as typed."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def from_csv(value: object) -> object:
    """The text as typed, from a CSV cell that :func:`csv_safe` wrote."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def _texts(frame: pd.DataFrame, fix) -> pd.DataFrame:
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
            frame[col] = frame[col].map(fix)
    return frame


def export_tables(store: Store, code: str, out: Path, fmt: str = "csv") -> list[Path]:
    """Write every table to ``out`` as CSV files or one Excel workbook; return the paths.

    Participants' text stays text: never a formula in the workbook, nor in a spreadsheet
    that opens the CSV (text starting with ``= + - @`` gets a leading ``'``; :func:`from_csv`
    takes it off). All other text is exactly as typed.
    """
    out.mkdir(parents=True, exist_ok=True)
    frames = tables(store, code)
    if fmt == "xlsx":
        file = out / f"{code}.xlsx"
        with pd.ExcelWriter(file, engine="openpyxl") as writer:
            for name, frame in frames.items():
                _texts(frame, xlsx_safe).to_excel(writer, sheet_name=name, index=False)
                _text_not_formulas(writer.sheets[name])
        return [file]
    paths = []
    for name, frame in frames.items():
        file = out / f"{name}.csv"
        # CRLF rows (RFC 4180): the writer then quotes a field holding a lone "\r", which a
        # reader would otherwise take for the end of the row
        _texts(frame, csv_safe).to_csv(file, index=False, lineterminator="\r\n")
        paths.append(file)
    return paths


def _text_not_formulas(sheet) -> None:
    """Keep every cell a value: openpyxl stores any text starting with ``=`` as a formula,
    so a participant's idea such as ``=HYPERLINK(...)`` would become live in the workbook."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
