"""Workshop files: malformed files give one `file:line: field: message` line per problem;
the demo workshop and the `csikit new` template load; KPI measurement CSVs."""

from __future__ import annotations

from datetime import date

import pytest
from repo_paths import DEMO, REPO

from csikit.errors import CsiError, ImportFileError, WorkshopFileError
from csikit.measurements import read_measurements_csv
from csikit.model import ActivityKind, InitiativeState, MaturityPhase, RatingScale, Step
from csikit.quarters import parse_quarter, quarter_end, quarter_of
from csikit.workshop_file import load_workshop, parse_workshop

SHOWN = "workshops/x/workshop.yaml"
#: The kinds a workshop file may name, as its error lists them (the registry's order).
KINDS = ", ".join(k.value for k in ActivityKind)

# A minimal valid workshop. Tests change one line (or a few) and check the message.
# Line numbers are noted on the right because the expected messages name them.
BASE = """\
code: TEST01
title: Test workshop
organisation: Test org
date: 2026-11-26
objectives:
  - {id: O1, title: Fast help}
practices:
  - {id: incident, name: Incident management}
kpis:
  - id: fcr
    name: First contact resolution
    unit: "%"
    direction: higher
    baseline: {value: 50, date: 2025-09-30}
    target: {value: 70, date: 2026-09-30}
    objective: O1
agenda:
  - id: problems
    step: 1
    kind: ideas
    title: What hurts?
  - id: vote
    step: 3
    kind: dot_vote
    title: Pick the worst
    items_from: problems
    budget: 5
  - id: rate
    step: 3
    kind: rating
    title: Rate them
    items_from: problems
    scale: likert
initiatives:
  - id: CSI-001
    title: Password reset
    kpi: fcr
    state: new
"""
# line  1 code           line 17 agenda              line 28 - id: rate
# line  4 date           line 18 - id: problems      line 29   step: 3
# line  5 objectives     line 20   kind: ideas       line 30   kind: rating
# line  9 kpis           line 22 - id: vote          line 32   items_from: problems
# line 10 - id: fcr      line 24   kind: dot_vote    line 33   scale: likert
# line 13 direction      line 26   items_from        line 34 initiatives
# line 14 baseline       line 27   budget: 5         line 35 - id: CSI-001
# line 15 target                                     line 37   kpi: fcr
#                                                    line 38   state: new


def sub(old: str, new: str, text: str = BASE) -> str:
    """Replace the one line that is exactly ``old`` by ``new`` (which may be several lines)."""
    lines = text.splitlines()
    hits = [i for i, line in enumerate(lines) if line == old]
    assert len(hits) == 1, f"{old!r} is on {len(hits)} lines of the base document"
    lines[hits[0] : hits[0] + 1] = new.splitlines() if new else []
    return "\n".join(lines) + "\n"


def errors(text: str) -> list[str]:
    """The message lines parsing ``text`` gives; fails if it parses."""
    with pytest.raises(WorkshopFileError) as info:
        parse_workshop(text, shown=SHOWN)
    assert str(info.value) == "\n".join(info.value.lines)
    return info.value.lines


def test_base_document_is_valid():
    w = parse_workshop(BASE, shown=SHOWN)
    assert w.code == "TEST01"
    assert [a.id for a in w.agenda] == ["problems", "vote", "rate"]
    assert w.initiatives[0].state is InitiativeState.NEW


# ----------------------------------------------------------------- YAML level


def test_invalid_yaml_names_the_line():
    text = sub("    title: Pick the worst", "    title: [Pick the worst")
    assert errors(text) == [
        f"{SHOWN}:26: not valid YAML: expected ',' or ']', but got ':'",
    ]


def test_tab_indentation_is_invalid_yaml():
    text = sub("    scale: likert", "\tscale: likert")
    assert errors(text) == [f"{SHOWN}:33: not valid YAML: found character '\\t' that cannot start any token"]


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n"])
def test_empty_file(text):
    assert errors(text) == [f"{SHOWN}:1: the file is empty; start from: csikit new NAME"]


