"""``csikit export``: tables a spreadsheet user trusts, as CSV files and one XLSX workbook.

Typed dates and numbers, headers in the screens' words, one column per value, fitted widths,
a frozen header and filters, and participants' text that never becomes a formula. The store
is a copy of the demo rehearsed by a few simulated people, plus ideas, an initiative and a
KPI reading that look like formulas, and text in other scripts.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import copy_demo, invoke

from csikit import export, export_xlsx
from csikit.measurements import read_measurements_csv
from csikit.model import ActivityKind, Initiative, InitiativeState, Measurement, Point
from csikit.simulate import simulate
from csikit.store import Store
from csikit.workshop_file import load_workshop

FORMULA = '=HYPERLINK("http://example.invalid","click me")'
#: Starts OWASP lists for CSV injection, as ideas a participant might type (the store strips
#: a leading tab or carriage return from an idea: those two are checked on their own below).
FORMULA_IDEAS = (FORMULA, "+1+2", "-3 hours a week", "@SUM(A1:A9)")
#: Text in other scripts, and markup, that must come back exactly as typed.
TYPED = ("Café für Zoë — naïve", "Faster fixes 🚀🎉", "تحسين الخدمة", "<script>alert(1)</script>")
SHEETS = ["CSI register", "Responses", "Ideas", "Measurements", "Audit trail"]
FILES = ["register", "responses", "ideas", "measurements", "events"]


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """(workshop folder, store URL, code, tmp): the demo rehearsed by six people with the
    ideas above, two ideas merged, a formula-like initiative and a negative KPI reading."""
    tmp = tmp_path_factory.mktemp("export")
    folder = copy_demo(tmp / "demo")
    url = f"sqlite:///{tmp}/store.sqlite"
    ws = load_workshop(folder)
    store = Store(url)
    store.sync_workshop(ws)
    ideas = next(a.id for a in ws.agenda if a.kind is ActivityKind.IDEAS)
    store.open_activity(ws.code, ideas)
    for n, text in enumerate(FORMULA_IDEAS + TYPED):
        store.add_idea(ws.code, store.join(ws.code, f"Mallory {n}").id, ideas, text)
    simulate(store, ws.code, 6, seed=0, walk=True)
    first, second = [i.id for i in store.ideas(ws.code, ideas)][:2]
    store.merge_ideas(ws.code, ideas, first, [second])
    store.save_initiative(
        ws.code,
        Initiative(
            id="CSI-900",
            title="=1+1",
            owner="@boss",
            description="-minus first",
            kpi=ws.kpis[0].id,
            baseline=Point(-4.5, dt.date(2026, 1, 31), "+source"),
            planned_start=dt.date(2026, 2, 1),
            planned_end=dt.date(2026, 5, 31),
            state=InitiativeState.NEW,
        ),
    )
    store.add_measurements(ws.code, [Measurement(ws.kpis[0].id, dt.date(2026, 6, 30), -3.5, "=cmd|' /C calc'!A0")])
    store.close()
    return folder, url, ws.code, tmp


@pytest.fixture(scope="module")
def csv_out(room):
    folder, url, code, tmp = room
    out = tmp / "csv"
    result = invoke("export", str(folder), "--format", "csv", "--out", str(out), "--store", url)
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def book(room):
    folder, url, code, tmp = room
    out = tmp / "xlsx"
    result = invoke("export", str(folder), "--format", "xlsx", "--out", str(out), "--store", url)
    assert result.exit_code == 0, result.output
    file = out / f"{code}.xlsx"
    assert [p.name for p in out.iterdir()] == [file.name] and str(file) in result.output
    return openpyxl.load_workbook(file)


def counts(url: str, code: str) -> dict[str, int]:
    store = Store(url)
    ws = store.workshop(code)
    found = {
        "register": len(store.initiatives(code)),
        "responses": sum(len(store.responses(code, a.id)) for a in ws.agenda),
        "ideas": sum(len(store.ideas(code, a.id)) for a in ws.agenda if a.kind is ActivityKind.IDEAS),
        "measurements": len(store.measurements(code)),
        "events": len(store.events(code)),
    }
    store.close()
    return found


def columns(sheet) -> dict[str, list]:
    """{header: the column's cells below it}."""
    rows = list(sheet.iter_rows())
    return {head.value: [row[i] for row in rows[1:]] for i, head in enumerate(rows[0])}


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


# --- the tables ---------------------------------------------------------------------------------


def test_every_table_has_human_headers_once_each():
    for table in export.TABLES:
        headers = [c.header for c in table.columns]
        assert len(set(headers)) == len(headers), table.name
        assert all(h[0].isupper() and "_" not in h for h in headers), headers
        assert all(c.kind in export.KINDS for c in table.columns)
    heads = {t.name: {c.key: c.header for c in t.columns} for t in export.TABLES}
    assert heads["responses"]["item_text"] == "Item"
    assert heads["responses"]["shown_position"] == "Position shown (1 = first)"
    assert heads["register"]["closure_code"] == "Closure"
    assert heads["ideas"]["merged_into"] == "Merged into idea #"


def test_register_headers_are_the_words_of_the_screens():
    """The register's headers say what the review's tables and the register editor's form say."""
    from csikit.display import COLUMN_LABELS

    [register] = [t for t in export.TABLES if t.name == "register"]
    heads = {c.key: c.header.lower() for c in register.columns}
    shared = {k: v.lower() for k, v in COLUMN_LABELS.items() if k in heads}
    assert len(shared) >= 4 and {k: heads[k] for k in shared} == shared
    editor = {
        "closure_code": "closure",
        "baseline_date": "baseline date",
        "target_date": "target date",
        "kpi": "kpi",
        "expected_benefit": "expected benefit",
        "measurement_method": "measurement method",
    }
    assert {k: heads[k] for k in editor} == editor


def test_the_register_has_one_column_per_value_of_an_initiative():
    """Each field of an initiative is exported once: a value-at-a-date is spread into its value,
    date and source, the vote's interval into its two ends; no empty ``baseline`` beside
    ``baseline_value`` (what flattening the nested records left)."""
    [register] = [t for t in export.TABLES if t.name == "register"]
    spread = {
        "baseline": ("baseline_value", "baseline_date", "baseline_source"),
        "target": ("target_value", "target_date", "target_source"),
        "latest": ("latest_value", "latest_date", "latest_source"),
        "vote_interval": ("vote_low", "vote_high"),
    }
    expected = [k for f in (f.name for f in dataclasses.fields(Initiative)) for k in spread.get(f, (f,))]
    assert sorted(register.keys) == sorted(expected)
    assert not {"baseline", "target", "latest"} & set(register.keys)


def test_tables_are_typed(room):
    _, url, code, _ = room
    store = Store(url)
    frames = export.tables(store, code)
    store.close()
    for table in export.TABLES:
        frame = frames[table.name]
        assert list(frame.columns) == table.keys
        for col in table.columns:
            dtype = frame[col.key].dtype
            if col.kind == "int":
                assert str(dtype) == "Int64", col.key
            elif col.kind == "number":
                assert pd.api.types.is_float_dtype(dtype), col.key
            elif col.kind in ("date", "datetime"):
                assert pd.api.types.is_datetime64_dtype(dtype), col.key
    merged = frames["ideas"]["merged_into"]
    assert merged.notna().sum() == 1 and merged.isna().sum() == len(merged) - 1


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_files_hold_every_row_with_a_bom_and_human_headers(room, csv_out):
    out, output = csv_out
    _, url, code, _ = room
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in FILES)
    found = counts(url, code)
    assert found["responses"] > 100 and found["ideas"] > 10
    for table in export.TABLES:
        path = out / f"{table.name}.csv"
        assert str(path) in output
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and raw[3:4] != b"\xef"  # one BOM: Excel on Windows reads UTF-8
        assert raw.count(b"\xef\xbb\xbf") == 1
        rows = read_csv(path)
        assert len(rows) == found[table.name], table.name
        assert list(rows[0]) == [c.header for c in table.columns]
    responses = read_csv(out / "responses.csv")
    assert "Name" not in responses[0]  # anonymous stays anonymous
    assert min(int(r["Position shown (1 = first)"]) for r in responses if r["Position shown (1 = first)"]) == 1


