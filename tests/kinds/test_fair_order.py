"""Fair order on the phones: each person sees a dot vote's, a rating's and a ranking's items
in their own order, the same after a reload, and the store records where each was shown.

Phones are on an in-process room hub (tests/hub_phones.py): the screens the room sends.
"""

from __future__ import annotations

import dataclasses

import pytest
from hub_phones import HubRoom
from repo_paths import DEMO as DEMO_FOLDER

from csikit.order import shown_order
from csikit.store import Store
from csikit.workshop_file import load_workshop

DEMO = load_workshop(DEMO_FOLDER)
CODE = DEMO.code
PEOPLE = 6


def _room(tmp_path, workshop=DEMO):
    store = Store(f"sqlite:///{tmp_path}/store.sqlite")
    store.sync_workshop(workshop)
    hub = HubRoom(store.url_for_kernels, CODE)
    people = [hub.joined(f"P{n}") for n in range(PEOPLE)]
    return store, hub, people


@pytest.fixture
def phones_on_hub(tmp_path):
    """The demo in a fresh store and its phones on an in-process room hub: (store, phones)."""
    store, hub, people = _room(tmp_path)
    yield store, people
    hub.close()
    store.close()


def _open(store, people, key):
    status = store.open_activity(CODE, key)
    people[0].room.changed()
    return status


def shown_texts(p) -> list[str]:
    """The items' texts in the order the phone's screen shows them."""
    return [i["text"] for i in p.screen["activity"]["items"]]


def test_two_participants_see_the_items_in_different_orders(phones_on_hub):
    store, people = phones_on_hub
    status = _open(store, people, "s3-vote")
    agenda = [i.text for i in status.items]
    orders = [shown_texts(p) for p in people]
    assert all(sorted(o) == sorted(agenda) for o in orders)
    assert len({tuple(o) for o in orders}) >= PEOPLE - 1  # 8! orders: a repeat is rare
    assert sum(o == agenda for o in orders) <= 1
    for p, order in zip(people, orders, strict=True):  # exactly the order csikit.order gives them
        texts = {i.id: i.text for i in status.items}
        assert order == [texts[k] for k in shown_order(status.activity, list(texts), p.participant)]


def test_a_reload_shows_the_same_order(phones_on_hub):
    store, people = phones_on_hub
    _open(store, people, "s3-vote")
    for p in people[:3]:
        again = p.room.phone(p.token)  # a reload: the same person
        assert shown_texts(again) == shown_texts(p)
        assert again.items == p.items
        again.close()


def test_the_store_records_the_place_each_item_was_shown_in(phones_on_hub):
    store, people = phones_on_hub
    _open(store, people, "s3-vote")
    for n, p in enumerate(people):
        assert p.answer("s3-vote", {p.items[n % 3]: 1}, delta=True)[
            "ok"
        ]  # each taps + on the row shown 1st, 2nd or 3rd
    responses = {r.participant: r for r in store.responses(CODE, "s3-vote")}
    for n, p in enumerate(people):
        r = responses[p.participant]
        assert r.position == n % 3 and p.items[r.position] == r.item

    status = _open(store, people, "s3-rank")  # a ranking starts in the person's shown order
    for p in people[:3]:
        start = list(p.mine["order"])
        assert start == p.items == shown_order(status.activity, [i.id for i in status.items], p.participant)
        assert p.mine["saved"] is False
        moved = start[:-2] + [start[-1], start[-2]]  # one move saves the whole ranking
        assert p.answer("s3-rank", {item: n for n, item in enumerate(moved, start=1)})["ok"]
    for r in store.responses(CODE, "s3-rank"):
        p = next(p for p in people if p.participant == r.participant)
        assert r.position == p.items.index(r.item)


def test_a_rating_shows_its_rows_in_the_fair_order_and_records_it(phones_on_hub):
    store, people = phones_on_hub
    _open(store, people, "s3-vote")  # the impact-and-effort rating takes the dot vote's items
    store.lock_activity(CODE, "s3-vote")
    status = _open(store, people, "s3-impact-effort")
    p = people[0]
    keys = [i.id for i in status.items]
    order = shown_order(status.activity, keys, p.participant)
    assert p.items == order and "impact" in [c["id"] for c in p.screen["activity"]["criteria"]]
    assert order != keys
    last = order[-1]
    assert p.answer("s3-impact-effort", {last: {"impact": 4}})["ok"]
    (r,) = [r for r in store.responses(CODE, "s3-impact-effort") if r.participant == p.participant]
    assert (r.item, r.criterion, r.value, r.position) == (last, "impact", 4, len(order) - 1)


def test_fair_order_off_keeps_the_files_order(tmp_path):
    agenda = tuple(
        dataclasses.replace(a, fair_order=False) if a.id in ("s3-vote", "s3-rank") else a for a in DEMO.agenda
    )
    store, hub, people = _room(tmp_path, dataclasses.replace(DEMO, agenda=agenda))
    try:
        status = _open(store, people, "s3-vote")
        agenda_texts = [i.text for i in status.items]
        assert all(shown_texts(p) == agenda_texts for p in people)
        assert people[2].answer("s3-vote", {status.items[5].id: 1}, delta=True)["ok"]
        (r,) = store.responses(CODE, "s3-vote")
        assert r.position == 5  # the file's order is still recorded: the order check can see its effect
        status = _open(store, people, "s3-rank")
        assert all(p.mine["order"] == [i.id for i in status.items] for p in people)
    finally:
        hub.close()
        store.close()


def test_results_keep_the_agenda_order(phones_on_hub):
    store, people = phones_on_hub
    _open(store, people, "s3-vote")
    store.lock_activity(CODE, "s3-vote")
    status = _open(store, people, "s3-impact-effort")
    for p in people:
        assert p.answer("s3-impact-effort", {p.items[0]: {"impact": 3}})["ok"]  # each rates the item shown them first
    store.lock_activity(CODE, "s3-impact-effort")
    store.reveal_activity(CODE, "s3-impact-effort")
    people[0].room.changed()
    seen = [p.screen["results"]["lines"] for p in people[:2]]
    assert seen[0] == seen[1]  # everyone reads the same results, whatever order they answered in
    assert [i["id"] for i in people[0].screen["activity"]["items"]] == [i.id for i in status.items]
    lines = [line for line in seen[0] if "Impact" in line]
    assert len(lines) == len(status.items)
    assert [next(i.text for i in status.items if i.text in line) for line in lines] == [i.text for i in status.items]
