"""Pure functions from store records to tidy pandas frames.

No widgets, no store access, no I/O: each function takes records and returns a
frame, so every number a chart or report shows is tested here. Ordinal data
(ratings, maturity, fist of five) is summarised by median and interquartile range,
never only a mean; vote totals carry a bootstrap interval over voters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .model import Activity, ActivityKind, Idea, Item, Response

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


def tally_dots(responses: Iterable[Response], items: Sequence[Item], *, n_boot: int = BOOTSTRAP,
               seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Dots per item with a percentile bootstrap interval that resamples voters.

    Returns one row per item, most dots first: item, text, dots, share, low, high, voters.
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
        boot = matrix.to_numpy()[draws].sum(axis=1)  # n_boot × items
        alpha = (1 - level) / 2
        low = pd.Series(np.quantile(boot, alpha, axis=0), index=ids)
        high = pd.Series(np.quantile(boot, 1 - alpha, axis=0), index=ids)
    out = pd.DataFrame({
        "item": ids,
        "text": [i.text for i in items],
        "dots": totals.to_numpy(dtype=int),
        "low": np.asarray(low, dtype=float),
        "high": np.asarray(high, dtype=float),
    })
    all_dots = out["dots"].sum()
    out["share"] = out["dots"] / all_dots if all_dots else 0.0
    out["voters"] = voters
    return out.sort_values(["dots", "item"], ascending=[False, True], kind="stable").reset_index(drop=True)


def ordinal_summary(responses: Iterable[Response], items: Sequence[Item], criteria: Sequence[str] = ("",)) -> pd.DataFrame:
    """Median and interquartile range per item and criterion, with a small-n flag.

    Columns: item, text, criterion, n, median, q1, q3, small_n.
    """
    frame = responses_frame(responses, items)
    rows = []
    for item in items:
        for criterion in criteria:
            vals = frame.loc[(frame["item"] == item.id) & (frame["criterion"] == criterion), "value"].to_numpy()
            n = len(vals)
            q1, med, q3 = (np.quantile(vals, [0.25, 0.5, 0.75], method="midpoint") if n else (np.nan,) * 3)
            rows.append({"item": item.id, "text": item.text, "criterion": criterion, "n": n,
                         "median": float(med), "q1": float(q1), "q3": float(q3), "small_n": n < SMALL_N})
    return pd.DataFrame(rows, columns=["item", "text", "criterion", "n", "median", "q1", "q3", "small_n"])


def distribution(responses: Iterable[Response], items: Sequence[Item], values: Sequence[int], criterion: str = "") -> pd.DataFrame:
    """How many answered each value, per item: item, text, value, count."""
    frame = responses_frame(responses, items)
    frame = frame[frame["criterion"] == criterion]
    rows = []
    for item in items:
        counts = frame.loc[frame["item"] == item.id, "value"].value_counts()
        rows += [{"item": item.id, "text": item.text, "value": v, "count": int(counts.get(v, 0))} for v in values]
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


def activity_results(activity: Activity, items: Sequence[Item], responses: Sequence[Response],
                     criteria: Sequence[str] = ("",)) -> pd.DataFrame:
    """The headline frame for an activity's kind (what the facilitator shows live)."""
    if activity.kind is ActivityKind.DOT_VOTE:
        return tally_dots(responses, items)
    if activity.kind is ActivityKind.RANKING:
        return borda(responses, items)
    if activity.kind is ActivityKind.FIST_OF_FIVE:
        return distribution(responses, items, range(6))
    return ordinal_summary(responses, items, criteria)
