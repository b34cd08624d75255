"""How csikit serve sizes and starts the participant server (no server is started here)."""

from __future__ import annotations

import pytest

from csikit.serve import KERNEL_MB, capacity, participant_command, pool_refill_delay, pool_size


@pytest.mark.parametrize(("expected", "pool"), [(1, 3), (4, 6), (30, 33), (100, 110), (300, 330)])
def test_pool_holds_everyone_expected_plus_a_margin(expected, pool):
    assert pool_size(expected) == pool


@pytest.mark.parametrize(("expected", "delay"), [(1, 1.0), (4, 1.2), (30, 9.0), (100, 30.0), (300, 60.0), (5000, 60.0)])
def test_refill_waits_for_a_burst_of_the_expected_size(expected, delay):
    """100 arrivals with Voila's 1 s refill waited ≈ 51 s each, ≈ 2 s with 30 s (benchmarks/join_time.py)."""
    assert pool_refill_delay(expected) == delay


def test_participant_command_preheats_and_delays_the_refill(tmp_path):
    cmd = participant_command(8866, "0.0.0.0", tmp_path / "cfg", expected=100, preheat=True, cull=[])
    assert "--preheat_kernel=True" in cmd and "--pool_size=110" in cmd
    assert "--VoilaKernelManager.fill_delay=30.0" in cmd
    assert "--KernelManager.transport=ipc" in cmd
    root = next(a for a in cmd if a.startswith("--Voila.connection_dir_root=")).split("=", 1)[1]
    assert len(root) + len("/voila_hmysa6zg/kernel-17ed9db3-4429-45c2-a69c-38cf081362bb-ipc-65535") <= 104
    cold = participant_command(8866, "0.0.0.0", tmp_path / "cfg2", expected=100, preheat=False, cull=[])
    assert not [a for a in cold if "preheat" in a or "pool_size" in a or "fill_delay" in a]


def test_capacity_leaves_two_gib_for_the_rest():
    assert capacity(24 * 1024) == (24 * 1024 - 2048) // KERNEL_MB
    assert capacity(1024) == 0


# --- capacity: which resource runs out first ------------------------------------------------


def test_capacity_warning_names_cpu_on_two_cores():
    from csikit.serve import PARTICIPANTS_PER_CORE, capacity_warning

    assert capacity_warning(30, total_mb=24 * 1024, cores=2) is None
    text = capacity_warning(150, total_mb=24 * 1024, cores=2)
    assert text and "CPU runs out first" in text and "estimate" in text
    assert f"{PARTICIPANTS_PER_CORE} per core" in text and "memory:" not in text
    both = capacity_warning(300, total_mb=24 * 1024, cores=2)  # 330 pooled kernels do not fit in 24 GiB either
    assert both and "CPU runs out first" in both and "then memory" in both and "preheats 330" in both
    memory = capacity_warning(300, total_mb=8 * 1024, cores=64)
    assert memory and "memory runs out first" in memory and "proportional set size" in memory and "CPU:" not in memory


def test_capacity_is_sized_by_unique_memory_not_rss():
    """A participant kernel is ≈ 51 MB proportional/unique (68 MB RSS): 24 GiB hold about 370."""
    assert 50 <= KERNEL_MB <= 70
    assert capacity(24 * 1024) > 300


# --- the pool status the facilitator shows --------------------------------------------------


def _status(path, warm, target, age=0.0):
    import json
    import time

    path.write_text(json.dumps({"warm": warm, "target": target, "updated": time.time() - age}))
    return path


def test_pool_status_reads_the_files_named_by_the_environment(tmp_path, monkeypatch):
    import os

    from csikit.serve import POOL_STATUS_ENV, pool_status

    monkeypatch.delenv(POOL_STATUS_ENV, raising=False)
    assert pool_status() is None  # no pool (or not started by csikit serve)
    one = tmp_path / "one.json"
    monkeypatch.setenv(POOL_STATUS_ENV, str(one))
    assert pool_status() is None  # not written yet
    _status(one, 180, 330)
    assert pool_status() == (180, 330)
    two = _status(tmp_path / "two.json", 20, 110)
    monkeypatch.setenv(POOL_STATUS_ENV, os.pathsep.join([str(one), str(two)]))
    assert pool_status() == (200, 440)  # several participant servers (scale-out) add up
    _status(two, 20, 110, age=120)
    assert pool_status() is None  # a server that stopped writing is unknown, not stale figures
    two.write_text("{half a fi")
    assert pool_status() is None


