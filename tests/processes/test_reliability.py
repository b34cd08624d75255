"""Nothing is lost under faults: a killed room server, a restarted facilitator server,
300 concurrent writers, a store that is locked, read-only, missing or corrupted, and the
kernel of a reloaded facilitator page that must go away.

Live tests use the ``fault_servers`` fixture (tests/conftest.py): the room server and the
facilitator's Voila on the demo workshop with a short kernel cull. Phones are driven
headless over the room websocket (csikit.testing.RoomPhone), or on an in-process room hub
(tests/hub_phones.py); the facilitator restart is checked in chromium.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    FAULT_CULL_IDLE,
    FAULT_CULL_INTERVAL,
    kernels_of,
    open_now,
    restart_facilitator,
    run_async,
)
from repo_paths import BENCHMARKS

from csikit.model import ActivityState

sys.path.insert(0, str(BENCHMARKS))

DOT_VOTE = "s3-vote"

# ---------------------------------------------------------------------------- helpers


async def until(check, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return not fh.read().split(") ")[-1].startswith("Z")
    except OSError:
        return False


# ---------------------------------------------------------------------------- SIGKILL


def kill_and_restart_room(live) -> None:
    """SIGKILL the room server, then start it again as it was (same command, environment,
    port and store); returns once it answers ``/room/health``."""
    import urllib.request

    from csikit.serve import notebooks_dir

    old = live.servers.processes[0]
    with open(f"/proc/{old.pid}/environ", "rb") as fh:
        env = dict(os.fsdecode(v).split("=", 1) for v in fh.read().split(b"\0") if b"=" in v)
    os.kill(old.pid, signal.SIGKILL)
    old.wait(timeout=30)
    log = live.tmp / f"room-restart-{len(live.servers.logs)}.log"
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
    live.servers.processes[0] = proc
    live.servers.logs.append(log)
    health = live.participant_url.split("?")[0].rstrip("/") + "/room/health"
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            if json.loads(urllib.request.urlopen(health, timeout=2).read())["ok"]:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


@pytest.mark.server
def test_room_server_killed_after_voting_loses_nothing(fault_servers):
    """SIGKILL the room server right after a phone's votes were acked: the votes are in the
    store, and the phone that comes back through its rejoin link (the server started again)
    sees them, as the same person."""
    from csikit.testing import RoomPhone

    live = fault_servers
    store, code = live.store, live.workshop.code
    open_now(store, code, DOT_VOTE)
    mine = {("c1", ""): (2, ""), ("c4", ""): (1, "")}

    async def vote_then_kill():
        p = RoomPhone(live.participant_url, timeout=120)
        await p.connect()
        try:
            await p.join("Killed Kim")
            await p.wait_for(lambda p: p.phase == "answering" and p.activity_id == DOT_VOTE)
            for item in ("c1", "c1", "c4"):
                assert (await p.answer(DOT_VOTE, {item: 1}, delta=True))["ok"]
            await p.wait_for(lambda p: p.mine.get("dots") == {"c1": 2, "c4": 1})  # the screen follows each ack
            await asyncio.get_running_loop().run_in_executor(
                None, kill_and_restart_room, live
            )  # right after the last ack
            return p.participant, p.token
        finally:
            await p.close()

    pid, token = run_async(vote_then_kill())
    assert store.my_responses(code, pid, DOT_VOTE) == mine

    async def come_back():
        async with RoomPhone(live.participant_url + "&t=" + token, timeout=120) as again:  # the rejoin link
            await again.wait_for(lambda p: p.phase == "answering")
            assert again.participant == pid and again.name == "Killed Kim"
            assert again.mine["dots"] == {"c1": 2, "c4": 1} and again.mine["line"].startswith("3 of 6 dots left")

    run_async(come_back())
    assert store.my_responses(code, pid, DOT_VOTE) == mine


# ---------------------------------------------------------------------------- facilitator restart


@pytest.mark.server
@pytest.mark.browser
def test_facilitator_restart_comes_back_to_the_same_state(fault_servers, browser):
    """Stop the facilitator server mid-workshop and start it again on the same store:
    the reloaded page shows the same activity, state and results; the audit trail and
    the responses are unchanged, and new votes still arrive."""
    from browser_helpers import (
        Dialogs,
        facilitator_state,
        open_facilitator,
        results_rows,
        wait_table_cell,
    )

    live = fault_servers
    store, code = live.store, live.workshop.code
    open_now(store, code, DOT_VOTE)
    people = [store.join(code, f"Restart {n}") for n in range(3)]
    for n, person in enumerate(people):
        store.respond(code, person.id, DOT_VOTE, {"c2": 1 + n % 2, "c5": 1})
    dialogs = Dialogs()
    context, page = open_facilitator(browser, live.facilitator_url, dialogs)
    try:
        title = live.workshop.activity(DOT_VOTE).title
        facilitator_state(page, "open")
        before_rows = results_rows(page)
        before_heading = page.locator(".csikit-facilitator h3:has(.csikit-state)").text_content()
        before_events = store.events(code)
        before_responses = store.responses(code, DOT_VOTE)
        assert title in before_heading

        restart_facilitator(live)

        page.goto(live.facilitator_url, timeout=120_000)
        page.locator(".csikit-participation").wait_for(timeout=120_000)
        facilitator_state(page, "open")
        assert page.locator(".csikit-facilitator h3:has(.csikit-state)").text_content() == before_heading
        assert results_rows(page) == before_rows
        assert store.events(code) == before_events
        assert store.responses(code, DOT_VOTE) == before_responses
        # and the restarted app still follows the room
        late = store.join(code, "After restart")
        store.respond(code, late.id, DOT_VOTE, {"c7": 3})
        wait_table_cell(page, live.workshop.activity(DOT_VOTE).items[6].text, 1, "3", timeout=60_000)
        assert not dialogs.seen
    finally:
        context.close()


# ---------------------------------------------------------------------------- 300 writers

WRITERS = 300


@pytest.mark.slow
def test_300_concurrent_writers_store_every_accepted_response_once(store_url):
    """300 processes (forkserver) vote at once into one dot vote, two calls each, pairs
    of them as one participant: every accepted response is stored exactly once, nothing
    accepted is lost, no budget or cap is exceeded (see benchmarks/_concurrency.py)."""
    import _concurrency as load

    report = load.scenario(store_url, WRITERS, 2, seed=3)
    print("\n" + report.summary())
    assert report.problems == []
    assert report.processes == WRITERS and report.attempted == WRITERS * 2
    assert report.errors == 0 and report.lost == 0
    assert report.accepted + report.refused == report.attempted
    assert report.accepted > WRITERS


# ---------------------------------------------------------------------------- store faults


def _demo_store(tmp_path) -> tuple[str, str, Path]:
    from csikit.serve import demo_source
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    ws = load_workshop(demo_source())
    file = tmp_path / "store.sqlite"
    store = Store(f"sqlite:///{file}")
    store.sync_workshop(ws)
    store.open_activity(ws.code, DOT_VOTE)
    store.close()
    return f"sqlite:///{file}", ws.code, file


class Locked:
    """Another program holds an exclusive lock on the SQLite file (rollback journal, so
    even readers wait): ``BEGIN EXCLUSIVE`` on a second connection."""

    def __init__(self, file: Path):
        self.conn = sqlite3.connect(file, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=DELETE")
        self.conn.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def faulty_store(kind: str, tmp_path: Path) -> tuple[str, str, object]:
    """A store URL broken in one way, the workshop code, and an undo handle (or None).

    - ``locked``: see :class:`Locked`.
    - ``readonly``: SQLite opens the file read-only (``?mode=ro`` URI). We run as root,
      so file permissions would not stop a write; SQLite's own read-only mode does, and
      produces the same "attempt to write a readonly database" error a read-only
      filesystem or a file without write permission gives.
    - ``missing``: the store's folder does not exist.
    - ``corrupt``: the file is overwritten with garbage bytes.
    """
    url, code, file = _demo_store(tmp_path)
    if kind == "locked":
        return url, code, Locked(file)
    if kind == "readonly":
        for extra in ("-wal", "-shm"):
            Path(f"{file}{extra}").unlink(missing_ok=True)
        con = sqlite3.connect(file)
        con.execute("PRAGMA journal_mode=DELETE")
        con.close()
        return f"sqlite:///file:{file}?mode=ro&uri=true", code, None
    if kind == "missing":
        return f"sqlite:///{tmp_path}/no/such/folder/store.sqlite", code, None
    if kind == "corrupt":
        for extra in ("-wal", "-shm"):
            Path(f"{file}{extra}").unlink(missing_ok=True)
        file.write_bytes(os.urandom(64) * 512)
        return url, code, None
    raise ValueError(kind)


FAULTS = ["locked", "readonly", "missing", "corrupt"]
MESSAGES = {
    "locked": "locked by another program",
    "readonly": "read-only",
    "missing": "does not exist",
    "corrupt": "damaged or is not a csikit store",
}


@pytest.fixture
def short_busy_timeout(monkeypatch):
    """Give up on a locked store after 1 s instead of 30 (in this process)."""
    import csikit.store.engine

    monkeypatch.setattr(csikit.store.engine, "BUSY_TIMEOUT_S", 1)


def _cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "csikit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CSIKIT_STORE": ""},
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", FAULTS)
def test_cli_reports_a_broken_store_in_one_line(kind, tmp_path):
    """``csikit simulate`` (writes) and ``csikit export`` (reads) on a broken store exit 1
    with a one-line message and no traceback. (``csikit check`` reads no store.) A locked
    store is given up after the store's 30 s busy timeout."""
    from csikit.serve import demo_source

    url, code, undo = faulty_store(kind, tmp_path)
    try:
        runs = [_cli("simulate", str(demo_source()), "-n", "2", "--store", url)]
        if kind != "locked":  # export only reads, and readers of a locked store wait the same 30 s
            runs.append(_cli("export", str(demo_source()), "--out", str(tmp_path / "out"), "--store", url))
    finally:
        if undo is not None:
            undo.release()
    for run in runs:
        out = run.stdout + run.stderr
        assert run.returncode == 1, out
        assert "Traceback" not in out, out
        assert MESSAGES[kind] in run.stderr, out
        assert len(run.stderr.strip().splitlines()) == 1, out


