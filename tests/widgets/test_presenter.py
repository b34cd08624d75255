"""The presenter view driven without a browser: the store changes as the facilitator's clicks
change it, and the view (ticked by hand) follows."""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import datetime, timedelta, timezone

import ipywidgets as W
import pytest
from repo_paths import DEMO

from csikit import rules
from csikit.store import Store
from csikit.widgets.presenter import WAITING, PresenterView, room_page
from csikit.workshop_file import load_workshop

JOIN = "http://192.0.2.1:8866/?code=DESK26"
VOTE = "s3-vote"
IDEAS = "s1-problems"
NAMES = ("Zebulon Quayle", "Ottoline Marsh", "Ferdinand Wick")


def _room(tmp_path, edit=None, **workshop_changes):
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("*.sqlite*"))
    if edit:
        path = folder / "workshop.yaml"
        path.write_text(edit(path.read_text()))
    ws = load_workshop(folder)
    if workshop_changes:
        ws = dataclasses.replace(ws, **workshop_changes)
    store = Store(f"sqlite:///{tmp_path}/store.sqlite")
    store.sync_workshop(ws)
    people = [store.join(ws.code, name).id for name in NAMES]
    return ws, store, people


@pytest.fixture
def demo_with_people(tmp_path):
    """The demo in a fresh store with three named people joined: (workshop, store, participant ids)."""
    return _room(tmp_path)


def view_of(store, ws) -> PresenterView:
    return PresenterView(store, ws.code, join_url=JOIN, poll=False)


def tree(widget):
    """Every widget shown under ``widget`` (itself included)."""
    out, todo = [], [widget]
    while todo:
        w = todo.pop()
        out.append(w)
        todo.extend(getattr(w, "children", ()))
    return out


def shown_html(view) -> str:
    return "\n".join(w.value for w in tree(view) if isinstance(w, W.HTML))


def vote(store, code, people, dots):
    """Each participant puts one dot on each of ``dots``' items for them."""
    for pid, items in zip(people, dots, strict=False):
        store.respond(code, pid, VOTE, {item: 1 for item in items})


def test_join_screen_until_the_first_open_then_a_corner(demo_with_people):
    ws, store, people = demo_with_people
    view = view_of(store, ws)
    assert view.showing == "join"
    assert view.join in view.children, "the join code fills the screen before anything opens"
    qr = [w for w in tree(view.join) if isinstance(w, W.Image)]
    assert qr and qr[0].value[:4] == b"\x89PNG"
    assert ws.code in view.join.children[-1].value and "192.0.2.1" in view.join.children[-1].value
    store.open_activity(ws.code, VOTE)
    view.tick()
    assert view.showing == "activity"
    assert view.join not in view.children and view.join in view.top.children
    assert "csikit-p-corner" in view.join._dom_classes


def test_after_a_reset_the_wall_says_the_next_activity_not_the_first(demo_with_people):
    ws, store, people = demo_with_people
    view = view_of(store, ws)
    assert "the first activity starts soon" in shown_html(view)
    store.open_activity(ws.code, VOTE)
    view.tick()
    store.reset_activity(ws.code, VOTE)  # the facilitator's slip, or a do-over
    view.tick()
    assert view.showing == "join"
    assert "the next activity starts soon" in shown_html(view) and "first" not in shown_html(view)


def test_no_controls_anywhere(demo_with_people):
    ws, store, people = demo_with_people
    view = view_of(store, ws)
    store.open_activity(ws.code, VOTE)
    view.tick()
    store.set_live_results(ws.code, VOTE, True)
    vote(store, ws.code, people, [["c1"], ["c2"], ["c1"]])
    view.tick()
    controls = [w for w in tree(view) if not isinstance(w, (W.HTML, W.Image, W.Box))]
    assert not controls, controls


