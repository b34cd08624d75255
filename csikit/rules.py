"""The rules a response must keep, as pure functions the store calls inside its transaction.

Widget messages can be forged from the browser, so every rule is checked here and
nowhere trusts the user interface.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import ActivityClosed, InvalidResponse
from .kinds import kind_of
from .kinds.base import Key
from .model import (
    MAX_COMMENT_LENGTH,
    MAX_IDEA_LENGTH,
    MAX_NAME_LENGTH,
    Activity,
    ActivityState,
    Workshop,
)

#: What participants and the presenter view see instead of results with too few answers.
TOO_FEW = "Not enough answers to show without identifying anyone"


def too_few(workshop: Workshop, answered: int) -> bool:
    """Whether results from ``answered`` people are too few to show the room.

    With fewer answers than the workshop's ``min_group``, a result can tell who gave
    which answer (two voters and one knows their own vote), so participants and the
    presenter view see :data:`TOO_FEW` instead; the facilitator still sees them, marked.
    """
    return answered < workshop.min_group


def withholds(workshop: Workshop, answered: int, *, anonymous: bool = True) -> bool:
    """Whether results from ``answered`` people are withheld from the room, the worksheets
    and the review: the activity is ``anonymous`` and some, but too few (:func:`too_few`),
    answered. Nobody answering withholds nothing."""
    return bool(anonymous) and answered > 0 and too_few(workshop, answered)


def withheld_note(workshop: Workshop) -> str:
    """What shows in place of withheld results (:data:`TOO_FEW`, and from how many answers they show)."""
    return f"{TOO_FEW}: results of this anonymous activity show from {workshop.min_group} answers."


def only_you_see(workshop: Workshop) -> str:
    """The facilitator's mark on results withheld from everyone else (fewer than ``min_group`` answered)."""
    return f"Only you see these: fewer than {workshop.min_group} answered"


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

    The rule is the activity kind's (:meth:`csikit.kinds.base.Kind.merge`): a dot vote of 0
    removes the item's dots, a poll's new choice replaces the old one.
    """
    return kind_of(activity.kind).merge(activity, criteria, item_keys, existing, new)


def clean_text(text: str, what: str, limit: int, *, required: bool = True) -> str:
    """Strip a participant's text and refuse empty or oversized input with a message."""
    if not isinstance(text, str):
        raise InvalidResponse(f"The {what} must be text.")
    text = text.strip()
    if required and not text:
        raise InvalidResponse(f"The {what} is empty; type something first.")
    if len(text) > limit:
        raise InvalidResponse(f"The {what} is {len(text):,} characters long; at most {limit:,} are taken.")
    if "\x00" in text:
        raise InvalidResponse(f"The {what} contains a character that cannot be stored.")
    return text


def clean_name(name: str) -> str:
    return clean_text(name, "name", MAX_NAME_LENGTH, required=False)


def clean_idea(text: str) -> str:
    return clean_text(text, "idea", MAX_IDEA_LENGTH)


def clean_comment(text: str) -> str:
    return clean_text(text, "comment", MAX_COMMENT_LENGTH, required=False)