@pytest.mark.parametrize("kind", FAULTS)
def test_apps_show_a_broken_store_as_a_message(kind, tmp_path, short_busy_timeout):
    """The room and the facilitator app on a broken store: the room server does not start and
    says why in one sentence (``csikit serve`` checks the store first and prints it); on a
    read-only store it starts and a join says why it fails. The facilitator app is a message."""
    from hub_phones import HubRoom

    from csikit.errors import StoreError
    from csikit.widgets.facilitator import facilitator_app

    url, code, undo = faulty_store(kind, tmp_path)
    try:
        facilitator = facilitator_app(url, code, interval=0)
        if kind == "readonly":  # a read-only store still reads: the join screen, and the join says why it fails
            hub = HubRoom(url, code)
            try:
                phone = hub.phone()
                assert phone.phase == "join"
                ack = phone.join("Reader")
                assert ack["ok"] is False and MESSAGES[kind] in ack["error"] and "Traceback" not in ack["error"], ack
            finally:
                hub.close()
        else:
            with pytest.raises(StoreError) as info:
                HubRoom(url, code)
            assert MESSAGES[kind] in str(info.value) and len(str(info.value).splitlines()) == 1
    finally:
        if undo is not None:
            undo.release()
    if kind == "readonly":
        assert facilitator.select(DOT_VOTE) and facilitator.lock_activity() is False
        assert facilitator.status.kind == "error" and MESSAGES[kind] in facilitator.status.message
        return
    assert type(facilitator).__name__ == "HTML", type(facilitator)
    assert "Cannot" in facilitator.value and MESSAGES[kind].split()[0] in facilitator.value, facilitator.value
    assert "Traceback" not in facilitator.value


