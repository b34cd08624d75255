"""Shared pytest fixtures for csikit."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pgserver  # tests/pgserver.py; tests/ is on sys.path (no __init__.py)
import pytest
from repo_paths import DEMO, REPO


@pytest.fixture(autouse=True)
def _no_machine_calibration(tmp_path_factory, monkeypatch):
    """Tests never read this machine's `csikit capacity` result (~/.config/csikit): what
    `csikit serve` advises must not depend on which machine runs the suite."""
    monkeypatch.setenv("CSIKIT_CAPACITY_FILE", str(tmp_path_factory.mktemp("calibration") / "capacity.json"))


# =============================================================================
# PostgreSQL (tests/pgserver.py)
#
#   pg_url     session: URL of a throwaway PostgreSQL server's `csikit_test`
#              database, or $CSIKIT_TEST_PG_URL when that is set.
#   store_url  per test, parametrised ["sqlite", "postgresql"]: a fresh, empty
#              store URL (a new SQLite file, or a new PostgreSQL database that
#              is dropped afterwards). The postgresql param is marked
#              `postgres`, so `-m "not postgres"` runs the SQLite half only.
#   pg_store_url per test: a new PostgreSQL database only (dropped afterwards).
#
# Without PostgreSQL's binaries these tests are skipped locally and fail in CI
# (CI=true), where `.ci/run` installs PostgreSQL.
# =============================================================================


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL not available: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    url = pgserver.url_from_env()
    if url:
        yield url
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed: python3 -m pip install -e '.[test]'")
    try:
        server = pgserver.PgServer.start()
    except pgserver.PgUnavailable as e:
        _unavailable(str(e))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.sqlite"
        return
    with _fresh_database(request.getfixturevalue("pg_url")) as url:
        yield url


@pytest.fixture
def pg_store_url(pg_url) -> Iterator[str]:
    with _fresh_database(pg_url) as url:
        yield url


@contextlib.contextmanager
def _fresh_database(base: str) -> Iterator[str]:
    """A new, empty database on the server of ``base``, dropped on exit."""
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex}"
    pgserver.create_database(base, name)
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        pgserver.drop_database(base, name)


# =============================================================================
# end of PostgreSQL fixtures
# =============================================================================


# =============================================================================
# Live servers and a browser (tests/*/test_browser*.py, test_rehearsal.py,
# test_reliability.py, test_security.py)
#
#   start_live_workshop(tmp, **serve options)
#                 the one factory (a context manager): the demo workshop copied
#                 to tmp/demo, synced into a fresh SQLite store, the room server
#                 and the facilitator's Voila started with the known LIVE_TOKEN,
#                 waiting until they answer; yields a LiveWorkshop (servers,
#                 store, workshop, token, tmp); on exit stops the servers and
#                 checks that no process or kernel of theirs is left.
#   live_servers  module: start_live_workshop.
#   browser       module: a headless Debian chromium driven by Playwright.
#
# Both need `-m browser`/`-m server`-marked tests to be requested; nothing
# here starts unless a test asks for it.
# =============================================================================

LIVE_TOKEN = "browser-test-token-0123456789"


class LiveWorkshop:
    def __init__(self, servers, store, workshop, token, tmp):
        self.servers, self.store, self.workshop, self.token, self.tmp = servers, store, workshop, token, tmp

    @property
    def participant_url(self) -> str:
        return self.servers.participant_url

    @property
    def facilitator_url(self) -> str:
        return self.servers.facilitator_url


def _process_tree(roots) -> set[int]:
    """The given pids and all their live descendants (Voila servers and their kernels)."""
    import subprocess as sp

    out = sp.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children: dict[int, list[int]] = {}
    alive = set()
    for line in out.splitlines():
        pid, ppid = map(int, line.split())
        children.setdefault(ppid, []).append(pid)
        alive.add(pid)
    found, todo = set(), [r for r in roots if r in alive]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


def _alive(pids) -> list[int]:
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().split(") ")[-1].startswith("Z"):
                    continue  # a zombie waiting for its parent is gone for our purposes
            out.append(pid)
        except OSError:
            pass
    return out


def copy_demo(folder: Path) -> Path:
    """The bundled demo workshop copied to ``folder`` (without any store file); returns ``folder``."""
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("*.sqlite*"))
    return folder


def rehearsed_demo(tmp: Path, people: int) -> tuple[Path, str, str]:
    """The demo copied to ``tmp/demo`` with ``people`` simulated participants walked through its
    whole agenda in ``tmp/store.sqlite``: (workshop folder, store URL, join code)."""
    from csikit.simulate import simulate
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    folder = copy_demo(tmp / "demo")
    url = f"sqlite:///{tmp}/store.sqlite"
    ws = load_workshop(folder)
    store = Store(url)
    store.sync_workshop(ws)
    simulate(store, ws.code, people, seed=0, walk=True)
    store.close()
    return folder, url, ws.code


def copy_organisation(tmp: Path, *, infra_min_group: int | None = None) -> tuple[Path, Path]:
    """The demo organisation's two workshops copied to ``tmp`` (no stores)."""
    desk = tmp / "demo"
    infra = tmp / "demo-infra"
    for name, target in (("demo", desk), ("demo-infra", infra)):
        shutil.copytree(REPO / "workshops" / name, target, ignore=shutil.ignore_patterns("*.sqlite*"))
    if infra_min_group is not None:
        file = infra / "workshop.yaml"
        file.write_text(
            file.read_text().replace(
                "department: IT Infrastructure\n", f"department: IT Infrastructure\nmin_group: {infra_min_group}\n"
            )
        )
    return desk, infra


