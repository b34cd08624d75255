"""Open a workshop file together with its store: the start of every command and notebook."""

from __future__ import annotations

from .model import Workshop
from .store import Store, default_store_url
from .workshop_file import load_workshop, workshop_path


def open_workshop(path: str, store_url: str | None = None) -> tuple[Workshop, Store]:
    """Load a workshop file and sync it into its store (default: csikit.sqlite beside it)."""
    workshop = load_workshop(path)
    store = Store(store_url or default_store_url(workshop_path(path).parent))
    store.sync_workshop(workshop)
    return workshop, store
