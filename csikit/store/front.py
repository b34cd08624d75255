"""The :class:`Store`: one object over the concerns of the shared store, each in its module."""

from __future__ import annotations

from .answers import AnswerStore
from .audit import Audit
from .history import History
from .idea_merges import IdeaMerges
from .ideas import IdeaStore
from .lifecycle import Lifecycle
from .paper import Paper
from .participants import Participants
from .register import Register
from .room_state import RoomState
from .workshops import Workshops


class Store(
    Workshops, Lifecycle, Audit, Participants, Paper, AnswerStore, IdeaStore, IdeaMerges, RoomState, Register, History
):
    """Workshop state shared by every kernel: activities, participants (paper ones too),
    responses, ideas, done marks and the live-results switch, the audit trail, the CSI
    register (with its history) and KPI measurements; :meth:`as_of` reads it as it stood
    at a past moment.

    Parameters
    ----------
    url
        ``sqlite:///path/to/file.sqlite`` or ``postgresql+psycopg://user@host/db``.

    Raises
    ------
    StoreError
        Not a store URL, a backend other than SQLite or PostgreSQL, a database holding
        other tables, or a store that cannot be reached or read.
    StoreVersionError
        The store was written by a newer csikit.
    """

    def as_of(self, moment):
        """This store as it stood at ``moment`` (UTC, naive): a read-only
        :class:`~csikit.store.as_of.StoreAsOf` (the rule: :mod:`csikit.quarters`)."""
        from .as_of import StoreAsOf

        return StoreAsOf(self, moment)


def open_store(url: str) -> Store:
    """Open (and create, if new) the store at ``url``."""
    return Store(url)
