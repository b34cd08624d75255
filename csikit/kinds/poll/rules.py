"""Poll: one question, up to 10 options; each participant chooses one, or at most ``choose``.

In a workshop file::

    - id: s6-changed
      step: 6
      kind: poll
      title: Have the business objectives changed?
      options: [yes, partly, no]      # or items, or items_from: objectives
      choose: 1                       # at most this many choices (default 1)

A choice is stored as a response of value 1 to the chosen option; a new answer
replaces the participant's earlier one. Results are votes per option with the
Wilson interval of how many voters choose it (honest at 0 and at every voter).
"""

from __future__ import annotations

import re

from ...errors import BudgetExceeded, InvalidResponse
from ...model import Item
from ..base import Kind, counted, plural

#: Most options one poll may offer.
MAX_OPTIONS = 10


def option_items(options: tuple[str, ...]) -> tuple[Item, ...]:
    """The options as items, each with an id made from its text (``"Partly"`` → ``partly``)."""
    out: list[Item] = []
    for i, text in enumerate(options, start=1):
        slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or f"option-{i}"
        if any(o.id == slug for o in out):
            slug = f"{slug}-{i}"
        out.append(Item(slug, text))
    return tuple(out)


class Poll(Kind):
    """A single- or multiple-choice question: votes per option, best first."""

    name = "poll"
    answered_verb = "have voted"
    closed_words = "Voting closed."
    settings = ("options", "choose")
    whole_answer = True
    unit = "vote"
    paper_input = "tick"

    def paper_hint(self, a) -> str:
        return "tick their choice"

    def check(self, a, c) -> None:
        given = [bool(a.options), bool(a.items), bool(a.items_from)]
        if sum(given) != 1:
            c.add("options", "give the choices as options (e.g. options: [yes, partly, no]), items, or items_from")
        n = len(a.options or a.items)
        if (a.options is not None or a.items) and not 2 <= n <= MAX_OPTIONS:
            c.add("options", f"a poll offers 2 to {MAX_OPTIONS} options, got {n}")
        for i, text in enumerate(a.options or ()):
            c.text(text if isinstance(text, str) else "", f"options[{i}]", limit=200)
        if a.options and len({t.strip().lower() for t in a.options}) != len(a.options):
            c.add("options", "lists the same option twice; keep one")
        if a.choose is not None:
            most = n or MAX_OPTIONS
            c.need(1 <= a.choose <= most, "choose", f"must be between 1 and the number of options ({most})")

    def items(self, a, workshop):
        return option_items(a.options) if a.options else super().items(a, workshop)

    def value_range(self, a):
        return (1, 1)

    def limit(self, a) -> int:
        """Most options one participant may choose."""
        return a.choose or 1

    def merge(self, a, criteria, item_keys, existing, new):
        """The new choice replaces the earlier one; one option, or at most ``choose``."""
        if not new:
            raise InvalidResponse("Nothing to submit: choose an option first.")
        known = set(item_keys)
        for (item, criterion), value in new.items():
            if item not in known:
                raise InvalidResponse("That option is not part of this poll; reload the page.")
            if criterion:
                raise InvalidResponse(f"“{criterion}” is not something this poll asks about.")
            if isinstance(value, bool) or value not in (0, 1):
                raise InvalidResponse("Choose an option (1) or leave it (0).")
        chosen = {key: 1 for key, value in new.items() if value}
        if not chosen:
            raise InvalidResponse("Nothing to submit: choose an option first.")
        limit = self.limit(a)
        if len(chosen) > limit:
            msg = (
                "This question takes one answer; choose one option."
                if limit == 1
                else f"You may choose up to {plural(limit, 'option')} and this would be {len(chosen)}; "
                "take one off first."
            )
            raise BudgetExceeded(msg)
        return chosen

    def tally(self, a, items, responses):
        """Votes per option, most first."""
        return counted(a, items, responses, lambda vals, n: sum(vals))

    def sample(self, a, items, criteria, rng, appeal):
        k = rng.randint(1, min(self.limit(a), len(items)))
        picked: list[str] = []
        while len(picked) < k:
            item = rng.choices(items, [appeal(i) ** 2 + 0.05 for i in items])[0]
            if item not in picked:
                picked.append(item)
        return {(item, ""): 1 for item in picked}, {}


KIND = Poll()