def test_csv_dates_numbers_and_ids_as_a_spreadsheet_reads_them(csv_out):
    out, _ = csv_out
    ideas = read_csv(out / "ideas.csv")
    merged = [r["Merged into idea #"] for r in ideas if r["Merged into idea #"]]
    assert len(merged) == 1 and merged[0].isdigit()  # an id, never "7.0"
    register = {r["ID"]: r for r in read_csv(out / "register.csv")}
    assert register["CSI-900"]["Planned start"] == "2026-02-01" and register["CSI-900"]["Baseline"] == "-4.5"
    assert register["CSI-001"]["Baseline"] == "58"  # what a spreadsheet shows, not 58.0
    events = read_csv(out / "events.csv")
    assert all(dt.datetime.strptime(r["When (UTC)"], "%Y-%m-%d %H:%M:%S") for r in events)
    readings = read_csv(out / "measurements.csv")
    assert {"KPI", "Date", "Value", "Source"} == set(readings[0])
    assert "-3.5" in [r["Value"] for r in readings]  # a negative number stays a number, no '


def test_csv_text_never_runs_as_a_formula_and_comes_back_as_typed(csv_out):
    out, _ = csv_out
    texts = [r["Idea"] for r in read_csv(out / "ideas.csv")]
    for typed in FORMULA_IDEAS:
        assert "'" + typed in texts, typed
    for table in export.TABLES:
        for row in read_csv(out / f"{table.name}.csv"):
            for col in table.columns:
                value = row[col.header]
                if col.kind == "text":
                    assert not value.startswith(export_xlsx.FORMULA_START), (table.name, col.header, value)
    ideas = [export.from_csv(t) for t in texts]
    assert all(t in ideas for t in TYPED)  # accents, emoji, right-to-left and markup as typed
    assert FORMULA in ideas


