"""The private folders of ``csikit serve`` and the processes in them.

Each run gets a folder ``csikit-serve-*`` in the temp dir (mode 0700) holding the
servers' voila.py (token, cookie secret), logs and pool status. ``csikit serve``
removes it when it stops; a run that could not (SIGKILL, a crash) leaves it, and the
next start removes it unless its owner still holds its lock or a running process (a
Voila server, nginx) names it on its command line.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

#: Name of the private serve folders in the temp dir.
WORKDIR_PREFIX = "csikit-serve-"


def _children(parents: list[int]) -> list[int]:
    """Processes whose parent is one of ``parents`` (a server's kernels); Linux, else none."""
    wanted, out = set(parents), []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return out
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(") ", 1)[1].split()[1]) in wanted:
                        out.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return out


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not: it only waits for its parent)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(") ", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def new_workdir(tmp: str | Path | None = None) -> tuple[Path, object]:
    """A new private serve folder (mode 0700) and its held lock; stale folders of earlier runs go first."""
    import fcntl

    clean_stale_workdirs(tmp)
    workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX, dir=tmp))
    os.chmod(workdir, 0o700)
    lock = open(workdir / "lock", "w")  # noqa: SIM115 - held open for the servers' lifetime
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return workdir, lock


def _in_use_by_a_process(folder: Path) -> bool:
    """Whether a running process names ``folder`` on its command line (a Voila server's config, nginx's prefix)."""
    needle = os.fsencode(str(folder))
    try:
        entries = os.listdir("/proc")
    except OSError:
        return True  # cannot tell: keep the folder
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if needle in fh.read():
                    return True
        except OSError:
            continue
    return False


def clean_stale_workdirs(tmp: str | Path | None = None, *, min_age: float = 10.0) -> list[Path]:
    """Remove private serve folders of earlier runs that stopped without cleaning up (a SIGKILL,
    a crash); returns them. A folder is kept while its owner holds its lock or any running
    process (a Voila server, nginx) names it, and for ``min_age`` seconds after it was made."""
    import fcntl

    removed = []
    base = Path(tmp or tempfile.gettempdir())
    for folder in base.glob(f"{WORKDIR_PREFIX}*"):
        try:
            st = folder.lstat()
            if not folder.is_dir() or folder.is_symlink() or st.st_uid != os.getuid():
                continue
            if time.time() - st.st_mtime < min_age:
                continue
            with open(folder / "lock", "a") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # its csikit serve is running
                if _in_use_by_a_process(folder):
                    continue
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        except OSError:
            continue
    return removed