def test_follows_open_lock_reveal(demo_with_people):
    ws, store, people = demo_with_people
    view = view_of(store, ws)
    a = ws.activity(VOTE)
    store.open_activity(ws.code, VOTE)
    view.tick()
    assert a.title in view.question.value and a.prompt.split(";")[0] in view.question.value
    assert "Answer on your phone" in view.state.value
    assert not view.results_shown and view.chart.layout.display == "none" and WAITING in view.message.value
    assert 'aria-label="0 of 3 answered"' in view.rings.value
    vote(store, ws.code, people, [["c1", "c2"], ["c1"]])
    view.tick()
    assert 'aria-label="2 of 3 answered"' in view.rings.value
    assert not view.results_shown, "votes stay hidden until revealed (or the live switch)"
    vote(store, ws.code, people[2:], [["c3"]])
    store.lock_activity(ws.code, VOTE)
    view.tick()
    assert "Answers are closed" in view.state.value and not view.results_shown
    store.reveal_activity(ws.code, VOTE)
    view.tick()
    assert view.results_shown and view.chart.layout.display == ""
    assert view.chart.value[:4] == b"\x89PNG"
    store.open_activity(ws.code, "s3-impact-effort")
    view.tick()
    assert ws.activity("s3-impact-effort").title in view.question.value and not view.results_shown


def test_results_hidden_below_min_group(demo_with_people):
    ws, store, people = demo_with_people
    view = view_of(store, ws)
    store.open_activity(ws.code, VOTE)
    vote(store, ws.code, people, [["c1"], ["c2"]])
    store.lock_activity(ws.code, VOTE)
    store.reveal_activity(ws.code, VOTE)
    view.tick()
    assert rules.too_few(ws, 2)
    assert not view.results_shown and view.chart.layout.display == "none"
    assert rules.TOO_FEW in view.message.value


def test_a_smaller_min_group_shows_results(tmp_path):
    ws, store, people = _room(tmp_path, min_group=2)
    view = view_of(store, ws)
    store.open_activity(ws.code, VOTE)
    vote(store, ws.code, people, [["c1"], ["c2"]])
    store.lock_activity(ws.code, VOTE)
    store.reveal_activity(ws.code, VOTE)
    view.tick()
    assert view.results_shown and rules.TOO_FEW not in view.message.value


def _figure_texts(monkeypatch) -> list[str]:
    """Every text the presenter's charts draw (captured as they are turned into PNGs)."""
    from matplotlib.text import Text

    from csikit import charts

    seen: list[str] = []
    real = charts.to_png

    def capture(fig, dpi=90):
        seen.extend(t.get_text() for t in fig.findobj(Text))
        return real(fig, dpi)

    monkeypatch.setattr(charts, "to_png", capture)
    return seen


def test_anonymous_ideas_show_as_notes_without_names_or_ids(demo_with_people):
    ws, store, people = demo_with_people
    view = view_of(store, ws)
    assert ws.activity(IDEAS).anonymous
    store.open_activity(ws.code, IDEAS)
    ideas = [
        "Password resets eat 20% of calls",
        "<script>alert(1)</script> costs $50 or $20",
        "Shift handover loses tickets",
    ]
    added = [store.add_idea(ws.code, pid, IDEAS, text) for pid, text in zip(people, ideas, strict=True)]
    store.lock_activity(ws.code, IDEAS)
    store.reveal_activity(ws.code, IDEAS)
    view.tick()
    assert view.results_shown and view.notes.layout.display == "" and view.chart.layout.display == "none"
    notes = view.notes.value
    assert notes.count("csikit-p-note") == 3 and "Password resets eat 20% of calls" in notes
    assert "<script>" not in notes and "&lt;script&gt;alert(1)&lt;/script&gt; costs $50 or $20" in notes
    assert "mathjax_ignore" in notes
    shown = shown_html(view)
    for name in NAMES:
        assert name not in shown and name.split()[0] not in shown
    assert "anonymous #" not in shown
    assert not any(re.search(rf">\s*#?{i.id}\b", notes) for i in added), "idea ids are not for the room"


def test_many_ideas_are_capped_and_counted(tmp_path):
    ws, store, people = _room(tmp_path, edit=lambda text: text.replace("max_ideas: 5", "max_ideas: 10"))
    store.open_activity(ws.code, IDEAS)
    for n in range(30):
        store.add_idea(ws.code, people[n % 3], IDEAS, f"Problem number {n}")
    store.set_live_results(ws.code, IDEAS, True)
    view = view_of(store, ws)
    assert view.notes.value.count("class='csikit-p-note'") == 24
    assert "+ 7 more" in view.notes.value and "Problem number 22" in view.notes.value
    assert "Problem number 23" not in view.notes.value


