"""The phone's messages, checked before anything reads them (docs/ROOM-PROTOCOL.md).

Anything can arrive on a websocket: :func:`parse` turns one text frame into a
:class:`Message` or raises :class:`Refused` with a sentence for the phone (never a
traceback). Types, field types and sizes are checked here; what the values mean
(open activity, known item, value in range, budget) is the store's to check, with
the same rules and sentences as every other way of answering.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..model import MAX_COMMENT_LENGTH, MAX_IDEA_LENGTH, MAX_NAME_LENGTH

#: The largest text frame a phone may send (a ranking of 50 items with comments fits easily).
MAX_MESSAGE_BYTES = 64 * 1024
#: The most entries ``values`` or ``comments`` may hold.
MAX_ENTRIES = 200
#: Longest id (activity, item, criterion) or token a message may carry.
MAX_ID = 200
#: Largest ``seq`` (a JavaScript safe integer).
MAX_SEQ = 2**53 - 1

TYPES = ("hello", "join", "answer", "idea", "edit", "withdraw", "done", "ping")


class Refused(Exception):
    """A message the server will not act on; ``str()`` is the sentence for the phone."""

    def __init__(self, sentence: str, seq: int | None = None):
        super().__init__(sentence)
        self.seq = seq


@dataclass
class Message:
    type: str
    seq: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]


def parse(text: str | bytes) -> Message:
    """One phone frame as a :class:`Message`; raises :class:`Refused` with a sentence."""
    if isinstance(text, bytes):
        raise Refused("This server takes text messages only.")
    if len(text) > MAX_MESSAGE_BYTES:
        raise Refused("That message is too long.")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused("That message is not valid JSON.") from None
    if not isinstance(data, dict):
        raise Refused("A message must be a JSON object with a type.")
    seq = data.get("seq")
    if seq is not None and (isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ):
        raise Refused("seq must be a whole number.")
    kind = data.get("type")
    if kind not in TYPES:
        raise Refused("Unknown message type.", seq)
    try:
        return Message(kind, seq, _FIELDS[kind](data))
    except Refused as exc:
        exc.seq = seq
        raise


def _text(data: dict, name: str, limit: int, *, required: bool = True) -> str:
    value = data.get(name, None if required else "")
    if value is None and not required:
        value = ""
    if not isinstance(value, str):
        raise Refused(f"“{name}” must be text.")
    if len(value) > limit:
        raise Refused(f"“{name}” is too long.")
    return value


def _int(data: dict, name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_SEQ:
        raise Refused(f"“{name}” must be a whole number.")
    return value


def _activity(data: dict) -> str:
    key = _text(data, "activity", MAX_ID)
    if not key:
        raise Refused("“activity” is missing.")
    return key


def _values(data: dict) -> dict:
    """``{item: int}`` or ``{item: {criterion: int}}`` → ``{(item, criterion): int}``."""
    raw = data.get("values")
    if not isinstance(raw, dict) or not raw:
        raise Refused("“values” must be an object of item → value.")
    out: dict[tuple[str, str], int] = {}
    for item, value in raw.items():
        if len(item) > MAX_ID:
            raise Refused("An item id is too long.")
        pairs = value.items() if isinstance(value, dict) else (("", value),)
        for criterion, v in pairs:
            if len(criterion) > MAX_ID:
                raise Refused("A criterion id is too long.")
            if isinstance(v, bool) or not isinstance(v, int) or abs(v) > 10**6:
                raise Refused("Each value must be a whole number.")
            out[item, criterion] = v
            if len(out) > MAX_ENTRIES:
                raise Refused("Too many values in one message.")
    return out


def _comments(data: dict) -> dict[str, str] | None:
    raw = data.get("comments")
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) > MAX_ENTRIES:
        raise Refused("“comments” must be an object of item → text.")
    for item, text in raw.items():
        if len(item) > MAX_ID or not isinstance(text, str) or len(text) > MAX_COMMENT_LENGTH * 2:
            raise Refused("Each comment must be text of reasonable length.")
    return dict(raw)


def _hello(d: dict) -> dict:
    return {"code": _text(d, "code", MAX_ID).strip().upper(), "token": _text(d, "token", MAX_ID, required=False)}


def _join(d: dict) -> dict:
    return {"name": _text(d, "name", MAX_NAME_LENGTH * 4, required=False)}


def _answer(d: dict) -> dict:
    delta = d.get("delta", False)
    if not isinstance(delta, bool):
        raise Refused("“delta” must be true or false.")
    return {"activity": _activity(d), "values": _values(d), "comments": _comments(d), "delta": delta}


def _idea(d: dict) -> dict:
    return {"activity": _activity(d), "text": _text(d, "text", MAX_IDEA_LENGTH * 4)}


def _edit(d: dict) -> dict:
    return {"activity": _activity(d), "idea": _int(d, "idea"), "text": _text(d, "text", MAX_IDEA_LENGTH * 4)}


def _withdraw(d: dict) -> dict:
    return {"activity": _activity(d), "idea": _int(d, "idea")}


def _done(d: dict) -> dict:
    done = d.get("done", True)
    if not isinstance(done, bool):
        raise Refused("“done” must be true or false.")
    return {"activity": _activity(d), "done": done}


_FIELDS = {
    "hello": _hello,
    "join": _join,
    "answer": _answer,
    "idea": _idea,
    "edit": _edit,
    "withdraw": _withdraw,
    "done": _done,
    "ping": lambda d: {},
}


def dumps(message: dict) -> str:
    """A server message as one compact text frame."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))