@pytest.mark.parametrize("text", ["- code: TEST01\n- title: x\n", "just some text\n", "42\n"])
def test_top_level_must_be_a_mapping(text):
    assert errors(text) == [f"{SHOWN}:1: the file must be a mapping of fields (title: …, agenda: …)"]


def test_duplicate_top_level_key():
    text = sub("title: Test workshop", "title: Test workshop\ntitle: Another title")
    assert errors(text) == [f"{SHOWN}:3: title: appears twice; keep one"]


def test_duplicate_key_inside_an_activity():
    text = sub("    budget: 5", "    budget: 5\n    budget: 3")
    assert errors(text) == [f"{SHOWN}:28: agenda[1].budget: appears twice; keep one"]


def test_unsupported_format_version():
    assert errors("csikit: 2\n" + BASE) == [f"{SHOWN}:1: csikit: format 2 is not supported; this csikit reads format 1"]


def test_supported_format_version_is_accepted():
    assert parse_workshop("csikit: 1\n" + BASE, shown=SHOWN).code == "TEST01"


# ----------------------------------------------------------------- fields and types


def test_unknown_top_level_key_suggests_the_near_one():
    text = sub("agenda:", "agendas:")
    assert errors(text)[0] == f"{SHOWN}:17: agendas: unknown field 'agendas'; did you mean 'agenda'?"


def test_unknown_top_level_key_lists_the_allowed_ones():
    text = BASE + "colour: blue\n"
    assert errors(text) == [
        f"{SHOWN}:39: colour: unknown field 'colour'; allowed: code, title, organisation, vision, "
        "date, objectives, practices, maturity_scale, kpis, agenda, initiatives, measurements, min_group, department"
    ]


def test_unknown_activity_key_suggests_the_near_one():
    text = sub("    budget: 5", "    budget: 5\n    per_item_capp: 2")
    assert errors(text) == [
        f"{SHOWN}:28: agenda[1].per_item_capp: unknown field 'per_item_capp'; did you mean 'per_item_cap'?"
    ]


def test_missing_required_field():
    text = sub("organisation: Test org", "")
    assert errors(text) == [f"{SHOWN}:1: organisation: is required but missing"]


def test_missing_required_activity_field_points_at_the_activity():
    text = sub("    title: Rate them", "")
    assert errors(text) == [f"{SHOWN}:28: agenda[2].title: is required but missing"]


def test_wrong_kind():
    text = sub("    kind: dot_vote", "    kind: dotvote")
    assert errors(text) == [f"{SHOWN}:24: agenda[1].kind: 'dotvote' is not one of {KINDS}; did you mean 'dot_vote'?"]


def test_bad_date():
    text = sub("date: 2026-11-26", "date: 26.11.2026")
    assert errors(text) == [f"{SHOWN}:4: date: '26.11.2026' is not a date; write it as YYYY-MM-DD"]


def test_bad_date_in_a_kpi_target():
    text = sub("    target: {value: 70, date: 2026-09-30}", "    target: {value: 70, date: next year}")
    assert errors(text) == [f"{SHOWN}:15: kpis[0].target.date: 'next year' is not a date; write it as YYYY-MM-DD"]


def test_impossible_date_that_looks_like_a_date():
    text = sub("date: 2026-11-26", "date: 2026-13-45")
    assert errors(text)[0].startswith(f"{SHOWN}:4: date: ")


@pytest.mark.parametrize("step", ["7", "0"])
def test_bad_step_number(step):
    text = BASE.replace("  - id: rate\n    step: 3\n", f"  - id: rate\n    step: {step}\n")
    assert errors(text) == [f"{SHOWN}:29: agenda[2].step: {step} is not one of 1, 2, 3, 4, 5, 6"]


def test_bad_direction():
    text = sub("    direction: higher", "    direction: up")
    assert errors(text) == [f"{SHOWN}:13: kpis[0].direction: 'up' is not one of higher, lower"]


def test_kpi_target_on_the_wrong_side_of_the_baseline():
    text = sub("    direction: higher", "    direction: lower")
    assert errors(text) == [
        f"{SHOWN}:15: kpis[0].target.value: 70 is above the baseline 50, but direction is "
        "'lower': fix the target or the direction"
    ]