def test_anonymous_dot_vote_chart_shows_item_texts_not_ids(demo_with_people, monkeypatch):
    ws, store, people = demo_with_people
    texts = _figure_texts(monkeypatch)
    view = view_of(store, ws)
    store.open_activity(ws.code, VOTE)
    vote(store, ws.code, people, [["c1"], ["c2"], ["c1"]])
    store.lock_activity(ws.code, VOTE)
    store.reveal_activity(ws.code, VOTE)
    view.tick()
    drawn = "\n".join(texts)
    assert "password reset" in drawn.lower()
    assert not {"c1", "c2", "c3"} & {t.strip() for t in texts}
    for name in NAMES:
        assert name.split()[0] not in drawn + shown_html(view)


def test_live_switch_shows_results_while_voting(demo_with_people):
    ws, store, people = demo_with_people
    view = view_of(store, ws)
    store.open_activity(ws.code, VOTE)
    vote(store, ws.code, people, [["c1"], ["c2"], ["c1"]])
    view.tick()
    assert not view.results_shown
    store.set_live_results(ws.code, VOTE, True)
    view.tick()
    assert view.results_shown and view.chart.value[:4] == b"\x89PNG"
    store.set_live_results(ws.code, VOTE, False)
    view.tick()
    assert not view.results_shown and view.chart.layout.display == "none"


def test_live_results_still_respect_min_group(demo_with_people):
    ws, store, people = demo_with_people
    view = view_of(store, ws)
    store.open_activity(ws.code, VOTE)
    store.set_live_results(ws.code, VOTE, True)
    vote(store, ws.code, people, [["c1"]])
    view.tick()
    assert not view.results_shown and rules.TOO_FEW in view.message.value
    vote(store, ws.code, people[1:], [["c2"], ["c3"]])
    view.tick()
    assert view.results_shown


def test_done_ring(demo_with_people):
    ws, store, people = demo_with_people
    view = view_of(store, ws)
    store.open_activity(ws.code, VOTE)
    view.tick()
    assert 'aria-label="0 of 3 done"' in view.rings.value
    store.mark_done(ws.code, people[0], VOTE)
    view.tick()
    assert 'aria-label="1 of 3 done"' in view.rings.value


def test_countdown(demo_with_people):
    ws, store, people = demo_with_people
    view = view_of(store, ws)
    store.open_activity(ws.code, VOTE)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    store.set_timer(ws.code, VOTE, now + timedelta(seconds=95))
    view.tick()
    assert any(f"1:{s}" in view.countdown.value for s in ("33", "34", "35")), view.countdown.value
    assert "csikit-p-late" not in view.countdown._dom_classes
    store.set_timer(ws.code, VOTE, now + timedelta(seconds=20))
    view.tick()
    assert "0:" in view.countdown.value and "csikit-p-late" in view.countdown._dom_classes
    store.set_timer(ws.code, VOTE, now - timedelta(seconds=5))
    view.tick()
    assert "time is up" in view.countdown.value
    store.set_timer(ws.code, VOTE, None)
    view.tick()
    assert view.countdown.value == ""
    store.set_timer(ws.code, VOTE, now + timedelta(seconds=95))
    store.lock_activity(ws.code, VOTE)
    view.tick()
    assert view.countdown.value == "", "a locked activity counts down nothing"


def test_an_idle_tick_reads_no_more_than_the_fingerprint(demo_with_people, monkeypatch):
    ws, store, people = demo_with_people
    view = view_of(store, ws)
    store.open_activity(ws.code, VOTE)
    view.tick()
    calls = []
    for name in ("status", "progress", "responses", "timer", "done_count", "live_results"):
        real = getattr(store, name)
        monkeypatch.setattr(store, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k))
    view.tick()
    view.tick()
    assert calls == []
    vote(store, ws.code, people, [["c1"]])
    view.tick()
    assert "progress" in calls


def _hostile(text: str) -> str:
    return text.replace(
        "title: Which improvements give the biggest return?", 'title: "<script>alert(1)</script> & <b>bold</b>"'
    ).replace(
        "prompt: Spend 6 dots on the improvements you would fund first; at most 3 on one.",
        'prompt: "Is it $50 or $20 per call? \\\\(x\\\\)"',
    )


def test_title_and_prompt_are_escaped_and_kept_from_mathjax(tmp_path):
    ws, store, people = _room(tmp_path, edit=_hostile)
    assert ws.activity(VOTE).title.startswith("<script>")
    view = view_of(store, ws)
    store.open_activity(ws.code, VOTE)
    view.tick()
    html = view.question.value
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "$50 or $20" in html and "mathjax_ignore" in html and "tex2jax_ignore" in html


