"""Nothing is let in by bad input (docs/SECURITY.md is the threat model these tests check).

- the store refuses every forged response, and writes nothing for it;
- messages forged over a phone's room websocket (not through the page) reach nothing
  the page would not allow;
- XSS payloads as names, ideas and objections show literally, and run nothing, in chromium;
- the room server serves nothing but the join page; the facilitator server wants its token;
- the tokens and the cookie secret never reach the server logs;
- oversized input is refused with a message.

Counts (payloads, forged messages) are printed with ``-s``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import secrets
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import open_now, run_async

from csikit.errors import ActivityClosed, BudgetExceeded, InvalidResponse, ResponseRefused
from csikit.store import schema as t

DOT_VOTE, RATING, CONSENT, IDEAS = "s3-vote", "s5-confidence", "s4-consent", "s1-problems"
MB = 2**20


def snapshot(store) -> dict:
    """Every row of every table that participants can write to."""
    with store.engine.connect() as c:
        return {
            tbl.name: sorted(map(tuple, c.execute(sa.select(tbl)).all()), key=repr)
            for tbl in (t.participants, t.responses, t.ideas, t.events, t.items)
        }


def demo(url: str):
    from csikit.serve import demo_source
    from csikit.store import Store
    from csikit.workshop_file import load_workshop

    ws = load_workshop(demo_source())
    store = Store(url)
    store.sync_workshop(ws)
    return store, ws


# ============================================================================ store level


def test_store_refuses_forged_responses_and_writes_nothing(store_url):
    """Every rule a forged message could break, at the store: each call is refused with
    a message and the store is unchanged, row for row."""
    store, ws = demo(store_url)
    code = ws.code
    other = dataclasses.replace(ws, code="OTHER1", title="Another workshop")
    store.sync_workshop(other)
    me = store.join(code, "Me")
    stranger = store.join("OTHER1", "Stranger")
    rating_items = [i.id for i in store.status(code, RATING).items] or ["x"]
    STORE_FORGERIES: list[str] = []

    def refused(what: str, call, error=ResponseRefused) -> None:
        before = snapshot(store)
        with pytest.raises(error) as info:
            call()
        assert str(info.value).strip(), what
        assert "Traceback" not in str(info.value)
        assert snapshot(store) == before, f"{what}: something was written"
        STORE_FORGERIES.append(what)

    respond = store.respond
    refused("vote on a draft activity", lambda: respond(code, me.id, DOT_VOTE, {"c1": 1}), ActivityClosed)
    open_now(store, code, DOT_VOTE)
    refused(
        "over the dot budget in one call",
        lambda: respond(code, me.id, DOT_VOTE, {"c1": 3, "c2": 3, "c3": 1}),
        BudgetExceeded,
    )
    refused("over the per-item cap", lambda: respond(code, me.id, DOT_VOTE, {"c1": 4}), BudgetExceeded)
    respond(code, me.id, DOT_VOTE, {"c1": 3, "c2": 3})
    refused("over the budget across calls", lambda: respond(code, me.id, DOT_VOTE, {"c3": 1}), BudgetExceeded)
    refused("negative dots", lambda: respond(code, me.id, DOT_VOTE, {"c3": -1}), InvalidResponse)
    refused(
        "an item of another activity", lambda: respond(code, me.id, DOT_VOTE, {rating_items[0]: 1}), InvalidResponse
    )
    refused("an item that does not exist", lambda: respond(code, me.id, DOT_VOTE, {"c99": 1}), InvalidResponse)
    refused(
        "a criterion the activity does not ask",
        lambda: respond(code, me.id, DOT_VOTE, {("c3", "impact"): 1}),
        InvalidResponse,
    )
    refused(
        "a participant of another workshop", lambda: respond(code, stranger.id, DOT_VOTE, {"c3": 1}), InvalidResponse
    )
    refused("a participant id that does not exist", lambda: respond(code, 10**9, DOT_VOTE, {"c3": 1}), InvalidResponse)
    refused(
        "a participant id that is not a number", lambda: respond(code, str(me.id), DOT_VOTE, {"c3": 1}), InvalidResponse
    )
    refused("a participant id True", lambda: respond(code, True, DOT_VOTE, {"c3": 1}), InvalidResponse)
    refused(
        "an activity of another workshop's code", lambda: respond("OTHER1", me.id, DOT_VOTE, {"c3": 1}), InvalidResponse
    )
    store.lock_activity(code, DOT_VOTE)
    refused("a vote on a locked activity", lambda: respond(code, me.id, DOT_VOTE, {"c1": 2}), ActivityClosed)
    refused("taking a dot off on a locked activity", lambda: respond(code, me.id, DOT_VOTE, {"c1": 0}), ActivityClosed)

    open_now(store, code, RATING)
    item = store.status(code, RATING).items[0].id
    for value in (0, 6, 99, -5, 10**12, 2.5, "3", True, None):
        refused(f"a rating of {value!r}", lambda v=value: respond(code, me.id, RATING, {item: v}), InvalidResponse)

    open_now(store, code, CONSENT)
    proposal = store.status(code, CONSENT).items[0].id
    refused("six fingers", lambda: respond(code, me.id, CONSENT, {proposal: 6}), InvalidResponse)
    refused(
        "a 1 MB objection", lambda: respond(code, me.id, CONSENT, {proposal: 1}, {proposal: "x" * MB}), InvalidResponse
    )
    refused(
        "an objection to an item of another activity",
        lambda: respond(code, me.id, CONSENT, {proposal: 1}, {"c1": "no"}),
        InvalidResponse,
    )

    open_now(store, code, IDEAS)
    refused("a 1 MB idea", lambda: store.add_idea(code, me.id, IDEAS, "x" * MB), InvalidResponse)
    refused("an empty idea", lambda: store.add_idea(code, me.id, IDEAS, "   "), InvalidResponse)
    refused("an idea with a NUL byte", lambda: store.add_idea(code, me.id, IDEAS, "a\x00b"), InvalidResponse)
    refused(
        "an idea from another workshop's participant",
        lambda: store.add_idea(code, stranger.id, IDEAS, "hi"),
        InvalidResponse,
    )
    refused("an idea to a vote", lambda: store.add_idea(code, me.id, DOT_VOTE, "hi"), InvalidResponse)
    mine = store.add_idea(code, me.id, IDEAS, "my idea")
    someone = store.join(code, "Someone")
    refused(
        "editing another participant's idea",
        lambda: store.edit_idea(code, someone.id, IDEAS, mine.id, "mine now"),
        InvalidResponse,
    )
    refused(
        "withdrawing another participant's idea",
        lambda: store.edit_idea(code, someone.id, IDEAS, mine.id, None),
        InvalidResponse,
    )
    refused("a vote on an ideas activity", lambda: respond(code, me.id, IDEAS, {"c1": 1}), InvalidResponse)

    refused("a 10,000-character name", lambda: store.join(code, "n" * 10_000), InvalidResponse)
    refused("a name with a NUL byte", lambda: store.join(code, "a\x00b"), InvalidResponse)
    refused("a rejoin with a guessed token", lambda: store.rejoin(code, secrets.token_urlsafe(12)), Exception)
    refused("a rejoin with another workshop's token", lambda: store.rejoin(code, stranger.token), Exception)
    refused("a rejoin with a LIKE wildcard", lambda: store.rejoin(code, "%"), Exception)
    refused("a rejoin with SQL in the token", lambda: store.rejoin(code, "' OR '1'='1"), Exception)
    print(f"\nstore-level forgeries refused with nothing written: {len(STORE_FORGERIES)}")
    assert len(STORE_FORGERIES) >= 40
    store.close()


def test_oversized_input_is_refused_with_a_message_by_the_room(tmp_path):
    """A 10,000-character name and a 1 MB idea, sent to the room: a sentence, nothing stored;
    just over the store's limits, the store's own sentence."""
    from hub_phones import HubRoom

    store, ws = demo(f"sqlite:///{tmp_path}/s.sqlite")
    open_now(store, ws.code, IDEAS)
    hub = HubRoom(store.url_for_kernels, ws.code)
    try:
        phone = hub.phone()
        before = snapshot(store)
        for name, words in (("n" * 10_000, "too long"), ("n" * 61, "61 characters long")):
            ack = phone.join(name)
            assert ack["ok"] is False and words in ack["error"] and "Traceback" not in ack["error"], ack
        assert phone.phase == "join" and snapshot(store) == before
        assert phone.join("Fine")["ok"]
        before = snapshot(store)
        phone.send({"type": "idea", "activity": IDEAS, "text": "i" * MB, "seq": 99})
        said = phone.seen[-1]  # a frame over the room's limit is refused before it is read (no seq to ack)
        assert said["type"] == "error" and "too long" in said["error"], said
        ack = phone.idea(IDEAS, "i" * 501)
        assert ack["ok"] is False and "501 characters long" in ack["error"], ack
        assert snapshot(store) == before
    finally:
        hub.close()
        store.close()


# ============================================================================ forged room messages


@pytest.mark.server
def test_forged_room_messages_change_nothing_the_page_would_not(fault_servers):
    """A phone sends over the room websocket what a tampered page could: a 10,000-character
    name, bursts past the dot budget and cap, votes on a locked activity, ratings out of
    range, six fingers, a 1 MB objection and idea, and guessed rejoin tokens. Each is
    refused with a sentence (nothing written); no screen carries anyone's token."""
    from csikit.testing import HeadlessError, RoomPhone

    live = fault_servers
    store, ws = live.store, live.workshop
    code = ws.code
    victim = store.join(code, "Victim")
    open_now(store, code, DOT_VOTE)
    counts: dict[str, int] = {}
    screens: list[str] = []

    def refused(ack: dict, words: str = "") -> None:
        assert ack["ok"] is False and ack["error"] and "Traceback" not in ack["error"], ack
        assert words in ack["error"], ack

    async def too_big(p, msg: dict) -> None:
        """A 1 MB frame: refused in words, or the server closes the socket (over its frame limit);
        then the phone comes back with its token as the same person."""
        me = p.participant
        try:
            refused(await p.request(msg, timeout=30))
            return
        except HeadlessError:
            await p.close()
        await p.connect()
        await p.wait_for(lambda p: p.participant == me and p.phase == "answering")

    async def scenario():
        # --- a 10,000-character name (and one just over the limit, and a NUL byte)
        async with RoomPhone(live.participant_url, timeout=120) as p:
            before = snapshot(store)
            for name in ("n" * 10_000, "n" * 61, "a\x00b"):
                refused(await p.request({"type": "join", "name": name}))
            assert snapshot(store) == before and p.participant is None
            counts["name"] = 3

        # --- the forger joins properly, then forges
        async with RoomPhone(live.participant_url, timeout=120) as p:
            sent = 0
            await p.join("Forger")
            await p.wait_for(lambda p: p.phase == "answering" and p.activity_id == DOT_VOTE)
            me = p.participant
            # a burst of 40 "+" on two items: budget 6, at most 3 on one item
            acks = await asyncio.gather(
                *(p.answer(DOT_VOTE, {item: 1}, delta=True) for _ in range(20) for item in ("c1", "c2"))
            )
            sent += len(acks)
            assert sum(a["ok"] for a in acks) == 6
            for ack in acks:
                if not ack["ok"]:
                    refused(ack, "At most")
            assert store.my_responses(code, me, DOT_VOTE) == {("c1", ""): (3, ""), ("c2", ""): (3, "")}
            screens.append(json.dumps(p.screen))
            # more on other items, or set outright past the budget: the budget is spent
            before = snapshot(store)
            for forged in ({"c3": 1}, {"c4": 1}, {"c5": 1}, {"c3": 1}):
                refused(await p.answer(DOT_VOTE, forged, delta=True), "dots")
            for forged in ({"c1": 4}, {"c3": 6}, {"c1": -1}, {"c99": 1}, {"c1": 10**12}):
                refused(await p.answer(DOT_VOTE, forged))
            sent += 9
            assert snapshot(store) == before
            # the facilitator locks; a stale page still sends + and −
            store.lock_activity(code, DOT_VOTE)
            await p.wait_for(lambda p: p.phase == "closed")
            before = snapshot(store)
            for item in ("c3", "c1", "c8"):
                refused(await p.answer(DOT_VOTE, {item: 1}, delta=True), "closed")
                refused(await p.answer(DOT_VOTE, {item: -1}, delta=True), "closed")
            sent += 6
            assert snapshot(store) == before
            counts["dot vote"] = sent

            # --- a rating: values out of the scale, and ones that are not whole numbers
            open_now(store, code, RATING)
            await p.wait_for(lambda p: p.phase == "answering" and p.activity_id == RATING)
            item = p.activity["items"][0]["id"]
            before = snapshot(store)
            forged_values = (99, -5, 10**9, 0, 6, "2", 1.5, True, None, [2], {"x": {"y": 2}})
            for value in forged_values:
                refused(await p.answer(RATING, {item: value}))
            refused(await p.answer(RATING, {"not-an-item": 3}))
            assert snapshot(store) == before
            assert (await p.answer(RATING, {item: 2}))["ok"]  # a real choice afterwards
            assert [r.value for r in store.responses(code, RATING) if r.participant == me] == [2]
            store.reset_activity(code, RATING)
            assert snapshot(store)["responses"] == before["responses"]
            counts["rating"] = len(forged_values) + 2
            screens.append(json.dumps(p.screen))

            # --- fist of five: six fingers, a 1 MB objection, one just over the limit
            open_now(store, code, CONSENT)
            await p.wait_for(lambda p: p.phase == "answering" and p.activity_id == CONSENT)
            proposal = p.activity["items"][0]["id"]
            before = snapshot(store)
            refused(await p.answer(CONSENT, {proposal: 6}))
            refused(await p.answer(CONSENT, {proposal: 7}))
            await too_big(
                p, {"type": "answer", "activity": CONSENT, "values": {proposal: 0}, "comments": {proposal: "o" * MB}}
            )
            refused(await p.answer(CONSENT, {proposal: 0}, {proposal: "o" * 1001}), "1,001 characters long")
            refused(await p.answer(CONSENT, {proposal: 0}, {"c1": "not this activity's"}))
            assert snapshot(store) == before
            counts["fist of five"] = 5

            # --- ideas: a 1 MB idea, one just over the limit, an empty one, someone else's idea
            open_now(store, code, IDEAS)
            await p.wait_for(lambda p: p.phase == "answering" and p.activity_id == IDEAS)
            theirs = store.add_idea(code, victim.id, IDEAS, "the victim's idea")
            before = snapshot(store)
            await too_big(p, {"type": "idea", "activity": IDEAS, "text": "i" * MB})
            refused(await p.idea(IDEAS, "i" * 501), "501 characters long")
            refused(await p.idea(IDEAS, "   "), "empty")
            refused(await p.edit(IDEAS, theirs.id, "mine now"))
            refused(await p.withdraw(IDEAS, theirs.id))
            assert snapshot(store) == before
            counts["ideas"] = 5
            screens.append(json.dumps(p.screen))

            # --- identity: no screen carries a token, not even the person's own
            others = [x for x in store.participants(code) if x.id != me]
            page = "".join(screens)
            assert victim.token not in page and not [x.name for x in others if x.token in page]
            assert p.token not in page  # the page is told it once, in "joined"

        # --- a guessed rejoin token (and SQL and a wildcard) gets the join screen, never someone else
        for guess in (secrets.token_urlsafe(12), "' OR '1'='1", "%", victim.token[:-1]):
            url = live.participant_url + "&t=" + __import__("urllib.parse").parse.quote(guess)
            async with RoomPhone(url, timeout=120) as p:
                assert p.phase == "join" and p.participant is None and "Victim" not in json.dumps(p.screen)
            counts["guessed tokens"] = counts.get("guessed tokens", 0) + 1

    run_async(scenario())
    total = sum(counts.values())
    print(f"\nforged room messages (+ guessed rejoin links): {counts}, total {total}")
    assert total >= 60


