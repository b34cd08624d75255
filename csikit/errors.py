"""The one error family of csikit: every message says what to fix."""

from __future__ import annotations

from dataclasses import dataclass


class CsiError(Exception):
    """Base of every error csikit raises on purpose; its message is for people."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a value: where (a dotted field path) and what."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationError(CsiError):
    """A model value breaks a rule; ``problems`` lists each field and what to fix."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class WorkshopFileError(CsiError):
    """A workshop file cannot be used; one line per problem, naming file, line and field."""

    def __init__(self, path: str, lines: list[str]):
        self.path = path
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


class StoreError(CsiError):
    """The store cannot be opened or used."""


class StoreVersionError(StoreError):
    """The store was written by a newer csikit."""


class NotFound(CsiError):
    """A workshop, activity, item, participant or initiative does not exist."""


class ResponseRefused(CsiError):
    """The store refused a response or idea; the message says why, politely."""


class ActivityClosed(ResponseRefused):
    """The activity is not open for responses."""


class BudgetExceeded(ResponseRefused):
    """A dot vote would spend more dots than the budget or the per-item cap allows."""


class InvalidResponse(ResponseRefused):
    """A value out of range, an item of another activity, or an unknown participant."""


class TransitionError(CsiError):
    """A facilitator action does not fit the activity's lifecycle."""


class ImportFileError(CsiError):
    """A CSV file to import has bad rows; one line per problem, naming row and column."""

    def __init__(self, path: str, lines: list[str]):
        self.path = path
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


class ReviewError(CsiError):
    """A review notebook failed; the message names the notebook, the section and the cause."""

    def __init__(self, message: str, *, notebook: object, section: str, partial: object):
        self.notebook, self.section, self.partial = notebook, section, partial
        super().__init__(message)
