"""Where the repository's folders are, for every test (tests/ is on sys.path through
tests/conftest.py): compute no path from a test file's own place, import it from here."""

from __future__ import annotations

from pathlib import Path

#: The repository's root (this file is tests/repo_paths.py).
REPO = Path(__file__).resolve().parents[1]
#: The bundled demo workshop (copy it before writing: ``conftest.copy_demo``).
DEMO = REPO / "workshops" / "demo"
#: The package's source folder.
CSIKIT = REPO / "csikit"
#: The benchmarks' scripts (some tests import their load generators).
BENCHMARKS = REPO / "benchmarks"
#: The notebook fixtures of tests/notebooks/.
NOTEBOOKS_FIXTURES = REPO / "tests" / "notebooks"
