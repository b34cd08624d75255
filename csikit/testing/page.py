"""What a headless participant's page shows: a mirror of the kernel's widget states.

:class:`PageMirror` reads the mirror a :class:`~csikit.testing.HeadlessParticipant`
keeps up to date — the words on the page, the widgets a person sees (below the page's
displayed widgets and not hidden), and the widgets that match what a person would look
for ("the + in the row of this item").
"""

from __future__ import annotations

import html
import re

from .errors import HeadlessError


class PageMirror:
    """Widget states by model id (``states``) and the page's displayed widgets (``roots``)."""

    states: dict[str, dict]
    roots: list[str]

    def text_of(self, model_id: str) -> str:
        """The words a widget shows: its description and its value (an HTML widget's without tags)."""
        s = self.states.get(model_id, {})
        parts = [s.get("description") or ""]
        if isinstance(s.get("value"), str):
            value = s["value"]
            if s.get("_model_name") == "HTMLModel":  # what the page shows, not its markup
                value = html.unescape(re.sub(r"<[^>]+>", " ", value)).strip()
            parts.append(value)
        return " ".join(p for p in parts if p)

    def children(self, model_id: str) -> list[str]:
        return [c[len("IPY_MODEL_") :] for c in self.states.get(model_id, {}).get("children", []) if isinstance(c, str)]

    def subtree(self, model_id: str) -> list[str]:
        """``model_id`` and every widget below it."""
        out, todo, seen = [], [model_id], set()
        while todo:
            m = todo.pop(0)
            if m in seen or m not in self.states:
                continue
            seen.add(m)
            out.append(m)
            todo.extend(self.children(m))
        return out

    def shown(self) -> set[str]:
        """The widgets a person sees: below the page's displayed widgets and not hidden by
        their layout (``display: none``). A model the kernel made but shows nowhere (a
        screen built ahead) is not shown. All models, if the page named no displayed widget.
        """
        if not self.roots:
            return set(self.states)
        out, todo = set(), list(self.roots)
        while todo:
            m = todo.pop()
            if m in out or m not in self.states:
                continue
            layout = self.states[m].get("layout")
            if isinstance(layout, str) and self.states.get(layout[len("IPY_MODEL_") :], {}).get("display") == "none":
                continue
            out.add(m)
            todo.extend(self.children(m))
        return out

    def text(self) -> str:
        """Every word on the page as shown, HTML widgets' tags stripped (to wait for e.g. "Joined as")."""
        shown = self.shown()
        return " ".join(t for t in (self.text_of(m) for m in self.states if m in shown) if t)

    def find(
        self,
        *,
        model_name: str | None = None,
        description: str | None = None,
        placeholder: str | None = None,
        contains: str | None = None,
        near_text: str | None = None,
    ) -> list[str]:
        """Model ids of shown widgets (:meth:`shown`) that match every given criterion.

        ``near_text``: the widget sits in (or below) a box whose own children show that text —
        the item's row, whatever boxes the row nests its buttons in.
        """
        hits, shown = [], self.shown()
        for mid, s in self.states.items():
            if mid not in shown:
                continue
            if model_name is not None and s.get("_model_name") != model_name:
                continue
            if description is not None and s.get("description") != description:
                continue
            if placeholder is not None and s.get("placeholder") != placeholder:
                continue
            if contains is not None and contains not in self.text_of(mid):
                continue
            hits.append(mid)
        if near_text is not None:
            rows = [
                m
                for m, s in self.states.items()
                if "children" in s and any(near_text in self.text_of(c) for c in self.children(m))
            ]
            near = {c for r in rows for c in self.subtree(r)}
            hits = [h for h in hits if h in near]
        return hits

    def find_one(self, **criteria) -> str:
        hits = self.find(**criteria)
        if len(hits) != 1:
            raise HeadlessError(f"{len(hits)} widgets match {criteria}, expected one")
        return hits[0]