def test_kpi_target_date_before_baseline_date():
    text = sub("    target: {value: 70, date: 2026-09-30}", "    target: {value: 70, date: 2025-01-01}")
    assert errors(text) == [f"{SHOWN}:15: kpis[0].target.date: must be after the baseline date"]


def test_kpi_baseline_without_value():
    text = sub("    baseline: {value: 50, date: 2025-09-30}", "    baseline: {date: 2025-09-30}")
    assert errors(text) == [f"{SHOWN}:14: kpis[0].baseline.value: is required but missing"]


def test_kpi_with_unknown_objective():
    text = sub("    objective: O1", "    objective: O2")
    assert errors(text) == [f"{SHOWN}:16: kpis[0].objective: 'O2' is not a known objective; known: O1"]


def test_wrong_type_text_where_a_list_is_expected():
    text = sub("  - {id: O1, title: Fast help}", "").replace("objectives:\n", "objectives: Fast help\n")
    assert errors(text)[0] == f"{SHOWN}:5: objectives: must be a list, not 'Fast help'"


def test_wrong_type_number_where_a_whole_number_is_expected():
    text = sub("    budget: 5", "    budget: five")
    assert errors(text) == [f"{SHOWN}:27: agenda[1].budget: must be a whole number, not 'five'"]


def test_wrong_type_mapping_where_text_is_expected():
    text = sub("title: Test workshop", "title: {en: Test}")
    assert errors(text) == [f"{SHOWN}:2: title: must be text, not a dict"]


def test_bad_join_code():
    text = sub("code: TEST01", "code: desk-26")
    assert errors(text) == [
        f"{SHOWN}:1: code: 'desk-26' is not a join code: use 4–12 capital letters or digits, e.g. DESK26"
    ]


# ----------------------------------------------------------------- agenda rules


def test_duplicate_activity_id():
    text = sub("  - id: rate", "  - id: vote")
    assert errors(text) == [f"{SHOWN}:28: agenda[2].id: 'vote' is used twice; ids must be unique"]


def test_items_from_unknown_activity():
    text = BASE.replace(
        "    title: Rate them\n    items_from: problems",
        "    title: Rate them\n    items_from: problemz",
    )
    assert errors(text) == [
        f"{SHOWN}:32: agenda[2].items_from: 'problemz' is not a known earlier activity; "
        "did you mean 'problems'? (or one of practices, objectives, kpis, initiatives)"
    ]


def test_items_from_a_later_activity():
    # the dot vote takes its items from the rating that comes after it
    text = BASE.replace(
        "    title: Pick the worst\n    items_from: problems",
        "    title: Pick the worst\n    items_from: rate",
    )
    assert errors(text) == [
        f"{SHOWN}:26: agenda[1].items_from: 'rate' is not a known earlier activity; "
        "known: problems (or one of practices, objectives, kpis, initiatives)"
    ]


def test_items_from_itself():
    text = BASE.replace(
        "    title: Pick the worst\n    items_from: problems",
        "    title: Pick the worst\n    items_from: vote",
    )
    assert errors(text) == [f"{SHOWN}:26: agenda[1].items_from: an activity cannot take items from itself"]


def test_items_from_a_static_source():
    text = BASE.replace(
        "    title: Rate them\n    items_from: problems",
        "    title: Rate them\n    items_from: kpis",
    )
    w = parse_workshop(text, shown=SHOWN)
    assert [i.id for i in w.items_of(w.activity("rate"))] == ["fcr"]


def test_dot_vote_without_budget():
    text = sub("    budget: 5", "")
    assert errors(text) == [
        f"{SHOWN}:22: agenda[1].budget: dot_vote activities need a budget (dots per participant), e.g. budget: 5"
    ]


def test_per_item_cap_above_budget():
    text = sub("    budget: 5", "    budget: 5\n    per_item_cap: 8")
    assert errors(text) == [f"{SHOWN}:28: agenda[1].per_item_cap: must be between 1 and the budget (5)"]


def test_setting_that_does_not_apply_to_the_kind():
    text = sub("    scale: likert", "    scale: likert\n    budget: 5")
    assert errors(text) == [f"{SHOWN}:34: agenda[2].budget: applies only to dot_vote activities, not to rating"]