@pytest.mark.parametrize("kind", ["locked", "deleted", "corrupt"])
def test_a_store_failing_mid_session_shows_a_status_message(kind, tmp_path, short_busy_timeout):
    """The store breaks while a phone and the facilitator app run: a vote, a facilitator
    action, the facilitator's polling refresh and the room's fan-out say so; nothing raises."""
    from hub_phones import HubRoom

    from csikit.store import Store
    from csikit.widgets.common import poll_once
    from csikit.widgets.facilitator import FacilitatorApp

    url, code, file = _demo_store(tmp_path)
    hub = HubRoom(url, code)
    phone = hub.joined("Mid Session")
    assert phone.phase == "answering"
    item = phone.items[0]
    facilitator = FacilitatorApp(Store(url), code, poll=False)
    undo = None
    hub.hub.store.engine.dispose()  # pooled connections would outlive a deleted file
    facilitator.store.engine.dispose()
    if kind == "locked":
        undo = Locked(file)
    elif kind == "deleted":
        for extra in ("", "-wal", "-shm"):
            Path(f"{file}{extra}").unlink(missing_ok=True)
    else:
        for extra in ("-wal", "-shm"):
            Path(f"{file}{extra}").unlink(missing_ok=True)
        file.write_bytes(os.urandom(64) * 512)
    try:
        ack = phone.answer(DOT_VOTE, {item: 1}, delta=True)
        assert ack["ok"] is False and "store" in ack["error"] and "Traceback" not in ack["error"], ack
        hub.changed()  # the room's fan-out reads the store: it logs, the phones keep their screen
        assert phone.phase == "answering"
        assert facilitator.lock_activity() is False
        assert facilitator.status.kind == "error" and "store" in facilitator.status.message, facilitator.status.message
        facilitator.status.clear()
        poll_once(facilitator.tick, facilitator.status)  # what the polling task calls every second
        assert facilitator.status.kind == "error" and "store" in facilitator.status.message
        assert "Traceback" not in facilitator.status.value
    finally:
        if undo is not None:
            undo.release()
        hub.close()


