"""The organisation review as a process: each department's own pack, then one organisation
pack beside them, ``OUT/<organisation>/<quarter>/organisation.ipynb`` and ``.html``, run by
papermill from ``notebooks/organisation_review.ipynb`` and linked to every department's pack.

Light like :mod:`csikit.review.run`: the ``csikit review`` process never imports pandas.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..departments import check_codes, department_labels, organisation_name, slug
from ..errors import CsiError
from ..paths import notebooks_dir as default_notebooks_dir
from ..quarters import quarters_with_data, resolve_quarter
from .run import ReviewResult, _environment, execute, render_html, run_review

TEMPLATE = "organisation_review.ipynb"
ORGANISATION = "organisation"
#: The environment variable that hands the kernel the stores' URLs (passwords stay out of the notebook).
STORES_ENV = "CSIKIT_PORTFOLIO_STORES"


@dataclass(frozen=True)
class OrganisationResult:
    """What one quarter's organisation review produced: its pack and each department's."""

    organisation: str
    quarter: str
    folder: Path
    notebook: Path
    html: Path
    departments: tuple[tuple[str, ReviewResult | None], ...] = ()


def run_organisation_review(
    paths: Sequence[str | Path],
    quarter: str = "",
    store_url: str | Sequence[str | None] | None = None,
    out: str | Path = "reviews",
    *,
    all_quarters: bool = False,
    notebooks_dir: Path | None = None,
    progress_bar: bool = True,
    report: Callable[[str], None] | None = None,
) -> list[OrganisationResult]:
    """Review several departments' workshops for a quarter: each its own pack, and an organisation pack.

    Parameters
    ----------
    paths
        Workshop folders or files, each its own join code.
    quarter
        ``YYYYQn`` or ``current``; empty: the last finished quarter with KPI readings or
        workshop activity in any of them.
    store_url
        None: each workshop's own store (beside its file); one URL: all in it; a list: one each.
    out
        Folder of reviews: ``OUT/<workshop folder>/<quarter>/`` for each department, and
        ``OUT/<organisation>/<quarter>/organisation.html``.
    all_quarters
        Every quarter with data in any workshop (``quarter`` must be empty).
    report
        Told one line per notebook as it starts.

    Raises
    ------
    CsiError
        Fewer than two workshops, two with one join code, a malformed quarter or one
        without data in any workshop.
    ReviewError
        A notebook failed.
    """
    from ..store import Store, default_store_url
    from ..workshop_file import load_workshop, workshop_path

    files = [workshop_path(p).resolve() for p in paths]
    if len(files) < 2:
        raise CsiError("An organisation review needs two workshops or more; for one, run csikit review PATH.")
    workshops = [load_workshop(f) for f in files]
    check_codes(workshops, [str(p) for p in paths])
    given = [store_url] * len(files) if store_url is None or isinstance(store_url, str) else list(store_url)
    if len(given) != len(files):
        raise CsiError(f"{len(given)} stores for {len(files)} workshops: give one store for all, one each, or none.")
    urls, data = [], []
    for file, ws, url in zip(files, workshops, given, strict=True):
        store = Store(url or default_store_url(file.parent))
        try:
            store.sync_workshop(ws)
            data.append(quarters_with_data(store.measurements(ws.code), store.events(ws.code)))
            urls.append(store.url_for_kernels)
        finally:
            store.close()
    every = sorted({q for qs in data for q in qs})
    if all_quarters:
        if str(quarter or "").strip():
            raise CsiError("Give either --quarter or --all, not both.")
        quarters = every
        if not quarters:
            raise CsiError(
                "None of these workshops has workshop activity or KPI measurements yet; add some with: "
                "csikit measure PATH --file kpis.csv (or run the workshops first)"
            )
    else:
        quarters = [_resolve(quarter, every)]
    source = Path(notebooks_dir or default_notebooks_dir()) / TEMPLATE
    if not source.is_file():
        raise CsiError(f"The organisation review template {source} is missing; reinstall csikit.")
    labels = department_labels(workshops)
    name = organisation_name(workshops)
    results = []
    for q in quarters:
        packs: list[tuple[str, ReviewResult | None]] = []
        for label, file, url, with_data in zip(labels, files, urls, data, strict=True):
            if q not in with_data:
                packs.append((label, None))
                continue
            said = (lambda line, label=label: report(f"{label} · {line}")) if report else None
            [done] = run_review(
                file, q, url, out, notebooks_dir=notebooks_dir, progress_bar=progress_bar and not report, report=said
            )
            packs.append((label, done))
        results.append(
            _run_organisation(name, q, files, urls, packs, Path(out), source, progress_bar and report is None, report)
        )
    return results


def _resolve(quarter: str, every: list[str]) -> str:
    """The quarter to review across workshops: :func:`csikit.quarters.resolve_quarter` on the
    quarters any of them has data in."""
    from types import SimpleNamespace

    from ..quarters import quarter_end

    if not every and not str(quarter or "").strip():
        raise CsiError(
            "None of these workshops has workshop activity or KPI measurements yet; add some with: "
            "csikit measure PATH --file kpis.csv (or run the workshops first)"
        )
    try:  # one stand-in reading per quarter with data: resolve_quarter reads quarters from dates
        return resolve_quarter(quarter, [SimpleNamespace(date=quarter_end(q)) for q in every])
    except CsiError as exc:
        if "has no KPI measurements" not in str(exc):
            raise
        q = str(exc).split(" ", 1)[0]
        msg = (
            f"{q} has no KPI measurements and no workshop activity in any of these workshops; quarters with "
            f"data: {', '.join(every) or 'none'}"
        )
        raise CsiError(msg) from None


def _run_organisation(
    name: str,
    quarter: str,
    files: list[Path],
    urls: list[str],
    packs: list[tuple[str, ReviewResult | None]],
    out: Path,
    source: Path,
    progress_bar: bool,
    report: Callable[[str], None] | None,
) -> OrganisationResult:
    from sqlalchemy.engine import make_url

    folder = (out / slug(name) / quarter).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    links = [os.path.relpath(done.html, folder) if done else "" for _, done in packs]
    # URLs with a password reach the kernel through its environment, never the saved notebook
    shown = [u if make_url(u).password is None else "" for u in urls]
    params = {"workshops": [str(f.parent) for f in files], "quarter": quarter, "store_urls": shown, "packs": links}
    notebook = folder / f"{ORGANISATION}.ipynb"
    if report:
        report(f"{quarter} · {name} · Organisation review")
    with _environment({STORES_ENV: json.dumps(urls)}):
        execute(source, notebook, params, folder, progress_bar)
    nav = [(f"{label}", link) for (label, _), link in zip(packs, links, strict=True) if link]
    html = render_html(
        notebook,
        folder / f"{ORGANISATION}.html",
        nav,
        title=f"CSI organisation review · {name} · {quarter}",
        lead="Each department's own review: " if nav else "",
    )
    return OrganisationResult(name, quarter, folder, notebook, html, tuple(packs))


__all__ = ["OrganisationResult", "run_organisation_review"]
