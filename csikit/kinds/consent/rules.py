"""Consent: a yes/no decision per proposal (sociocracy): a proposal passes when nobody objects.

In a workshop file::

    - id: s4-decide
      step: 4
      kind: consent
      title: Do you consent to these initiatives for next quarter?
      items_from: initiatives         # or items

Each participant answers each proposal 1 (yes: I consent, I can live with it) or 0 (no:
I object), an objection with its reason as the comment where one was given. Results are,
per proposal, how many of those who answered it consent, with the Wilson interval
(honest at none and at all), the objections, and the verdict in words.
"""

from __future__ import annotations

from ... import stats
from ...errors import InvalidResponse
from ..base import Kind, ResultLine, plural, values_by

CONSENT_LABELS = ("0 · No: I object", "1 · Yes: I consent (I can live with it)")

#: What simulated objections say (a rehearsal's comments).
OBJECTIONS = (
    "We do not have the people for this next quarter",
    "It clashes with the EPR upgrade freeze",
    "The benefit is not measured by any KPI yet",
    "Too big for one quarter: split it",
)


def verdict(objections: int, answered: int) -> str:
    """A proposal's verdict in words: ``passes: nobody objects``, ``2 objections``, or
    ``no answers yet``."""
    if not answered:
        return "no answers yet"
    return "passes: nobody objects" if not objections else plural(objections, "objection")


class Consent(Kind):
    """Yes (1) or no (0) per proposal: who consents out of who answered, and the objections."""

    name = "consent"
    answered_verb = "have decided"
    closed_words = "Consent closed."

    def paper_hint(self, a) -> str:
        return "yes (consents) or no (objects) per proposal"

    def value_range(self, a):
        return (0, 1)

    def score_labels(self, a, scale=None):
        return CONSENT_LABELS

    def check_value(self, a, value: int) -> None:
        if value not in (0, 1):
            raise InvalidResponse("Answer 1 (yes, I consent) or 0 (no, I object).")

    def tally(self, a, items, responses):
        """Per proposal, agenda order: how many consent (``value``) with the Wilson interval
        of that count (``low``–``high``) out of the ``n`` who answered it."""
        by = values_by(responses)
        lines = []
        for item in items:
            vals = by.get((item.id, ""), [])
            yes = sum(1 for v in vals if v >= 1)
            low, high = stats.count_interval(yes, len(vals))
            lines.append(ResultLine(item.id, item.text, "", float(yes), low, high, len(vals)))
        return lines

    def result_text(self, line: ResultLine, criterion_name: str = "") -> str:
        if not line.n:
            return f"{line.text}: no answers"
        yes = int(line.value)
        return f"{line.text}: {verdict(line.n - yes, line.n)} ({yes} of {line.n} consent)"

    def sample(self, a, items, criteria, rng, appeal):
        """Mostly yes; the less a proposal appeals to the room, the likelier an objection
        (about one in five for the least appealing, almost never for the most, so some
        proposals pass a room of 20), which comes with its reason."""
        values, comments = {}, {}
        for item in items:
            dislike = 1 - min(1.0, max(0.0, appeal(item)))
            objects = rng.random() < 0.25 * dislike**3
            values[(item, "")] = 0 if objects else 1
            if objects:
                comments[item] = rng.choice(OBJECTIONS)
        return values, comments


KIND = Consent()