def test_room_page_picks_the_view_from_the_query(demo_with_people):
    from csikit.widgets.facilitator import FacilitatorApp

    ws, store, people = demo_with_people
    url = str(store.engine.url)
    presenter = room_page(url, ws.code, JOIN, query="token=abc&view=presenter")
    console = room_page(url, ws.code, JOIN, query="token=abc")
    try:
        assert isinstance(presenter, PresenterView)
        assert isinstance(console, FacilitatorApp)
    finally:
        presenter.close()
        console.close()
    refused = room_page("", "", query="view=presenter")
    assert "csikit serve" in refused.value


def test_a_failing_result_keeps_the_question_on_the_wall(demo_with_people, monkeypatch):
    from csikit.kinds.dot_vote.results import RESULTS

    ws, store, people = demo_with_people
    view = view_of(store, ws)
    store.open_activity(ws.code, VOTE)
    vote(store, ws.code, people, [["c1"], ["c2"], ["c1"]])
    store.lock_activity(ws.code, VOTE)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(type(RESULTS), "live", broken)
    store.reveal_activity(ws.code, VOTE)
    view.tick()
    assert ws.activity(VOTE).title in view.question.value
    assert not view.results_shown and "facilitator&#x27;s screen has them" in view.message.value


def test_presenter_url_is_the_facilitator_page_with_view_presenter():
    from csikit.serve import Servers

    s = Servers("http://192.0.2.1:8866/?code=DESK26", "http://127.0.0.1:8867/?token=secret")
    assert s.presenter_url == "http://127.0.0.1:8867/?token=secret&view=presenter"
    assert Servers("p", "http://127.0.0.1:8867/").presenter_url == "http://127.0.0.1:8867/?view=presenter"


def test_serve_prints_the_presenter_link(tmp_path, monkeypatch):
    """`csikit serve` prints the presenter link beside the facilitator's (servers stood in for)."""
    from conftest import copy_demo, invoke

    import csikit.serve
    from csikit.serve import Servers

    class Stopped:
        def poll(self):
            return 0

    def fake_start(*args, **kwargs):
        s = Servers("http://192.0.2.1:8866/?code=DESK26", "http://127.0.0.1:8867/?token=secret", [Stopped()])
        s.wait_ready = lambda timeout=0: None
        s.stop = lambda: None
        return s

    monkeypatch.setattr(csikit.serve, "start_servers", fake_start)
    folder = copy_demo(tmp_path / "demo")
    result = invoke("serve", str(folder), "--store", f"sqlite:///{tmp_path}/store.sqlite")
    assert "Facilitator:  http://127.0.0.1:8867/?token=secret\n" in result.output
    assert "Presenter:    http://127.0.0.1:8867/?token=secret&view=presenter\n" in result.output


def test_the_chart_is_drawn_for_the_projector_with_text_of_24px(demo_with_people, monkeypatch):
    """The kind's live chart, drawn inside ``figures.sized("projector")``: a PNG as large as the
    results area at 1920×1080 (1440 CSS px wide, ≥ 580 tall), so its smallest text, in PNG
    pixels × the displayed scale, is at least 24 px on the wall."""
    from csikit import charts, figures
    from csikit.widgets.presenter import CHART_DPI

    drawn = []
    real = charts.to_png

    def capture(fig, dpi=None):
        drawn.append((fig.size, figures.text_sizes_px(fig, dpi)[0][0]))
        return real(fig, dpi)

    monkeypatch.setattr(charts, "to_png", capture)
    ws, store, people = demo_with_people
    view = view_of(store, ws)
    store.open_activity(ws.code, VOTE)
    vote(store, ws.code, people, [["c1", "c2"], ["c2"], ["c1", "c5"]])
    store.lock_activity(ws.code, VOTE)
    store.reveal_activity(ws.code, VOTE)
    view.tick()
    assert drawn and drawn[-1][0] is figures.PROJECTOR and CHART_DPI == figures.PROJECTOR.dpi
    import struct

    width, height = struct.unpack(">II", view.chart.value[16:24])
    assert (width, height) == (figures.PROJECTOR.width_px, figures.PROJECTOR.height_px)
    shown = min(1440 / width, 580 / height)  # the results area at 1920×1080, object-fit: contain
    assert drawn[-1][1] * shown >= 24
