"""Pure functions from store records to tidy pandas frames.

No widgets, no store access, no I/O: each function takes records and returns a
frame, so every number a chart or report shows is tested here. Ordinal data
(ratings, maturity, fist of five) is summarised by median and interquartile range,
never only a mean; vote totals carry a bootstrap interval over voters, never narrower
than the Wilson interval of their share; a poll's votes the Wilson interval. The rules
themselves (quartiles, low agreement, the Wilson interval) live in :mod:`csikit.stats`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import stats
from .kinds import kind_of
from .model import Activity, Idea, Item, Response

#: Below this many answers a result is flagged as resting on too few people.
SMALL_N = 5
BOOTSTRAP = 2000


def responses_frame(responses: Iterable[Response], items: Sequence[Item] = ()) -> pd.DataFrame:
    """Responses as a tidy frame: participant, item, text, criterion, value, comment."""
    texts = {i.id: i.text for i in items}
    rows = [
        {"participant": r.participant, "item": r.item, "text": texts.get(r.item, r.item),
         "criterion": r.criterion, "value": r.value, "comment": r.comment}
        for r in responses
    ]
    return pd.DataFrame(rows, columns=["participant", "item", "text", "criterion", "value", "comment"])


def _values_by(responses: Iterable[Response]) -> dict[tuple[str, str], list[int]]:
    """Values per (item, criterion): one pass, instead of a boolean mask per item."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in responses:
        groups[r.item, r.criterion].append(r.value)
    return groups


