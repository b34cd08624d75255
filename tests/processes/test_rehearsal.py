"""The whole demo agenda rehearsed the way a real room behaves, through a live room server.

``csikit simulate --walk`` with real sockets: the facilitator walks every activity of
the demo workshop (open, lock, reveal, through the store as the console's buttons do)
while three headless phones on the room endpoint (csikit.testing.RoomPhone) answer
every kind with messy text (dollars, markup, emoji, right-to-left) in names and ideas.
Mid-vote one phone loses its connection and comes back with its rejoin token, one
person opens a second tab, and the facilitator resets an activity, then undoes it.
Afterwards `csikit review` runs on the same store. Every screen arrives readable, no
message is refused that a person would not expect, each phone is one person, no kernel
runs below the room server, the server log has no traceback, and the review HTML and
every step HTML have their charts.
"""

from __future__ import annotations

import asyncio
import random
import re
import subprocess
import sys
import time

import pytest

from csikit.kinds import kind_of
from csikit.testing import RoomPhone
from csikit.testing.room import kernels, start_room_servers, tree

pytestmark = [pytest.mark.server, pytest.mark.slow]

NAMES = ("Ana $5 <b>&</b> co", "שלום 👋 Ben", "Chen_{x}^2 \\alpha 100%")
IDEAS = (
    "$\\alert{3}$ and $x^2$",
    "Paid $50 for #1 and $20 for #2",
    "<script>alert(1)</script> مرحبا 🚀 50% _under_ ^caret^ {brace}",
)
#: Words that mean a screen or a log shows a failure instead of what it should.
FAILURE_WORDS = re.compile(r"Something went wrong|Traceback|NameError|ParseException|<Figure size")


def as_message(values: dict) -> dict:
    """A kind's sample answer ``{(item, criterion): v}`` as the phone sends it."""
    out: dict = {}
    for key, v in values.items():
        item, criterion = key if isinstance(key, tuple) else (key, "")
        if criterion:
            out.setdefault(item, {})[criterion] = v
        else:
            out[item] = v
    return out


async def answer(p: RoomPhone, activity, workshop, person: int, rng: random.Random) -> None:
    """What a phone does in an open activity, from what its screen shows."""
    key, kind = activity.id, kind_of(activity.kind)
    if kind.collects_ideas:
        ack = await p.idea(key, IDEAS[person])
        assert ack["ok"], ack
        await p.wait_for(lambda p: IDEAS[person] in [i["text"] for i in p.mine.get("ideas", [])], what="my idea")
        return
    items = [i["id"] for i in p.activity["items"]]
    assert items, f"{key}: the phone shows no items"
    values, comments = kind.sample(activity, items, activity.criteria(workshop.objectives), rng, lambda _: rng.random())
    comments = {k: f"{v} {IDEAS[person]}" for k, v in comments.items() if v}
    ack = await p.answer(key, as_message(values), comments or None)
    assert ack["ok"], (key, ack)
    assert (await p.done(key))["ok"]
    await p.wait_for(lambda p: p.screen.get("done") is True, what=f"{key}: done")


def clean(p: RoomPhone, who: str) -> None:
    text = str(p.screen)
    bad = FAILURE_WORDS.search(text)
    assert bad is None, f"{who}'s screen shows {bad.group(0)!r}: {text[-800:]}"
    assert not [e for e in p.errors if "unreadable" in e], p.errors


