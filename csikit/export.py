"""A workshop's data as tables a spreadsheet user trusts: CSV files or one XLSX workbook.

What ``csikit export`` writes is for people opening it in a spreadsheet: headers in the
words of the screens (``Item``, ``Position shown (1 = first)``, ``Closure`` …), dates that
are dates, numbers that are numbers, and participants' text that stays text. Code reads the
same data through :func:`csikit.open_workshop` (frames with csikit's own column names);
:func:`tables` gives these tables typed, with csikit's names, before they are labelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .errors import CsiError
from .export_xlsx import looks_like_formula, write_workbook
from .kinds import kind_of
from .store import Store

#: What a column holds; each kind is written its own way (:mod:`csikit.export_xlsx`).
KINDS = ("text", "int", "number", "date", "datetime")


@dataclass(frozen=True)
class Column:
    """One column of an exported table: its name in csikit, its header for people, its kind."""

    key: str
    header: str
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    """One exported table: its CSV file name (without ``.csv``), its sheet and its columns."""

    name: str
    sheet: str
    columns: tuple[Column, ...]

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


def _cols(*specs: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(Column(*s) for s in specs)


_STEP, _ACTIVITY, _ACTIVITY_ID = ("step", "Step", "int"), ("activity_title", "Activity"), ("activity", "Activity id")
_PARTICIPANT = ("participant", "Participant #", "int")

#: The five tables, their headers in the screens' words (the register editor's form, the
#: review's tables; sentence case, as spreadsheet headers are) and what each column holds.
TABLES = (
    Table(
        "register",
        "CSI register",
        _cols(
            ("id", "ID"),
            ("title", "Initiative"),
            ("description", "Description"),
            _STEP,
            ("service", "Service"),
            ("type", "Type"),
            ("source", "Source"),
            ("objective", "Objective"),
            ("expected_benefit", "Expected benefit"),
            ("effort", "Effort"),
            ("priority", "Priority (1 = highest)", "int"),
            ("owner", "Owner"),
            ("framework", "Framework"),
            ("kpi", "KPI"),
            ("measurement_method", "Measurement method"),
            ("baseline_value", "Baseline", "number"),
            ("baseline_date", "Baseline date", "date"),
            ("baseline_source", "Baseline source"),
            ("target_value", "Target", "number"),
            ("target_date", "Target date", "date"),
            ("target_source", "Target source"),
            ("planned_start", "Planned start", "date"),
            ("planned_end", "Planned end", "date"),
            ("actual_start", "Actual start", "date"),
            ("actual_end", "Actual end", "date"),
            ("state", "State"),
            ("closure_code", "Closure"),
            ("latest_value", "Latest", "number"),
            ("latest_date", "Latest date", "date"),
            ("latest_source", "Latest source"),
            ("vote_score", "Votes (dots)", "number"),
            ("vote_low", "Votes: 95% from", "number"),
            ("vote_high", "Votes: 95% to", "number"),
            ("voters", "Voters", "int"),
        ),
    ),
    Table(
        "responses",
        "Responses",
        _cols(
            _STEP,
            _ACTIVITY,
            _ACTIVITY_ID,
            ("kind", "Kind"),
            _PARTICIPANT,
            ("item", "Item id"),
            ("item_text", "Item"),
            ("criterion", "Criterion"),
            ("value", "Value", "int"),
            ("comment", "Comment"),
            ("shown_position", "Position shown (1 = first)", "int"),
        ),
    ),
    Table(
        "ideas",
        "Ideas",
        _cols(
            _STEP,
            _ACTIVITY,
            _ACTIVITY_ID,
            ("idea", "Idea #", "int"),
            _PARTICIPANT,
            ("text", "Idea"),
            ("merged_into", "Merged into idea #", "int"),
        ),
    ),
    # the headers `csikit measure --file` reads (it lower-cases them): edit and import back
    Table(
        "measurements",
        "Measurements",
        _cols(("kpi", "KPI"), ("date", "Date", "date"), ("value", "Value", "number"), ("source", "Source")),
    ),
    Table(
        "events",
        "Audit trail",
        _cols(
            ("at", "When (UTC)", "datetime"),
            ("action", "Action"),
            ("activity", "Activity id"),
            ("actor", "By"),
            ("detail", "Detail"),
        ),
    ),
)


def _words(value: object) -> str:
    """An enum's value as the screens show it (``in_progress`` → ``in progress``)."""
    return "" if value is None else str(getattr(value, "value", value)).replace("_", " ")


