"""Headless phones (csikit.testing.RoomPhone) on the room endpoint, and the room they play.

Without a server: the phone against the bare floor (csikit.testing.bare_room) in this
process — hello, join, acks by seq, screens timed, many phones in one loop, phones in a
worker process. With the room server (``csikit serve``'s participant server, marked
``server``): phones vote into the store exactly what they clicked, a refused answer is
acked with the store's sentence and followed by the screen, the rejoin token is the
same person, forged messages are answered with a sentence, ideas and "I'm done" reach
the store, and no kernel exists below the room server.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from csikit.testing import HeadlessError
from csikit.testing.bare_room import app as bare_app
from csikit.testing.room import BareServer, RoomPlan, Target, bare_message, kernels, play, tree
from csikit.testing.room_client import RoomPhone, code_of, token_of, ws_url

DOT_VOTE = "s3-vote"
#: participant → item → dots (budget 6, at most 3 on one item)
PLAN = {
    "Loader 1": {"c1": 2, "c2": 1},
    "Loader 2": {"c3": 3},
    "Loader 3": {"c1": 1, "c4": 1, "c5": 1},
    "Loader 4": {"c6": 2},
    "Loader 5": {"c2": 1, "c3": 1, "c6": 1},
}


def test_links():
    assert ws_url("http://10.0.0.2:8866/?code=DESK26") == "ws://10.0.0.2:8866/room/ws"
    assert ws_url("https://csi.example.org/room/?code=X") == "wss://csi.example.org/room/ws"
    assert code_of("http://h/?code=DESK26&t=abc") == "DESK26" and token_of("http://h/?code=DESK26&t=abc") == "abc"
    assert code_of("http://h/") == "" and token_of("http://h/?code=X") == ""


async def _bare() -> tuple[HTTPServer, str]:
    sockets = bind_sockets(0, "127.0.0.1")
    server = HTTPServer(bare_app())
    server.add_sockets(sockets)
    return server, f"http://127.0.0.1:{sockets[0].getsockname()[1]}/?code=BARE"


def test_a_phone_on_the_bare_floor():
    async def run() -> None:
        server, url = await _bare()
        try:
            async with RoomPhone(url, timeout=10) as p:
                assert p.phase == "join" and p.participant is None and p.screens == 1
                joined = await p.join("Ann")
                assert joined["name"] == "Ann" and p.participant == joined["participant"] and p.token
                assert p.phase == "waiting" and p.seen_at("waiting") >= p.seen_at("join")
                ack = await p.answer("x", {"a": 1}, delta=True)
                assert ack["ok"] and ack["seq"] == 1 and 0 <= ack["rtt"] < 10
                assert (await p.done("x"))["seq"] == 2
                assert await p.ping() < 10
                with pytest.raises(HeadlessError, match="Timed out waiting for never"):
                    await p.wait_for(lambda p: False, timeout=0.2, what="never")
            assert p.ws is None
        finally:
            server.stop()

    asyncio.run(run())


def test_the_bare_floor_pushes_each_phone_its_own_copy_of_the_same_size():
    message = bare_message({"phase": "answering", "activity": {"id": DOT_VOTE, "items": []}}, 2000)
    assert len(message.encode()) == 2000
    assert '"participant":-1' in message

    async def run() -> list[RoomPhone]:
        server, url = await _bare()
        phones = [RoomPhone(url, timeout=10, load_page=False) for _ in range(50)]
        try:
            await asyncio.gather(*(p.connect() for p in phones))
            await asyncio.gather(*(p.join(f"P{i}") for i, p in enumerate(phones)))
            from tornado.httpclient import AsyncHTTPClient

            await AsyncHTTPClient().fetch(url.replace("/?code=BARE", "/room/open"), method="POST", body=message)
            await asyncio.gather(*(p.wait_for(lambda p: p.seen_at("answering", DOT_VOTE)) for p in phones))
            return phones
        finally:
            await asyncio.gather(*(p.close() for p in phones))
            server.stop()

    phones = asyncio.run(run())
    assert sorted(p.screen["me"]["participant"] for p in phones) == list(range(1, 51))
    assert {p.last_screen_bytes for p in phones} <= {1999, 2000, 2001, 2002}  # ids of one or two digits


def test_a_room_on_the_bare_floor_with_phones_in_two_processes(tmp_path):
    server = BareServer(tmp_path / "bare.log")
    message = bare_message(None, 1500)
    try:
        target = Target(server.url, [server.proc.pid], open_activity=lambda: server.push(message))
        r = asyncio.run(
            play(
                target,
                40,
                RoomPlan(arrival_seconds=1, idle_seconds=0, vote_seconds=0.5, timeout=30, client_processes=2),
            )
        )
    finally:
        server.stop()
    assert r.joined == 40 and not r.failed and len(r.opens) == 40 and len(r.votes) == 40 and not r.refused
    assert r.kernels == 0 and r.extra["client_processes"] == 2 and r.client_cpu > 0
    assert r.meets({"join_p95": 30, "open_p95": 30, "vote_p95": 30})
    assert r.summary()["n"] == 40


# -- the room server -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    """``csikit serve``'s room server on a fresh copy of the demo (the facilitator acts through the store)."""
    from conftest import copy_demo

    from csikit.store import Store
    from csikit.testing.room import start_room_servers
    from csikit.workshop_file import load_workshop

    tmp = tmp_path_factory.mktemp("room")
    ws = load_workshop(copy_demo(tmp / "demo"))
    store = Store(f"sqlite:///{tmp}/store.sqlite")
    store.sync_workshop(ws)
    servers = start_room_servers(store.url_for_kernels, ws.code, tmp)
    try:
        servers.wait_ready(timeout=120)
        yield servers, store, ws
    finally:
        servers.stop()
        store.close()