def rehearse(paths, urls, people=(6, 5)) -> None:
    """Each workshop's whole agenda walked through by simulated people (today)."""
    from csikit.session import open_workshop_and_store
    from csikit.simulate import simulate

    for path, url, n in zip(paths, urls, people, strict=True):
        ws, store = open_workshop_and_store(str(path), url)
        simulate(store, ws.code, n, seed=3, walk=True)
        store.close()


@contextlib.contextmanager
def start_live_workshop(
    tmp: Path, *, ready_timeout: float = 90, stop_timeout: float = 15, **serve_options
) -> Iterator[LiveWorkshop]:
    """Both Voila servers on a fresh copy of the demo workshop, ready for participants.

    Parameters
    ----------
    tmp
        An empty folder for the workshop copy, the SQLite store and the server logs.
    ready_timeout
        Seconds to wait for the servers to answer HTTP.
    stop_timeout
        Seconds the servers and their kernels have to be gone after stopping.
    **serve_options
        Fields of the :class:`csikit.server_settings.ServerSettings` given to
        :func:`csikit.serve.start_servers` (e.g. ``cull_idle``).
    """
    import time

    from csikit.serve import ServerSettings, free_port, start_servers
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    folder = copy_demo(tmp / "demo")
    workshop = load_workshop(folder)
    url = f"sqlite:///{tmp}/store.sqlite"
    store = Store(url)
    store.sync_workshop(workshop)
    servers = start_servers(
        ServerSettings(
            url,
            workshop.code,
            host="127.0.0.1",
            participant_port=free_port(),
            facilitator_port=free_port(),
            token=LIVE_TOKEN,
            log_dir=tmp,
            workshop_path=str(folder),
            **serve_options,
        )
    )
    try:
        servers.wait_ready(timeout=ready_timeout)
        yield LiveWorkshop(servers, store, workshop, LIVE_TOKEN, tmp)
    finally:
        tree = _process_tree([p.pid for p in servers.processes])  # servers and their kernels
        servers.stop()
        deadline = time.monotonic() + stop_timeout
        while _alive(tree) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _alive(tree)
        assert not left, f"Voila processes (or their kernels) left running: {left}"


@pytest.fixture(scope="module")
def live_servers(tmp_path_factory) -> Iterator[LiveWorkshop]:
    with start_live_workshop(tmp_path_factory.mktemp("live")) as live:
        yield live


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        try:
            yield b
        finally:
            b.close()


# =============================================================================
# end of live server and browser fixtures
# =============================================================================


# =============================================================================
# Security and reliability (tests/whole/test_security.py, tests/processes/test_reliability.py)
#
#   fault_servers  module: start_live_workshop (the demo copied to a tmp dir, a fresh
#                  SQLite store, both Voila servers, the known LIVE_TOKEN) with a
#                  short kernel cull (FAULT_CULL_IDLE s idle, checked every
#                  FAULT_CULL_INTERVAL s). Yields a
#                  LiveWorkshop; `restart_facilitator(live)` replaces the facilitator
#                  process and `kernels_of(proc)` maps kernel ids to kernel pids.
# =============================================================================

FAULT_CULL_IDLE = 10
FAULT_CULL_INTERVAL = 5


def kernels_of(proc) -> dict[str, int]:
    """Kernel id → pid of the live ipykernel processes below the Voila server ``proc``.

    A kernel's command line names its connection file ``kernel-<id>.json``.
    """
    import re

    out = {}
    for pid in _alive(_process_tree([proc.pid]) - {proc.pid}):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmd = fh.read().decode(errors="replace")
        except OSError:
            continue
        m = re.search(r"kernel-([0-9a-f-]{36})\.json", cmd)
        if "ipykernel" in cmd and m:
            out[m.group(1)] = pid
    return out


def wait_http(url: str, proc, timeout: float = 120) -> None:
    """Until the server at ``url`` answers HTTP at all (any status), or fail with the process gone."""
    import time

    from csikit.serve import wait_http as wait

    wait(proc, url, None, time.monotonic() + timeout)