def test_rating_without_scale():
    text = sub("    scale: likert", "")
    assert errors(text) == [f"{SHOWN}:28: agenda[2].scale: rating activities need a scale: likert or impact_effort"]


def test_rating_with_four_labels():
    text = sub("    scale: likert", "    scale: likert\n    labels: [a, b, c, d]")
    assert errors(text) == [f"{SHOWN}:34: agenda[2].labels: needs 5 labels (scores 1–5), got 4"]


def test_ideas_activity_with_items():
    text = sub("    title: What hurts?", "    title: What hurts?\n    items:\n      - {id: p1, text: Slow}")
    assert errors(text) == [f"{SHOWN}:22: agenda[0].items: ideas activities collect items; they take none"]


def test_vote_with_neither_items_nor_items_from():
    text = BASE.replace("    title: Pick the worst\n    items_from: problems\n", "    title: Pick the worst\n")
    assert errors(text) == [
        f"{SHOWN}:22: agenda[1].items: give either items or items_from (an ideas activity, "
        "or one of practices, objectives, kpis, initiatives)"
    ]


def test_item_ids_must_be_unique():
    text = BASE.replace(
        "    items_from: problems\n    budget: 5\n",
        "    budget: 5\n    items:\n      - {id: c1, text: One}\n      - {id: c1, text: Two}\n",
    )
    assert errors(text) == [f"{SHOWN}:29: agenda[1].items[1].id: 'c1' is used twice; ids must be unique"]


def test_minutes_out_of_range():
    text = sub("    title: What hurts?", "    title: What hurts?\n    minutes: 0")
    assert errors(text) == [f"{SHOWN}:22: agenda[0].minutes: must be between 1 and 240"]


# ----------------------------------------------------------------- min_group and fair order


def test_min_group_defaults_to_three_and_can_be_set():
    assert parse_workshop(BASE, shown=SHOWN).min_group == 3
    assert parse_workshop(sub("date: 2026-11-26", "date: 2026-11-26\nmin_group: 5"), shown=SHOWN).min_group == 5


def test_min_group_misspelt_key_suggests_the_field():
    text = sub("date: 2026-11-26", "date: 2026-11-26\nmin_grup: 3")
    assert errors(text) == [f"{SHOWN}:5: min_grup: unknown field 'min_grup'; did you mean 'min_group'?"]


def test_min_group_that_is_not_a_number():
    text = sub("date: 2026-11-26", "date: 2026-11-26\nmin_group: three")
    assert errors(text) == [f"{SHOWN}:5: min_group: must be a whole number, not 'three'"]


@pytest.mark.parametrize("value", ["0", "51", "-2"])
def test_min_group_out_of_range(value):
    text = sub("date: 2026-11-26", f"date: 2026-11-26\nmin_group: {value}")
    [line] = errors(text)
    assert line.startswith(f"{SHOWN}:5: min_group: {value} is not between 1 and 50")


def test_too_few_answers_follow_min_group():
    from csikit import rules

    w = parse_workshop(sub("date: 2026-11-26", "date: 2026-11-26\nmin_group: 4"), shown=SHOWN)
    assert [rules.too_few(w, n) for n in (0, 3, 4, 10)] == [True, True, False, False]
    assert rules.too_few(parse_workshop(BASE, shown=SHOWN), 2) and not rules.too_few(
        parse_workshop(BASE, shown=SHOWN), 3
    )
    assert rules.TOO_FEW == "Not enough answers to show without identifying anyone"


def test_fair_order_is_read_per_activity():
    w = parse_workshop(sub("    budget: 5", "    budget: 5\n    fair_order: false"), shown=SHOWN)
    assert w.activity("vote").fair_order is False
    assert w.activity("rate").fair_order is None  # on by default (csikit.order.fair_order_on)


def test_fair_order_on_a_kind_without_items_order():
    text = sub("    kind: ideas", "    kind: ideas\n    fair_order: false")
    assert errors(text) == [
        f"{SHOWN}:21: agenda[0].fair_order: applies only to dot_vote, rating, ranking activities, "
        "not to ideas; remove it"
    ]


