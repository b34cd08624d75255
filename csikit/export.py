"""Tidy tables of a workshop's data, for spreadsheets and other tools."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import records
from .store import Store


def tables(store: Store, code: str) -> dict[str, pd.DataFrame]:
    """The register, responses, ideas, measurements and audit trail as frames.

    Responses carry a participant number, never a name: anonymous stays anonymous.
    """
    ws = store.workshop(code)
    register = pd.json_normalize([records.to_plain(i) for i in store.initiatives(code)], sep="_")
    rows, idea_rows = [], []
    for a in ws.agenda:
        texts = {i.id: i.text for i in store.status(code, a.id).items}
        for r in store.responses(code, a.id):
            rows.append({"step": int(a.step), "activity": a.id, "kind": a.kind.value, "participant": r.participant,
                         "item": r.item, "item_text": texts.get(r.item, ""), "criterion": r.criterion,
                         "value": r.value, "comment": r.comment})
        for idea in store.ideas(code, a.id) if a.kind.value == "ideas" else []:
            idea_rows.append({"step": int(a.step), "activity": a.id, "idea": idea.id, "participant": idea.participant,
                              "text": idea.text, "merged_into": idea.merged_into})
    measurements = pd.DataFrame([records.to_plain(m) for m in store.measurements(code)], columns=["kpi", "date", "value", "source"])
    events = pd.DataFrame([records.to_plain(e) for e in store.events(code)], columns=["at", "action", "activity", "actor", "detail"])
    return {
        "register": register,
        "responses": pd.DataFrame(rows, columns=["step", "activity", "kind", "participant", "item", "item_text", "criterion", "value", "comment"]),
        "ideas": pd.DataFrame(idea_rows, columns=["step", "activity", "idea", "participant", "text", "merged_into"]),
        "measurements": measurements,
        "events": events,
    }


def export_tables(store: Store, code: str, out: Path, fmt: str = "csv") -> list[Path]:
    """Write every table to ``out`` as CSV files or one Excel workbook; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    frames = tables(store, code)
    if fmt == "xlsx":
        file = out / f"{code}.xlsx"
        with pd.ExcelWriter(file, engine="openpyxl") as writer:
            for name, frame in frames.items():
                frame.to_excel(writer, sheet_name=name, index=False)
                _text_not_formulas(writer.sheets[name])
        return [file]
    paths = []
    for name, frame in frames.items():
        file = out / f"{name}.csv"
        frame.to_csv(file, index=False)
        paths.append(file)
    return paths


def _text_not_formulas(sheet) -> None:
    """Keep every cell a value: openpyxl stores any text starting with ``=`` as a formula,
    so a participant's idea such as ``=HYPERLINK(...)`` would become live in the workbook."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