def test_measurements_csv_reads_back_with_csikit_measure(room, csv_out):
    """Edit the exported readings in a spreadsheet and import them again (`csikit measure --file`)."""
    out, _ = csv_out
    _, url, code, _ = room
    store = Store(url)
    kept = store.measurements(code)
    known = {k.id for k in store.workshop(code).kpis}
    store.close()
    back = read_measurements_csv(out / "measurements.csv", known)
    assert [dataclasses.replace(m, source=export.from_csv(m.source)) for m in back] == kept


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_holds_every_row_under_human_headers(room, book):
    _, url, code, _ = room
    assert book.sheetnames == SHEETS
    found = counts(url, code)
    for table in export.TABLES:
        sheet = book[table.sheet]
        assert sheet.max_row - 1 == found[table.name], table.name
        assert [c.value for c in sheet[1]] == [c.header for c in table.columns]
        assert all(c.font.b for c in sheet[1])


def test_xlsx_dates_and_times_are_real_dates(book):
    checked = 0
    for table in export.TABLES:
        cells = columns(book[table.sheet])
        for col in table.columns:
            if col.kind in ("date", "datetime"):
                filled = [c for c in cells[col.header] if c.value is not None]
                fmt = "yyyy-mm-dd" if col.kind == "date" else "yyyy-mm-dd hh:mm:ss"
                assert all(c.is_date and c.data_type == "d" and c.number_format == fmt for c in filled), col.header
                checked += len(filled)
    assert checked > 50
    assert columns(book["Measurements"])["Date"][0].is_date
    assert all(isinstance(c.value, dt.datetime) for c in columns(book["Audit trail"])["When (UTC)"])
    register = {c.value: i for i, c in enumerate(columns(book["CSI register"])["ID"])}
    planned = columns(book["CSI register"])["Planned start"][register["CSI-900"]]
    assert planned.value == dt.datetime(2026, 2, 1) and planned.is_date


def test_xlsx_numbers_are_numbers_and_ids_integers(book):
    for table in export.TABLES:
        cells = columns(book[table.sheet])
        for col in table.columns:
            filled = [c for c in cells[col.header] if c.value is not None]
            if col.kind == "int":
                assert all(c.data_type == "n" and type(c.value) is int for c in filled), col.header
            elif col.kind == "number":
                assert all(c.data_type == "n" and isinstance(c.value, (int, float)) for c in filled), col.header
    merged = [c.value for c in columns(book["Ideas"])["Merged into idea #"] if c.value is not None]
    assert len(merged) == 1 and type(merged[0]) is int  # never 7.0
    values = [c for c in columns(book["Measurements"])["Value"] if c.value == -3.5]
    assert len(values) == 1 and values[0].data_type == "n" and not values[0].quotePrefix
    register = {c.value: i for i, c in enumerate(columns(book["CSI register"])["ID"])}
    assert columns(book["CSI register"])["Baseline"][register["CSI-900"]].value == -4.5


def test_xlsx_text_never_becomes_a_formula(book):
    """No formula anywhere; every text a spreadsheet would take for one is a string cell with
    Excel's quote prefix (editing it keeps it text) and otherwise exactly as typed."""
    prefixed = []
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t")):
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                    prefixed.append(cell.value)
                elif cell.row > 1:
                    assert not cell.quotePrefix, (sheet.title, cell.coordinate)
    assert set(FORMULA_IDEAS) <= set(prefixed)
    assert {"=1+1", "@boss", "-minus first", "+source", "=cmd|' /C calc'!A0"} <= set(prefixed)
    ideas = {c.value for c in columns(book["Ideas"])["Idea"]}
    assert set(TYPED) <= ideas and FORMULA in ideas  # the value is the text as typed, no '