def restart_facilitator(live: LiveWorkshop) -> None:
    """Stop the facilitator server (and its kernels) and start it again with the same command,
    store, token and cookie secret (its private config folder is reused), as `csikit serve`
    started it. The new log is appended to ``live.servers.logs``.
    """
    import signal
    import subprocess

    from csikit.offline import voila_offline
    from csikit.serve import notebooks_dir

    servers = live.servers
    old = servers.processes[1]
    tree = _process_tree([old.pid])
    os.killpg(old.pid, signal.SIGTERM)
    old.wait(timeout=60)
    import time

    deadline = time.monotonic() + 30
    while _alive(tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    env = {
        **os.environ,
        "CSIKIT_STORE": live.store.url_for_kernels,
        "CSIKIT_WORKSHOP": live.workshop.code,
        "CSIKIT_PARTICIPANT_URL": servers.participant_url,
        "CSIKIT_WORKSHOP_PATH": str(live.tmp / "demo"),
        "CSIKIT_VOILA_TOKEN": live.token,
    }
    voila_offline(env)  # the command names csikit's page template; its folder comes through the environment
    log = live.tmp / f"facilitator-restart-{len(servers.logs)}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            old.args,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=notebooks_dir(),
        )
    servers.processes[1] = proc
    servers.logs.append(log)
    wait_http(servers.facilitator_url, proc)


@pytest.fixture(scope="module")
def fault_servers(tmp_path_factory) -> Iterator[LiveWorkshop]:
    with start_live_workshop(
        tmp_path_factory.mktemp("fault"),
        ready_timeout=120,
        stop_timeout=30,
        cull_idle=FAULT_CULL_IDLE,
        cull_interval=FAULT_CULL_INTERVAL,
    ) as live:
        yield live


def run_async(coro):
    """``asyncio.run`` in a thread of its own: Playwright's sync API keeps an event loop
    running in the main thread while a browser fixture is alive."""
    import asyncio
    import threading

    out: dict = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            out["error"] = exc

    thread = threading.Thread(target=target, name="run_async")
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")


# =============================================================================
# end of security and reliability fixtures
# =============================================================================


# =============================================================================
# Helpers that several test modules share (import them: `from conftest import …`)
#
#   open_now(store, code, key)  make an activity the open, current one
#   invoke(*args)               run the `csikit` command in-process
#   copy_demo(folder)           (above) the demo workshop copied to a folder
#   copy_organisation(tmp)      (above) the demo organisation's two workshops copied
#   rehearse(paths, urls)       (above) each workshop's agenda walked by simulated people
#
# Fixtures on the demo workshop in a fresh SQLite store (no server):
#
#   demo_store         (workshop, store): the demo copied to tmp_path/demo, loaded,
#                      and synced into tmp_path/store.sqlite; the store is closed after.
#   facilitator_room   demo_store with the facilitator's app and three phones joined on
#                      an in-process room hub (tests/hub_phones.py), the first named XSS.
# =============================================================================

#: A participant's name that is markup: every page must show it as text.
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def demo_store(tmp_path) -> Iterator[tuple]:
    """The demo workshop copied to ``tmp_path/demo`` (no store files), loaded, and a fresh SQLite
    store ``tmp_path/store.sqlite`` synced with it: ``(workshop, store)``."""
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    ws = load_workshop(copy_demo(tmp_path / "demo"))
    store = Store(f"sqlite:///{tmp_path}/store.sqlite")
    store.sync_workshop(ws)
    yield ws, store
    store.close()


class FacilitatorRoom(tuple):
    """(workshop, store, facilitator, phones), and the hub the phones are on (``.hub``)."""

    hub: object


@pytest.fixture
def facilitator_room(demo_store, tmp_path) -> Iterator[FacilitatorRoom]:
    """The demo workshop in a fresh store, the facilitator's app and three phones joined on a
    room hub (the first named :data:`XSS`): a :class:`FacilitatorRoom`."""
    from hub_phones import HubRoom

    from csikit.widgets.facilitator import FacilitatorApp

    ws, store = demo_store
    fac = FacilitatorApp(
        store, ws.code, join_url="http://192.0.2.1:8866/?code=DESK26", workshop_path=str(tmp_path / "demo"), poll=False
    )
    hub = HubRoom(store.url_for_kernels, ws.code)
    people = [hub.joined(XSS if i == 0 else f"P{i}") for i in range(3)]
    out = FacilitatorRoom((ws, store, fac, people))
    out.hub = hub
    yield out
    hub.close()


def open_now(store, code: str, key: str) -> None:
    """Make ``key`` the open, current activity through the store (as another facilitator tab would):
    an open one elsewhere is locked first, a revealed one reset; nothing happens if it already is."""
    from csikit.model import ActivityState

    state = store.states(code)[key]
    if state is ActivityState.OPEN and store.current_key(code)[0] == key:
        return
    if state is ActivityState.OPEN:
        store.lock_activity(code, key)
    elif state is ActivityState.REVEALED:
        store.reset_activity(code, key)
    store.open_activity(code, key)


def invoke(*args: str):
    """Run ``csikit ARGS`` in-process with click's runner; a traceback in the output, or any
    exception but SystemExit, fails the test. Returns the click Result."""
    from click.testing import CliRunner

    from csikit.cli import main

    result = CliRunner().invoke(main, list(args), prog_name="csikit")
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result
