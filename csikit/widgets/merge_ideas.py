"""The facilitator's merge of duplicate ideas: tick ideas and merge them, accept or dismiss
the duplicates csikit suggests, undo the last merge.

The store does the work (:meth:`~csikit.store.Store.merge_ideas` and friends, one
transaction each); this panel only turns clicks into those calls and shows the ideas as
groups, one line each ("Slow laptops +2 merged"). Participant text is data: every idea is
escaped before it goes into an HTML widget.
"""

from __future__ import annotations

import ipywidgets as W

from ..errors import CsiError
from ..model import Idea
from ..similar_ideas import Suggestion, suggest_duplicates
from ..store import Store
from .common import StatusLine, button, close_tree, esc, guarded

#: Ideas longer than this are cut in the "keep" list (the full text is in the list of ideas).
SHORT = 60


def short(text: str) -> str:
    """An idea cut to :data:`SHORT` characters for a one-line choice."""
    return text if len(text) <= SHORT else text[: SHORT - 1] + "…"


class MergePanel(W.VBox):
    """Merge duplicate ideas of one ideas activity.

    Parameters
    ----------
    store, code, activity_key
        The store, the workshop's code and the ideas activity.

    Every action has a method tests call: :meth:`merge`, :meth:`merge_selected`,
    :meth:`accept`, :meth:`dismiss`, :meth:`undo`; :meth:`refresh` follows the store and
    costs one cheap query when nothing changed.
    """

    def __init__(self, store: Store, code: str, activity_key: str):
        super().__init__()
        self.store, self.code, self.activity_key = store, code, activity_key
        self.add_class("csikit-merge-ideas")
        self.status = StatusLine()
        self.heading = W.HTML()
        self.list = W.VBox(layout=W.Layout(max_height="320px", overflow="auto"))
        self.keep = W.Dropdown(
            description="keep", options=[("the oldest selected", None)], layout=W.Layout(width="60%")
        )
        self.merge_button = button("Merge selected", self.merge_selected, icon="compress")
        self.undo_button = button("Undo last merge", self.undo, icon="undo")
        self.suggestions_heading = W.HTML()
        self.suggestions_box = W.VBox()
        self.children = [
            self.heading,
            self.list,
            W.HBox([self.merge_button, self.keep]),
            self.undo_button,
            self.suggestions_heading,
            self.suggestions_box,
            self.status,
        ]
        self.ideas: list[Idea] = []
        self.groups: dict[int, list[int]] = {}
        self.suggestions: list[Suggestion] = []
        self._rows: dict[int, tuple[W.HBox, W.Checkbox, W.HTML]] = {}
        self._shown: set[int] = set()
        self._revision: tuple | None = None
        self.refresh()

    # --- what people do ---------------------------------------------------------------

    @property
    def selected(self) -> list[int]:
        """The kept ideas whose box is ticked, oldest first."""
        return sorted(i for i, (_, box, _) in self._rows.items() if box.value and i in self._shown)

    @guarded
    def merge(self, keep: int, duplicates: list[int] | tuple[int, ...]) -> None:
        """Merge ``duplicates`` into ``keep`` (their groups with them)."""
        self.store.merge_ideas(self.code, self.activity_key, keep, list(duplicates))
        texts = {i.id: i.text for i in self.ideas}
        n = len(duplicates)
        self.status.show(f"Merged {n} idea{'s' * (n != 1)} into “{short(texts.get(keep, ''))}”.", "ok")
        for box in self._rows.values():
            box[1].value = False
        self.refresh(force=True)

    def merge_selected(self) -> bool:
        """Merge the ticked ideas into the chosen one, or into the oldest of them."""
        chosen = self.selected
        if len(chosen) < 2:
            self.status.show("Tick two ideas or more to merge them.", "error")
            return False
        keep = self.keep.value if self.keep.value in chosen else chosen[0]
        return self.merge(keep, [i for i in chosen if i != keep])

    def accept(self, suggestion: Suggestion) -> bool:
        """Merge a suggested group as suggested (into its oldest idea)."""
        return self.merge(suggestion.keep, suggestion.duplicates)

    @guarded
    def dismiss(self, suggestion: Suggestion) -> None:
        """Keep a suggested group apart: it is not suggested again."""
        self.store.dismiss_suggestion(self.code, self.activity_key, sorted(suggestion.ideas))
        self.status.show("Kept apart; not suggested again.", "ok")
        self.refresh(force=True)

    @guarded
    def undo(self) -> None:
        """Undo the last merge (the ideas, and the votes they moved, are separate again)."""
        if self.store.undo_merge(self.code, self.activity_key):
            self.status.show("The last merge is undone.", "ok")
        else:
            self.status.show("There is no merge to undo.", "info")
        self.refresh(force=True)

    # --- following the store ------------------------------------------------------------

    def refresh(self, force: bool = False) -> bool:
        """Show the store's ideas and suggestions; True when something changed.

        One cheap query (the activity's revision) when nothing did.
        """
        try:
            revision = self.store.revision(self.code, self.activity_key)
        except CsiError as exc:
            self.status.show(str(exc), "error")
            return False
        if revision == self._revision and not force:
            return False
        self._revision = revision
        self.ideas = self.store.ideas(self.code, self.activity_key)
        self.groups = self.store.idea_groups(self.code, self.activity_key)
        self.suggestions = suggest_duplicates(self.ideas, self.store.dismissed(self.code, self.activity_key))
        self._show_ideas()
        self._show_suggestions()
        return True

    def _show_ideas(self) -> None:
        texts = {i.id: i.text for i in self.ideas}
        kept = [i for i in self.ideas if i.merged_into is None]
        self._shown = {i.id for i in kept}
        for gone in set(self._rows) - self._shown:
            close_tree(self._rows.pop(gone)[0])
        rows = []
        for idea in kept:
            if idea.id not in self._rows:
                box = W.Checkbox(value=False, indent=False, layout=W.Layout(width="28px"))
                box.observe(self._on_tick_change, "value")
                label = W.HTML()
                self._rows[idea.id] = (W.HBox([box, label]), box, label)
            row, _, label = self._rows[idea.id]
            dups = self.groups.get(idea.id, [])
            extra = ""
            if dups:
                also = esc(" · ".join(texts[d] for d in dups if d in texts))
                extra = f' <span class="csikit-merged" title="{also}" style="color:#555">+{len(dups)} merged</span>'
            value = f"<span class='csikit-text'>{esc(idea.text)}</span>{extra}"
            if label.value != value:
                label.value = value
            rows.append(row)
        self.list.children = rows
        n, g = len(kept), len(self.groups)
        self.heading.value = f"<b>Merge duplicate ideas</b> — {len(self.ideas)} ideas, {n} after merging" + (
            f", {g} group{'s' * (g != 1)}" if g else ""
        )
        self._on_tick_change()

    def _show_suggestions(self) -> None:
        old = list(self.suggestions_box.children)
        texts = {i.id: i.text for i in self.ideas}
        rows = []
        for s in self.suggestions:
            words = " ≈ ".join(f"“{esc(texts[i])}”" for i in sorted(s.ideas))
            label = W.HTML(
                f"<span class='csikit-reason' style='color:#555'>{esc(s.reason)}:</span> {words}",
                layout=W.Layout(flex="1 1 auto"),
            )
            rows.append(
                W.HBox(
                    [
                        label,
                        button("Accept", lambda s=s: self.accept(s), style="success"),
                        button("Dismiss", lambda s=s: self.dismiss(s)),
                    ]
                )
            )
        self.suggestions_box.children = rows
        for row in old:
            close_tree(row)
        n = len(rows)
        self.suggestions_heading.value = (
            f"<b>Suggested duplicates</b> ({n})" if n else "<i>No duplicates suggested.</i>"
        )

    def _on_tick_change(self, _change=None) -> None:
        """The "keep" choice lists the ticked ideas."""
        texts = {i.id: i.text for i in self.ideas}
        options = [("the oldest selected", None)] + [(short(texts[i]), i) for i in self.selected]
        if list(self.keep.options) != options:
            was = self.keep.value
            self.keep.options = options
            self.keep.value = was if was in [v for _, v in options] else None


__all__ = ["MergePanel"]