def test_write_status_is_atomic_and_readable(tmp_path):
    from csikit.serve import pool_status
    from csikit.warmpool import write_status

    file = tmp_path / "pool.json"
    write_status(file, 3, 12)
    assert pool_status([file]) == (3, 12)
    assert [p.name for p in tmp_path.iterdir()] == ["pool.json"]


def test_participant_server_config_installs_the_paced_pool(tmp_path):
    cmd = participant_command(8866, "0.0.0.0", tmp_path / "cfg", expected=300, preheat=True, cull=[])
    text = (tmp_path / "cfg" / "voila.py").read_text()
    assert "csikit.warmpool.install(" in text and str(tmp_path / "cfg" / "pool.json") in text
    assert "--pool_size=330" in cmd and "--VoilaKernelManager.fill_delay=60.0" in cmd
    assert "low_water=15" in text  # half of the 30 spare kernels
    participant_command(8866, "0.0.0.0", tmp_path / "cold", expected=300, preheat=False, cull=[])
    assert "warmpool" not in (tmp_path / "cold" / "voila.py").read_text()


def test_paced_pool_starts_a_few_kernels_at_a_time():
    """The whole pool is queued at once (as Voila does), but only `concurrency` kernels start
    and run their notebook at a time; each page request still takes the oldest pool entry."""
    import asyncio
    import logging

    from csikit.warmpool import PacedPool

    state = {"running": 0, "most": 0, "started": 0}

    class FakeVoilaKernelManager:  # the parts of voila's VoilaKernelManager the pool uses
        kernel_pools_config = {"default": {"pool_size": 12}}
        log = logging.getLogger("test")

        def __init__(self, **kwargs):
            loop = asyncio.get_event_loop()
            self._pools = {"nb.ipynb": [loop.create_task(self._initialize("nb.ipynb")) for _ in range(12)]}

        async def _initialize(self, notebook_path, kernel_id=None, **kwargs):
            state["started"] += 1
            state["running"] += 1
            state["most"] = max(state["most"], state["running"])
            await asyncio.sleep(0.01)  # the kernel starts

            async def run_notebook():
                await asyncio.sleep(0.03)
                state["running"] -= 1

            return {"task": asyncio.get_event_loop().create_task(run_notebook()), "kernel_id": str(state["started"])}

        async def shutdown_all(self, *args, **kwargs):
            for task in self._pools["nb.ipynb"]:
                await task

    class Paced(PacedPool, FakeVoilaKernelManager):
        concurrency = 3

    async def main():
        km = Paced()
        assert km.pool_warmth() == (0, 12)
        await asyncio.sleep(0.08)
        warm, _ = km.pool_warmth()
        assert 0 < warm < 12  # growing, not all at once
        for _ in range(100):
            if km.pool_warmth() == (12, 12):
                break
            await asyncio.sleep(0.02)
        assert km.pool_warmth() == (12, 12)
        await km.shutdown_all()

    asyncio.run(main())
    assert state["most"] == 3 and state["started"] == 12


def test_the_pool_refills_only_when_its_spares_run_low():
    """A room that arrives as expected takes kernels from the pool without making the server
    start replacements meanwhile; below the low-water mark Voila's refill runs as before."""
    from csikit.serve import pool_low_water, pool_size
    from csikit.warmpool import PacedPool

    refills = []

    class FakeVoilaKernelManager:
        def __init__(self, **kwargs):
            self._pools = {"nb.ipynb": list(range(11))}

        def fill_if_needed(self, delay=None, notebook_name=None, **kwargs):
            refills.append(len(self._pools[notebook_name]))

    class Paced(PacedPool, FakeVoilaKernelManager):
        low_water = 5

        def __init__(self):  # no event loop needed for the refill rule
            FakeVoilaKernelManager.__init__(self)

    km = Paced()
    while km._pools["nb.ipynb"]:
        km._pools["nb.ipynb"].pop(0)  # a page takes a kernel, then Voila asks for a refill
        km.fill_if_needed(notebook_name="nb.ipynb")
    assert refills == [4, 3, 2, 1, 0]
    assert pool_low_water(100) == 5 and pool_size(100) == 110
    assert pool_low_water(30) == 2 and pool_low_water(1) == 2


