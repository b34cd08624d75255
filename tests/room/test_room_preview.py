"""csikit.room.preview: the phone's modules in a notebook (anywidget), answering through the store.

The Python side is driven without a browser (``handle`` is what the widget's ``send`` reaches);
the inlined bundle (``_esm``) is loaded in chromium exactly as anywidget loads it (a ``blob:``
module), rendered with a small AFM model, and what it sends is handed to ``handle``.
"""

from __future__ import annotations

import json
import os
import re

import pytest

pytest.importorskip("anywidget")

from conftest import open_now  # noqa: E402

from csikit.kinds import REGISTRY  # noqa: E402
from csikit.room.kind_assets import phone_modules  # noqa: E402
from csikit.room.preview import STATIC, PhoneScreen, bundle  # noqa: E402

DOT_VOTE = "s3-vote"


def test_the_bundle_holds_every_module_and_each_relative_import_resolves():
    esm = bundle()
    sources = json.loads(re.search(r"const SOURCES = (\{.*?\});\n", esm, re.S).group(1).replace("<\\/", "</"))
    on_disk = {p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*.js")} - {"room.js"}
    on_disk |= {f"kinds/{kind}.js" for kind in phone_modules()}  # csikit/kinds/<kind>/phone.js
    assert set(phone_modules()) == set(REGISTRY)  # every kind has its phone module in its folder
    assert set(sources) == on_disk
    for path, source in sources.items():
        for spec in re.findall(r"""(?:\bfrom\s*|\bimport\s*\(\s*)["'](\.\.?/[^"']+)["']""", source):
            target = os.path.normpath(os.path.join(os.path.dirname(path), spec))
            assert target in sources, f"{path} imports {spec}, which is not in the bundle"
    for kind in REGISTRY:
        assert f"kinds/{kind}.js" in sources
        assert "export default" in sources[f"kinds/{kind}.js"]
    # people's text goes in with textContent: no module writes markup
    assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", "".join(sources.values()))


def test_a_preview_shows_a_persons_screen_and_answers_through_the_store(demo_store):
    ws, store = demo_store
    code = ws.code
    join_screen = PhoneScreen(store, code)
    assert join_screen.screen["phase"] == "join"
    ack = join_screen.handle({"type": "join", "name": "Analyst", "seq": 1})
    assert ack["ok"] and join_screen.participant.name == "Analyst"
    assert join_screen.screen["phase"] == "waiting"

    open_now(store, code, DOT_VOTE)
    screen = PhoneScreen(store, code, join_screen.participant.token)  # by rejoin token
    assert screen.screen["phase"] == "answering" and screen.screen["activity"]["id"] == DOT_VOTE
    pid = screen.participant.id
    item = screen.screen["activity"]["items"][0]["id"]
    for n in (1, 2, 3):
        assert screen.handle({"type": "answer", "activity": DOT_VOTE, "values": {item: 1}, "delta": True, "seq": n})[
            "ok"
        ]
    refused = screen.handle({"type": "answer", "activity": DOT_VOTE, "values": {item: 1}, "delta": True, "seq": 4})
    assert not refused["ok"] and "At most 3 dots" in refused["error"]
    assert screen.screen["mine"]["dots"] == {item: 3}
    assert screen.handle({"type": "done", "activity": DOT_VOTE, "done": True, "seq": 5})["ok"]
    assert store.is_done(code, pid, DOT_VOTE) and screen.screen["done"] is True

    # by participant id; a message the store refuses changes nothing and says why
    same = PhoneScreen(store, code, pid)
    bad = same.handle({"type": "answer", "activity": DOT_VOTE, "values": {"nope": 1}, "delta": True, "seq": 6})
    assert not bad["ok"] and bad["error"]
    assert same.handle({"type": "idea", "activity": DOT_VOTE, "text": "x", "seq": 7})["ok"] is False
    assert {i: v for (i, _), (v, _) in store.my_responses(code, pid, DOT_VOTE).items()} == {item: 3}
    store.lock_activity(code, DOT_VOTE)
    assert same.refresh()["phase"] == "closed"


@pytest.mark.browser
def test_the_inlined_modules_render_in_a_browser_and_their_messages_reach_the_store(demo_store, browser):
    ws, store = demo_store
    code = ws.code
    open_now(store, code, DOT_VOTE)
    person = store.join(code, "Lab user")
    widget = PhoneScreen(store, code, person)
    context = browser.new_context(viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto("about:blank")
        # anywidget's loadEsm: a blob: module of _esm; an AFM model whose send() we collect
        page.evaluate(
            """async ([esm, css, screen]) => {
            const style = document.createElement("style"); style.textContent = css; document.head.appendChild(style);
            const handlers = {};
            window.sent = [];
            window.model = {
              state: { screen },
              get(k) { return this.state[k]; }, set(k, v) { this.state[k] = v; },
              save_changes() {}, send(m) { window.sent.push(m); },
              on(n, cb) { (handlers[n] = handlers[n] || []).push(cb); },
              off(n, cb) { handlers[n] = (handlers[n] || []).filter((x) => x !== cb); },
              emit(n, ...a) { (handlers[n] || []).forEach((cb) => cb(...a)); },
            };
            const url = URL.createObjectURL(new Blob([esm], { type: "text/javascript" }));
            const mod = await import(url);
            const el = document.createElement("div"); document.body.appendChild(el);
            await mod.default.render({ model: window.model, el });
        }""",
            [widget._esm, widget._css, widget.screen],
        )
        first = widget.screen["activity"]["items"][0]
        row = page.locator(".csikit-item", has_text=first["text"])
        row.get_by_role("button", name="+", exact=True).click()
        page.wait_for_function("window.sent.length === 1")
        [msg] = page.evaluate("window.sent")
        assert msg["type"] == "answer" and msg["values"] == {first["id"]: 1} and msg["delta"] is True
        ack = widget.handle(msg)
        assert ack["ok"], ack
        # the kernel's answer: the ack as a custom message, then the new screen trait
        page.evaluate(
            """([ack, screen]) => { window.model.emit("msg:custom", ack, []);
                         window.model.set("screen", screen); window.model.emit("change:screen"); }""",
            [ack, widget.screen],
        )
        assert page.locator(".csikit-item", has_text=first["text"]).locator(".csikit-dots").inner_text().endswith("1")
        assert "5 of 6 dots left" in page.locator(".csikit-left").inner_text()
        # a module the bundle does not hold: the shell's sentence for an unknown kind
        nope = {**widget.screen, "activity": {**widget.screen["activity"], "id": "elsewhere", "module": "nope"}}
        page.evaluate(
            """(screen) => { window.model.set("screen", screen); window.model.emit("change:screen"); }""", nope
        )
        page.get_by_text("This phone cannot show this activity; please tell the facilitator.").wait_for()
        assert errors == []
        assert {i: v for (i, _), (v, _) in store.my_responses(code, person.id, DOT_VOTE).items()} == {first["id"]: 1}
    finally:
        context.close()
