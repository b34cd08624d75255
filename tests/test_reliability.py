"""Nothing is lost under faults: a killed participant kernel, a restarted facilitator
server, 300 concurrent writers, a store that is locked, read-only, missing or
corrupted, and kernels of closed tabs and reloaded pages that must go away.

Live tests use the ``fault_servers`` fixture (tests/conftest.py): both Voila servers on
the demo workshop with a short kernel cull. Participants are driven headless over the
kernel websocket (csikit.testing); the facilitator restart is checked in chromium.
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

from csikit.model import ActivityState

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

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


def dot_row(p, text: str) -> str:
    """Model id of the dot-vote row (a VBox) whose first child shows the item's text."""
    for mid, s in p.states.items():
        kids = p.children(mid)
        if s.get("_model_name") == "VBoxModel" and kids and p.text_of(kids[0]) == text:
            return mid
    raise AssertionError(f"no dot-vote row for {text!r}; page shows {p.text()[:300]!r}")


def row_button(p, text: str, description: str) -> str:
    row = dot_row(p, text)
    hits = [m for m in p.subtree(row) if p.states[m].get("_model_name") == "ButtonModel"
            and p.states[m].get("description") == description]
    assert len(hits) == 1, hits
    return hits[0]


def row_count(p, text: str) -> int | None:
    """The dot count shown on an item's row (the label after the item text)."""
    row = dot_row(p, text)
    for m in p.subtree(row)[1:]:
        s = p.states[m]
        if s.get("_model_name") == "LabelModel" and s.get("value") != text:
            found = re.search(r"(\d+)$", s.get("value") or "")
            return int(found.group(1)) if found else None
    return None


def rejoin_link(p) -> str:
    for s in p.states.values():
        value = s.get("value")
        if isinstance(value, str) and "your rejoin link" in value:
            return re.search(r"href='([^']+)'", value).group(1).replace("&amp;", "&")
    raise AssertionError("no rejoin link on the page")


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return not fh.read().split(") ")[-1].startswith("Z")
    except OSError:
        return False


# ---------------------------------------------------------------------------- SIGKILL


@pytest.mark.server
def test_participant_kernel_killed_after_voting_loses_nothing(fault_servers):
    """SIGKILL the participant's kernel right after its votes return: the votes are in
    the store, and the participant who reloads through the rejoin link sees them."""
    from csikit.testing import HeadlessParticipant

    live = fault_servers
    store, code = live.store, live.workshop.code
    items = {i.id: i.text for i in live.workshop.activity(DOT_VOTE).items}
    open_now(store, code, DOT_VOTE)

    async def scenario():
        p = HeadlessParticipant(live.participant_url, timeout=120)
        await p.connect()
        try:
            await p.join("Killed Kim")
            await p.wait_for(lambda p: "dots left" in p.text())
            pid = [x.id for x in store.participants(code) if x.name == "Killed Kim"][-1]
            for item, n in (("c1", 1), ("c1", 2), ("c4", 1)):
                await p.click(row_button(p, items[item], "+"))
                await p.wait_for(lambda p, item=item, n=n: row_count(p, items[item]) == n)
            link = rejoin_link(p)
            kernel = kernels_of(live.servers.processes[0])[p.kernel_id]
            os.kill(kernel, signal.SIGKILL)  # right after the last vote came back
            await until(lambda: not pid_alive(kernel), what="the killed kernel to be gone")
        finally:
            await p.close()
        assert store.my_responses(code, pid, DOT_VOTE) == {("c1", ""): (2, ""), ("c4", ""): (1, "")}
        assert "p=" in link
        url = live.participant_url.split("?")[0] + "?" + link.split("?", 1)[1]
        async with HeadlessParticipant(url, timeout=120) as again:  # the reload
            await again.wait_for(lambda p: "Joined as" in p.text() and "dots left" in p.text())
            assert "Killed Kim" in again.text()
            assert row_count(again, items["c1"]) == 2 and row_count(again, items["c4"]) == 1
            assert "3 of 6 dots left" in again.text()
        assert store.my_responses(code, pid, DOT_VOTE) == {("c1", ""): (2, ""), ("c4", ""): (1, "")}

    run_async(scenario())


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
    return subprocess.run([sys.executable, "-m", "csikit", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "CSIKIT_STORE": ""})


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
    """The participant and facilitator apps, built on a broken store, are a message."""
    from csikit.widgets.facilitator import facilitator_app
    from csikit.widgets.participant_page import participant_app

    url, code, undo = faulty_store(kind, tmp_path)
    try:
        apps = [participant_app(url, code, interval=0), facilitator_app(url, code, interval=0)]
    finally:
        if undo is not None:
            undo.release()
    if kind == "readonly":  # a read-only store still reads: the apps start, and every write says why it fails
        participant, facilitator = apps
        assert participant.join("Reader") is False
        assert facilitator.select(DOT_VOTE) and facilitator.lock_activity() is False
        for app in apps:
            assert app.status.kind == "error" and MESSAGES[kind] in app.status.message, app.status.message
        return
    for app in apps:
        assert type(app).__name__ == "HTML", type(app)
        assert "Cannot" in app.value and MESSAGES[kind].split()[0] in app.value, app.value
        assert "Traceback" not in app.value