def test_fair_order_must_be_true_or_false():
    text = sub("    budget: 5", "    budget: 5\n    fair_order: sometimes")
    assert errors(text) == [f"{SHOWN}:28: agenda[1].fair_order: must be true or false, not 'sometimes'"]


# ----------------------------------------------------------------- CSI register


def test_initiative_with_unknown_kpi():
    text = sub("    kpi: fcr", "    kpi: fcrr")
    assert errors(text) == [f"{SHOWN}:37: initiatives[0].kpi: 'fcrr' is not a known KPI; did you mean 'fcr'?"]


def test_closed_initiative_without_closure_code():
    text = sub("    state: new", "    state: closed")
    assert errors(text) == [
        f"{SHOWN}:35: initiatives[0].closure_code: a closed initiative needs one: successful, unsuccessful or withdrawn"
    ]


def test_closure_code_on_an_open_initiative():
    text = sub("    state: new", "    state: in_progress\n    closure_code: successful")
    assert errors(text) == [
        f"{SHOWN}:39: initiatives[0].closure_code: is set but state is 'in_progress'; "
        "only closed or cancelled initiatives have one"
    ]


@pytest.mark.parametrize("priority", [0, 6])
def test_priority_out_of_range(priority):
    text = sub("    state: new", f"    state: new\n    priority: {priority}")
    assert errors(text) == [f"{SHOWN}:39: initiatives[0].priority: {priority} is not between 1 (highest) and 5"]


def test_bad_effort_and_framework():
    text = sub("    state: new", "    state: new\n    effort: XXL\n    framework: SAFe")
    assert errors(text) == [
        f"{SHOWN}:39: initiatives[0].effort: 'XXL' is not one of S, M, L, XL; did you mean 'XL'?",
        f"{SHOWN}:40: initiatives[0].framework: 'SAFe' is not one of ITIL, DevOps, COBIT, Lean, other",
    ]


def test_planned_end_before_start():
    text = sub(
        "    state: new",
        "    state: new\n    planned_start: 2027-03-01\n    planned_end: 2027-01-01",
    )
    assert errors(text) == [f"{SHOWN}:40: initiatives[0].planned_end: is before planned_start"]


# ----------------------------------------------------------------- several at once


def test_several_field_problems_give_several_lines_in_file_order():
    text = sub("code: TEST01", "code: x")
    text = sub("    direction: higher", "    direction: sideways", text)
    text = sub("    kind: dot_vote", "    kind: dotvote", text)
    text = sub("    kpi: fcr", "    kpi: nps", text)
    # Field-level problems (types, enums, unknown keys) come first; the cross-record
    # checks (join code, unknown KPI) run only once every record could be built.
    assert errors(text) == [
        f"{SHOWN}:13: kpis[0].direction: 'sideways' is not one of higher, lower",
        f"{SHOWN}:24: agenda[1].kind: 'dotvote' is not one of {KINDS}; did you mean 'dot_vote'?",
    ]


def test_problems_in_several_records_are_all_reported():
    text = sub("    direction: higher", "    direction: lower")
    text = sub("    budget: 5", "", text)
    text = sub("    state: new", "    state: closed\n    priority: 9", text)
    got = errors(text)
    assert got == [
        f"{SHOWN}:15: kpis[0].target.value: 70 is above the baseline 50, but direction is "
        "'lower': fix the target or the direction",
        f"{SHOWN}:22: agenda[1].budget: dot_vote activities need a budget (dots per participant), e.g. budget: 5",
        f"{SHOWN}:38: initiatives[0].priority: 9 is not between 1 (highest) and 5",
        f"{SHOWN}:34: initiatives[0].closure_code: a closed initiative needs one: "
        "successful, unsuccessful or withdrawn",
    ]
    for line in got:
        file, lineno, rest = line.split(":", 2)
        assert file == SHOWN and lineno.isdigit() and rest.startswith(" ") and ": " in rest