# ============================================================================ XSS in the browser

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<svg><script>alert(4)</script></svg>",
    '<iframe src="javascript:alert(5)"></iframe>',
    '<a href="javascript:alert(6)">click me</a>',
    "[click me](javascript:alert(7))",
    r"$\href{javascript:alert(8)}{click me}$",
    '"><img src=x onerror=alert(9)>',
    "'><svg/onload=alert(10)>",
    "<body onload=alert(11)>",
    "<details open ontoggle=alert(12)>",
    "<input autofocus onfocus=alert(13)>",
    '<object data="javascript:alert(14)">',
    "javascript:alert(15)",
    '![x](x" onerror="alert(16))',
    r"$$\unicode{<img src=x onerror=alert(17)>}$$",
    "{{constructor.constructor('alert(18)')()}}",
    "<img src=x onerror=&#97;lert(19)>",
    "<scr<script>ipt>alert(20)</script>",
    "&lt;script&gt;alert(21)&lt;/script&gt;",
    "<style>*{display:none}</style>",
    "<math><mi xlink:href=javascript:alert(23)>x</mi></math>",
    r"\(\href{javascript:alert(24)}{x}\)",
    "<marquee onstart=alert(25)>m</marquee>",
]

#: Elements the payloads would create if they were parsed as HTML (or typeset as links).
INJECTED = """() => {
    const bad = [...document.querySelectorAll(
        'img[src="x"], svg[onload], iframe, object, marquee, details[ontoggle], input[onfocus], body[onload]')];
    const js = [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(
        a => /href$/i.test(a.name) && /^\\s*javascript:/i.test(a.value)));
    const handlers = [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => /^on/i.test(a.name)
                                                                  && /alert/.test(a.value)));
    const scripts = [...document.querySelectorAll('script')].filter(s => /alert\\(/.test(s.textContent));
    const styles = [...document.querySelectorAll('style')].filter(s => /display:none/.test(s.textContent));
    return [...bad, ...js, ...handlers, ...scripts, ...styles].map(e => e.outerHTML.slice(0, 120));
}"""


