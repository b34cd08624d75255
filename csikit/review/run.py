"""The quarterly review as a process: papermill runs the review template and every step
worksheet for a quarter into ``reviews/<workshop>/<quarter>/``, and nbconvert renders
each to HTML without code.

The template is a source and is never written to. A failing notebook raises
:class:`ReviewError` naming the notebook, the section and the cause; papermill keeps
the partial notebook for inspection.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import CsiError, ReviewError
from ..model import Step
from ..offline import NBCONVERT_TEMPLATES
from ..paths import notebooks_dir as default_notebooks_dir
from ..quarters import quarters_with_data, resolve_quarter

TEMPLATE = "quarterly_review.ipynb"
REVIEW = "review"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class ReviewResult:
    """What one quarter's review produced."""

    workshop: str
    quarter: str
    folder: Path
    notebook: Path
    html: Path
    steps: tuple[tuple[Path, Path], ...] = ()


def template_path(notebooks_dir: Path | None = None) -> Path:
    """The review template in the apps' notebooks folder."""
    return Path(notebooks_dir or default_notebooks_dir()) / TEMPLATE


def step_notebooks(notebooks_dir: Path | None = None) -> list[Path]:
    """The step worksheets (``step*.ipynb``) that exist, in step order."""
    return sorted(Path(notebooks_dir or default_notebooks_dir()).glob("step*.ipynb"))


def run_review(
    path: str | Path,
    quarter: str = "",
    store_url: str | None = None,
    out: str | Path = "reviews",
    *,
    all_quarters: bool = False,
    notebooks_dir: Path | None = None,
    template: Path | None = None,
    progress_bar: bool = True,
    report: Callable[[str], None] | None = None,
) -> list[ReviewResult]:
    """Run the review template and the step worksheets for one quarter (or every quarter with data).

    Parameters
    ----------
    path
        Workshop folder or file.
    quarter
        ``YYYYQn``, or ``current`` (the quarter in progress, as of now: the workshop just
        held); empty: the last finished quarter with KPI measurements or workshop activity
        (:func:`csikit.quarters.resolve_quarter`).
    store_url
        Empty: the SQLite file beside the workshop file.
    out
        Folder of reviews; each quarter goes to ``out/<workshop folder>/<quarter>/``.
    all_quarters
        Review every quarter with KPI measurements or workshop activity (``quarter`` must then be empty).
    progress_bar
        Papermill's cell-by-cell bar for each notebook (ignored with ``report``).
    report
        Told one line per notebook as it starts ("2026Q3 · 2/7 · Step 1 · What is the vision?"),
        instead of papermill's unlabelled bars.

    Raises
    ------
    ReviewError
        A notebook failed: names the section and cause; the partial notebook is kept.
    CsiError
        Unknown workshop, a malformed quarter, or a quarter without data.
    """
    from ..session import store_url_for
    from ..store import Store
    from ..workshop_file import load_workshop, workshop_path

    file = workshop_path(path).resolve()
    ws = load_workshop(file)
    store = Store(store_url_for(file, store_url))
    try:
        store.sync_workshop(ws)
        measurements, events = store.measurements(ws.code), store.events(ws.code)
        if all_quarters:
            if str(quarter or "").strip():
                raise CsiError("Give either --quarter or --all, not both.")
            quarters = quarters_with_data(measurements, events)
            if not quarters:
                resolve_quarter("", measurements, events)  # raises the no-measurements message
        else:
            quarters = [resolve_quarter(quarter, measurements, events)]
        url = store.url_for_kernels
    finally:
        store.close()
    source = Path(template) if template else template_path(notebooks_dir)
    if not source.is_file():
        raise CsiError(f"The review template {source} is missing; reinstall csikit.")
    steps = step_notebooks(notebooks_dir or source.parent)
    return [
        _run_quarter(file, ws.code, q, url, Path(out), source, steps, progress_bar and report is None, report)
        for q in quarters
    ]