def test_several_record_level_problems_are_all_reported():
    text = sub("code: TEST01", "code: x")
    text = sub("    kpi: fcr", "    kpi: nps", text)
    text = sub("  - id: rate", "  - id: vote", text)
    assert errors(text) == [
        f"{SHOWN}:1: code: 'x' is not a join code: use 4–12 capital letters or digits, e.g. DESK26",
        f"{SHOWN}:28: agenda[2].id: 'vote' is used twice; ids must be unique",
        f"{SHOWN}:37: initiatives[0].kpi: 'nps' is not a known KPI; known: fcr",
    ]


# ----------------------------------------------------------------- files on disk


def test_missing_file(tmp_path):
    with pytest.raises(WorkshopFileError) as info:
        load_workshop(tmp_path / "nowhere")
    assert info.value.lines[0].endswith("no such workshop file; create one with: csikit new NAME")


def test_measurements_file_not_found(tmp_path):
    (tmp_path / "workshop.yaml").write_text(BASE + "measurements: readings.csv\n", encoding="utf-8")
    with pytest.raises(WorkshopFileError) as info:
        load_workshop(tmp_path)
    assert info.value.lines[0].endswith(":39: measurements: file 'readings.csv' not found next to the workshop file")


def test_bad_measurement_rows_are_reported_by_row_and_column(tmp_path):
    (tmp_path / "workshop.yaml").write_text(BASE + "measurements: m.csv\n", encoding="utf-8")
    (tmp_path / "m.csv").write_text("kpi,quarter,value\nfcr,2026Q1,55\nfcr,2026Q5,x\n", encoding="utf-8")
    with pytest.raises(WorkshopFileError) as info:
        load_workshop(tmp_path)
    assert info.value.lines == [
        "m.csv:3: quarter: '2026Q5' is not a quarter; write it as YYYYQn, e.g. 2026Q3",
        "m.csv:3: value: 'x' is not a number",
    ]


def test_measurements_file_loads(tmp_path):
    (tmp_path / "workshop.yaml").write_text(BASE + "measurements: m.csv\n", encoding="utf-8")
    (tmp_path / "m.csv").write_text("kpi,quarter,value\nfcr,2026Q1,55\n", encoding="utf-8")
    w = load_workshop(tmp_path)
    assert [(m.kpi, m.date, m.value) for m in w.measurements] == [("fcr", date(2026, 3, 31), 55.0)]


# ----------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo():
    return load_workshop(DEMO)


def test_demo_has_organisation_and_vision(demo):
    assert demo.code == "DESK26"
    assert demo.date == date(2026, 11, 26)
    assert demo.organisation and len(demo.vision.split(". ")) >= 3


def test_demo_sections(demo):
    assert len(demo.objectives) >= 3
    assert len(demo.practices) >= 8
    assert len(demo.kpis) >= 6
    for k in demo.kpis:
        assert k.unit and k.baseline.date and k.baseline.source and k.target.date, k.id
        assert k.objective and k.practice, k.id


def test_demo_agenda_covers_every_step_and_kind(demo):
    assert {a.step for a in demo.agenda} == set(Step)
    assert {a.kind for a in demo.agenda} == set(ActivityKind)
    assert all(a.title and a.prompt for a in demo.agenda)
    assert sum(a.minutes is not None for a in demo.agenda) >= len(demo.agenda) * 2 // 3


def test_demo_agenda_has_the_key_activities(demo):
    by = demo.by_step()
    ideas = {a.id for a in demo.agenda if a.kind is ActivityKind.IDEAS}
    heatmap = [a for a in by[Step.VISION] if a.kind is ActivityKind.RATING and a.per_objective]
    assert heatmap and heatmap[0].items_from in ideas and heatmap[0].scale is RatingScale.LIKERT
    assert any(a.scale is RatingScale.IMPACT_EFFORT for a in demo.agenda)
    assert any(
        a.kind is ActivityKind.MATURITY and (a.phase or MaturityPhase.CURRENT) is MaturityPhase.CURRENT
        for a in by[Step.NOW]
    )
    assert any(a.kind is ActivityKind.MATURITY and a.phase is MaturityPhase.TARGET for a in by[Step.TARGET])
    assert any(a.kind is ActivityKind.DOT_VOTE and a.items for a in by[Step.TARGET])
    assert any(a.kind is ActivityKind.FIST_OF_FIVE and a.items_from == "initiatives" for a in by[Step.PLAN])
    assert sum(a.kind is ActivityKind.IDEAS for a in by[Step.MOMENTUM]) >= 2
    assert any(a.kind in (ActivityKind.FIST_OF_FIVE, ActivityKind.RATING) for a in by[Step.MOMENTUM])
    assert demo.static_items("initiatives"), "the step-4 consent vote needs new or approved initiatives"