def _point(prefix: str, point) -> dict:
    return {
        f"{prefix}_value": None if point is None else point.value,
        f"{prefix}_date": None if point is None else point.date,
        f"{prefix}_source": "" if point is None else point.source,
    }


def _register_rows(store: Store, code: str) -> list[dict]:
    # one column per value, Points spread in place: a flattening of the nested records
    # (pandas.json_normalize) also kept an empty `baseline` column beside `baseline_value`
    # whenever one initiative had no baseline
    rows = []
    for i in store.initiatives(code):
        low, high = i.vote_interval if i.vote_interval else (None, None)
        rows.append(
            {
                "id": i.id,
                "title": i.title,
                "description": i.description,
                "step": int(i.step),
                "service": i.service,
                "type": _words(i.type),
                "source": i.source,
                "objective": i.objective,
                "expected_benefit": i.expected_benefit,
                "effort": _words(i.effort),
                "priority": i.priority,
                "owner": i.owner,
                "framework": _words(i.framework),
                "kpi": i.kpi,
                "measurement_method": i.measurement_method,
                **_point("baseline", i.baseline),
                **_point("target", i.target),
                "planned_start": i.planned_start,
                "planned_end": i.planned_end,
                "actual_start": i.actual_start,
                "actual_end": i.actual_end,
                "state": _words(i.state),
                "closure_code": _words(i.closure_code),
                **_point("latest", i.latest),
                "vote_score": i.vote_score,
                "vote_low": low,
                "vote_high": high,
                "voters": i.voters,
            }
        )
    return rows


def _utc(at: datetime) -> datetime:
    """The store keeps naive UTC; a backend that hands back an aware time is brought to it."""
    return at.astimezone(timezone.utc).replace(tzinfo=None) if at.tzinfo else at


def tables(store: Store, code: str) -> dict[str, pd.DataFrame]:
    """The register, responses, ideas, measurements and audit trail as typed frames.

    Columns keep csikit's names (:data:`TABLES` gives each its header): whole numbers are
    ``Int64`` (empty stays empty, never ``7.0``), dates and times ``datetime64``, text ``""``
    when empty. Responses carry a participant number, never a name: anonymous stays
    anonymous, and ``shown_position``: where the item stood on that person's screen (1 =
    first; empty for answers entered from paper), the input of the fair-order check.
    """
    ws = store.workshop(code)
    rows, idea_rows = [], []
    for a in ws.agenda:
        where = {"step": int(a.step), "activity_title": a.title, "activity": a.id}
        texts = {i.id: i.text for i in store.status(code, a.id).items}
        for r in store.responses(code, a.id):
            rows.append(
                {
                    **where,
                    "kind": _words(a.kind),
                    "participant": r.participant,
                    "item": r.item,
                    "item_text": texts.get(r.item, ""),
                    "criterion": r.criterion,
                    "value": r.value,
                    "comment": r.comment,
                    "shown_position": None if r.position is None else r.position + 1,
                }
            )
        for idea in store.ideas(code, a.id) if kind_of(a.kind).collects_ideas else []:
            idea_rows.append(
                {
                    **where,
                    "idea": idea.id,
                    "participant": idea.participant,
                    "text": idea.text,
                    "merged_into": idea.merged_into,
                }
            )
    found = {
        "register": _register_rows(store, code),
        "responses": rows,
        "ideas": idea_rows,
        "measurements": [
            {"kpi": m.kpi, "date": m.date, "value": m.value, "source": m.source} for m in store.measurements(code)
        ],
        "events": [
            {"at": _utc(e.at), "action": e.action, "activity": e.activity, "actor": e.actor, "detail": e.detail}
            for e in store.events(code)
        ],
    }
    return {t.name: _typed(found[t.name], t) for t in TABLES}