def test_rehearse_the_demo_with_a_messy_room(tmp_path):
    from conftest import copy_demo

    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    folder = copy_demo(tmp_path / "demo")
    ws = load_workshop(folder)
    store = Store(f"sqlite:///{tmp_path}/store.sqlite")
    store.sync_workshop(ws)
    code = ws.code
    servers = start_room_servers(store.url_for_kernels, code, tmp_path)
    rng = random.Random(0)
    try:
        servers.wait_ready(timeout=120)
        url = servers.participant_url

        async def facilitator(fn, *args):
            return await asyncio.get_running_loop().run_in_executor(None, lambda: fn(code, *args, actor="rehearsal"))

        async def walk(people: list[RoomPhone], activity, *, reveal: bool = True) -> None:
            await facilitator(store.open_activity, activity.id)
            for i, p in enumerate(people):
                await p.wait_for(
                    lambda p: p.activity_id == activity.id and p.phase == "answering", what=f"{activity.id} open"
                )
                assert p.activity["title"] == activity.title
                await answer(p, activity, ws, i, rng)
            await facilitator(store.lock_activity, activity.id)
            for p in people:
                await p.wait_for(lambda p: p.activity_id == activity.id and p.phase == "closed", what="closed")
                assert p.mine.get("lines"), p.screen
            if reveal:
                await facilitator(store.reveal_activity, activity.id)
                for p in people:
                    await p.wait_for(lambda p: p.activity_id == activity.id and p.phase == "results", what="results")
                    assert p.screen["results"], p.screen
            for i, p in enumerate(people):
                clean(p, NAMES[i])

        async def rehearse() -> None:
            people = [RoomPhone(url, timeout=60) for _ in NAMES]
            extra: list[RoomPhone] = []
            try:
                await asyncio.gather(*(p.connect() for p in people))
                for p, name in zip(people, NAMES, strict=True):
                    await p.join(name)
                    assert p.name == name and p.screen["me"]["name"] == name  # text as typed
                assert len(store.participants(code)) == 3
                by_id = {a.id: a for a in ws.agenda}

                await walk(people, by_id["s1-problems"])
                shown = people[0].screen["results"]
                results = " ".join([shown.get("title", ""), *shown.get("lines", [])])
                if "too_few" not in shown:
                    for idea in IDEAS:
                        assert idea in results, (idea, results)
                await walk(people, by_id["s1-impact"], reveal=False)

                top = by_id["s1-top"]
                await facilitator(store.open_activity, top.id)
                for p in people:
                    await p.wait_for(lambda p: p.activity_id == top.id and p.phase == "answering", what="the dot vote")
                ana, ben, chen = people
                texts = {i["text"]: i["id"] for i in ana.activity["items"]}
                assert set(IDEAS) <= set(texts), texts  # the ideas, as typed, are the items
                for _ in range(2):
                    assert (await ana.answer(top.id, {texts[IDEAS[1]]: 1}, delta=True))["ok"]
                await ana.wait_for(lambda p: p.mine["dots"].get(texts[IDEAS[1]]) == 2, what="2 dots")

                # the connection drops mid-vote: back with the rejoin token, the same person and dots
                ana.drop()
                again = RoomPhone(f"{url}&t={ana.token}", timeout=60)
                await again.connect()
                extra.append(again)
                await again.wait_for(lambda p: p.participant == ana.participant, what="the same person")
                assert again.name == NAMES[0] and again.activity_id == top.id
                assert again.mine["dots"].get(texts[IDEAS[1]]) == 2
                assert again.mine["left"] == top.budget - 2
                people[0] = ana = again
                assert len(store.participants(code)) == 3, "a reconnect joined a second time"

                # two tabs of one person: one ballot, each click counted against the store
                tab = RoomPhone(f"{url}&t={ben.token}", timeout=60)
                await tab.connect()
                extra.append(tab)
                await tab.wait_for(lambda p: p.participant == ben.participant, what="Ben's second tab")
                assert (await tab.answer(top.id, {texts[IDEAS[2]]: 1}, delta=True))["ok"]
                assert (await ben.answer(top.id, {texts[IDEAS[2]]: 1}, delta=True))["ok"]
                await ben.wait_for(lambda p: p.mine["dots"].get(texts[IDEAS[2]]) == 2, what="2 dots from two tabs")
                await tab.wait_for(lambda p: p.mine["dots"].get(texts[IDEAS[2]]) == 2, what="the tab follows")
                mine = store.my_responses(code, ben.participant, top.id)
                assert sum(v for v, _ in mine.values()) == 2
                assert len(store.participants(code)) == 3, "a second tab joined a second time"
                assert (await chen.answer(top.id, {texts[IDEAS[0]]: 1}, delta=True))["ok"]

                await facilitator(store.lock_activity, top.id)
                votes = sorted((r.participant, r.item, r.value) for r in store.responses(code, top.id))
                assert len(votes) == 3
                # a confirmed reset, then undone: nothing lost
                await facilitator(store.reset_activity, top.id)
                assert store.responses(code, top.id) == []
                await facilitator(store.restore_activity, top.id)
                assert sorted((r.participant, r.item, r.value) for r in store.responses(code, top.id)) == votes
                await facilitator(store.reveal_activity, top.id)
                for p in people:
                    await p.wait_for(lambda p: p.activity_id == top.id and p.phase == "results", what="results")

                # the rest of the agenda, every activity
                for activity in ws.agenda:
                    if activity.id not in {"s1-problems", "s1-impact", "s1-top"}:
                        await walk(people, activity)
                for i, p in enumerate(people):
                    clean(p, NAMES[i])
                assert len(store.participants(code)) == 3
            finally:
                await asyncio.gather(*(p.close() for p in [*people, *extra]))

        asyncio.run(rehearse())
        room_server = [servers.processes[0].pid]
        assert kernels(tree(room_server)) == [], "a phone started a kernel"
    finally:
        time.sleep(0.5)
        servers.stop()
        store.close()

    logs = [p for p in tmp_path.glob("*.log")]
    errors = [
        f"{p.name}: {line}"
        for p in logs
        for line in p.read_text(errors="replace").splitlines()
        if "Traceback" in line or re.search(r"\[E \d|ERROR", line)
    ]
    assert errors == []

    # the quarterly review of the workshop just held
    reviews = tmp_path / "reviews"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "csikit",
            "review",
            str(folder),
            "--store",
            f"sqlite:///{tmp_path}/store.sqlite",
            "--out",
            str(reviews),
            "--quarter",
            "current",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    htmls = sorted(reviews.rglob("*.html"))
    assert any(h.name == "review.html" for h in htmls), htmls
    assert len([h for h in htmls if h.name != "review.html"]) == 6, htmls
    for html in htmls:
        text = html.read_text(errors="replace")
        assert text.count("<img") >= 1, f"{html.name} has no chart"
        assert "<Figure size" not in text and "Traceback" not in text, html.name
    review = next(h for h in htmls if h.name == "review.html").read_text()
    assert "No workshop activity was locked or revealed" not in review
    assert (
        "Paid $50 for #1 and $20 for #2" in review or "Paid $50 for #1 and $20 for #2".replace("&", "&amp;") in review
    )