def test_xlsx_every_sheet_has_a_frozen_header_filters_and_fitted_widths(book):
    for table in export.TABLES:
        sheet = book[table.sheet]
        assert sheet.freeze_panes == "A2", table.sheet
        last = openpyxl.utils.get_column_letter(len(table.columns))
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", table.sheet
        for i, col in enumerate(table.columns, start=1):
            width = sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width
            assert len(col.header) < width <= 60, (table.sheet, col.header, width)
    widths = {
        c.header: book["Ideas"].column_dimensions[openpyxl.utils.get_column_letter(i)].width
        for i, c in enumerate(export.TABLES[2].columns, start=1)
    }
    assert widths["Idea #"] < 12 < widths["Idea"]
    dates = book["Measurements"].column_dimensions["B"].width
    assert 10 < dates < 16  # "2026-06-30" fits; not the width of a datetime's digits


def test_a_leading_tab_or_carriage_return_is_neutralised_too(tmp_path):
    from csikit.export_xlsx import write_workbook

    table = export.Table("t", "T", (export.Column("text", "Text"), export.Column("n", "N", "number")))
    texts = ["\tTAB", "\rCR", "\r\nCRLF", "plain", "'quoted", "- dash", "−minus sign"]
    frame = pd.DataFrame({"text": texts, "n": [-1.0] * len(texts)})
    assert [export.csv_safe(t) for t in texts] == [
        "'\tTAB",
        "'\rCR",
        "'\r\nCRLF",
        "plain",
        "'quoted",
        "'- dash",
        "−minus sign",
    ]
    assert [export.from_csv(export.csv_safe(t)) for t in texts] == texts
    write_workbook(tmp_path / "t.xlsx", [(table, frame)])
    cells = columns(openpyxl.load_workbook(tmp_path / "t.xlsx")["T"])
    assert [c.quotePrefix for c in cells["Text"]] == [True, True, True, False, False, True, False]
    shown = ["\tTAB", "\nCR", "\nCRLF", "plain", "'quoted", "- dash", "−minus sign"]  # XLSX keeps \n only
    assert [c.value for c in cells["Text"]] == shown
    assert all(c.value == -1 and c.data_type == "n" and not c.quotePrefix for c in cells["N"])


def test_widths_count_wide_characters_twice():
    from csikit.export_xlsx import _width

    assert _width("abc") == 3 and _width("日本") == 4 and _width("short\na much longer line") == 18


# --- the command --------------------------------------------------------------------------------


def test_export_to_a_folder_it_cannot_write_is_one_line(room, tmp_path):
    folder, url, _, _ = room
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for fmt in ("csv", "xlsx"):
        result = invoke("export", str(folder), "--format", fmt, "--out", str(blocker / "out"), "--store", url)
        assert result.exit_code == 1
        assert "Cannot write the export" in result.output and "--out" in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_export_carries_the_poll_choices(tmp_path):
    """A poll's choices are its items: one response row per choice, value 1."""
    from conftest import DEMO

    ws = load_workshop(DEMO)
    store = Store(f"sqlite:///{tmp_path}/store.sqlite")
    store.sync_workshop(ws)
    people = [store.join(ws.code, f"P{i}") for i in range(3)]
    store.open_activity(ws.code, "s6-changed")
    for p, choice in zip(people, ["yes", "partly", "yes"], strict=True):
        store.respond(ws.code, p.id, "s6-changed", {choice: 1})
    paths = export.export_tables(store, ws.code, tmp_path / "csv")
    rows = read_csv(next(p for p in paths if p.name == "responses.csv"))
    rows = [r for r in rows if r["Activity id"] == "s6-changed"]
    assert len(rows) == 3 and sum(r["Item"] == "yes" and r["Kind"] == "poll" and r["Value"] == "1" for r in rows) == 2
    [file] = export.export_tables(store, ws.code, tmp_path / "xlsx", "xlsx")
    store.close()
    cells = columns(openpyxl.load_workbook(file)["Responses"])
    picked = [i for i, c in enumerate(cells["Activity id"]) if c.value == "s6-changed"]
    assert len(picked) == 3 and all(cells["Value"][i].value == 1 and cells["Kind"][i].value == "poll" for i in picked)
