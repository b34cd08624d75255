"""Merging duplicate ideas, and taking a merge back: the facilitator's side of an ideas wall.

``merge_ideas`` folds duplicates into the idea kept, and folds their answers in activities
already built from them (items merged, values combined as the kind says: dots add up, a
person's other values stand); ``idea_merges`` records what moved, so ``undo_merge`` puts it
back. ``idea_groups``, ``dismiss_suggestion`` and ``dismissed`` keep which suggested
duplicates the facilitator looked at. Mixed into :class:`~csikit.store.Store` (``front``).
"""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

import csikit.store.schema as t

from ..errors import InvalidResponse, NotFound
from ..kinds import kind_of
from ..model import Activity, Item, Workshop
from .core import StoreCore, audit_actor, now
from .trash import _from_json, _to_json

#: The audit action that records a suggestion the facilitator dismissed.
KEPT_APART = "kept apart"


class IdeaMerges(StoreCore):
    """Merging duplicate ideas and taking a merge back."""

    def merge_ideas(
        self, code: str, activity: str, keep: int, duplicates: list[int], actor: str = "facilitator"
    ) -> None:
        """Merge ideas into ``keep``: they are kept, but counted, voted on and handed off as one.

        Allowed in any state of the ideas activity (the facilitator merges while people
        still type, or after locking). Merging into an idea that is itself a duplicate
        merges into its kept idea; a duplicate's own duplicates follow it. Activities
        whose items come from these ideas and are already open (``idea-<id>`` items) get
        one item per group in the same transaction: a participant's dots on the
        duplicates are added to the kept item's, other answers keep the participant's
        value on the kept item (or move there when there was none). What moved is
        recorded so :meth:`undo_merge` can put it back.

        Raises
        ------
        NotFound
            ``keep`` or a duplicate is not an idea of this activity, or ``keep`` is among them.
        """
        wid, ws = self._definition(code)
        if not kind_of(ws.activity(activity).kind).collects_ideas:
            raise InvalidResponse("Only ideas can be merged; pick an ideas activity.")
        dependents = _dependents(ws, activity)
        with self._write() as c:
            row = self._activity_row(c, code, activity, exclusive=True)
            ideas = {
                r.id: r
                for r in c.execute(
                    select(t.ideas.c.id, t.ideas.c.text, t.ideas.c.merged_into).where(t.ideas.c.activity_id == row.id)
                )
            }
            if keep not in ideas or not set(duplicates) <= ideas.keys() or keep in duplicates:
                raise NotFound("Those ideas are not all in this activity.")
            group = _roots({i: r.merged_into for i, r in ideas.items()})
            root = group[keep]
            roots = {group[d] for d in duplicates} - {root}
            moving = sorted(i for i in ideas if group[i] in roots)
            if not moving:
                return  # already one group
            at = now()
            c.execute(t.ideas.update().where(t.ideas.c.id.in_(moving)).values(merged_into=root, updated_at=at))
            folded = []
            for key in dependents:
                done = self._fold_items(c, code, ws.activity(key), root, ideas[root].text, moving)
                if done:
                    folded.append(done)
            moved = {"ideas": {str(i): ideas[i].merged_into for i in moving}, "activities": folded}
            c.execute(
                t.idea_merges.insert().values(
                    activity_id=row.id,
                    keep=root,
                    duplicates=json.dumps(moving),
                    moved=json.dumps(moved),
                    actor=audit_actor(actor),
                    at=at,
                )
            )
            self._log_event(c, wid, "merged", activity, actor, f"{moving} into {root}" + _moved_words(folded), at=at)
            if folded:
                self._notify(c, code)
        for done in folded:
            self._touch_signal(f"merged {code} {done['key']}")

    def undo_merge(self, code: str, activity: str, actor: str = "facilitator") -> bool:
        """Undo the latest merge of this activity not yet undone: the ideas are separate
        again, and the items and answers it moved in later activities are put back.

        A dot vote gives each participant's dots back to the duplicates, at most what they
        had there, out of what the kept item holds now (so the budget still holds if the
        person voted again since). An activity reset since the merge is left as it is.
        Returns False when there is nothing to undo.
        """
        wid, ws = self._definition(code)
        with self._write() as c:
            row = self._activity_row(c, code, activity, exclusive=True)
            at = now()
            born = dict(
                c.execute(select(t.ideas.c.id, t.ideas.c.created_at).where(t.ideas.c.activity_id == row.id)).all()
            )
            for merge in c.execute(
                select(t.idea_merges)
                .where(t.idea_merges.c.activity_id == row.id, t.idea_merges.c.undone_at.is_(None))
                .order_by(t.idea_merges.c.id.desc())
            ).all():
                # an id a reset freed may be given to a new idea (SQLite): only ideas as old as the merge count
                if any(i in born and born[i] <= merge.at for i in json.loads(merge.duplicates)):
                    break
                # its ideas were reset or withdrawn since: nothing left to separate
                c.execute(t.idea_merges.update().where(t.idea_merges.c.id == merge.id).values(undone_at=at))
            else:
                return False
            moved = json.loads(merge.moved)
            for before in _by_value(moved["ideas"]):
                ids, into = before
                c.execute(
                    t.ideas.update()
                    .where(t.ideas.c.id.in_(ids), t.ideas.c.activity_id == row.id)
                    .values(merged_into=into, updated_at=at)
                )
            touched = []
            for record in reversed(moved["activities"]):
                if record["key"] in {a.id for a in ws.agenda} and self._unfold_items(
                    c, code, ws.activity(record["key"]), record
                ):
                    touched.append(record["key"])
            separate = [int(i) for i, into in moved["ideas"].items() if into is None]
            for key in _dependents(ws, activity):
                if key not in {r["key"] for r in moved["activities"]} and self._add_separated(
                    c, code, key, merge.keep, separate
                ):
                    touched.append(key)
            c.execute(t.idea_merges.update().where(t.idea_merges.c.id == merge.id).values(undone_at=at))
            self._log_event(
                c, wid, "unmerged", activity, actor, f"{json.loads(merge.duplicates)} from {merge.keep}", at=at
            )
            if touched:
                self._notify(c, code)
        for key in touched:
            self._touch_signal(f"unmerged {code} {key}")
        return True

    def idea_groups(self, code: str, activity: str) -> dict[int, list[int]]:
        """Each kept idea that has duplicates -> its duplicates (ids, oldest first)."""
        groups: dict[int, list[int]] = {}
        for idea, root in _roots({i.id: i.merged_into for i in self.ideas(code, activity)}).items():
            if idea != root:
                groups.setdefault(root, []).append(idea)
        return {k: sorted(v) for k, v in sorted(groups.items())}

    def dismiss_suggestion(self, code: str, activity: str, ideas: list[int], actor: str = "facilitator") -> None:
        """Remember that the facilitator keeps these ideas apart: they are not suggested together again.

        An audit row (action "kept apart", the ids as JSON) is the record :meth:`dismissed` reads.
        """
        ids = sorted({int(i) for i in ideas})
        if len(ids) < 2:
            raise InvalidResponse("Keeping apart takes two ideas or more.")
        wid = self._wid(code)
        with self._write() as c:
            self._activity_row(c, code, activity)  # an unknown activity says so
            self._log_event(c, wid, KEPT_APART, activity, actor, json.dumps(ids))

    def dismissed(self, code: str, activity: str) -> set[frozenset[int]]:
        """The sets of ideas the facilitator kept apart (see :meth:`dismiss_suggestion`)."""
        wid = self._wid(code)
        with self._read() as c:
            details = c.execute(
                select(t.events.c.detail).where(
                    t.events.c.workshop_id == wid, t.events.c.activity_key == activity, t.events.c.action == KEPT_APART
                )
            ).scalars()
            out = set()
            for detail in details:
                try:
                    out.add(frozenset(int(i) for i in json.loads(detail)))
                except (ValueError, TypeError):
                    continue  # a hand-written row: not ours to read
        return out

    def _fold_items(
        self, c: Connection, code: str, definition: Activity, root: int, text: str, moving: list[int]
    ) -> dict | None:
        """Fold the items ``idea-<moving>`` of an activity into ``idea-<root>``; what moved, or None."""
        keep_key = f"idea-{root}"
        row = self._activity_row(c, code, definition.id, exclusive=True)
        items = {r.key: r for r in c.execute(select(t.items).where(t.items.c.activity_id == row.id))}
        dups = [items[f"idea-{i}"] for i in moving if f"idea-{i}" in items]
        if not dups:
            return None
        record = {
            "key": definition.id,
            "keep_item": keep_key,
            "renamed": None,
            "items": [],
            "responses": [],
            "kept": [],
        }
        if keep_key in items:
            target = items[keep_key].id
        else:  # the kept idea came after this activity opened: the first duplicate's item becomes its item
            first = dups.pop(0)
            record["renamed"] = {"key": first.key, "text": first.text}
            c.execute(t.items.update().where(t.items.c.id == first.id).values(key=keep_key, text=text))
            target = first.id
        kept = {
            (r.participant_id, r.criterion): r
            for r in c.execute(select(t.responses).where(t.responses.c.item_id == target))
        }
        record["kept"] = [
            {"participant_id": p, "criterion": cr, "value": r.value, "comment": r.comment}
            for (p, cr), r in kept.items()
        ]
        values = {k: (r.value, r.comment) for k, r in kept.items()}
        dup_ids = [d.id for d in dups]
        keys = {d.id: d.key for d in dups}
        rows = (
            c.execute(select(t.responses).where(t.responses.c.item_id.in_(dup_ids)).order_by(t.responses.c.id)).all()
            if dup_ids
            else []
        )
        adds = kind_of(definition.kind).adds_up_on_merge
        for r in rows:
            record["responses"].append({**_to_json(r), "item": keys[r.item_id]})
            k = (r.participant_id, r.criterion)
            if k not in values:
                values[k] = (r.value, r.comment)
                kept[k] = r
            elif adds:
                values[k] = (values[k][0] + r.value, values[k][1] or r.comment)
        cap = definition.cap if adds else 0
        for k, (value, comment) in list(values.items()):
            if cap and value > cap:
                # The cap holds after a merge too: dots over it go back to the voter's budget (to
                # spend again), and the record keeps them so that an undo gives back every dot.
                record.setdefault("capped", []).append({"participant_id": k[0], "criterion": k[1], "dots": value - cap})
                values[k] = value, comment = cap, comment
        for k, (value, comment) in values.items():
            old = kept[k]
            if old.item_id == target:
                if (old.value, old.comment) != (value, comment):
                    c.execute(
                        t.responses.update().where(t.responses.c.id == old.id).values(value=value, comment=comment)
                    )
            else:  # the participant answered only a duplicate: the answer moves to the kept item
                c.execute(
                    t.responses.update()
                    .where(t.responses.c.id == old.id)
                    .values(item_id=target, value=value, comment=comment)
                )
        gone = [r.id for r in rows if kept[(r.participant_id, r.criterion)].id != r.id]
        if gone:
            c.execute(t.responses.delete().where(t.responses.c.id.in_(gone)))
        if dup_ids:
            record["items"] = [{"key": d.key, "text": d.text, "position": d.position, "source": d.source} for d in dups]
            c.execute(t.items.delete().where(t.items.c.id.in_(dup_ids)))
        c.execute(
            t.activities.update().where(t.activities.c.id == row.id).values(changed_at=now())
        )  # phones and item caches follow
        self._item_cache.pop(row.id, None)
        return record

    def _add_separated(self, c: Connection, code: str, key: str, keep: int, separate: list[int]) -> bool:
        """An activity opened after the merge had one item for the group: the separated ideas
        get their items back (after the others, without answers). True when any was added."""
        row = self._activity_row(c, code, key, exclusive=True)
        have = set(c.execute(select(t.items.c.key).where(t.items.c.activity_id == row.id)).scalars())
        if f"idea-{keep}" not in have or not separate:
            return False
        texts = dict(c.execute(select(t.ideas.c.id, t.ideas.c.text).where(t.ideas.c.id.in_(separate))).all())
        new = [Item(f"idea-{i}", texts[i]) for i in sorted(separate) if i in texts and f"idea-{i}" not in have]
        if not new:
            return False
        self._add_items(c, row.id, new, "open")
        c.execute(t.activities.update().where(t.activities.c.id == row.id).values(changed_at=now()))
        self._item_cache.pop(row.id, None)
        return True

    def _unfold_items(self, c: Connection, code: str, definition: Activity, record: dict) -> bool:
        """Put back what :meth:`_fold_items` moved; False when the activity no longer holds the kept item."""
        row = self._activity_row(c, code, definition.id, exclusive=True)
        items = {r.key: r for r in c.execute(select(t.items).where(t.items.c.activity_id == row.id))}
        target = items.get(record["keep_item"])
        if target is None:
            return False  # reset (or reopened with other items) since the merge
        ids = {}
        for item in record["items"]:
            if item["key"] in items:
                ids[item["key"]] = items[item["key"]].id
            else:
                ids[item["key"]] = c.execute(t.items.insert().values(activity_id=row.id, **item)).inserted_primary_key[
                    0
                ]
        before = {(k["participant_id"], k["criterion"]): k for k in record["kept"]}
        now_on = {
            (r.participant_id, r.criterion): r
            for r in c.execute(select(t.responses).where(t.responses.c.item_id == target.id))
        }
        given: dict[tuple, list[dict]] = {}
        for r in record["responses"]:
            given.setdefault((r["participant_id"], r["criterion"]), []).append(r)
        adds = kind_of(definition.kind).adds_up_on_merge
        capped = {}
        for r in record.get("capped", []):  # dots the cap sent back to a budget: back on the item if still unspent
            spent = c.execute(
                select(func.coalesce(func.sum(t.responses.c.value), 0))
                .join(t.items, t.items.c.id == t.responses.c.item_id)
                .where(t.items.c.activity_id == row.id, t.responses.c.participant_id == r["participant_id"])
            ).scalar()
            capped[(r["participant_id"], r["criterion"])] = max(
                0, min(r["dots"], (definition.budget or 0) - int(spent))
            )
        renamed = record["renamed"]
        for k in set(before) | set(given):
            current = now_on.get(k)
            back = [dict(r) for r in given.get(k, [])]
            if adds:
                left = (current.value if current is not None else 0) + capped.get(k, 0)
                for r in back:  # each duplicate gets back what it had, out of what the kept item holds now
                    r["value"] = min(r["value"], left)
                    left -= r["value"]
                back = [r for r in back if r["value"] > 0]
                stays = left > 0
            else:
                left = current.value if current is not None else None
                stays = k in before
                if (
                    not stays and current is not None and back
                ):  # moved from the first duplicate: back with its current value
                    back[0]["value"] = current.value
            for r in back:
                fields = {n: v for n, v in r.items() if n not in ("id", "item", "item_id")}
                c.execute(t.responses.insert().values(**_from_json(t.responses, fields), item_id=ids[r["item"]]))
            if current is None:
                continue
            if stays:
                was = before[k]["comment"]
                comment = (
                    was if not was and current.comment in {r["comment"] for r in given.get(k, [])} else current.comment
                )
                c.execute(
                    t.responses.update().where(t.responses.c.id == current.id).values(value=left, comment=comment)
                )
            else:
                c.execute(t.responses.delete().where(t.responses.c.id == current.id))
        if renamed is not None and renamed["key"] not in items:
            c.execute(
                t.items.update().where(t.items.c.id == target.id).values(key=renamed["key"], text=renamed["text"])
            )
        c.execute(t.activities.update().where(t.activities.c.id == row.id).values(changed_at=now()))
        self._item_cache.pop(row.id, None)
        return True