def _typed(rows: list[dict], table: Table) -> pd.DataFrame:
    """Rows as a frame whose every column has its kind's dtype."""
    data = {}
    for col in table.columns:
        values = [row.get(col.key) for row in rows]
        if col.kind == "int":
            data[col.key] = pd.array(values, dtype="Int64")
        elif col.kind == "number":
            data[col.key] = pd.array([None if v is None else float(v) for v in values], dtype="float64")
        elif col.kind in ("date", "datetime"):
            data[col.key] = pd.to_datetime(pd.Series(values, dtype=object))
        else:
            data[col.key] = pd.Series(["" if v is None else str(v) for v in values], dtype=object)
    return pd.DataFrame(data, columns=table.keys)


def csv_safe(value: object) -> object:
    """Text that a spreadsheet opening the CSV would run as a formula gets a leading ``'``
    (the spreadsheet convention for "this is text"); every other text is exactly as typed."""
    return "'" + value if looks_like_formula(value) else value


def from_csv(value: object) -> object:
    """The text as typed, from a CSV cell that :func:`csv_safe` wrote."""
    if isinstance(value, str) and value.startswith("'") and looks_like_formula(value[1:]):
        return value[1:]
    return value


def csv_frame(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """A typed table as its CSV shows it: headers for people, ISO dates, text never a formula."""
    out = {}
    for col in table.columns:
        values = frame[col.key]
        if col.kind == "date":
            values = values.dt.strftime("%Y-%m-%d")
        elif col.kind == "datetime":
            values = values.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif col.kind == "text":
            values = values.map(csv_safe)
        out[col.header] = values
    return pd.DataFrame(out)


def export_tables(store: Store, code: str, out: Path, fmt: str = "csv") -> list[Path]:
    """Write every table to ``out`` as CSV files or one Excel workbook; return the paths.

    Participants' text stays text: never a formula in the workbook, nor in a spreadsheet
    that opens the CSV. In the CSV, text starting with ``= + - @``, a tab or a carriage
    return gets a leading ``'`` (:func:`from_csv` takes it off); in the workbook it is a text
    cell marked with Excel's quote prefix (:mod:`csikit.export_xlsx`). All other text is
    exactly as typed.

    The CSV files are UTF-8 with a byte-order mark (``utf-8-sig``): Excel on Windows reads a
    CSV without one in the machine's legacy code page, so accented names and emoji arrive
    garbled; with it Excel, LibreOffice, pandas and ``csikit measure`` all read UTF-8. Rows
    end in CRLF (RFC 4180), numbers are written with 15 significant digits (what a
    spreadsheet keeps), dates as ``YYYY-MM-DD`` and times as ``YYYY-MM-DD HH:MM:SS`` (UTC).
    A spreadsheet whose locale separates lists with ``;`` wants the XLSX instead.

    Raises
    ------
    CsiError
        ``out`` cannot be created or written to.
    """
    frames = tables(store, code)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if fmt == "xlsx":
            file = out / f"{code}.xlsx"
            write_workbook(file, [(t, frames[t.name]) for t in TABLES])
            return [file]
        paths = []
        for t in TABLES:
            file = out / f"{t.name}.csv"
            # CRLF rows (RFC 4180): the writer then quotes a field holding a lone "\r", which a
            # reader would otherwise take for the end of the row
            csv_frame(frames[t.name], t).to_csv(
                file, index=False, lineterminator="\r\n", encoding="utf-8-sig", float_format="%.15g"
            )
            paths.append(file)
        return paths
    except OSError as exc:
        msg = f"Cannot write the export to {out}: {exc.strerror or exc}. Pick a folder you can write to with --out."
        raise CsiError(msg) from None
