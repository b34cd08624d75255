"""Dot vote: each participant spends a budget of dots on the items, at most a cap on one."""

from __future__ import annotations

from ...errors import BudgetExceeded, InvalidResponse
from ..base import Kind, counted


class DotVote(Kind):
    """Dots per item; totals carry a bootstrap interval over voters (never narrower than
    the Wilson interval of their share of the dots: ``analysis.tally_dots``)."""

    name = "dot_vote"
    answered_verb = "have voted"
    closed_words = "Voting closed."
    settings = ("budget", "per_item_cap")
    whole_answer = True
    unit = "dot"
    picks_winners = True
    adds_up_on_merge = True
    blank_is_zero = True
    paper_input = "count"

    def paper_hint(self, a) -> str:
        return f"dots per item (at most {a.cap} on one, {a.budget} in all)"

    def check(self, a, c) -> None:
        super().check(a, c)
        if a.budget is None:
            c.add("budget", "dot_vote activities need a budget (dots per participant), e.g. budget: 5")
        elif not 1 <= a.budget <= 100:
            c.add("budget", "must be between 1 and 100")
        elif a.per_item_cap is not None and not 1 <= a.per_item_cap <= a.budget:
            c.add("per_item_cap", f"must be between 1 and the budget ({a.budget})")

    def value_range(self, a):
        return (0, a.cap)

    def check_value(self, a, value: int) -> None:
        if value > a.cap:
            raise BudgetExceeded(f"At most {a.cap} dots on one item.")

    def merge(self, a, criteria, item_keys, existing, new):
        """A dot vote of 0 removes the item's dots; the dots spent may not pass the budget."""
        merged = {k: v for k, v in super().merge(a, criteria, item_keys, existing, new).items() if v > 0}
        spent, budget = sum(merged.values()), a.budget or 0
        if spent > budget:
            msg = f"You have {budget} dots and this would use {spent}; take a dot off another item first."
            raise BudgetExceeded(msg)
        return merged

    def changes(self, a, existing, changes):
        out = {}
        for key, change in changes.items():
            if isinstance(change, bool) or not isinstance(change, int):
                raise InvalidResponse("Add or take off whole dots.")
            value = existing.get(key, 0) + change
            if value < 0:
                raise InvalidResponse("There is no dot on that item to take off.")
            out[key] = value
        return out

    def tally(self, a, items, responses):
        """Total dots per item, most first."""
        return counted(a, items, responses, lambda vals, n: sum(vals))

    def sample(self, a, items, criteria, rng, appeal):
        values: dict = {}
        left = a.budget or 0
        while left:
            item = rng.choices(items, [appeal(i) ** 2 + 0.05 for i in items])[0]
            if values.get((item, ""), 0) < a.cap:
                values[(item, "")] = values.get((item, ""), 0) + 1
                left -= 1
            elif all(values.get((i, ""), 0) >= a.cap for i in items):
                break
        return values, {}


KIND = DotVote()
