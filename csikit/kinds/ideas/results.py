"""What an ideas activity's answers look like: the kind's results facet (:mod:`csikit.kinds.results`)."""

from __future__ import annotations

import pandas as pd

from ... import analysis
from ...display import Exhibit, LiveResult, Table, results_table
from ...similar_ideas import same_words_groups
from ..base import Answers
from ..results import Results, withheld
from .rules import KIND


class IdeasResults(Results):
    """What ideas answers look like."""

    kind = KIND

    def summary(self, ans: Answers, workshop):
        return analysis.ideas_frame(ans.ideas)

    def live(self, ans: Answers, workshop) -> LiveResult:
        frame = self.summary(ans, workshop)
        rows = [[r.idea, r.text, r.duplicates or ""] for r in frame.itertuples()]
        return LiveResult(frame, f"<b>{len(frame)} ideas</b>" + results_table(rows, ["#", "idea", "duplicates merged"]))

    def result_exhibits(self, ans: Answers, workshop):
        frame = named_ideas(ans.ideas)
        note = (
            f"{len(ans.ideas)} ideas sent: ideas with the same words, and those merged, are one row "
            "with how many people named them."
            if len(ans.ideas) > len(frame)
            else ""
        )
        return [Exhibit(f"{ans.activity.title} — {len(frame)} ideas", frame=frame, note=note)]

    def top_results(self, ans: Answers, workshop, top: int = 3):
        return [
            {
                "item": f"idea-{r.idea}",
                "text": r.text,
                "result": named_by(r.people),
                "value": int(r.people),
                "low": None,
                "high": None,
                "n": int(r.people),
            }
            for r in named_ideas(ans.ideas).head(top).itertuples()
        ]

    def momentum(self, ans: Answers, workshop, answered: int):
        """The ideas most people named (at most :data:`MOMENTUM_TOP`) in a table, and one line
        that says how many there were: the whole wall stays in the step-6 worksheet."""
        if withheld(ans, workshop):  # a few people's ideas could tell who wrote which
            return super().momentum(ans, workshop, answered)
        a, ideas = ans.activity, named_ideas(ans.ideas)
        if not len(ideas):
            return Table(ideas, {"text": a.title, "people": PEOPLE}), [], [f"“{a.title}”: no ideas were sent."]
        top = ideas.head(MOMENTUM_TOP)
        rest = len(ideas) - len(top)
        line = f"“{a.title}”: {answered} answered with {len(ideas)} different ideas; " + (
            f"the {len(top)} most named are below, the other {rest} in the step-6 worksheet."
            if rest
            else "all of them are below."
        )
        return Table(top, {"text": a.title, "people": PEOPLE}), [], [line]


#: Ideas of a step-6 activity the review's Momentum section lists (the most named first).
MOMENTUM_TOP = 5


PEOPLE = "people who named it"


def named_by(people: int) -> str:
    """``named by 3 people`` / ``named by 1 person``."""
    return f"named by {people} {'person' if people == 1 else 'people'}"


def named_ideas(ideas):
    """Ideas as results read them: one row per idea the facilitator kept, ideas with the same
    words (:func:`csikit.similar_ideas.normalise`) as one row, most named first.

    Columns: idea (the oldest id of the row), text (as its oldest idea says it), people
    (how many different people sent it or an idea merged into it), ideas (how many ideas
    the row stands for). Merged ideas count for the idea they were merged into.
    """
    ideas = sorted(ideas, key=lambda i: i.id)
    by_id = {i.id: i for i in ideas}
    kept = [i for i in ideas if i.merged_into is None or i.merged_into not in by_id]
    members: dict[int, list] = {i.id: [i] for i in kept}
    for i in ideas:
        if i.id not in members and i.merged_into in members:
            members[i.merged_into].append(i)
    rows = []
    for group in same_words_groups(kept):
        said = [m for k in group for m in members[k.id]]
        rows.append(
            {
                "idea": group[0].id,
                "text": group[0].text,
                "people": len({m.participant for m in said}),
                "ideas": len(said),
            }
        )
    frame = pd.DataFrame(rows, columns=["idea", "text", "people", "ideas"])
    return frame.sort_values(["people", "idea"], ascending=[False, True], kind="stable").reset_index(drop=True)


RESULTS = IdeasResults()
