"""The shared store: the only package that talks SQL.

One schema and one code path for SQLite (a file, the default) and PostgreSQL (by
URL). Every rule that protects the data is enforced here, each in one transaction:
SQLite transactions that read then write start with ``BEGIN IMMEDIATE`` (a deferred
transaction fails under concurrent writers); PostgreSQL locks the activity.

Modules: :mod:`.engine` (backends, error messages), :mod:`.schema` (tables, version),
:mod:`.prepared` and :mod:`.queries` (the hot paths), :mod:`.room_signal`,
:mod:`.core` (what every concern shares, the audit writer), one module per concern
of :class:`Store` (:mod:`.workshops`, :mod:`.lifecycle`, :mod:`.trash`, :mod:`.audit`,
:mod:`.participants`, :mod:`.answers`, :mod:`.ideas`, :mod:`.register`, :mod:`.room_state`
("I'm done" marks, the live-results switch), :mod:`.paper` (answers entered from paper),
:mod:`.history` (reads bounded by a moment, the register's history)), :mod:`.front`, which
combines them, and :mod:`.as_of` (the store as it stood at a moment, read-only).
"""

from __future__ import annotations

from .engine import STORE_FILE, default_store_url
from .front import Store, open_store
from .room_signal import SIGNAL_MAX_BYTES, SIGNAL_SUFFIX
from .trash import AnswerCount

__all__ = [
    "SIGNAL_MAX_BYTES",
    "SIGNAL_SUFFIX",
    "STORE_FILE",
    "AnswerCount",
    "Store",
    "default_store_url",
    "open_store",
]