def _url(room) -> str:
    return room[0].participant_url


@pytest.mark.server
def test_phones_vote_into_the_store_exactly_what_they_clicked(room):
    servers, store, ws = room
    code = ws.code

    async def run() -> None:
        people = [RoomPhone(_url(room), timeout=60) for _ in PLAN]
        try:
            await asyncio.gather(*(p.connect() for p in people))
            await asyncio.gather(*(p.join(name) for p, name in zip(people, PLAN, strict=True)))
            assert len({p.participant for p in people}) == len(people)
            if store.states(code)[DOT_VOTE].value != "open":
                await asyncio.get_running_loop().run_in_executor(None, store.open_activity, code, DOT_VOTE)
            await asyncio.gather(
                *(p.wait_for(lambda p: p.activity_id == DOT_VOTE and p.phase == "answering") for p in people)
            )
            item_ids = {i["id"] for i in people[0].activity["items"]}
            assert {"c1", "c2", "c3"} <= item_ids

            async def spend(p: RoomPhone, plan: dict[str, int]) -> None:
                for item, dots in plan.items():
                    for _ in range(dots):
                        ack = await p.answer(DOT_VOTE, {item: 1}, delta=True)
                        assert ack["ok"], ack
                spent = sum(plan.values())
                await p.wait_for(lambda p: p.mine.get("left") == 6 - spent, what=f"{6 - spent} dots left")

            await asyncio.gather(*(spend(p, PLAN[name]) for p, name in zip(people, PLAN, strict=True)))
            # over the cap: refused with the store's sentence, and the screen as the store holds it follows
            ann = people[1]  # 3 dots on c3 already
            screens = ann.screens
            ack = await ann.answer(DOT_VOTE, {"c3": 1}, delta=True)
            assert not ack["ok"] and ack["error"] and "Traceback" not in ack["error"]
            await ann.wait_for(lambda p: p.screens > screens, what="the screen after a refusal")
            assert ann.mine["dots"].get("c3") == 3
        finally:
            await asyncio.gather(*(p.close() for p in people))

    asyncio.run(run())
    by_name = {p.id: p.name for p in store.participants(code)}
    stored: dict[str, dict[str, int]] = {}
    for r in store.responses(code, DOT_VOTE):
        stored.setdefault(by_name[r.participant], {})[r.item] = r.value
    assert {name: stored.get(name, {}) for name in PLAN} == PLAN
    assert kernels(tree([p.pid for p in servers.processes[:1]])) == [], "a phone started a kernel"


