"""The room signal of an SQLite store: a small file beside it that every change a phone
must follow appends a line to, so each room server notices a change with one ``os.stat``
(a few µs, no SQL) and reads the store only then, once for all its phones (``csikit.room.hub``).

PostgreSQL stores have no signal file (servers on several machines share no file): the
store sends ``NOTIFY csikit_room, '<code>'`` (:data:`CHANNEL`) in the same transaction as the
change instead, and each room process listens on one connection (``csikit.room.hub``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

SIGNAL_SUFFIX = ".signal"
#: The PostgreSQL channel a change a phone must follow is announced on (payload: the join code).
CHANNEL = "csikit_room"
#: Past this size the signal file starts again.
SIGNAL_MAX_BYTES = 64 * 1024


def signal_path(store_file: Path | None) -> Path | None:
    """The signal file beside an SQLite store's file; None without a file (PostgreSQL)."""
    return None if store_file is None else store_file.with_name(store_file.name + SIGNAL_SUFFIX)


def fingerprint(path: Path | None) -> tuple[int, int, int] | None:
    """(inode, size, mtime) of the signal file; ``(0, 0, 0)`` before it exists; None without one."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0, 0)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def touch(path: Path | None, what: str) -> None:
    """Append one line saying ``what`` changed (past :data:`SIGNAL_MAX_BYTES`, start again).

    The file's size grows with every touch, so a change never goes unseen for a coarse
    mtime. Failing to write it (a read-only folder) is harmless: phones fall back to polling.
    """
    if path is None:
        return
    line = f"{time.time():.3f} {what}\n".encode()
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        try:
            if os.stat(path).st_size > SIGNAL_MAX_BYTES:
                flags = (flags & ~os.O_APPEND) | os.O_TRUNC
        except OSError:
            pass
        fd = os.open(path, flags, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        pass


#: The line a facilitator's selection appends: ``<time> next <code> <activity>``.
NEXT = "next"


def announce(path: Path | None, code: str, activity: str) -> None:
    """Say which activity the facilitator is about to open (they selected it in the agenda).

    Phones build its screen ahead (unshown), so the Open reaches them with one message.
    """
    touch(path, f"{NEXT} {code} {activity}")


def announced(path: Path | None, code: str) -> str | None:
    """The activity the facilitator last selected for ``code``, if that is the signal's last word."""
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - 512))
            last = fh.read().decode("utf-8", "replace").rstrip("\n").rsplit("\n", 1)[-1].split()
    except OSError:
        return None
    return last[3] if len(last) == 4 and last[1] == NEXT and last[2] == code else None
