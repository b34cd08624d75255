"""The organisation's snapshot: every department's review snapshot as of the same quarter.

:func:`load_organisation` finds the departments (the workshop folders given, else the
ones beside ``$CSIKIT_WORKSHOP_PATH`` of the same organisation), opens each one's store
and takes its snapshot (:func:`csikit.review.data.snapshot`, the one rule of "as of") for
one quarter: an :class:`OrganisationData` of :class:`Department`. The sections of
:mod:`csikit.review.organisation` are pure functions of it, and re-export it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime

from ..departments import department_labels, organisation_name, siblings
from ..display import NO_MATH
from ..quarters import quarter_label, quarters_with_data, resolve_quarter
from .data import ReviewData, snapshot
from .organisation_run import STORES_ENV


@dataclass(frozen=True)
class Department:
    """One department's snapshot: ``active`` when it recorded something in the quarter (KPI
    readings or workshop activity: it then has its own pack, ``pack`` the link to it)."""

    label: str
    path: str
    data: ReviewData
    active: bool
    pack: str = ""

    @property
    def code(self) -> str:
        return self.data.workshop.code


@dataclass(frozen=True)
class OrganisationData:
    """Every department's review snapshot, as of the same quarter."""

    name: str
    quarter: str
    departments: tuple[Department, ...]

    @property
    def first(self) -> ReviewData:
        return self.departments[0].data

    @property
    def day(self) -> date:
        return self.first.day

    @property
    def as_of(self) -> datetime | None:
        return self.first.as_of

    @property
    def in_progress(self) -> bool:
        return self.first.in_progress

    @property
    def label(self) -> str:
        return quarter_label(self.quarter, self.as_of) if self.as_of else self.quarter

    def _repr_html_(self) -> str:
        import html

        names = ", ".join(f"{html.escape(d.label)} ({d.code})" for d in self.departments)
        return (
            f"<p class='{NO_MATH}'><b>{html.escape(self.name)}</b> · departments: {names}<br>"
            f"Quarter <b>{html.escape(self.label)}</b>: {self.first.start:%d %b %Y} – {self.first.end:%d %b %Y}; "
            f"compared with {self.first.previous}.</p>"
        )


def load_organisation(workshops=(), quarter: str = "", store_urls=(), packs=()) -> OrganisationData:
    """Take every department's snapshot as of one quarter.

    Parameters
    ----------
    workshops
        Workshop folders; empty: ``$CSIKIT_WORKSHOP_PATH`` (else the bundled demo) and the
        workshop folders beside it of the same organisation.
    quarter
        ``YYYYQn`` or ``current``; empty: the last finished quarter with KPI readings or
        workshop activity in any department.
    store_urls
        One URL per workshop (``""``: the SQLite file beside it); empty:
        ``$CSIKIT_PORTFOLIO_STORES`` (a JSON list), else ``$CSIKIT_STORE`` for the first
        workshop when it came from ``$CSIKIT_WORKSHOP_PATH``.
    packs
        Each department's own pack, as a link relative to the organisation pack (``""``: none).
    """
    from ..paths import demo_source
    from ..store import Store, default_store_url
    from ..workshop_file import load_workshop, workshop_path

    paths = [str(p) for p in workshops]
    stores = list(store_urls)
    if not paths:
        first = os.environ.get("CSIKIT_WORKSHOP_PATH") or str(demo_source())
        paths = [str(p) for p in siblings(first)]
        if not stores and os.environ.get("CSIKIT_STORE") and os.environ.get("CSIKIT_WORKSHOP_PATH"):
            stores = [os.environ["CSIKIT_STORE"]] + [""] * (len(paths) - 1)
    if not stores and os.environ.get(STORES_ENV):
        stores = json.loads(os.environ[STORES_ENV])
    stores = (stores + [""] * len(paths))[: len(paths)]
    links = (list(packs) + [""] * len(paths))[: len(paths)]
    from ..departments import check_codes

    files = [workshop_path(p).resolve() for p in paths]
    found = [load_workshop(f) for f in files]
    check_codes(found, paths)
    opened = []
    try:
        for file, ws, url in zip(files, found, stores, strict=True):
            store = Store(url or default_store_url(file.parent))
            opened.append(store)
            store.sync_workshop(ws)
        readings = [m for ws, st in zip(found, opened, strict=True) for m in st.measurements(ws.code)]
        events = [e for ws, st in zip(found, opened, strict=True) for e in st.events(ws.code)]
        quarter = resolve_quarter(quarter, readings, events)
        labels = department_labels(found)
        departments = []
        for label, file, ws, st, link in zip(labels, files, found, opened, links, strict=True):
            active = quarter in quarters_with_data(st.measurements(ws.code), st.events(ws.code))
            departments.append(Department(label, str(file.parent), snapshot(ws, st, quarter), active, link))
    finally:
        for store in opened:
            store.close()
    return OrganisationData(organisation_name(found), quarter, tuple(departments))


def short_day(day: date) -> str:
    """``5 Dec 2026``: a day as the organisation review writes it."""
    return f"{day.day} {day:%b %Y}"
