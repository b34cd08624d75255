"""The public surface: every name in ``csikit.__all__`` exists, and importing a name
loads only what it needs (each check runs in a fresh interpreter, so nothing another
test imported can hide or fake a heavy import)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import csikit

#: Libraries a name must not load unless it needs them: the data stack (pandas, numpy),
#: drawing (matplotlib, seaborn), widgets, and PyYAML (workshop files only).
HEAVY = ("pandas", "numpy", "matplotlib", "seaborn", "scipy", "ipywidgets", "yaml")

#: What each public name may load from HEAVY. Only the analysts' data API needs the data
#: stack; reading a workshop file needs PyYAML.
ALLOWED = {
    "CsiError": (),
    "Step": (),
    "Store": (),
    "Workshop": (),
    "open_store": (),
    "load_workshop": ("yaml",),
    "open_workshop": HEAVY,
    "open_portfolio": HEAVY,
}


def loaded_after(statement: str) -> list[str]:
    """The HEAVY libraries present in a fresh interpreter after running ``statement``."""
    code = f"import sys\n{statement}\nimport json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def test_every_exported_name_exists():
    assert len(set(csikit.__all__)) == len(csikit.__all__)
    for name in csikit.__all__:
        assert getattr(csikit, name) is not None, name


def test_star_import_gives_exactly_the_exported_names():
    space: dict = {}
    exec("from csikit import *", space)
    assert sorted(k for k in space if k != "__builtins__") == sorted(csikit.__all__)


def test_every_exported_name_is_documented():
    undocumented = [n for n in csikit.__all__ if not (getattr(csikit, n).__doc__ or "").strip()]
    assert not undocumented


def test_the_import_table_covers_the_public_names():
    assert set(ALLOWED) == set(csikit.__all__)


def test_import_csikit_loads_no_pandas_widgets_or_yaml():
    assert loaded_after("import csikit") == []


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_each_name_loads_only_what_it_needs(name):
    loaded = loaded_after(f"from csikit import {name}")
    assert set(loaded) <= set(ALLOWED[name]), f"csikit.{name} loads {sorted(set(loaded) - set(ALLOWED[name]))}"


def test_an_unknown_name_is_an_attribute_error_that_names_it():
    with pytest.raises(AttributeError, match="no attribute 'load_workshops'"):
        csikit.load_workshops  # noqa: B018


def test_the_version_is_the_one_pyproject_gives():
    from pathlib import Path

    import tomllib

    import csikit
    from csikit.version import __version__

    pyproject = tomllib.loads((Path(csikit.__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert csikit.__version__ == __version__ == pyproject["project"]["version"]
