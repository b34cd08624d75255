"""The fair-order check: did the position an item was shown in sway its score?

Fair order (:mod:`csikit.order`) shows each participant the items in their own random
order and records the position with each answer, so position is a randomised treatment.
:func:`position_effect` measures its association with the score (Spearman's ρ of the
position and the score ranked within its item, a randomisation p-value);
:func:`position_verdict` says it in one plain sentence, and :func:`order_check` is the line
live results, exhibits and the review show. Re-exported by :mod:`csikit.analysis`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .kinds import kind_of
from .model import Activity, Item, Response

#: Fewest participants, and fewest answers with a position, the order check needs.
POSITION_MIN_PEOPLE = 5
POSITION_MIN_ANSWERS = 20
#: Below this p-value the verdict says the order may have swayed the result.
POSITION_ALPHA = 0.05
PERMUTATIONS = 2000


@dataclass(frozen=True)
class PositionEffect:
    """Whether the place an item was shown in is associated with the score it got.

    ``estimate`` is Spearman's ρ between the position (0 = shown first) and the score
    centred on its item's mean: negative when items shown first scored higher.
    ``p_value`` comes from re-shuffling each participant's positions, as fair order
    itself shuffled them (a randomisation test). ``n`` counts the answers used.
    """

    estimate: float
    p_value: float
    n: int
    enough: bool
    verdict: str


def position_effect(
    responses: Iterable[Response],
    activity: Activity,
    items: Sequence[Item] | None = None,
    *,
    permutations: int = PERMUTATIONS,
    seed: int = 0,
) -> PositionEffect:
    """Is the position an item was shown in associated with its score?

    Fair order shows each participant the items in their own random order and records
    the position with each response, so position is a randomised treatment: any
    association with the score is the order's doing. Each value is centred on its item
    (its rank among the values that item got, per criterion), so that good items do not
    count as a position effect, then correlated with its position's rank (Spearman's ρ).
    The p-value re-shuffles positions among each participant's items, as fair order did,
    ``permutations`` times (seeded).

    A ranking's score is its place turned round (place 1 scores highest); a dot vote's is
    its dots, with an item a voter gave no dot counted as 0 at the position it was shown
    in (from ``items``, default the activity's own). Responses without a position
    (entered by the facilitator for a paper participant, or saved before fair order)
    are left out.
    """
    from .order import positions as shown_positions

    rows = [r for r in responses if getattr(r, "position", None) is not None]
    ranking = kind_of(activity.kind).lower_is_better
    obs: dict[tuple[int, str, str], tuple[int, float]] = {}  # (participant, item, criterion) -> (position, score)
    for r in rows:
        obs[r.participant, r.item, r.criterion] = (r.position, -r.value if ranking else r.value)
    if kind_of(activity.kind).blank_is_zero:
        keys = [i.id for i in (items if items is not None else activity.items)]
        for person in {p for p, _, _ in obs}:
            recorded = {i: pos for (p, i, _), (pos, _) in obs.items() if p == person}
            shown = shown_positions(activity, keys, person)
            if all(shown.get(i) == pos for i, pos in recorded.items()):  # the same items as when they voted
                for item in keys:
                    obs.setdefault((person, item, ""), (shown[item], 0))
    people = {p for p, _, _ in obs}
    n = len(obs)
    if len(people) < POSITION_MIN_PEOPLE or n < POSITION_MIN_ANSWERS:
        return PositionEffect(float("nan"), float("nan"), n, False, "Too few answers to check the order's effect.")
    frame = pd.DataFrame(
        [(p, i, c, pos, v) for (p, i, c), (pos, v) in obs.items()],
        columns=["participant", "item", "criterion", "position", "score"],
    )
    # Centred on its item: each score's rank among the scores its item got (per criterion),
    # from −½ to ½, so a good item's high scores are not read as an order effect, and
    # ties (a dot vote's many zeros) share a rank. Spearman's ρ is then Pearson's r of
    # the position's rank and this within-item rank.
    by_item = frame.groupby(["item", "criterion"])["score"]
    size = by_item.transform("size")
    val_rank = ((by_item.rank() - (size + 1) / 2) / size).to_numpy()
    pos_rank = frame["position"].rank().to_numpy()
    if np.ptp(pos_rank) == 0:  # one item: nothing was shown before anything else
        return PositionEffect(float("nan"), float("nan"), n, False, "Too few answers to check the order's effect.")
    if np.ptp(val_rank) == 0:  # every item got the same score from everyone: the order changed nothing
        return PositionEffect(0.0, 1.0, n, True, position_verdict(0.0, 1.0))
    rp, rv = pos_rank - pos_rank.mean(), val_rank - val_rank.mean()
    scale = np.sqrt((rp**2).sum() * (rv**2).sum())
    rho = float((rp * rv).sum() / scale)
    p_value = _shuffled_p(frame.assign(rp=rp, rv=rv), rho * scale, permutations, seed)
    return PositionEffect(rho, p_value, n, True, position_verdict(rho, p_value))


def _shuffled_p(frame: pd.DataFrame, observed: float, permutations: int, seed: int) -> float:
    """Two-sided p-value of Σ rank(position) × rank(centred score) when each participant's
    positions are shuffled among their items (all criteria of an item keep one position)."""
    units = frame.groupby(["participant", "item"]).agg(rp=("rp", "first"), rv=("rv", "sum")).reset_index()
    units["k"] = units.groupby("participant")["item"].transform("size")  # sorted: a participant's units are adjacent
    rng = np.random.default_rng(seed)
    totals = np.zeros(permutations)
    for k, same in units.groupby("k"):  # participants with k items: one array each, shuffled together
        rp = same["rp"].to_numpy().reshape(-1, k)
        rv = same["rv"].to_numpy().reshape(-1, k)
        step = max(1, 2_000_000 // rp.size)  # a few MB at a time, whatever the room's size
        for start in range(0, permutations, step):
            order = np.argsort(rng.random((min(step, permutations - start), *rp.shape)), axis=2)
            shuffled = np.take_along_axis(np.broadcast_to(rp, order.shape), order, axis=2)
            totals[start : start + len(order)] += (shuffled * rv).sum(axis=(1, 2))
    beyond = int((np.abs(totals) >= abs(observed) - 1e-9 * max(1.0, abs(observed))).sum())
    return (1 + beyond) / (1 + permutations)


#: Order checks already made, by activity, items and answers (a randomisation test costs
#: ≈ 0.3 s; the console asks again on every poll that sees a change).
_CHECKS: dict[tuple, str] = {}


def order_check(responses: Sequence[Response], activity: Activity, items: Sequence[Item] | None = None) -> str:
    """The fair-order check in one plain line, ``"Fair order: <verdict>"``
    (:func:`position_effect`, :func:`position_verdict`), wherever it shows (live results,
    exhibits, the review); ``""`` where the activity's items are not shuffled."""
    from .order import fair_order_on

    if not fair_order_on(activity):
        return ""
    responses = tuple(responses)
    key = (activity.id, tuple(i.id for i in (items if items is not None else activity.items)), responses)
    line = _CHECKS.get(key)
    if line is None:
        line = f"Fair order: {position_effect(responses, activity, items).verdict}"
        if len(_CHECKS) >= 8:
            _CHECKS.pop(next(iter(_CHECKS)))
        _CHECKS[key] = line
    return line


def position_verdict(rho: float, p_value: float) -> str:
    """The order check in one plain sentence."""
    # three decimals near the threshold, so a flagged 0.046 never reads as "0.05"
    p = "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}" if p_value < 0.1 else f"p = {p_value:.2f}"
    figures = f"ρ = {rho:.2f}, {p}".replace("-", "−")
    if p_value >= POSITION_ALPHA:
        return f"No sign that the order items were shown in swayed the scores ({figures})."
    first = "first" if rho < 0 else "last"
    return f"Items shown {first} got higher scores ({figures}): the order may have swayed the result."
