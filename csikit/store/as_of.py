"""A store read as it stood at one moment: the reads a worksheet, an exhibit or the review
makes (states, items, answers, participation, register, readings, audit trail), bounded by
the rule of :mod:`csikit.quarters` ("as of a quarter").

``store.as_of(moment)`` returns one; code that takes a store takes it unchanged, so every
view of a quarter is computed by the same code as the live one. It only reads.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from ..kinds import kind_of
from ..model import ActivityState, ActivityStatus, Event, Idea, Initiative, Measurement, Response, Workshop
from .history import changed_on, decided_on, states_on


class StoreAsOf:
    """The store at ``moment`` (UTC, naive): nothing that happened later is seen.

    Parameters
    ----------
    store
        A :class:`~csikit.store.Store` (left open; :meth:`close` closes it).
    moment
        The end of a quarter (:func:`csikit.quarters.moment_of`) or now.
    """

    def __init__(self, store, moment: datetime) -> None:
        self.store, self.moment = store, moment
        self._events: dict[str, list[Event]] = {}

    def __repr__(self) -> str:
        return f"<StoreAsOf {self.store.shown} at {self.moment:%Y-%m-%d %H:%M:%S}>"

    # --- what does not change with time ----------------------------------------------------

    @property
    def shown(self) -> str:
        return self.store.shown

    @property
    def url_for_kernels(self) -> str:
        return self.store.url_for_kernels

    @cached_property
    def day(self):
        """The moment's date: readings dated by then count."""
        return self.moment.date()

    def workshop(self, code: str) -> Workshop:
        return self.store.workshop(code)

    def as_of(self, moment: datetime) -> StoreAsOf:
        """The same store at an earlier moment (never later than this one)."""
        return StoreAsOf(self.store, min(moment, self.moment))

    def close(self) -> None:
        self.store.close()

    # --- bounded reads ---------------------------------------------------------------------

    def events(self, code: str) -> list[Event]:
        """The audit trail logged by the moment, oldest first."""
        if code not in self._events:
            self._events[code] = [e for e in self.store.events(code) if e.at <= self.moment]
        return self._events[code]

    def states(self, code: str) -> dict[str, ActivityState]:
        """Every activity's state at the moment, replayed from the audit trail."""
        return states_on(self.events(code), [a.id for a in self.workshop(code).agenda], self.moment)

    def status(self, code: str, key: str) -> ActivityStatus:
        """An activity's state at the moment, with its items."""
        now = self.store.status(code, key)
        state = self.states(code)[key]
        return ActivityStatus(
            now.activity, state, now.items, changed_on(self.events(code), key, self.moment) or self.moment
        )

    def decided_at(self, code: str, key: str) -> datetime | None:
        """When the activity was last locked or revealed by the moment (None: not decided then)."""
        return decided_on(self.events(code), key, self.moment)

    def responses(self, code: str, activity: str, *, participant: int | None = None) -> list[Response]:
        rows = self.store.responses_until(code, activity, self.moment)
        return rows if participant is None else [r for r in rows if r.participant == participant]

    def ideas(self, code: str, activity: str, *, participant: int | None = None) -> list[Idea]:
        rows = self.store.ideas_until(code, activity, self.moment)
        return rows if participant is None else [i for i in rows if i.participant == participant]

    def participation(self, code: str, activity: str) -> tuple[int, int]:
        """(participants who had answered, participants who had joined) at the moment."""
        if kind_of(self.workshop(code).activity(activity).kind).collects_ideas:
            answered = {i.participant for i in self.ideas(code, activity)}
        else:
            answered = {r.participant for r in self.responses(code, activity)}
        return len(answered), self.store.joined_until(code, self.moment)

    def initiatives(self, code: str) -> list[Initiative]:
        """The register as it stood at the moment (its history; see :mod:`csikit.store.history`)."""
        return self.store.initiatives_until(code, self.moment)

    def measurements(self, code: str) -> list[Measurement]:
        """KPI readings dated by the moment's day."""
        return [m for m in self.store.measurements(code) if m.date <= self.day]
