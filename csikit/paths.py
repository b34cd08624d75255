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
    return _first(
        (_HERE / "notebooks", _HERE.parent / "notebooks"),
        "facilitator.ipynb",
        "Cannot find the csikit notebooks (facilitator.ipynb); reinstall csikit.",
    )


#: The bundled demo organisation's workshops: the service desk (``demo``, the one ``csikit demo``
#: runs) and another department with KPIs it shares (``demo-infra``), for the organisation review.
DEMO_WORKSHOPS = ("demo", "demo-infra")


def demo_source(name: str = "demo") -> Path:
    """A bundled demo workshop, ``demo`` or ``demo-infra`` (in the package when installed, else the repo)."""
    return _first(
        (_HERE / "workshops" / name, _HERE.parent / "workshops" / name),
        "workshop.yaml",
        f"Cannot find the bundled demo workshop {name}; reinstall csikit.",
    )
