"""The initiative state groups named on the enum, and the rules that use them."""

from __future__ import annotations

from datetime import date

import pytest

from csikit.errors import ValidationError
from csikit.handoff import next_cycle
from csikit.model import ClosureCode, Initiative
from csikit.model import InitiativeState as S
from csikit.paths import demo_source
from csikit.review.sections import initiatives_as_of
from csikit.workshop_file import load_workshop

ALL = set(S)


@pytest.fixture(scope="module")
def demo_workshop():
    return load_workshop(demo_source())


def test_open_and_finished_split_every_state():
    assert set(S.finished_states()) == {S.CLOSED, S.CANCELLED}
    assert set(S.open_states()) | set(S.finished_states()) == ALL
    assert not set(S.open_states()) & set(S.finished_states())
    assert S.open_states() == (S.NEW, S.APPROVED, S.IN_PROGRESS, S.ON_HOLD, S.REVIEW)  # declaration order


@pytest.mark.parametrize("state", list(S))
def test_is_open_and_is_finished_follow_the_groups(state):
    assert state.is_finished == (state in S.finished_states())
    assert state.is_open == (not state.is_finished)


def test_started_and_not_started():
    assert S.not_started_states() == (S.NEW, S.APPROVED)
    # cancelled can happen before or after work began, so it is in neither
    assert set(S.started_states()) == ALL - set(S.not_started_states()) - {S.CANCELLED}
    assert set(S.ended_states()) == {S.REVIEW, S.CLOSED, S.CANCELLED}


def test_groups_are_not_enum_members():
    assert [s.value for s in S] == ["new", "approved", "in_progress", "on_hold", "review", "closed", "cancelled"]
    assert S("closed") is S.CLOSED


def test_only_finished_initiatives_take_a_closure_code():
    Initiative("CSI-1", "Done", state=S.CANCELLED, closure_code=ClosureCode.WITHDRAWN)
    with pytest.raises(ValidationError, match="only closed or cancelled"):
        Initiative("CSI-1", "Running", state=S.IN_PROGRESS, closure_code=ClosureCode.SUCCESSFUL)


def test_as_of_a_day_before_the_start_a_started_initiative_is_approved_again():
    started = Initiative("CSI-1", "Runbooks", state=S.ON_HOLD, actual_start=date(2026, 5, 1))
    waiting = Initiative("CSI-2", "Catalogue", state=S.CANCELLED, actual_start=date(2026, 5, 1))
    before = {i.id: i.state for i in initiatives_as_of([started, waiting], [], date(2026, 4, 1))}
    assert before == {"CSI-1": S.APPROVED, "CSI-2": S.CANCELLED}


def test_as_of_a_day_before_the_end_an_ended_initiative_is_in_progress_again():
    ended = Initiative("CSI-1", "Runbooks", state=S.REVIEW, actual_start=date(2026, 1, 5), actual_end=date(2026, 6, 1))
    [then] = initiatives_as_of([ended], [], date(2026, 3, 1))
    assert then.state is S.IN_PROGRESS and then.actual_end is None


def test_a_workshop_offers_only_initiatives_not_started(demo_workshop):
    import dataclasses

    states = list(S)
    register = tuple(
        Initiative(
            f"CSI-{n}", f"Initiative {n}", state=s, closure_code=ClosureCode.SUCCESSFUL if s is S.CLOSED else None
        )
        for n, s in enumerate(states, 1)
    )
    ws = dataclasses.replace(demo_workshop, initiatives=register)
    assert [i.id for i in ws.static_items("initiatives")] == ["CSI-1", "CSI-2"]


def test_the_next_cycle_carries_open_initiatives(demo_workshop, tmp_path):
    import dataclasses

    from csikit.store import Store

    register = tuple(
        Initiative(
            f"CSI-{n}", f"Initiative {n}", state=s, closure_code=ClosureCode.SUCCESSFUL if s is S.CLOSED else None
        )
        for n, s in enumerate(S, 1)
    )
    store = Store(f"sqlite:///{tmp_path}/s.sqlite")
    try:
        store.sync_workshop(dataclasses.replace(demo_workshop, initiatives=()))
        for ini in register:
            store.save_initiative(demo_workshop.code, ini)
        nxt = next_cycle(store, demo_workshop.code, demo_workshop, today=date(2026, 12, 1))
    finally:
        store.close()
    assert {i.state for i in nxt.initiatives} == set(S.open_states())
