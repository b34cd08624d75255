"""Shared pieces of the benchmarks: a demo store, kernel RSS from /proc, percentiles and a
machine description. (The phones' servers are measured by ``room.py``.)

Only 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from csikit.testing.room import cpu_seconds, percentile  # noqa: F401 - the benchmarks' shared figures

HERE = Path(__file__).resolve().parent
FLOOR = HERE / "floor"
BARE = FLOOR / "bare_ipywidgets.ipynb"
ONE_BUTTON = FLOOR / "one_button.ipynb"


def tmpdir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"csikit-bench-{prefix}-"))


def demo_store(folder: Path) -> tuple[str, object]:
    """The demo workshop in a fresh SQLite store under ``folder``: (url, workshop)."""
    from csikit.serve import demo_source
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    shutil.copytree(demo_source(), folder / "demo", ignore=shutil.ignore_patterns("*.sqlite*"))
    ws = load_workshop(folder / "demo")
    url = f"sqlite:///{folder}/store.sqlite"
    store = Store(url)
    store.sync_workshop(ws)
    store.close()
    return url, ws


def kernel_pids(parent: int) -> list[int]:
    """ipykernel processes started by the Voila process ``parent``."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(") ", 1)[1].split()[1])
            if ppid != parent:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                if b"ipykernel" in fh.read():
                    out.append(int(entry))
        except (OSError, IndexError, ValueError):
            pass
    return out


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f}, {five:.1f}, {fifteen:.1f} on {os.cpu_count()} cores"


def machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import ipywidgets
    import voila

    return (
        f"{cpu or 'unknown CPU'}, {os.cpu_count()} cores, {mem:.1f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, voila {voila.__version__}, ipywidgets {ipywidgets.__version__}"
    )


def verdict(ratio: float, goal: float, *, at_most: bool = True) -> str:
    ok = ratio <= goal if at_most else ratio >= goal
    return f"{'MET' if ok else 'MISSED'} (goal {'≤' if at_most else '≥'} {goal:g})"


def run(coro):
    return asyncio.run(coro)


def header(title: str) -> None:
    print(f"== {title}")
    print(f"   machine: {machine()}")
    print(f"   {load()} at start", flush=True)


sys.path.insert(0, str(HERE))


def bench_workshop(folder: Path, items: int = 40) -> tuple[str, object]:
    """A workshop with a 40-item dot vote (``dots40``) and a 40-item Likert rating (``rate40``),
    in a fresh SQLite store."""
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    rows = "\n".join(f'      - {{id: i{k}, text: "Improvement idea number {k}"}}' for k in range(1, items + 1))
    (folder / "bench").mkdir(parents=True)
    (folder / "bench" / "workshop.yaml").write_text(f"""csikit: 1
code: BENCH1
title: Benchmark workshop
organisation: Bench
date: 2026-01-01
vision: A room of people improving services.
objectives:
  - id: O1
    title: Be fast
agenda:
  - id: dots40
    step: 3
    kind: dot_vote
    title: Forty items
    budget: 10
    per_item_cap: 3
    items:
{rows}
  - id: rate40
    step: 3
    kind: rating
    title: Rate forty items
    scale: likert
    items:
{rows}
""")
    ws = load_workshop(folder / "bench")
    url = f"sqlite:///{folder}/store.sqlite"
    store = Store(url)
    store.sync_workshop(ws)
    store.close()
    return url, ws