def test_paced_pool_shutdown_drops_kernels_not_started():
    import asyncio
    import logging

    from csikit.warmpool import PacedPool

    started = []

    class FakeVoilaKernelManager:
        kernel_pools_config = {"default": {"pool_size": 50}}
        log = logging.getLogger("test")

        def __init__(self, **kwargs):
            loop = asyncio.get_event_loop()
            self._pools = {"nb.ipynb": [loop.create_task(self._initialize("nb.ipynb")) for _ in range(50)]}

        async def _initialize(self, notebook_path, kernel_id=None, **kwargs):
            started.append(1)
            await asyncio.sleep(0.05)
            return {"task": asyncio.get_event_loop().create_task(asyncio.sleep(0.2)), "kernel_id": str(len(started))}

        async def shutdown_all(self, *args, **kwargs):
            for task in tuple(self._pools["nb.ipynb"]):
                try:
                    await task
                except Exception:  # noqa: BLE001 - as Voila does; a CancelledError would escape
                    pass

    class Paced(PacedPool, FakeVoilaKernelManager):
        concurrency = 2

    async def main():
        km = Paced()
        await asyncio.sleep(0.02)
        await asyncio.wait_for(km.shutdown_all(), timeout=5)

    asyncio.run(main())
    assert len(started) == 2  # only the kernels already starting; 48 never start


# --- the private serve folder ----------------------------------------------------------------


def _old(folder, seconds=3600):
    import os
    import time

    t = time.time() - seconds
    os.utime(folder, (t, t))
    return folder


def test_stale_serve_folders_are_removed_but_not_those_in_use(tmp_path):
    import fcntl
    import subprocess
    import sys

    from csikit.serve import clean_stale_workdirs

    stale = tmp_path / "csikit-serve-stale"
    (stale / "participant").mkdir(parents=True)
    (stale / "participant" / "voila.py").write_text("c.Voila.cookie_secret = b'secret'\n")
    (stale / "lock").write_text("12345\n")
    old_style = tmp_path / "csikit-serve-oldstyle"  # from before the lock file
    old_style.mkdir()
    locked = tmp_path / "csikit-serve-locked"  # its csikit serve runs
    locked.mkdir()
    holder = open(locked / "lock", "w")  # noqa: SIM115
    fcntl.flock(holder, fcntl.LOCK_EX)
    named = tmp_path / "csikit-serve-named"  # its csikit serve was killed, its Voila server runs on
    (named / "participant").mkdir(parents=True)
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                               f"--Voila.config_file_paths={named / 'participant'}"])
    young = tmp_path / "csikit-serve-young"  # just made by a csikit serve that is starting
    young.mkdir()
    other = tmp_path / "not-csikit"
    other.mkdir()
    for folder in (stale, old_style, locked, named, other):
        _old(folder)
    try:
        removed = clean_stale_workdirs(tmp_path)
    finally:
        server.kill()
        server.wait()
        holder.close()
    assert sorted(removed) == sorted([stale, old_style])
    assert not stale.exists() and not old_style.exists()
    assert locked.exists() and named.exists() and young.exists() and other.exists()


def test_new_workdir_is_private_and_locked(tmp_path):
    import stat

    from csikit.serve import Servers, clean_stale_workdirs, new_workdir

    workdir, lock = new_workdir(tmp_path)
    assert stat.S_IMODE(workdir.stat().st_mode) == 0o700
    _old(workdir)
    assert clean_stale_workdirs(tmp_path) == []  # held by this process
    Servers("p", "f", workdir=workdir, lock=lock).stop()
    assert not workdir.exists()


# --- a big pool: the servers answer at once, the pool fills in the background ------------------


