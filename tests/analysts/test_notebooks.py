"""nbval (--nbval-lax) runs every notebook in notebooks/ against a fixture store.

Notebooks have no parameters under nbval, so they read their inputs from the
environment: CSIKIT_WORKSHOP_PATH (a copy of the demo), CSIKIT_STORE (a fresh SQLite
file with a rehearsed workshop in it) and CSIKIT_WORKSHOP (the join code). Each
notebook runs in its own pytest subprocess, so one failure names one notebook.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from repo_paths import DEMO, REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def notebook_env(tmp_path_factory) -> dict[str, str]:
    from conftest import rehearsed_demo

    tmp = tmp_path_factory.mktemp("nbval")
    folder, url, code = rehearsed_demo(tmp, 6)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CSIKIT_", "QUERY_STRING", "VOILA_"))}
    env.update(CSIKIT_WORKSHOP_PATH=str(folder), CSIKIT_STORE=url, CSIKIT_WORKSHOP=code, MPLBACKEND="Agg")
    return env


def run_nbval(notebook: Path, folder: Path, env: dict) -> subprocess.CompletedProcess:
    """``notebook`` run cell by cell by nbval in a fresh pytest (the suite's own options left out)."""
    cmd = [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider", "--rootdir", str(folder)]
    cmd += ["-o", "addopts=", "-W", "ignore::DeprecationWarning", str(notebook)]
    return subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_runs_under_nbval(notebook: Path, notebook_env, tmp_path):
    proc = run_nbval(notebook, tmp_path, notebook_env)
    assert proc.returncode == 0, f"{notebook.name} failed under nbval:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    assert " passed" in proc.stdout


def test_a_relative_workshop_is_found_from_the_notebooks_folder(tmp_path, monkeypatch):
    from csikit.errors import CsiError
    from csikit.session import find_workshop

    monkeypatch.chdir(tmp_path)  # nowhere near a workshop: the repository's demo is found
    assert find_workshop("workshops/demo") == DEMO
    project = tmp_path / "project"
    shutil.copytree(DEMO, project / "workshops" / "demo", ignore=shutil.ignore_patterns("*.sqlite*"))
    (project / "notebooks").mkdir()
    monkeypatch.chdir(project / "notebooks")  # a worksheet opened from notebooks/ finds ../workshops/demo
    assert find_workshop("workshops/demo").resolve() == (project / "workshops" / "demo").resolve()
    with pytest.raises(CsiError, match="set the notebook's `workshop` parameter"):
        find_workshop("workshops/nope")


@pytest.mark.slow
def test_a_worksheet_opened_from_notebooks_shows_its_charts_as_images(tmp_path):
    """As in JupyterLab: the worksheet runs in notebooks/ with no environment set, and
    matplotlib's backend is whatever the kernel has (Agg here, the worst case)."""
    import nbformat
    import papermill as pm

    from csikit.session import open_workshop_and_store
    from csikit.simulate import simulate

    project = tmp_path / "project"
    shutil.copytree(DEMO, project / "workshops" / "demo", ignore=shutil.ignore_patterns("*.sqlite*"))
    shutil.copytree(REPO / "notebooks", project / "notebooks")
    ws, store = open_workshop_and_store(str(project / "workshops" / "demo"))
    p = store.join(ws.code, "Dan")
    store.open_activity(ws.code, "s1-problems")
    store.add_idea(ws.code, p.id, "s1-problems", "Paid $50 for #1 and $20 for #2")
    simulate(store, ws.code, 4, seed=0, walk=True)
    store.close()
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("CSIKIT_")}
    saved_backend = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    try:
        out = tmp_path / "step1.ipynb"
        pm.execute_notebook(
            str(project / "notebooks" / "step1_vision.ipynb"),
            str(out),
            cwd=str(project / "notebooks"),
            progress_bar=False,
        )
    finally:
        os.environ.update(saved)
        if saved_backend is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = saved_backend
    outputs = [o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])]
    data = [o.get("data", {}) for o in outputs]
    assert sum("image/png" in d for d in data) == 2  # the impact heatmap and the dot vote
    assert not any("<Figure size" in d.get("text/plain", "") and "image/png" not in d for d in data)
    assert any("Paid $50 for #1 and $20 for #2" in d.get("text/html", "") for d in data)


@pytest.mark.slow
def test_a_worksheet_run_by_papermill_from_inside_jupyterlab_stays_static(notebook_env, tmp_path):
    """A kernel papermill starts from a JupyterLab kernel inherits $JPY_SESSION_NAME; the injected
    parameters still make the worksheet print its exhibits (the review's HTML needs pictures, not widgets)."""
    import nbformat
    import papermill as pm

    saved = dict(os.environ)
    os.environ.update(notebook_env, JPY_SESSION_NAME=str(tmp_path / "analysis.ipynb"))
    try:
        out = tmp_path / "step5.ipynb"
        pm.execute_notebook(
            str(REPO / "notebooks" / "step5_check.ipynb"),
            str(out),
            cwd=str(tmp_path),
            parameters={"quarter": "2026Q2"},
            progress_bar=False,
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    data = [o.get("data", {}) for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])]
    # the KPI progress and KPI trends charts; the confidence rating was given today, after 2026Q2
    # ended, so as of 2026Q2 it is not there (issue 20: every figure as of its quarter)
    assert sum("image/png" in d for d in data) == 2
    assert not any("application/vnd.jupyter.widget-view+json" in d for d in data)
    assert any("as of the end of 2026Q2" in d.get("text/html", "") for d in data)


@pytest.mark.slow
def test_the_example_notebook_runs_before_any_answer(tmp_path):
    """From a clean clone: the demo without a store (nothing answered yet), no CSIKIT_STORE. Every
    cell runs, and the charts say what will appear instead of raising."""
    from conftest import copy_demo

    folder = copy_demo(tmp_path / "demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CSIKIT_", "QUERY_STRING", "VOILA_"))}
    env.update(CSIKIT_WORKSHOP_PATH=str(folder), MPLBACKEND="Agg")
    notebook = REPO / "notebooks" / "analyse_a_workshop.ipynb"
    proc = run_nbval(notebook, tmp_path, env)
    assert proc.returncode == 0, f"{notebook.name} failed on a workshop without answers:\n{proc.stdout[-4000:]}"
    assert (folder / "csikit.sqlite").exists()  # the store it made beside the workshop, as on a fresh clone


@pytest.mark.slow
def test_the_example_notebook_counts_people_not_rows(notebook_env, tmp_path):
    """Dots spread over items of the same words: the voters of a text are people (at most the room)."""
    import nbformat
    import papermill as pm

    saved = dict(os.environ)
    os.environ.update(notebook_env)
    try:
        out = tmp_path / "analysed.ipynb"
        pm.execute_notebook(
            str(REPO / "notebooks" / "analyse_a_workshop.ipynb"), str(out), cwd=str(tmp_path), progress_bar=False
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    from csikit.store import Store

    store = Store(notebook_env["CSIKIT_STORE"])
    try:
        people = len({r.participant for r in store.responses(notebook_env["CSIKIT_WORKSHOP"], "s1-top")})
    finally:
        store.close()
    [cell] = [c for c in nbformat.read(out, as_version=4).cells if "voters=" in c.source]
    lines = cell.outputs[0]["data"]["text/plain"].splitlines()[2:]  # header, index name, then one row per text
    voters = [int(line.split()[-1]) for line in lines if line.strip()]
    assert voters and max(voters) <= people
