"""What one step hands the next: winners become initiatives, an outside assessment
joins step 2, and step 6 writes the next cycle's workshop file."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import yaml

from . import analysis, clock, convert
from .errors import CsiError, ImportFileError, Problem, ValidationError
from .kinds import kind_of
from .model import (
    Activity,
    ActivityKind,
    Initiative,
    InitiativeState,
    Item,
    Point,
    Step,
    Workshop,
)
from .similar_ideas import normalise
from .store import Store


def next_initiative_id(existing: list[Initiative]) -> str:
    """``CSI-NNN`` one above the highest in the register."""
    numbers = [int(m.group(1)) for i in existing if (m := re.match(r"CSI-(\d+)$", i.id))]
    return f"CSI-{max(numbers, default=0) + 1:03d}"


def initiatives_from_winners(
    store: Store, code: str, activity: str, *, top: int = 3, actor: str = "facilitator"
) -> list[Initiative]:
    """Turn the ``top`` items of a dot vote into new initiatives in the CSI register,
    with their vote score, 95% interval and voter count. Items already in the
    register (same title) are skipped. Returns the initiatives created."""
    ws = store.workshop(code)
    a = ws.activity(activity)
    if not kind_of(a.kind).picks_winners:
        raise CsiError(f"“{a.title}” is not a dot vote; pick a dot vote to take winners from.")
    tally = analysis.tally_dots(store.responses(code, activity), store.status(code, activity).items)
    tally = tally[tally["dots"] > 0].head(top)
    if tally.empty:
        raise CsiError(f"“{a.title}” has no votes yet; run the vote first.")
    existing = store.initiatives(code)
    titles = {i.title.strip().lower() for i in existing}
    merged = _merged_texts(store, code, a)
    created = []
    for row in tally.itertuples():
        if row.text.strip().lower() in titles:
            continue
        also = merged.get(row.item, [])
        ini = Initiative(
            id=next_initiative_id(existing + created),
            title=row.text[:200],
            step=Step.TARGET,
            description=f"Also said as: {'; '.join(also)}"[:2000] if also else "",
            source=f"{code} · {a.title}",
            state=InitiativeState.NEW,
            vote_score=float(row.dots),
            vote_interval=(round(float(row.low), 1), round(float(row.high), 1)),
            voters=int(row.voters),
        )
        store.save_initiative(code, ini, actor=actor)
        created.append(ini)
    return created


def _merged_texts(store: Store, code: str, vote: Activity) -> dict[str, list[str]]:
    """{item key: the words of the duplicates merged into it} for a vote on ideas.

    The vote already has one item per merged group (the store folds duplicates and their
    dots into the kept idea); the initiative keeps how else people said it.
    """
    ws = store.workshop(code)
    source = vote.items_from
    if source not in {x.id for x in ws.agenda} or not kind_of(ws.activity(source).kind).collects_ideas:
        return {}
    texts = {i.id: i.text for i in store.ideas(code, source)}
    return {
        f"idea-{keep}": [texts[d] for d in dups if normalise(texts[d]) != normalise(texts[keep])]
        for keep, dups in store.idea_groups(code, source).items()
    }


ASSESSMENT_COLUMNS = ("practice", "assessor", "level")


def read_assessment_csv(path: str | Path, practices: list[Item]) -> dict[str, dict[str, int]]:
    """An outside maturity assessment: rows of practice, assessor, level (0–5).

    Practices may be given by id or by name. Returns {assessor: {practice id: level}}.
    All or nothing: raises ImportFileError with one line per bad cell (row and column).
    """
    path = Path(path)
    by_key = {p.id.lower(): p.id for p in practices} | {p.text.lower(): p.id for p in practices}

    def header(names: list[str]) -> str | None:
        return None if sorted(names) == sorted(ASSESSMENT_COLUMNS) else "must be practice, assessor, level"

    def row(cells: dict) -> tuple[str, str, int]:
        practice = by_key.get((cells.get("practice") or "").strip().lower())
        assessor = (cells.get("assessor") or "").strip()
        raw = (cells.get("level") or "").strip()
        problems = []
        if practice is None:
            problems.append(
                Problem(
                    "practice",
                    f"{cells.get('practice')!r} is not a practice of this workshop; "
                    f"known: {', '.join(p.id for p in practices)}",
                )
            )
        if not assessor:
            problems.append(Problem("assessor", "is empty; name the assessor or firm"))
        if not raw.isdigit() or not 0 <= int(raw) <= 5:
            problems.append(Problem("level", f"{raw!r} is not a maturity level 0–5"))
        if problems:
            raise ValidationError(problems)
        return assessor, practice, int(raw)

    try:
        rows = convert.read_csv_rows(path, header, row)
    except FileNotFoundError:
        raise ImportFileError(str(path), [f"{path}: no such file"]) from None
    if not rows:
        raise ImportFileError(str(path), [f"{path.name}: has no rows"])
    out: dict[str, dict[str, int]] = {}
    for assessor, practice, level in rows:
        out.setdefault(assessor, {})[practice] = level
    return out


def import_assessment(store: Store, code: str, activity: str, path: str | Path) -> int:
    """Add an outside assessment to a maturity activity as extra assessors; returns rows added."""
    ws = store.workshop(code)
    a = ws.activity(activity)
    if not kind_of(a.kind).assesses_maturity:
        raise CsiError(f"“{a.title}” is not a maturity assessment.")
    criterion = a.criteria()[0]
    assessments = read_assessment_csv(path, list(store.status(code, activity).items))
    count = 0
    for assessor, levels in assessments.items():
        store.record_assessment(code, activity, f"External: {assessor}", {(p, criterion): v for p, v in levels.items()})
        count += len(levels)
    return count


def next_cycle(store: Store, code: str, source: Workshop, *, today: date | None = None) -> Workshop:
    """The next cycle's workshop: same vision, objectives, practices and agenda; KPI
    baselines moved to the latest readings; open initiatives carried over; the lessons
    and wins of step 6 seeded as items of a step-1 vote."""
    today = today or clock.today()
    latest = {}
    for m in store.measurements(code):
        if m.date <= today and (m.kpi not in latest or m.date > latest[m.kpi].date):
            latest[m.kpi] = m
    kpis = []
    for k in source.kpis:
        m = latest.get(k.id)
        if m is None or m.value == k.target.value:
            kpis.append(k)
            continue
        better = (k.target.value > m.value) == (k.target.value > k.baseline.value)
        new_base = Point(m.value, m.date, m.source or "latest measurement") if better else k.baseline
        kpis.append(dataclasses.replace(k, baseline=new_base))
    carried = tuple(i for i in store.initiatives(code) if i.state.is_open)
    lessons = []
    for a in source.agenda:
        if a.step is Step.MOMENTUM and kind_of(a.kind).collects_ideas:
            lessons += [i.text for i in store.ideas(code, a.id) if i.merged_into is None]
    agenda = list(source.agenda)
    if lessons:
        seen, items = set(), []
        for text in lessons:
            if text.lower() not in seen and len(items) < 20:
                seen.add(text.lower())
                items.append(Item(f"l{len(items) + 1}", text[:500]))
        seed = Activity(
            id="s1-last-cycle",
            step=Step.VISION,
            kind=ActivityKind.DOT_VOTE,
            title="Which lessons from the last cycle should shape this one?",
            prompt="Wins and lessons from the previous cycle's step 6.",
            items=tuple(items),
            budget=3,
            minutes=5,
        )
        agenda = [a for a in agenda if a.id != seed.id]
        agenda.insert(0, seed)
    return dataclasses.replace(
        source,
        code=_next_code(source.code),
        title=f"{source.title} (next cycle)",
        date=None,
        kpis=tuple(kpis),
        agenda=tuple(agenda),
        initiatives=carried,
        measurements=(),
    )


def _next_code(code: str) -> str:
    m = re.match(r"^(.*?)(\d+)$", code)
    if m:
        return (m.group(1) + str(int(m.group(2)) + 1))[:12]
    return (code + "2")[:12]


def dump_workshop(ws: Workshop, header: str = "") -> str:
    """A workshop as YAML that ``load_workshop`` reads back (defaults left out)."""
    data = _prune(convert.to_plain(ws))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    head = "".join(f"# {line}\n" for line in header.splitlines())
    return f"{head}csikit: 1\n{text}"


def _prune(value):
    """Drop empty and None fields so the written file stays readable."""
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def write_next_cycle(store: Store, code: str, source: Workshop, folder: Path, *, source_path: str = "") -> Path:
    """Write the next cycle's ``workshop.yaml`` into ``folder`` (refusing to overwrite)."""
    from .scaffold import new_workshop

    nxt = next_cycle(store, code, source)
    header = (
        f"Next cycle of {source.title} ({source.code}), written by csikit on {clock.today().isoformat()}\n"
        f"from {source_path or 'the store'}: open initiatives, KPI targets and step-6 lessons carried over."
    )
    return new_workshop(folder, text=dump_workshop(nxt, header))


__all__ = ["import_assessment", "initiatives_from_winners", "next_cycle", "read_assessment_csv", "write_next_cycle"]
