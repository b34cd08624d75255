"""PhoneLink speaks anywidget's protocol without importing anywidget in the participant kernel."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_phonelink_matches_the_installed_anywidget_protocol():
    anywidget = pytest.importorskip("anywidget")
    from anywidget import _util
    from anywidget._version import _ANYWIDGET_SEMVER_VERSION

    from csikit.widgets.identity import PhoneLink

    class Reference(anywidget.AnyWidget):
        _esm = "export default {}"

    ref, mine = Reference(), PhoneLink("DESK26", lambda token: True)
    for trait in ("_model_name", "_model_module", "_model_module_version", "_view_name", "_view_module",
                  "_view_module_version"):
        assert getattr(mine, trait) == getattr(ref, trait), trait
    assert mine._model_module_version == _ANYWIDGET_SEMVER_VERSION
    for key in (_util._ESM_KEY, _util._ANYWIDGET_ID_KEY):
        assert key in mine.keys, key
    assert "export default" in mine._esm and "localStorage" in mine._esm


def test_the_participant_kernel_does_not_import_anywidget():
    """anywidget's Python side (and psygnal) cost ≈ 1.1 MB per participant kernel."""
    code = (
        "import sys\n"
        "from csikit.widgets import participant\n"
        "print([m for m in ('anywidget', 'psygnal') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
