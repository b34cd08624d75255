"""Pure functions from store records to tidy pandas frames.

No widgets, no store access, no I/O: each function takes records and returns a
frame, so every number a chart or report shows is tested here. Ordinal data
(ratings, maturity, fist of five) is summarised by median and interquartile range,
never only a mean; vote totals carry a bootstrap interval over voters, never narrower
than the Wilson interval of their share; a poll's votes the Wilson interval. The rules
themselves (quartiles, low agreement, the Wilson interval) live in :mod:`csikit.stats`.

This module holds the answers' frames (tallies, summaries, Borda ranks, agreement,
impact × effort, maturity); the fair-order check lives in :mod:`csikit.analysis_order`,
KPI progress and the register's RAG in :mod:`csikit.analysis_kpis`, both re-exported here
(``analysis.position_effect``, ``analysis.rag_status`` …).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from . import stats
from .analysis_kpis import RAG_ORDER, _own_progress, kpi_latest, kpi_progress, rag_status  # noqa: F401 - re-exported
from .analysis_order import (  # noqa: F401 - re-exported: the fair-order check
    _CHECKS,
    PERMUTATIONS,
    POSITION_ALPHA,
    POSITION_MIN_ANSWERS,
    POSITION_MIN_PEOPLE,
    PositionEffect,
    _shuffled_p,
    order_check,
    position_effect,
    position_verdict,
)
from .model import Idea, Item, Response

#: Below this many answers a result is flagged as resting on too few people.
SMALL_N = 5
BOOTSTRAP = 2000


def responses_frame(responses: Iterable[Response], items: Sequence[Item] = ()) -> pd.DataFrame:
    """Responses as a tidy frame: participant, item, text, criterion, value, comment."""
    texts = {i.id: i.text for i in items}
    rows = [
        {
            "participant": r.participant,
            "item": r.item,
            "text": texts.get(r.item, r.item),
            "criterion": r.criterion,
            "value": r.value,
            "comment": r.comment,
        }
        for r in responses
    ]
    return pd.DataFrame(rows, columns=["participant", "item", "text", "criterion", "value", "comment"])


def _values_by(responses: Iterable[Response]) -> dict[tuple[str, str], list[int]]:
    """Values per (item, criterion): one pass, instead of a boolean mask per item."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for r in responses:
        groups[r.item, r.criterion].append(r.value)
    return groups


def tally_dots(
    responses: Iterable[Response], items: Sequence[Item], *, n_boot: int = BOOTSTRAP, seed: int = 0, level: float = 0.95
) -> pd.DataFrame:
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
    matrix = frame.pivot_table(
        index="participant", columns="item", values="value", aggfunc="sum", fill_value=0
    ).reindex(columns=ids, fill_value=0)
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
    out = pd.DataFrame(
        {
            "item": ids,
            "text": [i.text for i in items],
            "dots": totals.to_numpy(dtype=int),
            "low": low,
            "high": high,
        }
    )
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
        rows.append(
            {
                "item": item.id,
                "text": item.text,
                "votes": k,
                "low": low,
                "high": high,
                "share": k / n if n else 0.0,
                "voters": n,
            }
        )
    out = pd.DataFrame(rows, columns=["item", "text", "votes", "low", "high", "share", "voters"])
    return out.sort_values(["votes", "item"], ascending=[False, True], kind="stable").reset_index(drop=True)


def ordinal_summary(
    responses: Iterable[Response], items: Sequence[Item], criteria: Sequence[str] = ("",)
) -> pd.DataFrame:
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
            rows.append(
                {
                    "item": item.id,
                    "text": item.text,
                    "criterion": criterion,
                    "n": n,
                    "median": float(med),
                    "q1": float(q1),
                    "q3": float(q3),
                    "small_n": n < SMALL_N,
                }
            )
    return pd.DataFrame(rows, columns=["item", "text", "criterion", "n", "median", "q1", "q3", "small_n"])


def distribution(
    responses: Iterable[Response], items: Sequence[Item], values: Sequence[int], criterion: str = ""
) -> pd.DataFrame:
    """How many answered each value, per item: item, text, value, count."""
    groups = _values_by(responses)
    rows = []
    for item in items:
        counts = Counter(groups.get((item.id, criterion), []))
        rows += [{"item": item.id, "text": item.text, "value": v, "count": counts[v]} for v in values]
    return pd.DataFrame(rows, columns=["item", "text", "value", "count"])


def objections(responses: Iterable[Response], items: Sequence[Item], *, threshold: float = 2) -> pd.DataFrame:
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
    rows = [
        {"idea": i.id, "text": i.text, "duplicates": int(merged.get(i.id, 0))} for i in ideas if i.merged_into is None
    ]
    return pd.DataFrame(rows, columns=["idea", "text", "duplicates"])


# --- agreement, stability, quadrants --------------------------------------------------


def agreement(
    responses: Iterable[Response], items: Sequence[Item], lo: int, hi: int, criterion: str = ""
) -> pd.DataFrame:
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
        rows.append(
            {
                "item": item.id,
                "text": item.text,
                "n": n,
                "rwg": rwg,
                "polarised": bool(n >= 4 and low_share >= 0.3 and high_share >= 0.3),
            }
        )
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
    wide = summary.pivot_table(
        index="item", columns="criterion", values="median", sort=False, dropna=False
    ).reset_index()
    wide["text"] = wide["item"].map({i.id: i.text for i in items})
    counts = summary[summary["criterion"] == "impact"].set_index("item")["n"]
    wide = wide.reindex(columns=["item", "text", "impact", "effort"])
    wide["n"] = wide["item"].map(counts).fillna(0).astype(int)

    def quadrant(row) -> str:
        if np.isnan(row.impact) or np.isnan(row.effort):
            return "no answers"
        high, easy = row.impact > 3, row.effort < 3
        return {
            (True, True): "quick win",
            (True, False): "major project",
            (False, True): "fill-in",
            (False, False): "thankless task",
        }[(high, easy)]

    wide["quadrant"] = [quadrant(r) for r in wide.itertuples()]
    wide["quick_win"] = wide["quadrant"] == "quick win"
    order = {"quick win": 0, "major project": 1, "fill-in": 2, "thankless task": 3, "no answers": 4}
    wide = wide.sort_values(by=["quadrant", "impact"], key=lambda s: s.map(order) if s.name == "quadrant" else -s)
    return wide[["item", "text", "n", "impact", "effort", "quadrant", "quick_win"]].reset_index(drop=True)


def maturity_matrix(
    responses: Iterable[Response], practices: Sequence[Item], criterion: str = "current"
) -> pd.DataFrame:
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
    out = pd.DataFrame(
        {
            "practice": cur["item"],
            "text": cur["text"],
            "current": cur["median"],
            "current_q1": cur["q1"],
            "current_q3": cur["q3"],
            "target": tgt["median"].to_numpy(),
            "n": cur["n"],
        }
    )
    out["gap"] = out["target"] - out["current"]
    return out.sort_values("gap", ascending=False, na_position="last").reset_index(drop=True)