def test_demo_register(demo):
    ini = demo.initiatives
    assert len(ini) >= 20
    assert {i.state for i in ini} == set(InitiativeState)
    assert {i.framework.value for i in ini} == {"ITIL", "DevOps", "COBIT", "Lean", "other"}
    assert {i.type.value for i in ini} == {"people", "process", "technology"}
    assert {i.effort.value for i in ini} == {"S", "M", "L", "XL"}
    assert {i.priority for i in ini} == {1, 2, 3, 4, 5}
    assert all(i.closure_code for i in ini if i.state is InitiativeState.CLOSED)
    import dataclasses

    from csikit.model import Initiative

    for name in (f.name for f in dataclasses.fields(Initiative)):
        default = Initiative.__dataclass_fields__[name].default
        assert any(getattr(i, name) != default for i in ini), f"no initiative sets {name}"


def test_demo_measurements_cover_four_quarters(demo):
    quarters = {quarter_of(m.date) for m in demo.measurements}
    assert {"2025Q4", "2026Q1", "2026Q2", "2026Q3"} <= quarters
    for k in demo.kpis:
        mine = {quarter_of(m.date) for m in demo.measurements if m.kpi == k.id}
        assert mine == {"2025Q4", "2026Q1", "2026Q2", "2026Q3"}, k.id


def test_demo_measurements_tell_a_story(demo):
    def progress(k):
        last = max((m for m in demo.measurements if m.kpi == k.id), key=lambda m: m.date)
        return (last.value - k.baseline.value) / (k.target.value - k.baseline.value)

    shares = sorted(progress(k) for k in demo.kpis)
    assert shares[0] < 0, "one KPI should be getting worse"
    assert sum(s > 0.3 for s in shares) > len(shares) / 2, "most KPIs should be improving"


# ----------------------------------------------------------------- the template


def template_text(title: str = "My workshop", code: str = "MYWS01") -> str:
    text = (REPO / "csikit" / "templates" / "workshop.yaml").read_text(encoding="utf-8")
    return text.replace("{title}", title).replace("{code}", code)


def test_template_has_the_placeholders():
    raw = (REPO / "csikit" / "templates" / "workshop.yaml").read_text(encoding="utf-8")
    assert "{title}" in raw and "{code}" in raw


def test_template_loads_after_replacement():
    w = parse_workshop(template_text(), shown="workshops/my/workshop.yaml")
    assert (w.title, w.code) == ("My workshop", "MYWS01")
    assert [a.step for a in w.agenda] == list(Step)
    assert {a.kind for a in w.agenda} >= {
        ActivityKind.IDEAS,
        ActivityKind.DOT_VOTE,
        ActivityKind.RATING,
        ActivityKind.MATURITY,
        ActivityKind.FIST_OF_FIVE,
        ActivityKind.RANKING,
    }


def test_template_title_with_a_colon():
    w = parse_workshop(template_text(title="Service desk: 2027 review"), shown="w.yaml")
    assert w.title == "Service desk: 2027 review"


def test_template_code_of_digits_stays_text():
    # unquoted, YAML 1.1 would read 0123 as the octal number 83
    assert parse_workshop(template_text(code="0123"), shown="w.yaml").code == "0123"


def test_template_comments_explain_every_setting():
    raw = (REPO / "csikit" / "templates" / "workshop.yaml").read_text(encoding="utf-8")
    comments = "\n".join(line for line in raw.splitlines() if "#" in line)
    for word in (
        "budget",
        "per_item_cap",
        "scale",
        "labels",
        "per_objective",
        "phase",
        "max_ideas",
        "minutes",
        "anonymous",
        "items",
        "items_from",
        *(k.value for k in ActivityKind),
    ):
        assert word in comments, word