@pytest.mark.server
@pytest.mark.slow
def test_serve_300_answers_at_once_and_the_pool_warms_in_the_background(tmp_path):
    """`csikit serve --expected 300` (a pool of 330) on 2 cores: Voila used to start all 330
    kernels at once and answer nothing for minutes, so serve gave up."""
    import os
    import shutil
    import subprocess
    import time

    from csikit.serve import POOL_STATUS_ENV, demo_source, free_port, start_servers
    from csikit.session import open_workshop

    shutil.copytree(demo_source(), tmp_path / "demo", ignore=shutil.ignore_patterns("*.sqlite*"))
    ws, store = open_workshop(str(tmp_path / "demo"), f"sqlite:///{tmp_path}/store.sqlite")
    t0 = time.monotonic()
    servers = start_servers(store.url_for_kernels, ws.code, host="127.0.0.1", participant_port=free_port(),
                            facilitator_port=free_port(), expected=300, log_dir=tmp_path)
    kernels: set[int] = set()

    def participant_kernels() -> set[int]:
        out = subprocess.run(["pgrep", "-P", str(servers.processes[0].pid)], capture_output=True, text=True).stdout
        return {int(p) for p in out.split()}

    try:
        servers.wait_ready(timeout=15)
        answered = time.monotonic() - t0
        facilitator_env = open(f"/proc/{servers.processes[1].pid}/environ", "rb").read().split(b"\0")
        assert f"{POOL_STATUS_ENV}={servers.pool_files[0]}".encode() in facilitator_env
        seen = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            kernels |= participant_kernels()
            status = servers.pool_status()
            if status is not None and (not seen or status != seen[-1]):
                seen.append(status)
            if status and status[0] >= 3:
                break
            time.sleep(1)
        assert seen and seen[0][1] == 330 and seen[-1][0] >= 3, seen
        assert [w for w, _ in seen] == sorted(w for w, _ in seen), seen  # grows
        assert len(kernels) < 330 / 2  # a few at a time, not all at once
    finally:
        kernels |= participant_kernels()
        servers.stop()
    time.sleep(2)
    left = [p for p in kernels if os.path.exists(f"/proc/{p}") and "zombie" not in open(f"/proc/{p}/status").read()]
    assert not left, f"kernels left running: {left}"
    assert not servers.workdir.exists()
    print(f"answered after {answered:.1f} s; pool status {seen}")


def test_paced_pool_pauses_while_memory_is_short(monkeypatch):
    """A pool larger than the memory stops growing instead of ending with the OOM killer."""
    import asyncio
    import logging

    import csikit.warmpool as wp

    free = {"mb": 100.0}
    monkeypatch.setattr(wp, "available_mb", lambda: free["mb"])
    monkeypatch.setattr(wp, "MEMORY_POLL_S", 0.01)
    started = []

    class FakeVoilaKernelManager:
        kernel_pools_config = {"default": {"pool_size": 4}}
        log = logging.getLogger("test")

        def __init__(self, **kwargs):
            loop = asyncio.get_event_loop()
            self._pools = {"nb.ipynb": [loop.create_task(self._initialize("nb.ipynb")) for _ in range(4)]}

        async def _initialize(self, notebook_path, kernel_id=None, **kwargs):
            started.append(1)
            return {"task": asyncio.get_event_loop().create_task(asyncio.sleep(0)), "kernel_id": str(len(started))}

        async def shutdown_all(self, *args, **kwargs):
            pass

    class Paced(wp.PacedPool, FakeVoilaKernelManager):
        concurrency = 2

    async def main():
        km = Paced()
        await asyncio.sleep(0.1)
        assert started == [] and km.pool_warmth() == (0, 4)
        free["mb"] = 10_000.0
        await asyncio.sleep(0.1)
        assert km.pool_warmth() == (4, 4)
        await km.shutdown_all()

    asyncio.run(main())


def test_kernel_sockets_stay_under_the_path_limit_with_a_long_temp_dir(tmp_path):
    """A long TMPDIR (pytest's, macOS's /var/folders/…/T/) made every ipc kernel fail to start."""
    from csikit.serve import ipc_connection_root

    long = tmp_path / ("x" * 60)
    long.mkdir()
    assert ipc_connection_root(str(long)) == "/tmp"
    assert ipc_connection_root("/tmp") == "/tmp"
