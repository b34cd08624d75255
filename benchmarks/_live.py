"""Shared pieces of the benchmarks: a demo store, Voila servers started exactly as
``csikit serve`` starts the participant server (the floor notebooks get the same
command line), kernel RSS from /proc, percentiles and a machine description.

Only 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
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


class Voila:
    """One Voila server for ``notebook`` with the participant server's exact settings."""

    def __init__(self, notebook: Path | None, folder: Path, *, store_url: str = "", code: str = "", expected: int = 4,
                 preheat: bool = True, name: str = "voila"):
        from csikit.serve import CULL_IDLE_S, CULL_INTERVAL_S, free_port, participant_command

        self.port = free_port()
        cull = [f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_S}",
                f"--MappingKernelManager.cull_interval={CULL_INTERVAL_S}",
                "--MappingKernelManager.cull_connected=False"]
        cmd = participant_command(self.port, "127.0.0.1", folder / f"{name}-config", expected=expected, preheat=preheat, cull=cull)
        if notebook is not None:
            cmd[3] = str(notebook)  # the floor: same command line, another notebook
        self.url = f"http://127.0.0.1:{self.port}/" + (f"?code={code}" if code else "")
        self.log = folder / f"{name}.log"
        self.pool_file = folder / f"{name}-config" / "pool.json"  # written by csikit.warmpool
        env = {**os.environ, "CSIKIT_STORE": store_url, "CSIKIT_WORKSHOP": code, "CSIKIT_PARTICIPANT_URL": self.url}
        with open(self.log, "wb") as fh:
            self.proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True, cwd=Path(cmd[3]).parent)
        self.preheat = preheat

    def pool(self) -> tuple[int, int] | None:
        """(warm kernels, pool size) as the server publishes it; None when unknown."""
        from csikit.serve import pool_status

        return pool_status([self.pool_file])

    def wait(self, timeout: float = 900) -> float:
        """Wait until the server answers and (with preheat) every pooled kernel has run the notebook;
        returns seconds waited."""
        from csikit.serve import wait_http

        t0 = time.monotonic()
        deadline = t0 + timeout
        wait_http(self.proc, f"http://127.0.0.1:{self.port}/", self.log, deadline)
        last, since = None, time.monotonic()
        while self.preheat:
            status = self.pool()
            if status is not None and status[1] and status[0] >= status[1]:
                break
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"The kernel pool did not fill:\n{self.log.read_text(errors='replace')[-2000:]}")
            if status != last:
                last, since = status, time.monotonic()
            elif status and time.monotonic() - since > 90:
                print(f"   note: the pool stalled at {status[0]}/{status[1]} warm (a kernel failed to start); going on",
                      flush=True)
                break
            time.sleep(0.5)
        return time.monotonic() - t0

    def kernels(self) -> list[int]:
        return kernel_pids(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


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

    return (f"{cpu or 'unknown CPU'}, {os.cpu_count()} cores, {mem:.1f} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, voila {voila.__version__}, ipywidgets {ipywidgets.__version__}")


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
    """A workshop with a 40-item dot vote (``dots40``) and a 40-item Likert rating (``rate40``), in a fresh SQLite store."""
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