def _texts(page, selector: str) -> str:
    return page.evaluate(
        f"() => [...document.querySelectorAll({json.dumps(selector)})].map(e => e.textContent).join('\\n')"
    )


def _no_injection(page, where: str) -> None:
    found = page.evaluate(INJECTED)
    assert not found, f"{where}: injected elements {found[:5]}"


@pytest.mark.server
@pytest.mark.browser
def test_xss_payloads_show_literally_and_run_nothing(fault_servers, browser):
    """25 payloads, each as a participant's name, an idea and a fist-of-five objection (and
    an initiative title in the CSI register): every screen shows them as text, no dialog
    opens and none of the elements they would create exists."""
    from browser_helpers import RENDER_MS, Dialogs, agenda_button, open_facilitator, select_activity

    live = fault_servers
    store, ws = live.store, live.workshop
    code = ws.code
    assert len(PAYLOADS) >= 20 and all(len(x) <= 60 for x in PAYLOADS)
    dialogs = Dialogs()
    open_now(store, code, IDEAS)
    open_now(store, code, CONSENT)
    proposal = store.status(code, CONSENT).items[0].id
    people = []
    for n, payload in enumerate(PAYLOADS):
        person = store.join(code, payload)
        people.append(person)
        store.add_idea(code, person.id, IDEAS, payload)
        store.respond(code, person.id, CONSENT, {proposal: n % 3}, {proposal: payload})
    from csikit.model import Initiative

    for n, payload in enumerate(PAYLOADS[:5]):
        store.save_initiative(code, Initiative(id=f"CSI-9{n:02d}", title=payload))

    # --- the facilitator: roster, live results of the ideas and the objections, step results, register
    context, fac = open_facilitator(browser, live.facilitator_url, dialogs)
    try:
        select_activity(fac, ws.activity(IDEAS).title)
        fac.locator("table.csikit-results").wait_for()
        fac.wait_for_function(
            "n => document.querySelectorAll('table.csikit-results tbody tr').length >= n", arg=len(PAYLOADS)
        )
        roster, table = _texts(fac, ".csikit-roster"), _texts(fac, "table.csikit-results")
        for payload in PAYLOADS:
            assert payload in roster, f"name {payload!r} not shown literally on the roster"
            assert payload in table, f"idea {payload!r} not shown literally in the results"
        _no_injection(fac, "facilitator ideas")
        select_activity(fac, ws.activity(CONSENT).title)
        fac.get_by_text("Objections").wait_for()
        table = _texts(fac, "table.csikit-results")
        for payload in PAYLOADS:
            assert payload in table, f"objection {payload!r} not shown literally"
        _no_injection(fac, "facilitator objections")
        agenda_button(fac, ws.activity(IDEAS).title).click()  # step 1: its results show the ideas
        fac.get_by_role("tab", name="Step results").click()
        fac.get_by_role("button", name=re.compile("Refresh results")).first.click()
        fac.locator(".csikit-table").first.wait_for(timeout=RENDER_MS)
        _no_injection(fac, "step results")
        fac.get_by_role("tab", name="CSI register").click()
        fac.locator(".csikit-table", has_text="CSI-900").wait_for(timeout=RENDER_MS)
        register = _texts(fac, ".csikit-table")
        for payload in PAYLOADS[:5]:
            assert payload in register, f"initiative {payload!r} not shown literally in the register"
        _no_injection(fac, "CSI register")
    finally:
        context.close()

    # --- each participant's own screen: their name, their objection; then everyone's ideas revealed
    store.lock_activity(code, IDEAS)
    store.reveal_activity(code, IDEAS)
    context = browser.new_context(viewport={"width": 375, "height": 667})
    try:
        page = context.new_page()
        dialogs.watch(page, "participants")
        base = live.participant_url.split("?")[0]
        for n, (person, payload) in enumerate(zip(people, PAYLOADS, strict=True)):
            page.goto(f"{base}?code={code}&p={person.token}", timeout=RENDER_MS)
            try:
                page.locator(".csikit-who b").wait_for(timeout=RENDER_MS)
            except Exception:
                text = page.evaluate("() => document.body.innerText")
                raise AssertionError(f"participant {n} ({payload!r}) page shows: {text[:500]!r}") from None
            assert page.locator(".csikit-who b").text_content() == payload
            if n == 0:
                page.get_by_text("Results").first.wait_for()
                _no_injection(page, "participant results")
                shown = _texts(page, ".csikit-text")
                for idea in PAYLOADS:
                    assert idea in shown, f"idea {idea!r} not shown literally to participants"
            _no_injection(page, f"participant {n}")
        # the objection box of one participant (a fist of five, open again)
        open_now(store, code, CONSENT)
        page.goto(f"{base}?code={code}&p={people[1].token}", timeout=RENDER_MS)
        page.locator("textarea").first.wait_for(timeout=RENDER_MS)
        assert page.locator("textarea").first.input_value() == PAYLOADS[1]
        _no_injection(page, "participant objection")
    finally:
        context.close()
    print(f"\nXSS payloads tried: {len(PAYLOADS)} (as names, ideas, objections; 5 as initiative titles)")
    assert not dialogs.seen, dialogs.seen