def _dependents(ws: Workshop, source: str) -> list[str]:
    """Activities whose items come, directly or through others, from ``source``'s ideas."""
    by_id = {a.id: a for a in ws.agenda}
    out = []
    for a in ws.agenda:
        seen, src = {a.id}, a.items_from
        while src in by_id and src not in seen and src != source:
            seen.add(src)
            src = by_id[src].items_from
        if src == source and a.id != source:
            out.append(a.id)
    return out


def _roots(merged_into: dict[int, int | None]) -> dict[int, int]:
    """Each idea's kept idea (itself when not merged), following chains an older csikit left."""
    out = {}
    for idea in merged_into:
        seen, at = {idea}, idea
        while merged_into.get(at) in merged_into and merged_into[at] not in seen:
            at = merged_into[at]
            seen.add(at)
        out[idea] = at
    return out


def _by_value(before: dict[str, int | None]) -> list[tuple[list[int], int | None]]:
    """{idea: merged_into} as [(ideas, merged_into)], one update each."""
    out: dict[int | None, list[int]] = {}
    for idea, into in before.items():
        out.setdefault(into, []).append(int(idea))
    return list((ids, into) for into, ids in out.items())


def _moved_words(folded: list[dict]) -> str:
    """``"; top: 2 items, 5 answers moved"`` for the audit detail."""
    parts = [
        f"{f['key']}: {len(f['items']) + (f['renamed'] is not None)} items, {len(f['responses'])} answers moved"
        for f in folded
    ]
    return "; " + "; ".join(parts) if parts else ""
