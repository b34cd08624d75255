"""The room endpoint (csikit.room): the protocol, screens as pure Python, and real servers
on SQLite and PostgreSQL (phones are tornado websocket clients)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from conftest import copy_demo
from room_servers import CODE, DOTS, IDEAS, POLL, Phone, room_server, run, sync_demo

from csikit.room import protocol
from csikit.room.protocol import Refused

# --- the protocol, without a server ------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        b"binary",
        "not json",
        "[1, 2]",
        '{"type": "rm -rf"}',
        '{"type": "hello", "code": 5}',
        '{"type": "answer", "activity": "x", "values": {"a": "5"}}',
        '{"type": "answer", "activity": "x", "values": []}',
        '{"type": "answer", "activity": "x", "values": {"a": true}}',
        '{"type": "answer", "activity": "", "values": {"a": 1}}',
        '{"type": "done", "activity": "x", "done": "yes"}',
        '{"type": "ping", "seq": -1}',
        '{"type": "ping", "seq": 1.5}',
        '{"type": "withdraw", "activity": "x", "idea": "1"}',
        "[" * 100000,
        json.dumps({"type": "answer", "activity": "x", "values": {f"i{n}": 1 for n in range(300)}}),
        json.dumps({"type": "idea", "activity": "x", "text": "x" * 70000}),
    ],
)
def test_forged_frames_are_refused_with_a_sentence(frame):
    with pytest.raises(Refused) as exc:
        protocol.parse(frame)
    assert str(exc.value) and "Traceback" not in str(exc.value)


def test_messages_are_read_into_fields():
    m = protocol.parse(
        '{"type": "answer", "seq": 7, "activity": "r", "values": {"a": 2, "b": {"impact": 3}}, "delta": false}'
    )
    assert m.seq == 7 and m["values"] == {("a", ""): 2, ("b", "impact"): 3} and m["comments"] is None
    assert protocol.parse('{"type": "hello", "code": " desk26 "}')["code"] == CODE


# --- screens as pure Python -----------------------------------------------------------------------


def test_every_kind_has_an_answering_screen_in_the_persons_fair_order(demo_store):
    from csikit.order import shown_order
    from csikit.room.screens import screen_from_store

    _, s = demo_store
    ws = s.workshop(CODE)
    ana = s.join(CODE, "Ana")
    seen = set()
    for a in ws.agenda:
        if a.kind.value in seen:
            continue
        seen.add(a.kind.value)
        s.open_activity(CODE, a.id)
        screen = screen_from_store(s, CODE, ana)
        assert screen["phase"] == "answering" and screen["activity"]["kind"] == a.kind.value, a.id
        keys = [i.id for i in s.status(CODE, a.id).items]
        assert [i["id"] for i in screen["activity"]["items"]] == shown_order(a, keys, ana.id)
        json.dumps(screen)  # a screen is JSON as it is
        s.lock_activity(CODE, a.id)
    from csikit.kinds import REGISTRY

    assert seen == set(REGISTRY)  # the demo holds an activity of every kind


def test_screens_show_answers_budget_done_countdown_closed_and_results(demo_store):
    from csikit.room.screens import screen_from_store

    _, s = demo_store
    people = [s.join(CODE, n) for n in ("Ana", "Bo", "Cy", "Di")]
    ana = people[0]
    assert screen_from_store(s, CODE, None)["phase"] == "join"
    assert screen_from_store(s, CODE, ana)["message"] == "Join now: the first activity starts soon."
    s.open_activity(CODE, DOTS)
    end = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0) + timedelta(minutes=3)
    s.set_timer(CODE, DOTS, end)
    item = s.status(CODE, DOTS).items[0].id
    s.respond(CODE, ana.id, DOTS, {item: 1}, delta=True)
    s.mark_done(CODE, ana.id, DOTS)
    screen = screen_from_store(s, CODE, ana)
    assert screen["mine"]["dots"] == {item: 1} and screen["mine"]["left"] == screen["activity"]["budget"] - 1
    assert screen["done"] is True and screen["countdown_end"] == end.isoformat() + "Z"
    s.lock_activity(CODE, DOTS)
    closed = screen_from_store(s, CODE, ana)
    assert closed["phase"] == "closed" and closed["mine"]["lines"] and closed["countdown_end"] is None
    s.reveal_activity(CODE, DOTS)
    assert "too_few" in screen_from_store(s, CODE, ana)["results"]  # one voter: min_group withholds
    s.open_activity(CODE, POLL)
    for p in people:
        s.respond(CODE, p.id, POLL, {"yes": 1})
    s.lock_activity(CODE, POLL)
    s.reveal_activity(CODE, POLL)
    results = screen_from_store(s, CODE, people[1])["results"]
    assert results["title"] == "Results" and any("yes" in line for line in results["lines"])


def test_a_phone_that_says_hello_while_the_room_is_read_still_gets_the_open(tmp_path, monkeypatch):
    """The fan-out reads the room once; a phone arriving during that read was sent the screen
    from before the change, and must be sent the new one too (it missed an Open otherwise)."""
    import threading

    from csikit.room import hub as hub_module
    from csikit.room import screens
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    url = f"sqlite:///{tmp_path}/store.sqlite"
    setup = Store(url)
    setup.sync_workshop(load_workshop(copy_demo(tmp_path / "demo")))
    ana, ben = setup.join(CODE, "Ana"), setup.join(CODE, "Ben")
    reading, release = threading.Event(), threading.Event()
    real = screens.read_shared

    def slow_read(store, code, workshop):
        shared = real(store, code, workshop)
        if shared.status is not None and not release.is_set():  # the read of the Open: hold it
            reading.set()
            release.wait(5)
        return shared

    async def play():
        hub = hub_module.Hub(url, CODE)
        sent: dict[str, list] = {"a": [], "b": []}
        a = hub.connect(lambda text: sent["a"].append(json.loads(text)))
        await hub.handle(a, json.dumps({"type": "hello", "code": CODE, "token": ana.token}))
        monkeypatch.setattr(screens, "read_shared", slow_read)
        setup.open_activity(CODE, POLL)
        hub.changed(CODE)
        await asyncio.get_running_loop().run_in_executor(None, reading.wait, 5)
        b = hub.connect(lambda text: sent["b"].append(json.loads(text)))  # arrives mid-read
        monkeypatch.setattr(screens, "read_shared", real)
        await hub.handle(b, json.dumps({"type": "hello", "code": CODE, "token": ben.token}))
        release.set()
        for _ in range(100):
            await asyncio.sleep(0.02)
            last = [m for m in sent["b"] if m["type"] == "screen"]
            if last and last[-1]["screen"]["activity"]:
                break
        await hub.stop()
        return sent

    sent = asyncio.run(play())
    screens_b = [m["screen"] for m in sent["b"] if m["type"] == "screen"]
    assert screens_b and screens_b[-1]["activity"] and screens_b[-1]["activity"]["id"] == POLL
    setup.close()


def test_the_room_process_imports_no_widgets_and_no_pandas():
    """The room holds every phone in one process: no ipywidgets, pandas, matplotlib, seaborn."""
    code = (
        "import sys, importlib, jupyter_server.serverapp\n"
        "import csikit.room, csikit.room.handlers, csikit.room.hub, csikit.room.screens\n"
        "from csikit.kinds import REGISTRY, kind_of\n"
        "[importlib.import_module(f'csikit.kinds.{k}.screen') for k in REGISTRY]\n"
        "[kind_of(k) for k in REGISTRY]\n"
        "print(sorted(m for m in ('ipywidgets', 'pandas', 'matplotlib', 'seaborn', 'numpy', 'voila', 'ipykernel') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- real servers ---------------------------------------------------------------------------------


@pytest.mark.server
def test_the_room_server_answers_the_page_and_nothing_of_jupyters(tmp_path):
    """A phone reaches the join page from /, /room and /room/ (the query kept); Jupyter's login
    page, API and files under the same server are 404, never a redirect to a login form."""
    import urllib.error

    url = f"sqlite:///{tmp_path}/store.sqlite"
    sync_demo(url, tmp_path)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with room_server(url, tmp_path) as base:
        for path in ("/?code=DESK26", "/room?code=DESK26"):
            with pytest.raises(urllib.error.HTTPError) as moved:
                opener.open(base + path)
            assert moved.value.code == 302 and moved.value.headers["Location"].endswith("/room/?code=DESK26"), path
        assert b"csikit" in urllib.request.urlopen(base + "/room/?code=DESK26").read()
        for path in (
            "/login",
            "/api/contents",
            "/api/kernels",
            "/files/x.ipynb",
            "/tree",
            "/lab",
            "/static/x.js",
            "/api/status",
            "/room/../api/contents",
        ):
            with pytest.raises(urllib.error.HTTPError) as refused:
                opener.open(base + path)
            assert refused.value.code == 404, path


@pytest.mark.server
def test_a_kinds_phone_module_is_served_from_its_folder_at_its_old_url(tmp_path):
    """``/room/static/kinds/<kind>.js`` is ``csikit/kinds/<kind>/phone.js`` (a kind is one folder),
    with the headers of the other static files; any other name under kinds/ is 404."""
    import urllib.error

    from csikit.room.kind_assets import KINDS_DIR

    url = f"sqlite:///{tmp_path}/store.sqlite"
    sync_demo(url, tmp_path)
    with room_server(url, tmp_path) as base:
        with urllib.request.urlopen(base + "/room/static/kinds/poll.js") as answer:
            assert answer.read() == (KINDS_DIR / "poll" / "phone.js").read_bytes()
            assert "javascript" in answer.headers["Content-Type"]
            assert answer.headers["Cache-Control"] == "no-cache" and answer.headers["Etag"]
        with urllib.request.urlopen(base + "/room/static/phone.js") as shell:  # the shell, as before
            assert shell.headers["Cache-Control"] == "no-cache" and b"export default" in shell.read()
        head = urllib.request.Request(base + "/room/static/kinds/maturity.js", method="HEAD")
        assert urllib.request.urlopen(head).status == 200
        for path in (
            "/room/static/kinds/nope.js",
            "/room/static/kinds/..%2Fx.js",
            "/room/static/kinds/..%2F__init__.py",
            "/room/static/kinds/poll",
            "/room/static/kinds/poll.py",
            "/room/static/kinds/Poll.js",
            "/room/static/kinds/poll/phone.js",
            "/room/static/kinds/",
            "/room/static/kinds/%2e%2e%2fpoll.js",
            "/room/static/kinds/..%2F..%2Froom%2Fstatic%2Fphone.js",
            "/room/static/kinds/screen.js",
        ):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + path)
            assert refused.value.code == 404, path


@pytest.mark.server
def test_a_phone_joins_rejoins_and_a_second_socket_is_the_same_person(store_url, tmp_path):
    store = sync_demo(store_url, tmp_path)
    with room_server(store_url, tmp_path) as base:

        async def main():
            a = await Phone.open(base)
            assert (await a.hello())["phase"] == "join"
            joined = await a.join("Ana")
            token, pid = joined["token"], joined["participant"]
            a.close()
            b = await Phone.open(base)  # a reload: the browser's remembered token
            await b.send({"type": "hello", "code": CODE, "token": token})
            assert (await b.next(lambda m: m["type"] == "joined"))["participant"] == pid
            assert (await b.screen())["me"] == {"participant": pid, "name": "Ana"}
            c = await Phone.open(base)  # another tab of the same browser
            await c.hello(token)
            store.open_activity(CODE, POLL)
            await b.screen(lambda s: s["phase"] == "answering")
            await c.screen(lambda s: s["phase"] == "answering")
            seq = await b.send({"type": "answer", "activity": POLL, "values": {"no": 1}})
            assert (await b.ack(seq))["ok"]
            assert (await b.screen())["mine"]["chosen"] == ["no"]
            assert (await c.screen(lambda s: s["mine"].get("chosen")))["mine"]["chosen"] == [
                "no"
            ]  # the other tab follows
            second = await b.send({"type": "join", "name": "Ana again"})  # a double tap: the same person
            await b.ack(second)
            assert (await b.next(lambda m: m["type"] == "joined"))["participant"] == pid
            stale = await Phone.open(base)
            await stale.send({"type": "hello", "code": CODE, "token": "forged-token"})
            assert (await stale.screen())["phase"] == "join"
            for p in (b, c, stale):
                p.close()

        run(main())
    assert [p.name for p in store.participants(CODE)] == ["Ana"]
    store.close()


@pytest.mark.server
def test_forged_messages_are_refused_politely_and_votes_after_the_lock_with_the_stores_sentence(store_url, tmp_path):
    store = sync_demo(store_url, tmp_path)
    with room_server(store_url, tmp_path) as base:

        async def main():
            p = await Phone.open(base)
            await p.send("not json at all")
            assert (await p.next())["type"] == "error"
            seq = await p.send({"type": "answer", "activity": POLL, "values": {"yes": 1}})
            assert (await p.ack(seq))["error"] == "Say hello with the workshop code first."
            seq = await p.send({"type": "hello", "code": "OTHER1", "token": ""})
            assert "this server runs DESK26" in (await p.ack(seq))["error"]
            await p.hello()
            seq = await p.send({"type": "answer", "activity": POLL, "values": {"yes": 1}})
            assert (await p.ack(seq))["error"] == "Join the workshop first."
            await p.join("<img src=x onerror=alert(1)>")
            store.open_activity(CODE, POLL)
            await p.screen(lambda s: s["phase"] == "answering")
            for forged, words in (
                ({"type": "answer", "activity": POLL, "values": {"maybe": 1}}, "not part of this"),
                ({"type": "answer", "activity": "no-such", "values": {"yes": 1}}, ""),
                ({"type": "answer", "activity": POLL, "values": {"yes": 7}}, ""),
                ({"type": "answer", "activity": POLL, "values": {"yes": 1}, "delta": True}, "Only a dot vote"),
                ({"type": "idea", "activity": POLL, "text": "hi"}, "takes votes, not ideas"),
                ({"type": "withdraw", "activity": IDEAS, "idea": 999}, ""),
                ({"type": "answer", "activity": POLL, "values": {"yes": "1"}}, "whole number"),
            ):
                seq = await p.send(forged)
                ack = await p.ack(seq)
                assert ack["ok"] is False and ack["error"] and "Traceback" not in ack["error"], forged
                assert words in ack["error"]
                await p.screen()  # a refusal is followed by the screen as the store holds it
            seq = await p.send({"type": "answer", "activity": POLL, "values": {"yes": 1}})
            assert (await p.ack(seq))["ok"]
            store.lock_activity(CODE, POLL)
            await p.screen(lambda s: s["phase"] == "closed")
            seq = await p.send({"type": "answer", "activity": POLL, "values": {"no": 1}})
            ack = await p.ack(seq)
            assert (
                ack["error"]
                == "Voting on “Have the business objectives changed?” is closed; your earlier answers are kept."
            )
            assert (await p.screen())["mine"]["lines"] == ["• yes: 1"]
            seq = await p.send({"type": "ping"})
            assert (await p.next(lambda m: m["type"] == "pong"))["seq"] == seq
            p.close()

        run(main())
    assert [r.item for r in store.responses(CODE, POLL)] == ["yes"]
    store.close()


@pytest.mark.server
def test_a_socket_dropped_mid_vote_loses_no_dot(store_url, tmp_path):
    store = sync_demo(store_url, tmp_path)
    with room_server(store_url, tmp_path) as base:

        async def main():
            p = await Phone.open(base)
            await p.hello()
            pid = (await p.join("Bo"))["participant"]
            store.open_activity(CODE, DOTS)
            screen = await p.screen(lambda s: s["phase"] == "answering")
            item = screen["activity"]["items"][0]["id"]
            for _ in range(2):
                await p.send({"type": "answer", "activity": DOTS, "values": {item: 1}, "delta": True})
            p.close()  # gone before any ack
            deadline = time.monotonic() + 10
            while store.my_responses(CODE, pid, DOTS) != {(item, ""): (2, "")}:
                assert time.monotonic() < deadline, store.my_responses(CODE, pid, DOTS)
                await asyncio.sleep(0.1)

        run(main())
    store.close()


@pytest.mark.server
def test_open_lock_and_reveal_reach_fifty_sockets(store_url, tmp_path):
    store = sync_demo(store_url, tmp_path)
    with room_server(store_url, tmp_path) as base:

        async def main():
            phones = [await Phone.open(base) for _ in range(50)]
            for i, p in enumerate(phones):
                await p.hello()
                await p.join(f"P{i}")
            t0 = time.monotonic()
            store.open_activity(CODE, POLL)
            await asyncio.gather(*(p.screen(lambda s: s["phase"] == "answering") for p in phones))
            opened = time.monotonic() - t0
            for i, p in enumerate(phones):
                await p.send({"type": "answer", "activity": POLL, "values": {("yes", "no")[i % 2]: 1}})
            await asyncio.gather(*(p.screen(lambda s: s["mine"].get("chosen")) for p in phones))
            store.lock_activity(CODE, POLL)
            await asyncio.gather(*(p.screen(lambda s: s["phase"] == "closed") for p in phones))
            store.reveal_activity(CODE, POLL)
            shown = await asyncio.gather(*(p.screen(lambda s: s["phase"] == "results") for p in phones))
            assert all(s["results"] == shown[0]["results"] and "lines" in s["results"] for s in shown)
            health = json.loads(urllib.request.urlopen(base + "/room/health").read())
            assert health["phones"] == 50
            for p in phones:
                p.close()
            return opened

        opened = run(main())
        assert opened < 5, opened
    store.close()


@pytest.mark.server
@pytest.mark.postgres
def test_two_room_processes_on_postgresql_hear_every_change(pg_store_url, tmp_path):
    """LISTEN/NOTIFY: a change made by a third program reaches phones on both servers."""
    store = sync_demo(pg_store_url, tmp_path)
    with room_server(pg_store_url, tmp_path, "one") as one, room_server(pg_store_url, tmp_path, "two") as two:

        async def main():
            a, b = await Phone.open(one), await Phone.open(two)
            for p, name in ((a, "A"), (b, "B")):
                await p.hello()
                await p.join(name)
            t0 = time.monotonic()
            store.open_activity(CODE, POLL)
            await asyncio.gather(
                a.screen(lambda s: s["phase"] == "answering"), b.screen(lambda s: s["phase"] == "answering")
            )
            assert time.monotonic() - t0 < 2  # heard, not the 10 s fallback
            end = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0) + timedelta(minutes=2)
            store.set_timer(CODE, POLL, end)
            for p in (a, b):
                assert (await p.screen(lambda s: s["countdown_end"]))["countdown_end"] == end.isoformat() + "Z"
            a.close()
            b.close()

        run(main())
    store.close()