def tally_dots(responses: Iterable[Response], items: Sequence[Item], *, n_boot: int = BOOTSTRAP,
               seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Dots per item with a percentile bootstrap interval that resamples voters, widened
    where needed to the Wilson interval of the item's share of all dots cast.

    The bootstrap sees voters who stack several dots on one item; but it cannot vary
    what every voter did alike (an item nobody gave a dot, one voter, identical voters)
    and would show a zero-width interval there (0 dots, "95% interval 0–0"). The Wilson
    interval (:func:`csikit.stats.count_interval`, k of all dots cast) is what the count
    would carry if each dot were an independent choice, and is honest at 0 and at all
    dots; each end of the interval shown is the wider of the two. Nobody voting: 0–0.

    Returns one row per item, most dots first: item, text, dots, low, high, share, voters.
    """
    frame = responses_frame(responses, items)
    ids = [i.id for i in items]
    matrix = (frame.pivot_table(index="participant", columns="item", values="value", aggfunc="sum", fill_value=0)
              .reindex(columns=ids, fill_value=0))
    totals = matrix.sum(axis=0)
    voters = len(matrix)
    low = high = totals.astype(float)
    if voters > 1:
        rng = np.random.default_rng(seed)
        draws = rng.integers(0, voters, size=(n_boot, voters))
        # how often each voter is drawn in each resample, times their dots: the same sums as
        # matrix[draws].sum(axis=1) without its n_boot × voters × items intermediate
        counts = np.bincount((draws + voters * np.arange(n_boot)[:, None]).ravel(), minlength=n_boot * voters)
        boot = counts.reshape(n_boot, voters).astype(float) @ matrix.to_numpy(dtype=float)  # n_boot × items
        alpha = (1 - level) / 2
        low = pd.Series(np.quantile(boot, alpha, axis=0), index=ids)
        high = pd.Series(np.quantile(boot, 1 - alpha, axis=0), index=ids)
    cast = int(totals.sum())
    wilson = [stats.count_interval(int(k), cast, level) for k in totals.to_numpy()]
    low = np.minimum(np.asarray(low, dtype=float), [w[0] for w in wilson])
    high = np.maximum(np.asarray(high, dtype=float), [w[1] for w in wilson])
    out = pd.DataFrame({
        "item": ids,
        "text": [i.text for i in items],
        "dots": totals.to_numpy(dtype=int),
        "low": low,
        "high": high,
    })
    all_dots = out["dots"].sum()
    out["share"] = out["dots"] / all_dots if all_dots else 0.0
    out["voters"] = voters
    return out.sort_values(["dots", "item"], ascending=[False, True], kind="stable").reset_index(drop=True)


def tally_votes(responses: Iterable[Response], items: Sequence[Item], *, level: float = stats.LEVEL) -> pd.DataFrame:
    """Votes per option of a poll with the Wilson interval of how many voters choose it
    (:func:`csikit.stats.count_interval`: each voter chose the option or not), most first.

    Columns: item, text, votes, low, high, share (of voters), voters.
    """
    chosen: dict[str, set] = defaultdict(set)
    voters = set()
    for r in responses:
        voters.add(r.participant)
        if r.value:
            chosen[r.item].add(r.participant)
    n = len(voters)
    rows = []
    for item in items:
        k = len(chosen.get(item.id, ()))
        low, high = stats.count_interval(k, n, level)
        rows.append({"item": item.id, "text": item.text, "votes": k, "low": low, "high": high,
                     "share": k / n if n else 0.0, "voters": n})
    out = pd.DataFrame(rows, columns=["item", "text", "votes", "low", "high", "share", "voters"])
    return out.sort_values(["votes", "item"], ascending=[False, True], kind="stable").reset_index(drop=True)


def ordinal_summary(responses: Iterable[Response], items: Sequence[Item], criteria: Sequence[str] = ("",)) -> pd.DataFrame:
    """Median and interquartile range per item and criterion (:func:`csikit.stats.quartiles`:
    linear interpolation, so two answers 1 and 5 have the middle half 2–4), with a small-n flag.

    Columns: item, text, criterion, n, median, q1, q3, small_n.
    """
    groups = _values_by(responses)
    rows = []
    for item in items:
        for criterion in criteria:
            vals = groups.get((item.id, criterion), [])
            n = len(vals)
            q1, med, q3 = stats.quartiles(vals)
            rows.append({"item": item.id, "text": item.text, "criterion": criterion, "n": n,
                         "median": float(med), "q1": float(q1), "q3": float(q3), "small_n": n < SMALL_N})
    return pd.DataFrame(rows, columns=["item", "text", "criterion", "n", "median", "q1", "q3", "small_n"])


def distribution(responses: Iterable[Response], items: Sequence[Item], values: Sequence[int], criterion: str = "") -> pd.DataFrame:
    """How many answered each value, per item: item, text, value, count."""
    groups = _values_by(responses)
    rows = []
    for item in items:
        counts = Counter(groups.get((item.id, criterion), []))
        rows += [{"item": item.id, "text": item.text, "value": v, "count": counts[v]} for v in values]
    return pd.DataFrame(rows, columns=["item", "text", "value", "count"])


def objections(responses: Iterable[Response], items: Sequence[Item], *, threshold: int = 2) -> pd.DataFrame:
    """Fist-of-five answers at or below ``threshold`` with their objection text (no names)."""
    frame = responses_frame(responses, items)
    picked = frame[frame["value"] <= threshold]
    return picked[["item", "text", "value", "comment"]].sort_values(["item", "value"]).reset_index(drop=True)


def borda(responses: Iterable[Response], items: Sequence[Item]) -> pd.DataFrame:
    """Borda points (n − rank per voter) and rank per item.

    Columns: item, text, points, rank, voters.
    """
    frame = responses_frame(responses, items)
    n = len(items)
    points = (n - frame["value"]).groupby(frame["item"]).sum()
    out = pd.DataFrame({"item": [i.id for i in items], "text": [i.text for i in items]})
    out["points"] = out["item"].map(points).fillna(0).astype(int)
    out["rank"] = out["points"].rank(ascending=False, method="min").astype(int)
    out["voters"] = frame["participant"].nunique()
    return out.sort_values(["rank", "item"]).reset_index(drop=True)


def ideas_frame(ideas: Iterable[Idea]) -> pd.DataFrame:
    """Ideas that are not merged into another: idea, text, merged (count of duplicates)."""
    ideas = list(ideas)
    merged = pd.Series([i.merged_into for i in ideas if i.merged_into is not None], dtype="Int64").value_counts()
    rows = [{"idea": i.id, "text": i.text, "duplicates": int(merged.get(i.id, 0))} for i in ideas if i.merged_into is None]
    return pd.DataFrame(rows, columns=["idea", "text", "duplicates"])


# --- fair order: did the position an item was shown in sway its score? -------------------

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


def position_effect(responses: Iterable[Response], activity: Activity, items: Sequence[Item] | None = None, *,
                    permutations: int = PERMUTATIONS, seed: int = 0) -> PositionEffect:
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
    frame = pd.DataFrame([(p, i, c, pos, v) for (p, i, c), (pos, v) in obs.items()],
                         columns=["participant", "item", "criterion", "position", "score"])
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
    scale = np.sqrt((rp ** 2).sum() * (rv ** 2).sum())
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
            totals[start:start + len(order)] += (shuffled * rv).sum(axis=(1, 2))
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


# --- agreement, stability, quadrants --------------------------------------------------


def agreement(responses: Iterable[Response], items: Sequence[Item], lo: int, hi: int,
              criterion: str = "") -> pd.DataFrame:
    """Within-group agreement per item: rwg (1 − observed variance / uniform-null variance),
    and a flag for polarised items (≥30% at each end of the scale).

    Columns: item, text, n, rwg, polarised.
    """
    frame = responses_frame(responses, items)
    frame = frame[frame["criterion"] == criterion]
    null_var = ((hi - lo + 1) ** 2 - 1) / 12
    rows = []
    for item in items:
        vals = frame.loc[frame["item"] == item.id, "value"].to_numpy(dtype=float)
        n = len(vals)
        rwg = float(np.clip(1 - vals.var(ddof=1) / null_var, 0, 1)) if n > 1 else np.nan
        low_share = float((vals <= lo + 1).mean()) if n else 0.0
        high_share = float((vals >= hi - 1).mean()) if n else 0.0
        rows.append({"item": item.id, "text": item.text, "n": n, "rwg": rwg,
                     "polarised": bool(n >= 4 and low_share >= 0.3 and high_share >= 0.3)})
    return pd.DataFrame(rows, columns=["item", "text", "n", "rwg", "polarised"])


def borda_stability(responses: Sequence[Response], items: Sequence[Item]) -> pd.DataFrame:
    """Borda ranks with a leave-one-voter-out stability figure per item: the share of
    runs (each leaving one voter out) in which the item keeps its rank.

    Columns: item, text, points, rank, voters, stability.
    """
    full = borda(responses, items)
    voters = sorted({r.participant for r in responses})
    if len(voters) < 2:
        return full.assign(stability=np.nan)
    kept = pd.Series(0, index=full["item"])
    for v in voters:
        loo = borda([r for r in responses if r.participant != v], items).set_index("item")["rank"]
        kept += (loo.reindex(full["item"]).to_numpy() == full["rank"].to_numpy()).astype(int)
    return full.assign(stability=(kept / len(voters)).to_numpy())


def impact_effort(responses: Iterable[Response], items: Sequence[Item]) -> pd.DataFrame:
    """Median impact and effort per item and its quadrant; quick wins are high impact, low effort.

    Columns: item, text, n, impact, effort, quadrant, quick_win. High means a median
    above the scale's middle (3), low means below it.
    """
    summary = ordinal_summary(responses, items, ("impact", "effort"))
    # dropna=False keeps items nobody rated (quadrant "no answers") instead of dropping them
    wide = summary.pivot_table(index="item", columns="criterion", values="median", sort=False, dropna=False).reset_index()
    wide["text"] = wide["item"].map({i.id: i.text for i in items})
    counts = summary[summary["criterion"] == "impact"].set_index("item")["n"]
    wide = wide.reindex(columns=["item", "text", "impact", "effort"])
    wide["n"] = wide["item"].map(counts).fillna(0).astype(int)

    def quadrant(row) -> str:
        if np.isnan(row.impact) or np.isnan(row.effort):
            return "no answers"
        high, easy = row.impact > 3, row.effort < 3
        return {(True, True): "quick win", (True, False): "major project",
                (False, True): "fill-in", (False, False): "thankless task"}[(high, easy)]

    wide["quadrant"] = [quadrant(r) for r in wide.itertuples()]
    wide["quick_win"] = wide["quadrant"] == "quick win"
    order = {"quick win": 0, "major project": 1, "fill-in": 2, "thankless task": 3, "no answers": 4}
    wide = wide.sort_values(by=["quadrant", "impact"], key=lambda s: s.map(order) if s.name == "quadrant" else -s)
    return wide[["item", "text", "n", "impact", "effort", "quadrant", "quick_win"]].reset_index(drop=True)


def maturity_matrix(responses: Iterable[Response], practices: Sequence[Item], criterion: str = "current") -> pd.DataFrame:
    """Maturity per practice (rows) and assessor (columns A1, A2 …: numbers, never names),
    with the median as the last column."""
    frame = responses_frame(responses, practices)
    frame = frame[frame["criterion"] == criterion]
    assessors = {p: f"A{i}" for i, p in enumerate(sorted(frame["participant"].unique()), start=1)}
    frame = frame.assign(assessor=frame["participant"].map(assessors))
    table = frame.pivot_table(index="text", columns="assessor", values="value", aggfunc="first", sort=False)
    table = table.reindex(index=[p.text for p in practices])
    table = table.reindex(columns=sorted(table.columns, key=lambda a: int(a[1:])))
    table["median"] = table.median(axis=1)
    return table


def maturity_gaps(current: Iterable[Response], target: Iterable[Response], practices: Sequence[Item]) -> pd.DataFrame:
    """Current and target maturity per practice (medians) and the gap between them.

    ``current`` and ``target`` are responses with criterion ``current`` and ``target``
    (from one activity with phase both, or two activities). Biggest gap first.
    Columns: practice, text, current, current_q1, current_q3, target, gap, n.
    """
    cur = ordinal_summary([r for r in current if r.criterion == "current"], practices, ("current",))
    tgt = ordinal_summary([r for r in target if r.criterion == "target"], practices, ("target",))
    out = pd.DataFrame({
        "practice": cur["item"], "text": cur["text"], "current": cur["median"],
        "current_q1": cur["q1"], "current_q3": cur["q3"], "target": tgt["median"].to_numpy(), "n": cur["n"],
    })
    out["gap"] = out["target"] - out["current"]
    return out.sort_values("gap", ascending=False, na_position="last").reset_index(drop=True)


# --- KPIs and the CSI register ----------------------------------------------------------


def kpi_progress(kpis: Sequence, measurements: Iterable) -> pd.DataFrame:
    """Every KPI reading against its baseline and target.

    ``progress`` is the percent of the way from baseline to target (100 = target met;
    negative = worse than baseline); it honours the KPI's direction because the sign
    of target − baseline carries it. ``improved`` says whether the reading is better
    than the one before. Columns: kpi, name, unit, direction, baseline, target,
    target_date, date, quarter, actual, progress, met, change, improved.
    """
    from .measurements import progress_percent
    from .quarters import quarter_of

    meta = {k.id: k for k in kpis}
    rows = []
    for m in sorted(measurements, key=lambda m: (m.kpi, m.date)):
        k = meta.get(m.kpi)
        if k is None:
            continue
        progress = progress_percent(m.value, k.baseline.value, k.target.value)
        rows.append({"kpi": k.id, "name": k.name, "unit": k.unit, "direction": k.direction.value,
                     "baseline": k.baseline.value, "target": k.target.value, "target_date": k.target.date,
                     "date": m.date, "quarter": quarter_of(m.date), "actual": m.value,
                     "progress": progress, "met": progress >= 100})
    frame = pd.DataFrame(rows, columns=["kpi", "name", "unit", "direction", "baseline", "target", "target_date",
                                        "date", "quarter", "actual", "progress", "met"])
    frame["change"] = frame.groupby("kpi")["actual"].diff()
    sign = np.where(frame["direction"] == "higher", 1, -1)
    improved = pd.Series((frame["change"] * sign) > 0, dtype="boolean")
    frame["improved"] = improved.mask(frame["change"].isna())
    return frame


def kpi_latest(progress: pd.DataFrame, quarter: str | None = None) -> pd.DataFrame:
    """Each KPI's latest reading (up to and including ``quarter``)."""
    frame = progress if quarter is None else progress[progress["quarter"] <= quarter]
    return frame.sort_values("date").groupby("kpi", sort=False).tail(1).sort_values("kpi").reset_index(drop=True)


RAG_ORDER = {"red": 0, "amber": 1, "green": 2, "done": 3, "stopped": 4}


def rag_status(initiatives: Sequence, today, progress: pd.DataFrame | None = None) -> pd.DataFrame:
    """Red / amber / green per initiative, with the reason in words.

    Closed → done (or red if unsuccessful); cancelled → stopped; past its planned end,
    not finished and not closed → red (overdue); on hold → amber; less than half way to
    its target (its own baseline and target when set, else its KPI's) while more than
    half its planned time has gone → amber; else green.
    Columns: id, title, owner, state, planned_end, overdue, rag, reason.
    """
    latest = kpi_latest(progress).set_index("kpi")["progress"] if progress is not None and len(progress) else pd.Series(dtype=float)
    rows = []
    for i in initiatives:
        state = i.state.value
        overdue = bool(i.planned_end and i.planned_end < today and i.actual_end is None and i.state.is_open)
        if state == "closed":
            rag, reason = ("done", "closed successfully") if (i.closure_code and i.closure_code.value == "successful") \
                else ("red", f"closed {i.closure_code.value if i.closure_code else ''}".strip())
        elif state == "cancelled":
            rag, reason = "stopped", "cancelled"
        elif overdue:
            rag, reason = "red", f"overdue since {i.planned_end.isoformat()}"
        elif state == "on_hold":
            rag, reason = "amber", "on hold"
        else:
            rag, reason = "green", "on track"
            if i.kpi and i.kpi in latest.index and i.planned_start and i.planned_end and i.planned_end > i.planned_start:
                elapsed = (today - i.planned_start).days / (i.planned_end - i.planned_start).days
                done = _own_progress(i, progress) if i.baseline and i.target else latest[i.kpi]
                if elapsed > 0.5 and done < 50:
                    rag, reason = "amber", f"{done:.0f}% of the way to its target with {elapsed:.0%} of the time gone"
        rows.append({"id": i.id, "title": i.title, "owner": i.owner, "state": state, "planned_end": i.planned_end,
                     "overdue": overdue, "rag": rag, "reason": reason})
    frame = pd.DataFrame(rows, columns=["id", "title", "owner", "state", "planned_end", "overdue", "rag", "reason"])
    return frame.sort_values(by=["rag", "id"], key=lambda s: s.map(RAG_ORDER) if s.name == "rag" else s).reset_index(drop=True)


def _own_progress(initiative, progress: pd.DataFrame) -> float:
    """Percent of the way from an initiative's own baseline to its own target, by its KPI's latest reading."""
    from .measurements import progress_percent

    actual = kpi_latest(progress).set_index("kpi")["actual"][initiative.kpi]
    return progress_percent(actual, initiative.baseline.value, initiative.target.value)
