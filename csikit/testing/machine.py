"""This machine's processes, read from ``/proc``: a process tree, its CPU time and memory, the Python kernels.

What a room run (:mod:`csikit.testing.room`), ``csikit capacity`` and the benchmarks
measure the servers by: :func:`tree` (a process and its descendants), :func:`cpu_seconds`,
:func:`rss_mb` and :func:`pss_mb`, :func:`kernels` (ipykernel processes) and
:func:`_is_voila` (a facilitator's Voilà server). Linux only. Re-exported by
:mod:`csikit.testing.room`.
"""

from __future__ import annotations

import os


def tree(roots: list[int]) -> list[int]:
    """``roots`` and all their descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(") ", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(pids) -> float:
    """User + system CPU time of the given processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(") ", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def pss_mb(pids) -> float:
    """Proportional set size of the given processes (shared pages counted once overall)."""
    return _smaps(pids, "Pss:")


def rss_mb(pids) -> float:
    """Resident set size of the given processes, summed."""
    return _smaps(pids, "Rss:")


def _smaps(pids, key: str) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith(key)) / 1024
        except (OSError, StopIteration, ValueError):
            pass
    return total


def kernels(pids=None) -> list[int]:
    """ipykernel processes among ``pids`` (default: every process on this machine, as ``pgrep -f ipykernel``)."""
    pids = [int(e) for e in os.listdir("/proc") if e.isdigit()] if pids is None else pids
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"ipykernel" in fh.read():
                    out.append(pid)
        except OSError:
            pass
    return out


def _is_voila(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            args = fh.read().split(b"\0")
    except OSError:
        return False
    return b"voila" in args[1:3] or any(a.endswith(b"/voila") for a in args[:2])
