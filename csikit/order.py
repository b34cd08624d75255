"""Fair order: the order a participant sees an activity's items in.

People favour what they see first (a primacy effect), so dot votes, ratings and
rankings show their items in an order shuffled for each participant. The shuffle is
seeded by the activity and the participant, so a reload shows the same order and the
store can record, with each response, where the item was shown.

Pure functions, no I/O and no pandas: a participant's kernel and the store call them.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence

from .model import FAIR_ORDER_KIND_NAMES, Activity, ActivityKind

#: The kinds whose items are shown in a fair (shuffled) order unless a workshop turns it off.
FAIR_ORDER_KINDS = frozenset(ActivityKind(name) for name in FAIR_ORDER_KIND_NAMES)  # dot_vote, rating, ranking


def fair_order_on(activity: Activity) -> bool:
    """Whether ``activity`` shows its items in an order shuffled per participant."""
    return activity.kind in FAIR_ORDER_KINDS and activity.fair_order is not False


def shown_order(activity: Activity, item_keys: Sequence[str], participant: int) -> list[str]:
    """The item keys in the order ``participant`` sees them.

    A permutation seeded by ``"<activity id>:<participant>"``: ``random.Random`` seeded
    with a string hashes it with SHA-512, not Python's per-process ``hash``, so every
    kernel and every reload gives the same order. Unchanged when fair order is off.
    """
    if not fair_order_on(activity):
        return list(item_keys)
    return list(_shuffled(f"{activity.id}:{participant}", tuple(item_keys)))


def positions(activity: Activity, item_keys: Sequence[str], participant: int) -> dict[str, int]:
    """Each item's 0-based position in the order ``participant`` sees them."""
    if not fair_order_on(activity):
        return {key: i for i, key in enumerate(item_keys)}
    return dict(_placed(f"{activity.id}:{participant}", tuple(item_keys)))


@functools.lru_cache(maxsize=4096)
def _shuffled(seed: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    """The seeded shuffle, remembered: seeding a Mersenne Twister costs ~15 µs, and the store
    computes it inside the vote's write transaction (each person's first vote on an item)."""
    out = list(keys)
    random.Random(seed).shuffle(out)
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def _placed(seed: str, keys: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    return tuple((key, i) for i, key in enumerate(_shuffled(seed, keys)))