# ----------------------------------------------------------------- measurements.py


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026Q3", (2026, 3)),
        ("2026q1", (2026, 1)),
        ("2025-Q4", (2025, 4)),
        (" 2026 Q2 ", (2026, 2)),
    ],
)
def test_parse_quarter(text, expected):
    assert parse_quarter(text) == expected


@pytest.mark.parametrize("text", ["2026Q5", "Q3 2026", "26Q1", "2026", ""])
def test_parse_quarter_refuses(text):
    with pytest.raises(CsiError, match="is not a quarter; write it as YYYYQn, e.g. 2026Q3"):
        parse_quarter(text)


@pytest.mark.parametrize(
    "quarter, end",
    [
        ("2025Q4", date(2025, 12, 31)),
        ("2026Q1", date(2026, 3, 31)),
        ("2026Q2", date(2026, 6, 30)),
        ("2026Q3", date(2026, 9, 30)),
    ],
)
def test_quarter_end(quarter, end):
    assert quarter_end(quarter) == end
    assert quarter_of(end) == quarter


def test_read_measurements_csv_good_rows(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text(
        "\ufeffKPI, Date ,Value,Source\nfcr,2026-01-15,61.5,ServiceNow\np1,2026-02-01,4,\n",
        encoding="utf-8",
    )
    rows = read_measurements_csv(f)
    assert [(m.kpi, m.date, m.value, m.source) for m in rows] == [
        ("fcr", date(2026, 1, 15), 61.5, "ServiceNow"),
        ("p1", date(2026, 2, 1), 4.0, ""),
    ]


def test_read_measurements_csv_quarters(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text("kpi,quarter,value\nfcr,2025Q4,60\nfcr,2026Q3,70\n", encoding="utf-8")
    assert [m.date for m in read_measurements_csv(f)] == [date(2025, 12, 31), date(2026, 9, 30)]


def test_read_measurements_csv_bad_rows_all_or_nothing(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text(
        "kpi,date,quarter,value\n"
        "fcr,2026-01-15,,61\n"  # row 2: fine
        ",2026-13-01,,abc\n"  # row 3: three problems
        "fcr,,2026Q7,5\n"  # row 4
        "fcr,,,5\n"  # row 5
        "nps,2026-03-01,,nan\n",  # row 6: unknown KPI, not a number
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError) as info:
        read_measurements_csv(f, known_kpis={"fcr", "csat"})
    assert info.value.lines == [
        "m.csv:3: kpi: is empty",
        "m.csv:3: date: '2026-13-01' is not a date; write it as YYYY-MM-DD",
        "m.csv:3: value: 'abc' is not a number",
        "m.csv:4: quarter: '2026Q7' is not a quarter; write it as YYYYQn, e.g. 2026Q3",
        "m.csv:5: date: give a date (YYYY-MM-DD) or a quarter (YYYYQn)",
        "m.csv:6: kpi: 'nps' is not a KPI of this workshop; known: csat, fcr",
        "m.csv:6: value: 'nan' is not a number",
    ]


@pytest.mark.parametrize("header", ["kpi,value\n", "kpi,quarter,amount\n", "kpi,when,value\n", ""])
def test_read_measurements_csv_bad_header(tmp_path, header):
    f = tmp_path / "m.csv"
    f.write_text(header + "fcr,2026Q1,5\n" if header else "", encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        read_measurements_csv(f)
    assert len(info.value.lines) == 1
    assert info.value.lines[0].startswith(
        "m.csv:1: the header must have columns kpi, value and date or quarter (optional: source); found "
    )


def test_read_measurements_csv_row_numbers_after_a_blank_line(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text("kpi,quarter,value\nfcr,2026Q1,5\n\nfcr,2026Q2,x\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as info:
        read_measurements_csv(f)
    assert info.value.lines == ["m.csv:4: value: 'x' is not a number"]


def test_read_measurements_csv_not_utf8(tmp_path):
    f = tmp_path / "m.csv"
    f.write_bytes("kpi,quarter,value,source\nfcr,2026Q1,5,Caf\xe9\n".encode("cp1252"))
    with pytest.raises(ImportFileError):
        read_measurements_csv(f)