def _run_quarter(
    file: Path,
    code: str,
    quarter: str,
    url: str,
    out: Path,
    source: Path,
    steps: list[Path],
    progress_bar: bool,
    report: Callable[[str], None] | None = None,
) -> ReviewResult:
    from sqlalchemy.engine import make_url

    folder = (out / file.parent.name / quarter).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    # A URL with a password reaches the kernel through its environment, never the saved notebook.
    shown = url if make_url(url).password is None else ""
    params = {"workshop": str(file.parent), "quarter": quarter, "store_url": shown}
    env = {"CSIKIT_STORE": url, "CSIKIT_WORKSHOP": code, "CSIKIT_WORKSHOP_PATH": str(file.parent)}
    review = folder / f"{REVIEW}.ipynb"
    done: list[tuple[Path, Path]] = []
    total = 1 + len(steps)
    with _environment(env):
        if report:
            report(f"{quarter} · 1/{total} · Quarterly review")
        execute(source, review, params, folder, progress_bar)
        for n, step in enumerate(steps, start=2):
            if report:
                report(f"{quarter} · {n}/{total} · {_step_label(step)}")
            nb = folder / step.name
            execute(step, nb, params, folder, progress_bar)
            done.append((nb, nb.with_suffix(".html")))
    back = [(f"← Quarterly review {quarter}", f"{REVIEW}.html")]
    for nb, html in done:
        render_html(nb, html, back, title=f"{_step_label(nb)} · {code} · {quarter}")
    links = [(_step_label(nb), html.name) for nb, html in done]
    html = render_html(
        review,
        folder / f"{REVIEW}.html",
        links,
        title=f"CSI review {code} {quarter}",
        lead=f"Step worksheets as of {quarter}: " if links else "",
    )
    return ReviewResult(code, quarter, folder, review, html, tuple(done))


def kernel_manager_class():
    """A kernel manager that talks to its kernel over Unix sockets (IPC), not TCP ports.

    Kernels started side by side over TCP can race for a port ("Address already in
    use", then "Kernel didn't respond in 60 seconds"); IPC sockets live in Jupyter's
    runtime folder and cannot collide, and nothing is exposed on the network.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum

    class IpcKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    return IpcKernelManager


def execute(source: Path, output: Path, parameters: dict, cwd: Path, progress_bar: bool = True) -> Path:
    """Run one notebook with papermill; translate a failure into a ReviewError."""
    import papermill as pm
    from papermill.exceptions import PapermillException, PapermillExecutionError

    if output.resolve() == source.resolve():
        raise CsiError(f"Refusing to write the output over its source notebook {source}; choose another --out.")
    try:
        pm.execute_notebook(
            str(source),
            str(output),
            parameters=parameters,
            progress_bar=progress_bar,
            cwd=str(cwd),
            log_output=False,
            kernel_manager_class=kernel_manager_class(),
        )
    except PapermillExecutionError as exc:
        section = section_of(output, exc.source)
        cause = _ANSI.sub("", str(exc.evalue)).strip()
        msg = f"{source.name}: section {section} failed: {exc.ename}: {cause}; partial notebook kept at {output}"
        raise ReviewError(msg, notebook=source, section=section, partial=output) from None
    except (PapermillException, RuntimeError, OSError) as exc:
        msg = f"{source.name} could not run: {type(exc).__name__}: {exc}; partial notebook (if any) at {output}"
        raise ReviewError(msg, notebook=source, section="start", partial=output) from None
    return output


def section_of(notebook: Path, source: str) -> str:
    """The section of the cell with ``source``: its ``section:NAME`` tag, else the heading above it."""
    import nbformat

    try:
        nb = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError):
        return "unknown"
    heading = ""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            lines = [ln.lstrip("#").strip() for ln in cell.source.splitlines() if ln.startswith("#")]
            heading = lines[0] if lines else heading
            continue
        if cell.cell_type != "code" or cell.source != source:
            continue
        tags = cell.metadata.get("tags", [])
        for tag in tags:
            if tag.startswith("section:"):
                return tag.split(":", 1)[1]
        if "injected-parameters" in tags or "parameters" in tags:
            return "parameters"
        return f"“{heading}”" if heading else f"cell {index}"
    return "unknown"


def render_html(
    notebook: Path, html: Path, links: list[tuple[str, str]] = (), *, title: str = "", lead: str = ""
) -> Path:
    """Render an executed notebook to HTML without code, with a line of links at the top."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    if links:
        line = lead + " · ".join(f"[{label}]({urllib.parse.quote(href)})" for label, href in links)
        nb.cells.insert(
            1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, nbformat.v4.new_markdown_cell(line)
        )
    # A template of ours: nbconvert's own loads require.js, MathJax and mermaid from CDNs,
    # which fail offline and tell the network a review is being read.
    exporter = HTMLExporter(
        template_name="csikit_offline",
        extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or notebook.stem}})
    html.write_text(body, encoding="utf-8")
    return html


def _step_label(notebook: Path) -> str:
    m = re.match(r"step(\d)", notebook.stem)
    if m and 1 <= int(m.group(1)) <= 6:
        return f"Step {m.group(1)} · {Step(int(m.group(1))).question}"
    return notebook.stem.replace("_", " ")


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the kernels started inside, then restore them."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
