"""Answers from people without a phone, entered by the facilitator on their behalf.

Someone votes on a sheet of paper or calls out a number; the facilitator picks that
person (or adds them: named, or "Paper 1", "Paper 2", …) and enters the answer here. The
store applies the same rules as to a phone (the activity must be open, the dot budget
holds) and writes an ``entered`` row in the audit trail. A refusal shows in words and
the form keeps what was typed, so nothing is lost.
"""

from __future__ import annotations

import ipywidgets as W

from ..errors import CsiError
from ..kinds import kind_of
from ..kinds.screen import criterion_names
from ..model import Activity, Item, Participant
from ..store import Store
from .common import StatusLine, button, esc, guarded

#: A cell nobody answered (a rating's "—").
UNANSWERED = -1


class PaperEntry(W.VBox):
    """Pick or add a paper participant, then enter their vote, rating, ranking, choice or idea.

    Parameters
    ----------
    store, code
        The shared store and the workshop's join code.
    activity_key
        The activity to enter answers for ("" for none yet; :meth:`show` changes it).
    """

    def __init__(self, store: Store, code: str, activity_key: str = ""):
        super().__init__()
        self.add_class("csikit-paper-entry")
        self.store, self.code = store, code
        self.workshop = store.workshop(code)
        self.key = ""
        self.status = StatusLine()
        self.person = W.Dropdown(
            description="For", options=[("— add someone first —", None)], value=None, layout=W.Layout(width="320px")
        )
        self.person.observe(self._on_person_change, "value")
        self.new_name = W.Text(placeholder="their name (empty: anonymous)", layout=W.Layout(width="240px"))
        self.add_button = button("Add paper participant", self.add_participant, icon="user-plus", width="220px")
        self.remove_button = button("Remove", self.remove_participant, icon="user-times", width="auto")
        self.remove_button.tooltip = "Remove the paper participant picked above, added by mistake (asks first)"
        self._removing: int | None = None  # the person the next click on Remove removes (asked once)
        self.heading = W.HTML()
        self.form = W.VBox()
        self.enter_button = button("Enter", self.enter, style="primary", icon="check")
        #: The form's inputs: (item, criterion) -> widget; for ideas, ``{("", ""): Textarea}``.
        self.inputs: dict[tuple[str, str], W.Widget] = {}
        self._people: tuple[Participant, ...] = ()
        self._built_for: tuple = ()
        self.children = [
            W.HTML(
                "<div style='color:#555'>For people without a phone: the same rules as a phone, "
                "and the audit trail says you entered it.</div>"
            ),
            W.HBox([self.person, self.remove_button]),
            W.HBox([self.new_name, self.add_button]),
            self.heading,
            self.form,
            self.enter_button,
            self.status,
        ]
        self.refresh()
        self.show(activity_key)

    # --- what is shown ---------------------------------------------------------------

    @property
    def activity(self) -> Activity | None:
        return self.workshop.activity(self.key) if self.key else None

    def show(self, activity_key: str) -> None:
        """Enter answers for another activity: a fresh form (the person picked stays)."""
        if activity_key == self.key and self.inputs:
            return
        self.key = activity_key
        self.status.clear()
        self._build()

    def refresh(self) -> None:
        """The paper participants as the store has them (another console may add some), and
        the form again if the activity's items changed (items from ideas arrive when it opens)."""
        if self.key and self._built_for != (self.key, tuple(i.id for i in self._items())):
            self._build()
        people = tuple(self.store.paper_participants(self.code))
        if people == self._people:
            return
        self._people = people
        chosen = self.person.value
        options = [(p.name, p.id) for p in people] or [("— add someone first —", None)]
        self.person.options = options
        self.person.value = chosen if chosen in {p.id for p in people} else options[-1][1]

    def _build(self) -> None:
        a = self.activity
        old, self.inputs = list(self.form.children), {}
        self.heading.value = ""
        if a is None:
            self.form.children, self._built_for = [], ()
            self.enter_button.disabled = True
            return
        self.enter_button.disabled = False
        kind = kind_of(a.kind)
        items = self._items()
        self._built_for = (self.key, tuple(i.id for i in items))
        hint = kind.paper_hint(a)
        self.heading.value = (
            f"<div style='margin-top:6px'><b>{esc(a.title)}</b> <span style='color:#555'>· {esc(hint)}</span></div>"
        )
        rows: list[W.Widget] = []
        if kind.collects_ideas:
            box = W.Textarea(placeholder="Type the idea from the paper", layout=W.Layout(width="100%", height="60px"))
            self.inputs[("", "")] = box
            rows.append(box)
            self.enter_button.description = "Enter idea"
        else:
            self.enter_button.description = "Enter answer"
            names = criterion_names(self.workshop)
            criteria = a.criteria(self.workshop.objectives)
            for item in items:
                for criterion in criteria:
                    label = item.text if not criterion else f"{item.text} — {names.get(criterion, criterion)}"
                    widget = self._input(a, len(items))
                    self.inputs[(item.id, criterion)] = widget
                    rows.append(
                        W.HBox(
                            [widget, W.HTML(f"<span class='csikit-text'>{esc(label)}</span>")],
                            layout=W.Layout(align_items="center"),
                        )
                    )
        self.form.children = rows
        for w in old:
            w.close()
        self._load()

    def _items(self) -> tuple[Item, ...]:
        return self.store.status(self.code, self.key).items if self.key else ()

    def _input(self, a: Activity, n_items: int) -> W.Widget:
        """One answer's input, as the kind takes it (its ``paper_input``)."""
        small = W.Layout(width="150px")
        shape = kind_of(a.kind).paper_input
        if shape == "count":
            return W.BoundedIntText(value=0, min=0, max=a.cap, layout=W.Layout(width="70px"))
        if shape == "tick":
            return W.Checkbox(value=False, indent=False, layout=W.Layout(width="30px"))
        if shape == "place":
            return W.Dropdown(
                options=[("—", UNANSWERED)] + [(str(i), i) for i in range(1, n_items + 1)],
                value=UNANSWERED,
                layout=W.Layout(width="70px"),
            )
        labels = a.score_labels(self.workshop.maturity_scale)
        lo, _ = a.value_range()
        options = [("—", UNANSWERED)] + [
            (f"{lo + i} · {lab}" if not lab[:1].isdigit() else lab, lo + i) for i, lab in enumerate(labels)
        ]
        return W.Dropdown(options=options, value=UNANSWERED, layout=small)

    def _on_person_change(self, change) -> None:
        self.status.clear()
        if self._removing is not None and self._removing != change["new"]:  # another pick: ask again
            self._removing = None
            self.remove_button.description, self.remove_button.button_style = "Remove", ""
        self._load()

    def _load(self) -> None:
        """The picked person's answers so far, so entering again corrects rather than guesses."""
        a, pid = self.activity, self.person.value
        if a is None or kind_of(a.kind).collects_ideas:
            return
        mine = self.store.my_responses(self.code, pid, self.key) if pid is not None else {}
        for cell, widget in self.inputs.items():
            value = mine.get(cell, (None, ""))[0]
            if isinstance(widget, W.Checkbox):
                widget.value = bool(value)
            elif isinstance(widget, W.BoundedIntText):
                widget.value = value or 0
            else:
                widget.value = value if value is not None else UNANSWERED

    # --- actions -----------------------------------------------------------------------

    @guarded
    def add_participant(self, name: str | None = None) -> None:
        """Add a paper participant (named, or "Paper n" when the name is empty) and pick them."""
        person = self.store.add_paper_participant(self.code, self.new_name.value if name is None else name)
        self.new_name.value = ""
        self.refresh()
        self.person.value = person.id
        self.status.show(f"{person.name} is a paper participant; enter their answers below.", "ok")

    @guarded
    def remove_participant(self) -> None:
        """Remove the picked paper participant, added by mistake: the first click asks, the
        second removes them and their answers in open activities (the store refuses once
        they answered a locked or revealed activity; audited)."""
        pid = self.person.value
        if pid is None:
            raise CsiError("Pick the paper participant to remove first.")
        name = next((p.name for p in self._people if p.id == pid), "them")
        if self._removing != pid:
            self._removing = pid
            self.remove_button.description = f"Click again to remove {name}"
            self.remove_button.button_style = "danger"
            return
        self._removing = None
        self.remove_button.description, self.remove_button.button_style = "Remove", ""
        self.store.remove_paper_participant(self.code, pid)
        self._people = ()  # read them again
        self.refresh()
        self.status.show(f"{name} is removed, with their answers in open activities.", "ok")

    def pick(self, participant: int) -> None:
        """Enter answers for this paper participant."""
        self.person.value = participant

    def set_value(self, item: str, value: int | bool | str, criterion: str = "") -> None:
        """Fill one input as a person would (an idea: ``set_value("", text)``)."""
        self.inputs[(item, criterion)].value = value

    @guarded
    def enter(self) -> None:
        """Send what the form holds for the picked person; the store's rules apply."""
        a, pid = self.activity, self.person.value
        if a is None:
            raise CsiError("Select an activity in the agenda first.")
        if pid is None:
            raise CsiError("Add the person first (with a name, or none for anonymous), then enter their answer.")
        who = dict((p.id, p.name) for p in self._people).get(pid, "them")
        if kind_of(a.kind).collects_ideas:
            box = self.inputs[("", "")]
            self.store.enter_idea(self.code, pid, self.key, box.value)
            box.value = ""
            self.status.show(f"Idea entered for {who}.", "ok")
            return
        values = self._values(a)
        self.store.enter_response(self.code, pid, self.key, values)
        self.status.show(f"Answer entered for {who}.", "ok")

    def _values(self, a: Activity) -> dict[tuple[str, str], int]:
        shape = kind_of(a.kind).paper_input
        if shape == "count":  # every item: a 0 takes back dots entered earlier
            return {cell: int(w.value) for cell, w in self.inputs.items()}
        if shape == "tick":
            return {cell: int(bool(w.value)) for cell, w in self.inputs.items()}
        values = {cell: int(w.value) for cell, w in self.inputs.items() if w.value != UNANSWERED}
        if not values:
            raise CsiError("Nothing to enter: choose a value first.")
        return values


__all__ = ["PaperEntry"]