# ---------------------------------------------------------------------------- culling

#: The culler needs the idle timeout plus up to two check intervals; the rest is slack for a loaded machine.
CULL_WITHIN = FAULT_CULL_IDLE + 2 * FAULT_CULL_INTERVAL + 40


def _page_kernel(page) -> str:
    return json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]


@pytest.mark.server
@pytest.mark.browser
def test_reloaded_facilitator_page_leaves_no_polling_kernel(fault_servers, browser):
    """The facilitator opens an activity (its timer starts ticking every second), then
    reloads the page without the shutdown beacon getting through: the old page's kernel
    stops pushing updates and is culled; only the reloaded page's kernel remains."""
    from browser_helpers import Dialogs, control, open_facilitator, select_activity

    live = fault_servers
    store, code = live.store, live.workshop.code
    key = "s6-objectives"  # a fist of five with minutes: opening it starts the timer
    if store.states(code)[key] is not ActivityState.DRAFT:
        store.reset_activity(code, key)
    dialogs = Dialogs()
    context, page = open_facilitator(browser, live.facilitator_url, dialogs)
    # The page's shutdown beacon would end the old kernel at once (it works on the token-
    # authenticated facilitator server); a crashed browser or a lost network sends none.
    beacons = []
    page.route(re.compile(r"/voila/api/shutdown/"), lambda route: (beacons.append(route.request.url), route.abort()))
    try:
        first = _page_kernel(page)
        select_activity(page, live.workshop.activity(key).title)
        control(page, "Open").click()
        page.locator(".csikit-timer").wait_for()
        page.reload()
        page.locator(".csikit-participation").wait_for(timeout=120_000)
        second = _page_kernel(page)
    except Exception:
        context.close()
        raise
    try:
        assert first != second
        reloaded = time.monotonic()
        kernels = set(kernels_of(live.servers.processes[1]))
        assert second in kernels  # (the old one may already be culled: the reload can take longer than the cull)
        while first in kernels and time.monotonic() - reloaded < CULL_WITHIN + 20:
            time.sleep(1)
            kernels = set(kernels_of(live.servers.processes[1]))
        print(f"\nfacilitator kernels {time.monotonic() - reloaded:.1f} s after the reload: {len(kernels)}")
        assert first not in kernels, "the reloaded page's old kernel keeps running"
        assert kernels == {second}
        assert page.locator(".csikit-participation").is_visible()
    finally:
        context.close()
