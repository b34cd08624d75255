"""Fifty processes vote at once: every accepted response is stored exactly once and
no budget is ever exceeded, on SQLite and on PostgreSQL.

The worker code is shared with ``benchmarks/store_concurrency.py`` (see
``benchmarks/_concurrency.py`` for what exactly is checked).
"""

from __future__ import annotations

import sys

import pytest
from repo_paths import BENCHMARKS

sys.path.insert(0, str(BENCHMARKS))

import _concurrency as load  # noqa: E402

pytestmark = pytest.mark.slow

PROCESSES = 50
RESPONSES = 20


def test_fifty_processes_never_exceed_the_budget_or_lose_a_response(store_url):
    report = load.scenario(store_url, PROCESSES, RESPONSES, seed=1)
    print("\n" + report.summary())
    assert report.problems == []
    assert report.attempted == PROCESSES * RESPONSES
    assert report.errors == 0 and report.lost == 0
    # the seeded choices make both outcomes common: the rules were really exercised
    assert report.accepted > PROCESSES * RESPONSES // 4
    assert report.refused > PROCESSES * RESPONSES // 10
    assert report.accepted + report.refused == report.attempted


def test_locking_while_writers_run_stores_nothing_after_the_lock(store_url):
    report = load.scenario(store_url, PROCESSES, RESPONSES, seed=2, lock_after=0.3)
    print("\n" + report.summary())
    assert report.problems == []
    assert report.lock_at is not None
    assert report.errors == 0 and report.lost == 0
    assert report.closed > 0, "the lock came after every writer had finished"
    assert report.accepted > 0


def test_the_replay_check_catches_a_lost_or_duplicated_response():
    """The checker itself: an accepted call that the store does not show is caught."""
    C = load.Call
    a = [C(0, 0, 7, "i1", 3, load.ACCEPTED, (("i1", 3),)), C(0, 1, 7, "i2", 3, load.BUDGET_REFUSED, None)]
    b = [C(1, 0, 7, "i2", 2, load.ACCEPTED, (("i1", 3), ("i2", 2)))]
    assert load.serialisable([a, b], (("i1", 3), ("i2", 2)))
    assert not load.serialisable([a, b], (("i1", 3),))  # b's accepted call lost
    assert not load.serialisable([a, b], (("i2", 2),))
    # a refusal that no order explains: i2=3 alone would have fitted before b's call
    wrong = [C(0, 0, 7, "i2", 3, load.BUDGET_REFUSED, None)]
    assert not load.serialisable([wrong], ())
    # an accepted call that returned more than its change
    greedy = [C(0, 0, 7, "i1", 1, load.ACCEPTED, (("i1", 1), ("i2", 1)))]
    assert not load.serialisable([greedy], (("i1", 1), ("i2", 1)))
