"""The rules a response must keep, as pure functions the store calls inside its transaction.

Widget messages can be forged from the browser, so every rule is checked here and
nowhere trusts the user interface.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import ActivityClosed, BudgetExceeded, InvalidResponse
from .model import (
    MAX_COMMENT_LENGTH,
    MAX_IDEA_LENGTH,
    MAX_NAME_LENGTH,
    Activity,
    ActivityKind,
    ActivityState,
)

Key = tuple[str, str]  # (item key, criterion)


def require_open(activity: Activity, state: ActivityState) -> None:
    """Refuse politely unless the activity takes responses now."""
    if state is ActivityState.OPEN:
        return
    if state is ActivityState.DRAFT:
        msg = f"“{activity.title}” is not open yet; wait for the facilitator to open it."
    else:
        msg = f"Voting on “{activity.title}” is closed; your earlier answers are kept."
    raise ActivityClosed(msg)


def normalise(values: Mapping[str | Key, int]) -> dict[Key, int]:
    """Accept ``{item: value}`` or ``{(item, criterion): value}``."""
    out: dict[Key, int] = {}
    for key, value in values.items():
        k = key if isinstance(key, tuple) else (key, "")
        out[(str(k[0]), str(k[1]))] = value
    return out


def merge_responses(
    activity: Activity,
    criteria: tuple[str, ...],
    item_keys: list[str],
    existing: Mapping[Key, int],
    new: Mapping[Key, int],
) -> dict[Key, int]:
    """The participant's responses after ``new`` replaces ``existing``; raise if a rule breaks.

    A dot vote of 0 removes the item's dots.
    """
    if activity.kind is ActivityKind.IDEAS:
        raise InvalidResponse("This activity collects ideas, not votes.")
    if not new:
        raise InvalidResponse("Nothing to submit: choose a value first.")
    known = set(item_keys)
    lo, hi = activity.value_range()
    if activity.kind is ActivityKind.RANKING:
        hi = len(item_keys)
    for (item, criterion), value in new.items():
        if item not in known:
            raise InvalidResponse("That item is not part of this activity; reload the page.")
        if criterion not in criteria:
            raise InvalidResponse(f"“{criterion}” is not something this activity asks about.")
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidResponse(f"Choose a whole number from {lo} to {hi}.")
        if activity.kind is ActivityKind.DOT_VOTE and value > activity.cap:
            raise BudgetExceeded(f"At most {activity.cap} dots on one item.")
        if not lo <= value <= hi:
            raise InvalidResponse(f"Choose a value from {lo} to {hi}.")
    merged = dict(existing)
    merged.update(new)
    if activity.kind is ActivityKind.DOT_VOTE:
        merged = {k: v for k, v in merged.items() if v > 0}
        spent = sum(merged.values())
        budget = activity.budget or 0
        if spent > budget:
            msg = f"You have {budget} dots and this would use {spent}; take a dot off another item first."
            raise BudgetExceeded(msg)
    if activity.kind is ActivityKind.RANKING:
        ranks = sorted(v for (_, c), v in merged.items())
        if set(k for k, _ in merged) != known or ranks != list(range(1, len(item_keys) + 1)):
            raise InvalidResponse("Give every item exactly one place, from 1 to the number of items.")
    return merged


def clean_text(text: str, what: str, limit: int, *, required: bool = True) -> str:
    """Strip a participant's text and refuse empty or oversized input with a message."""
    if not isinstance(text, str):
        raise InvalidResponse(f"The {what} must be text.")
    text = text.strip()
    if required and not text:
        raise InvalidResponse(f"The {what} is empty; type something first.")
    if len(text) > limit:
        raise InvalidResponse(f"The {what} is {len(text):,} characters long; please keep it under {limit:,}.")
    if "\x00" in text:
        raise InvalidResponse(f"The {what} contains a character that cannot be stored.")
    return text


def clean_name(name: str) -> str:
    return clean_text(name, "name", MAX_NAME_LENGTH, required=False)


def clean_idea(text: str) -> str:
    return clean_text(text, "idea", MAX_IDEA_LENGTH)


def clean_comment(text: str) -> str:
    return clean_text(text, "comment", MAX_COMMENT_LENGTH, required=False)