def _running_apps(url: str, code: str):
    from csikit.store import Store
    from csikit.widgets.facilitator import FacilitatorApp
    from csikit.widgets.participant import ParticipantApp

    participant = ParticipantApp(Store(url), code, poll=False)
    assert participant.join("Mid Session")
    facilitator = FacilitatorApp(Store(url), code, poll=False)
    return participant, facilitator


@pytest.mark.parametrize("kind", ["locked", "deleted", "corrupt"])
def test_a_store_failing_mid_session_shows_a_status_message(kind, tmp_path, short_busy_timeout):
    """The store breaks while both apps run: a vote, a facilitator action and the
    polling refresh show a message in the status line; nothing raises."""
    from csikit.serve import demo_source
    from csikit.widgets.common import poll_once
    from csikit.workshop_file import load_workshop

    url, code, file = _demo_store(tmp_path)
    participant, facilitator = _running_apps(url, code)
    item = load_workshop(demo_source()).activity(DOT_VOTE).items[0].id
    undo = None
    participant.store.engine.dispose()  # pooled connections would outlive a deleted file
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
        assert participant.panel.add(item) is False
        assert participant.status.kind == "error" and "store" in participant.status.message, participant.status.message
        assert facilitator.lock_activity() is False
        assert facilitator.status.kind == "error" and "store" in facilitator.status.message, facilitator.status.message
        for app in (participant, facilitator):  # what the polling task calls every second
            app.status.clear()
            poll_once(getattr(app, "tick", None) or app.refresh, app.status)
            assert app.status.kind == "error" and "store" in app.status.message
            assert "Traceback" not in app.status.value
    finally:
        if undo is not None:
            undo.release()


# ---------------------------------------------------------------------------- culling

TABS = 50
#: The culler needs the idle timeout plus up to two check intervals; the rest is slack for a loaded machine.
CULL_WITHIN = FAULT_CULL_IDLE + 2 * FAULT_CULL_INTERVAL + 40


@pytest.mark.server
@pytest.mark.slow
def test_kernels_of_closed_tabs_are_culled(fault_servers):
    """50 participants open the page (headless, over the kernel websocket), join and
    close their tabs: all 50 kernels are gone within the cull idle time plus two cull
    intervals (plus slack for the loaded machine)."""
    from csikit.testing import HeadlessParticipant, gather_bounded

    live = fault_servers
    open_now(live.store, live.workshop.code, DOT_VOTE)

    async def one(n: int) -> str:
        async with HeadlessParticipant(live.participant_url, timeout=240) as p:
            await p.join(f"Tab {n}")
            await p.wait_for(lambda p: "dots left" in p.text())
            return p.kernel_id

    async def all_tabs():
        return await gather_bounded((one(n) for n in range(TABS)), 8)

    ids = run_async(all_tabs())
    errors = [i for i in ids if isinstance(i, BaseException)]
    assert not errors, errors[:3]
    assert len(set(ids)) == TABS
    closed = time.monotonic()
    left = set(ids)
    while left and time.monotonic() - closed < CULL_WITHIN:
        left = set(ids) & set(kernels_of(live.servers.processes[0]))
        time.sleep(1)
    print(f"\n{TABS} closed tabs: kernels left after {time.monotonic() - closed:.1f} s: {len(left)}")
    assert not left, f"{len(left)} kernels of closed tabs still run {CULL_WITHIN} s after closing"


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


def test_a_long_preheated_kernel_survives_a_slow_page_load(fault_servers):
    """A preheated kernel has been idle since it was heated (often minutes before anyone
    arrives). Voila spares kernels *in* its pool from culling, not one it has just handed
    out: if the culler ran before the browser's websocket connected, the page stayed at
    "Loading widget..." for good. The app marks itself in use at the hand-over."""
    from csikit.testing import HeadlessParticipant

    live = fault_servers
    time.sleep(FAULT_CULL_IDLE + FAULT_CULL_INTERVAL + 1)  # every pooled kernel is now "idle" long enough to cull

    async def slow_phone() -> str:
        p = HeadlessParticipant(live.participant_url, timeout=120)
        try:
            # page served; the scripts take longer than a cull interval before the websocket opens
            await p.connect(pause=FAULT_CULL_INTERVAL + 3)
            await p.join("Slow phone")
            return p.text()
        finally:
            await p.close()

    assert "Joined as" in run_async(slow_phone())