@pytest.mark.server
def test_the_rejoin_token_is_the_same_person(room):
    async def run() -> tuple[int, int, str]:
        async with RoomPhone(_url(room), timeout=60) as p:
            joined = await p.join("Comeback")
        async with RoomPhone(f"{_url(room)}&t={joined['token']}", timeout=60) as again:
            await again.wait_for(lambda p: p.participant is not None, what="the remembered person")
            return joined["participant"], again.participant, again.name

    first, again, name = asyncio.run(run())
    assert first == again and name == "Comeback"


@pytest.mark.server
def test_forged_messages_are_answered_with_a_sentence_and_the_socket_keeps_working(room):
    async def run() -> tuple[list[str], dict, str | None]:
        async with RoomPhone(_url(room), timeout=60) as p:
            await p.send({"type": "answer", "activity": DOT_VOTE, "values": {"c1": 1}})  # before joining
            await p.ws.write_message("{ not json")
            await p.send({"type": "rm -rf", "seq": 7})
            bad = await p.request({"type": "answer", "activity": DOT_VOTE, "values": "lots"})
            await p.wait_for(lambda p: len(p.errors) >= 2, what="two errors")
            await p.join("After forgery")
            return p.errors, bad, p.phase

    errors, bad, phase = asyncio.run(run())
    assert all(e and "Traceback" not in e for e in errors)
    assert not bad["ok"] and bad["error"]
    assert phase in ("waiting", "answering", "closed", "results")


@pytest.mark.server
def test_an_unknown_workshop_code_is_refused(room):
    async def run() -> None:
        url = _url(room).split("?")[0] + "?code=NOSUCH"
        with pytest.raises(HeadlessError, match="refused hello"):
            await RoomPhone(url, timeout=30).connect()

    asyncio.run(run())


@pytest.mark.server
def test_ideas_and_done_reach_the_store(room):
    servers, store, ws = room
    code, key = ws.code, "s6-wins"

    async def run() -> tuple[int, list]:
        async with RoomPhone(_url(room), timeout=60) as p:
            await p.join("Idea person")
            await asyncio.get_running_loop().run_in_executor(None, store.open_activity, code, key)
            await p.wait_for(lambda p: p.activity_id == key and p.phase == "answering", what="the ideas screen")
            text = "<b>Paid $50</b> 🚀 שלום"
            assert (await p.idea(key, text))["ok"]
            await p.wait_for(lambda p: [i["text"] for i in p.mine.get("ideas", [])] == [text], what="my idea")
            assert (await p.done(key))["ok"]
            await p.wait_for(lambda p: p.screen.get("done") is True, what="done")
            return p.participant, p.mine["ideas"]

    pid, mine = asyncio.run(run())
    assert [i.text for i in store.ideas(code, key) if i.participant == pid] == [mine[0]["text"]]
    assert store.is_done(code, pid, key)


def test_a_worker_answers_commands_on_stdin(tmp_path):
    """The phones' worker process (python -m csikit.testing.room --worker URL) speaks JSON lines."""
    import subprocess
    import sys

    server = BareServer(tmp_path / "bare.log")
    try:
        import time

        at = time.monotonic()
        cmds = [{"cmd": "arrive", "ids": [0, 1, 2], "at": [at, at, at]}, {"cmd": "cpu"}, {"cmd": "close"}]
        out = subprocess.run(
            [sys.executable, "-m", "csikit.testing.room", "--worker", server.url, "--timeout", "20"],
            input="".join(json.dumps(c) + "\n" for c in cmds),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.stop()
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(answers) == 3, out.stderr
    assert len(answers[0]["joins"]) == 3 and answers[0]["failed"] == []


def test_the_kernel_floors_client_reports_a_page_that_is_not_voilas():
    """HeadlessParticipant (Voila's kernel websocket) stays for the kernel floor of benchmarks/room.py."""
    from tornado.web import Application, RequestHandler

    from csikit.testing import HeadlessParticipant

    class Plain(RequestHandler):
        def get(self):
            self.write("<html>hello</html>")

    async def run() -> None:
        sockets = bind_sockets(0, "127.0.0.1")
        server = HTTPServer(Application([(r"/", Plain)]))
        server.add_sockets(sockets)
        try:
            with pytest.raises(HeadlessError, match="jupyter-config-data"):
                await HeadlessParticipant(f"http://127.0.0.1:{sockets[0].getsockname()[1]}/", timeout=10).connect()
        finally:
            server.stop()

    asyncio.run(run())
