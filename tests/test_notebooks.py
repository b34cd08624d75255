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

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def notebook_env(tmp_path_factory) -> dict[str, str]:
    from csikit.simulate import simulate
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    tmp = tmp_path_factory.mktemp("nbval")
    folder = tmp / "demo"
    shutil.copytree(REPO / "workshops" / "demo", folder, ignore=shutil.ignore_patterns("*.sqlite*"))
    url = f"sqlite:///{tmp}/store.sqlite"
    ws = load_workshop(folder)
    store = Store(url)
    store.sync_workshop(ws)
    simulate(store, ws.code, 6, seed=0, walk=True)
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CSIKIT_", "QUERY_STRING", "VOILA_"))}
    env.update(CSIKIT_WORKSHOP_PATH=str(folder), CSIKIT_STORE=url, CSIKIT_WORKSHOP=ws.code, MPLBACKEND="Agg")
    return env


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_runs_under_nbval(notebook: Path, notebook_env, tmp_path):
    cmd = [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
           "-o", "addopts=", "-W", "ignore::DeprecationWarning", str(notebook)]
    proc = subprocess.run(cmd, cwd=tmp_path, env=notebook_env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{notebook.name} failed under nbval:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    assert " passed" in proc.stdout
