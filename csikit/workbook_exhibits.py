"""A workshop's pictures in a notebook: each step's exhibits and charts as the apps draw them.

:class:`StepExhibits` is the part of :class:`csikit.workbook.WorkshopData` that shows
rather than tabulates: ``exhibits`` (a step's titled tables and charts, from
:mod:`csikit.exhibits`, so a picture here is the picture on the projector and in the
review), ``activity_exhibits``, ``chart`` (one of them, or a figure that says what will
appear), and ``facilitator_app`` (the facilitator app in a cell). :func:`as_step` reads a
step number. Both are re-exported by :mod:`csikit.workbook`.
"""

from __future__ import annotations

import textwrap

from matplotlib.figure import Figure

from . import exhibits
from .errors import CsiError
from .kinds import kind_of
from .model import Step
from .store import Store


def as_step(step: int | Step) -> Step:
    """A step number (1–6) as a :class:`~csikit.model.Step`, or a CsiError that says which exist."""
    try:
        return Step(int(step))
    except (TypeError, ValueError):
        msg = f"{step!r} is not a CSI step; give a number from 1 (vision) to 6 (momentum)"
        raise CsiError(msg) from None


class StepExhibits:
    """The apps' pictures of a workshop (mixed into :class:`csikit.workbook.WorkshopData`,
    whose ``workshop``, ``store``, ``path``, ``code``, ``view`` and ``activity`` they use)."""

    def exhibits(self, step: int | Step, quarter: str | None = None) -> list[exhibits.Exhibit]:
        """Everything a step shows in the apps, worksheets and review: titled tables and charts.

        Parameters
        ----------
        step
            1–6.
        quarter
            As of that quarter (``"2026Q3"``): its end, or now while it is in progress;
            only activities locked or revealed by then show. None: today, live.

        Returns
        -------
        list of csikit.exhibits.Exhibit
            Each has ``title``, ``frame`` (a DataFrame or None), ``figure`` (a matplotlib
            figure or None), ``note`` and ``error`` (why it could not be computed).
        """
        return exhibits.step_exhibits(self.store, self.code, as_step(step), quarter=quarter or None)

    def activity_exhibits(self, activity: str, quarter: str | None = None) -> list[exhibits.Exhibit]:
        """The exhibits of one activity (its chart and table), whatever its step (as of ``quarter``)."""
        return exhibits.activity_exhibits(self.view(quarter), self.code, self.activity(activity))

    def chart(self, step: int | Step, name: str = "", quarter: str | None = None) -> Figure:
        """One of a step's charts, as the apps draw it (a cell that ends with it shows the PNG).

        Parameters
        ----------
        step
            1–6.
        name
            Part of the exhibit's title, or an activity id (``"s1-top"``); empty: the
            step's first chart. Case does not matter.
        quarter
            As of that quarter's last day; None: today.

        Returns
        -------
        matplotlib.figure.Figure
            The chart; or, for a chart the step shows once there are answers (before the
            workshop, say), a figure that says so: nothing yet, and what will appear.

        Raises
        ------
        CsiError
            No chart matches: the message lists the step's chart titles.
        """
        exhibits = self.exhibits(step, quarter)
        wanted = name.strip().lower()
        if wanted and any(a.id == name for a in self.workshop.agenda):
            wanted = self.activity(name).title.lower()
        drawn = [ex for ex in exhibits if ex.figure is not None]
        for ex in drawn:
            if wanted in ex.title.lower():
                return ex.figure
        for ex in exhibits:  # results withheld below the workshop's min_group: say so, not "no chart"
            if ex.figure is None and ex.note and wanted in ex.title.lower():
                msg = f"{ex.title}: {ex.note}"
                raise CsiError(msg)
        for title, when in self._charts_to_come(as_step(step)):
            if wanted in title.lower():
                from .charts import empty_chart

                return empty_chart("\n".join([f"{title} — nothing yet.", *textwrap.wrap(when, 60)]))
        titles = "; ".join(ex.title for ex in drawn) or "none yet (run the step's activities first)"
        msg = f"Step {int(as_step(step))} has no chart matching {name!r}; its charts: {titles}"
        raise CsiError(msg)

    def _charts_to_come(self, step: Step) -> list[tuple[str, str]]:
        """The charts ``step`` shows once its activities have answers: (title, when it appears)."""
        acts = [a for a in self.workshop.agenda if a.step is step and not kind_of(a.kind).collects_ideas]
        out = [(a.title, "Its chart appears here once people have answered it in the workshop.") for a in acts]
        if step in (Step.NOW, Step.TARGET) and any(kind_of(a.kind).assesses_maturity for a in self.workshop.agenda):
            out.append(
                (
                    "Maturity gap: today → target",
                    "It appears here once the maturity assessments have answers: today's level "
                    "of each practice against its target.",
                )
            )
        return out

    # --- the facilitator app in a notebook cell --------------------------------------------

    def facilitator_app(self, join_url: str = ""):
        """The facilitator app for this workshop, against this store, to show in a notebook cell.

        Participants join through the participant server as usual (``csikit serve``);
        ``join_url`` is the link its QR code shows (default: ``$CSIKIT_PARTICIPANT_URL``).
        """
        import os

        from .widgets.facilitator import FacilitatorApp

        join_url = join_url or os.environ.get("CSIKIT_PARTICIPANT_URL", "")
        return FacilitatorApp(
            Store(self.store.url_for_kernels), self.code, join_url=join_url, workshop_path=str(self.path.parent)
        )
