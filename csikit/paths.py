"""Where csikit's files are: the apps' notebooks and the bundled demo workshop.

Both live in the package when csikit is installed, else beside it in the repository.
Processes (``csikit serve``, ``csikit review``) and kernels ask here instead of
working it out themselves.
"""

from __future__ import annotations

from pathlib import Path

from .errors import CsiError

_HERE = Path(__file__).resolve().parent


def _first(candidates: tuple[Path, ...], marker: str, missing: str) -> Path:
    for candidate in candidates:
        if (candidate / marker).is_file():
            return candidate
    raise CsiError(missing)


def notebooks_dir() -> Path:
    """The folder holding the apps' notebooks (in the package when installed, else the repo)."""
    return _first((_HERE / "notebooks", _HERE.parent / "notebooks"), "participant.ipynb",
                  "Cannot find the csikit notebooks (participant.ipynb); reinstall csikit.")


def demo_source() -> Path:
    """The bundled demo workshop (in the package when installed, else the repo)."""
    return _first((_HERE / "workshops" / "demo", _HERE.parent / "workshops" / "demo"), "workshop.yaml",
                  "Cannot find the bundled demo workshop; reinstall csikit.")
