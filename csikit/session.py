"""Open a workshop file together with its store: the start of every command and notebook."""

from __future__ import annotations

import os
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
        from .paths import demo_source

        return demo_source()
    msg = (
        f"{path}: no such workshop file (looked in {Path.cwd()}, the folders above it and the csikit "
        f"repository); set the notebook's `{parameter}` parameter (or $CSIKIT_WORKSHOP_PATH) to the "
        "workshop folder"
    )
    raise CsiError(msg)


def store_url_for(workshop_path: str | Path, given: str | None = None) -> str:
    """The store URL of the workshop at ``workshop_path`` (its file or folder): the one
    rule every command, notebook and app follows.

    In this order: ``given`` (``--store URL``, a notebook's ``store_url`` parameter, an
    argument), else ``$CSIKIT_STORE``, else the SQLite file ``csikit.sqlite`` beside the
    workshop file (:func:`csikit.store.default_store_url`). A command that only reads
    checks the result with :func:`existing_store`. Commands over several workshops at once
    (the organisation review, a portfolio) do not read ``$CSIKIT_STORE``: it names one
    workshop's store.
    """
    return given or os.environ.get("CSIKIT_STORE") or default_store_url(workshop_path)


def existing_store(url: str, *, what: str = "") -> str:
    """``url`` when its store exists; a CsiError when it is an SQLite file that does not.

    Reading a workshop (review, export, the next cycle, the data API) never creates a
    store: a mistyped ``--store sqlite:///…/typo.db`` would otherwise read as a workshop
    nobody answered. Only ``demo``, ``serve``, ``simulate`` and ``measure`` create one.
    (A PostgreSQL database that does not exist is refused by its server.)
    """
    from .store.engine import parse_url, sqlite_file

    parsed = parse_url(url)
    file = sqlite_file(parsed, url)
    if file is not None and not file.is_file():
        msg = (
            f"No store at {file}{f' for {what}' if what else ''}: nothing has been recorded there. Check the "
            "--store URL (or $CSIKIT_STORE); a workshop's store is created when it runs (csikit serve, "
            "csikit demo, csikit simulate)."
        )
        raise CsiError(msg)
    return url


def open_workshop_and_store(path: str, store_url: str | None = None, *, create: bool = True) -> tuple[Workshop, Store]:
    """Load a workshop file and sync it into its store (:func:`store_url_for`: ``store_url``,
    else ``$CSIKIT_STORE``, else csikit.sqlite beside it).

    The commands' helper: it returns the model and the store. Analysts call
    ``csikit.open_workshop`` (:func:`csikit.workbook.open_workshop`), which returns an
    object whose methods give pandas frames. ``create=False``: a store that does not
    exist yet is an error (:func:`existing_store`), not a new empty one.
    """
    workshop = load_workshop(path)
    url = store_url_for(workshop_path(path), store_url)
    store = Store(url if create else existing_store(url, what=workshop.code))
    store.sync_workshop(workshop)
    return workshop, store
