"""csikit.convert: plain data to and from records, and the CSV row reader both importers share."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from csikit import convert
from csikit.errors import ImportFileError, Problem, ValidationError
from csikit.handoff import read_assessment_csv
from csikit.measurements import read_measurements_csv
from csikit.model import ClosureCode, Initiative, InitiativeState, Item, Measurement, Point


def write(tmp_path: Path, text: str, name: str = "rows.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- records ----------------------------------------------------------------------------


def test_a_record_survives_a_round_trip_through_plain_data():
    ini = Initiative(
        "CSI-7",
        "Runbooks",
        state=InitiativeState.CLOSED,
        closure_code=ClosureCode.SUCCESSFUL,
        baseline=Point(40.0, date(2026, 1, 1)),
        vote_interval=(1.0, 3.0),
    )
    plain = convert.to_plain(ini)
    assert plain["state"] == "closed" and plain["baseline"] == {"value": 40.0, "date": "2026-01-01", "source": ""}
    assert plain["vote_interval"] == [1.0, 3.0]
    assert convert.build(Initiative, plain) == ini


def test_build_lists_every_problem_with_its_path():
    with pytest.raises(ValidationError) as info:
        convert.build(
            Initiative,
            {
                "id": "CSI-1",
                "title": "x",
                "stat": "new",
                "priority": "high",
                "baseline": {"value": 1, "date": "1st May"},
            },
        )
    got = {p.field: p.message for p in info.value.problems}
    assert got["stat"] == "unknown field 'stat'; did you mean 'state'?"
    assert got["priority"] == "must be a whole number, not 'high'"
    assert got["baseline.date"] == "'1st May' is not a date; write it as YYYY-MM-DD"


def test_an_enum_value_that_is_almost_right_gets_a_suggestion():
    with pytest.raises(ValidationError, match="did you mean 'approved'"):
        convert.build(Initiative, {"id": "CSI-1", "title": "x", "state": "aproved"})


def test_text_cells_become_numbers_and_dates():
    m = convert.build(Measurement, {"kpi": "k", "date": " 2026-03-31 ", "value": " 12.5 "})
    assert m == Measurement("k", date(2026, 3, 31), 12.5)


# --- the shared CSV reader --------------------------------------------------------------


def _pair(cells: dict) -> tuple[str, int]:
    problems = []
    if not (cells.get("name") or "").strip():
        problems.append(Problem("name", "is empty"))
    if not (cells.get("n") or "").strip().isdigit():
        problems.append(Problem("n", f"{cells.get('n')!r} is not a whole number"))
    if problems:
        raise ValidationError(problems)
    return cells["name"].strip(), int(cells["n"])


def _needs_name_and_n(names: list[str]) -> str | None:
    return None if names == ["name", "n"] else "must be name, n"


def test_read_csv_rows_reads_every_row_and_tidies_the_header(tmp_path):
    path = write(tmp_path, "\ufeff Name ,N\nAna,1\n\nBen,2\n")
    assert convert.read_csv_rows(path, _needs_name_and_n, _pair) == [("Ana", 1), ("Ben", 2)]


def test_read_csv_rows_reports_every_bad_cell_as_file_line_field(tmp_path):
    path = write(tmp_path, "name,n\nAna,1\n,x\nBen,2\nChen,\n")
    with pytest.raises(ImportFileError) as info:
        convert.read_csv_rows(path, _needs_name_and_n, _pair)
    assert info.value.lines == [
        "rows.csv:3: name: is empty",
        "rows.csv:3: n: 'x' is not a whole number",
        "rows.csv:5: n: '' is not a whole number",
    ]
    assert info.value.path == str(path)


def test_read_csv_rows_refuses_a_wrong_header_before_any_row(tmp_path):
    seen = []
    path = write(tmp_path, "who,count\nAna,1\n")
    with pytest.raises(ImportFileError) as info:
        convert.read_csv_rows(path, _needs_name_and_n, seen.append)
    assert info.value.lines == ["rows.csv:1: the header must be name, n; found who, count"]
    assert seen == []
    with pytest.raises(ImportFileError, match="found nothing"):
        convert.read_csv_rows(write(tmp_path, "", "empty.csv"), _needs_name_and_n, _pair)


def test_read_csv_rows_says_how_to_save_a_file_that_is_not_utf8(tmp_path):
    path = write(tmp_path, "name,n\nJosé,1\n", encoding="latin-1")
    with pytest.raises(ImportFileError) as info:
        convert.read_csv_rows(path, _needs_name_and_n, _pair)
    assert info.value.lines == ["rows.csv:1: is not UTF-8 text; save it as 'CSV UTF-8'"]


def test_read_csv_rows_leaves_a_missing_file_to_the_caller(tmp_path):
    with pytest.raises(FileNotFoundError):
        convert.read_csv_rows(tmp_path / "nowhere.csv", _needs_name_and_n, _pair)


# --- both importers report rows the same way ---------------------------------------------


def test_measurements_and_assessments_share_the_row_error_format(tmp_path):
    measurements = write(tmp_path, "kpi,date,value\nmttr,2026-13-01,4\nmttr,2026-01-01,fast\n", "m.csv")
    with pytest.raises(ImportFileError) as m:
        read_measurements_csv(measurements, {"mttr"})
    assert m.value.lines == [
        "m.csv:2: date: '2026-13-01' is not a date; write it as YYYY-MM-DD",
        "m.csv:3: value: 'fast' is not a number",
    ]

    practices = [Item("incident", "Incident management")]
    assessment = write(tmp_path, "practice,assessor,level\nincident,Acme,7\nproblem,,3\n", "a.csv")
    with pytest.raises(ImportFileError) as a:
        read_assessment_csv(assessment, practices)
    assert a.value.lines == [
        "a.csv:2: level: '7' is not a maturity level 0–5",
        "a.csv:3: practice: 'problem' is not a practice of this workshop; known: incident",
        "a.csv:3: assessor: is empty; name the assessor or firm",
    ]


def test_an_assessment_is_grouped_by_assessor_and_accepts_practice_names(tmp_path):
    practices = [Item("incident", "Incident management"), Item("change", "Change enablement")]
    path = write(tmp_path, "Assessor,Practice,Level\nAcme,incident,2\nAcme,Change enablement,3\nBeta,INCIDENT,1\n")
    assert read_assessment_csv(path, practices) == {"Acme": {"incident": 2, "change": 3}, "Beta": {"incident": 1}}


def test_an_assessment_file_must_exist_and_have_rows(tmp_path):
    practices = [Item("incident", "Incident management")]
    with pytest.raises(ImportFileError, match="no such file"):
        read_assessment_csv(tmp_path / "nowhere.csv", practices)
    with pytest.raises(ImportFileError, match="has no rows"):
        read_assessment_csv(write(tmp_path, "practice,assessor,level\n"), practices)
    with pytest.raises(ImportFileError, match="the header must be practice, assessor, level; found practice, level"):
        read_assessment_csv(write(tmp_path, "practice,level\nincident,2\n"), practices)
