"""How a record validates itself: collect every problem, then raise them together.

The model's records and the activity kinds' settings checks use one :class:`Checker`,
so a workshop file with three mistakes gets three lines, each naming its field.
"""

from __future__ import annotations

import difflib
import re

from .errors import Problem, ValidationError

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Checker:
    """Collects problems while a record validates itself, then raises them all at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field_: str, message: str) -> None:
        self.problems.append(Problem(field_, message))

    def need(self, ok: bool, field_: str, message: str) -> None:
        if not ok:
            self.add(field_, message)

    def text(self, value: str, field_: str, *, required: bool = True, limit: int = 0) -> None:
        if required and not value.strip():
            self.add(field_, "must not be empty")
        if limit and len(value) > limit:
            self.add(field_, f"is {len(value)} characters long; at most {limit} are allowed")

    def ident(self, value: str, field_: str) -> None:
        if not _ID.match(value):
            self.add(
                field_,
                f"{value!r} is not a valid id: use letters, digits, '-', '_' or '.' "
                "(at most 64, starting with a letter or digit)",
            )

    def unique(self, values: list[str], field_: str) -> None:
        seen: set[str] = set()
        for i, v in enumerate(values):
            if v in seen:
                self.add(f"{field_}[{i}].id", f"{v!r} is used twice; ids must be unique")
            seen.add(v)

    def done(self) -> None:
        if self.problems:
            raise ValidationError(self.problems)


def unknown(value: str, what: str, known: set[str]) -> str:
    """That ``value`` is not a known ``what``, with the closest known one or the list."""
    msg = f"{value!r} is not a known {what}"
    close = difflib.get_close_matches(value, sorted(known), n=1)
    if close:
        msg += f"; did you mean {close[0]!r}?"
    elif known:
        msg += f"; known: {', '.join(sorted(known))}"
    return msg