# ============================================================================ what the servers serve


def _raw_get(url: str, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (no normalisation of ``..``)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(2_000_000)
    finally:
        conn.close()


@pytest.mark.server
def test_the_room_server_serves_nothing_but_the_join_page(fault_servers):
    """The facilitator notebook, the store file, the workshop file, any file of the
    project, directory listings and ``..`` paths: none is served by the room server."""
    from csikit.serve import notebooks_dir

    live = fault_servers
    url = live.participant_url
    store_file = Path(str(live.store.engine.url.database))
    workshop_file = live.tmp / "demo" / "workshop.yaml"
    nb = notebooks_dir()
    rel_store = Path(*[".."] * len(nb.parts[1:])) / str(store_file).lstrip("/")
    secrets_markers = [
        b"facilitator_app",
        b"room_page",
        b"FacilitatorApp",
        b"SQLite format 3",
        b"maturity_scale",
        b"root:x:0:0",
        workshop_file.read_bytes()[:60],
        b"cookie_secret",
        b'"cells"',
    ]
    paths = [
        "/voila/render/facilitator.ipynb",
        "/voila/render/participant.ipynb",
        "/facilitator.ipynb",
        "/voila/files/facilitator.ipynb",
        "/voila/files/participant.ipynb",
        "/files/facilitator.ipynb",
        "/voila/tree",
        "/voila/tree/",
        "/tree",
        "/api/contents",
        "/voila/api/contents/",
        "/api/contents/facilitator.ipynb",
        "/notebooks/facilitator.ipynb",
        "/api/kernels",
        "/api/sessions",
        "/api/kernelspecs",
        "/voila/static/../../facilitator.ipynb",
        "/voila/static/..%2f..%2ffacilitator.ipynb",
        "/voila/files/../facilitator.ipynb",
        "/voila/files/..%2ffacilitator.ipynb",
        f"/voila/files/{rel_store}",
        f"/voila/files{store_file}",
        f"/voila/files/{store_file}",
        f"/voila/files/{Path(*[chr(46) * 2] * len(nb.parts[1:]))}{workshop_file}",
        "/voila/templates/../../../../../../etc/passwd",
        "/voila/templates/lab/static/../../../../../../../../etc/passwd",
        "/voila/labextensions/../../../../../../../../etc/passwd",
        "/voila/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/../../../../etc/passwd",
        "/voila/api/themes/../../../../../../etc/passwd",
        "/voila/files/participant.ipynb?download=1",
        "/voila/files/csikit/store/core.py",
        "/voila/files/../csikit/store/core.py",
    ]
    served = []
    for path in paths:
        status, body = _raw_get(url, path)
        leaked = [m for m in secrets_markers if m and m in body]
        if leaked:
            served.append((path, status, leaked))
    print(f"\nroom server: {len(paths)} paths tried, none served a file")
    assert not served, served


@pytest.mark.server
def test_facilitator_server_refuses_requests_without_the_token(fault_servers):
    """No page, kernel or API of the facilitator server without the token (a wrong one
    neither); the kernel websocket of a facilitator page refuses a connection without it."""
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    live = fault_servers
    base = live.facilitator_url.split("?")[0].rstrip("/")
    status, body = _raw_get(base, f"/?token={live.token}")
    assert status == 200 and b"kernelId" in body
    kernel = re.search(rb'"kernelId": ?"([0-9a-f-]{36})"', body).group(1).decode()
    refused = []
    for path in (
        "/",
        "/?token=wrong",
        "/?token=",
        f"/?token={live.token[:-1]}",
        "/voila/render/facilitator.ipynb",
        "/voila/tree",
        f"/api/kernels/{kernel}",
        "/api/kernels",
        "/api/sessions",
        "/voila/files/facilitator.ipynb",
        f"/api/kernels/{kernel}?token=wrong",
    ):
        status, body = _raw_get(base, path)
        assert status in (302, 401, 403, 404, 405), (path, status)  # 302: to the login page
        assert b"csikit" not in body.lower() and kernel.encode() not in body, path
        refused.append(path)
    status, _ = _raw_get(base, f"/api/kernels/{kernel}", {"Authorization": "token wrong"})
    assert status in (401, 403)
    status, _ = _raw_get(base, f"/api/kernels/{kernel}", {"Authorization": f"token {live.token}"})
    assert status == 200  # the same request with the token works: the refusals above were the token's doing

    async def websocket(headers: dict) -> int:
        ws_url = base.replace("http", "ws") + f"/api/kernels/{kernel}/channels?session_id={secrets.token_hex(8)}"
        try:
            conn = await websocket_connect(HTTPRequest(ws_url, headers=headers, request_timeout=60, connect_timeout=60))
        except HTTPClientError as exc:
            return exc.code
        conn.close()
        return 101

    assert run_async(websocket({})) in (401, 403)
    assert run_async(websocket({"Authorization": "token wrong"})) in (401, 403)
    print(f"\nfacilitator server: {len(refused) + 3} requests without the token refused")


# ============================================================================ logs (keep last in the module)


@pytest.mark.server
def test_token_and_cookie_secrets_never_reach_the_logs(fault_servers):
    """Requests that carry the token in the URL (good and failing ones), then both
    servers' log files: neither the token nor either cookie secret is in them."""
    live = fault_servers
    base = live.facilitator_url.split("?")[0].rstrip("/")
    for path in (
        f"/?token={live.token}",
        f"/no-such-page?token={live.token}",
        f"/api/kernels/0-0-0-0-0?token={live.token}",
        f"/voila/static/nope.js?token={live.token}",
        f"/api/kernels/00000000-0000-0000-0000-000000000000?token={live.token}",
    ):
        _raw_get(base, path)
    _raw_get(live.participant_url, f"/does/not/exist?token={live.token}")
    time.sleep(1)  # let the servers flush their logs
    workdir = live.servers.workdir
    cookie_secrets = re.findall(
        r"bytes\.fromhex\('([0-9a-f]+)'\)", "".join(p.read_text() for p in workdir.glob("*/voila.py"))
    )
    assert len(cookie_secrets) == 1  # the facilitator's Voila; the room server has no cookie to sign
    with open(f"/proc/{live.servers.processes[0].pid}/environ", "rb") as fh:  # the room server's own token
        room_env = dict(v.split(b"=", 1) for v in fh.read().split(b"\0") if b"=" in v)
    room_token = room_env[b"JUPYTER_TOKEN"].decode()
    logs = "".join(Path(p).read_text(errors="replace") for p in live.servers.logs)
    assert logs.strip()
    for token in (live.token, room_token):
        assert token not in logs, [line for line in logs.splitlines() if token in line][:3]
    for secret in cookie_secrets:
        assert secret not in logs and bytes.fromhex(secret).decode("latin-1") not in logs


# ============================================================================ what a phone is sent


def test_every_screen_is_a_few_kb_of_json_text(tmp_path):
    """The room sends each phone its screen as one JSON text frame: never bytes (a binary
    frame is what hung Voila's legacy clients), a few KB, in every activity and every state."""
    from csikit.room.screens import screen_from_store
    from csikit.simulate import simulate

    store, ws = demo(f"sqlite:///{tmp_path}/store.sqlite")
    me = store.join(ws.code, "Byte counter")
    seen = 0

    def strings_only(value) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and strings_only(v) for k, v in value.items())
        if isinstance(value, list):
            return all(strings_only(v) for v in value)
        return value is None or isinstance(value, (str, int, float, bool))

    for activity in ws.agenda:
        for step in ("open", "lock", "reveal"):
            if step == "open":
                open_now(store, ws.code, activity.id)
                simulate(store, ws.code, 4, seed=seen)  # four more people answer it
            else:
                getattr(store, f"{step}_activity")(ws.code, activity.id)
            screen = screen_from_store(store, ws.code, me)
            assert strings_only(screen), f"{activity.id} ({step}) holds something that is not JSON"
            size = len(json.dumps(screen, ensure_ascii=False).encode())
            assert size < 8 * 1024, f"{activity.id} ({step}): {size} bytes"
            seen += 1
    assert seen == 3 * len(ws.agenda)
    store.close()
