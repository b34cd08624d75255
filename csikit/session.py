"""Open a workshop file together with its store: the start of every command and notebook."""

from __future__ import annotations

from pathlib import Path

from .errors import CsiError
from .model import Workshop
from .store import Store, default_store_url
from .workshop_file import WORKSHOP_FILE, load_workshop, workshop_path

#: The workshop a worksheet opens when no parameter or environment variable names one.
DEFAULT_WORKSHOP = "workshops/demo"


def _exists(p: Path) -> bool:
    return (p / WORKSHOP_FILE).is_file() if p.is_dir() else p.is_file()


def find_workshop(path: str | Path, *, parameter: str = "workshop") -> Path:
    """The workshop folder or file ``path`` names, for a notebook that may run from anywhere.

    A relative path is looked up from the working folder, then from each folder above
    it, then from the repository csikit was installed from (a worksheet opened from
    ``notebooks/`` finds ``workshops/demo``); the default demo falls back to the
    bundled copy.

    Raises
    ------
    CsiError
        Nothing found: names the notebook parameter (and variable) to set.
    """
    p = Path(path).expanduser()
    if p.is_absolute():
        candidates = [p]
    else:
        here = Path.cwd()
        repo = Path(__file__).resolve().parents[1]
        candidates = [base / p for base in (here, *here.parents, repo)]
    for candidate in candidates:
        if _exists(candidate):
            return candidate
    if Path(path).as_posix().rstrip("/") == DEFAULT_WORKSHOP:
        from .serve import demo_source

        return demo_source()
    msg = (f"{path}: no such workshop file (looked in {Path.cwd()}, the folders above it and the csikit "
           f"repository); set the notebook's `{parameter}` parameter (or $CSIKIT_WORKSHOP_PATH) to the "
           "workshop folder")
    raise CsiError(msg)


def open_workshop(path: str, store_url: str | None = None) -> tuple[Workshop, Store]:
    """Load a workshop file and sync it into its store (default: csikit.sqlite beside it).

    The commands' helper: it returns the model and the store. Analysts call
    ``csikit.open_workshop`` (:func:`csikit.workbook.open_workshop`), which returns an
    object whose methods give pandas frames.
    """
    workshop = load_workshop(path)
    store = Store(store_url or default_store_url(workshop_path(path).parent))
    store.sync_workshop(workshop)
    return workshop, store
