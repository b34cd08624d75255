"""The room hub: every phone connected to this process, per workshop code.

A phone is one websocket (:class:`Phone`); the hub binds it to a workshop (``hello``),
to a person (a rejoin token, or ``join``), applies its answers through the store's own
methods (same rules, sentences and audit as every other way of answering) and sends it
its whole screen whenever that changed.

A change of the room (open, lock, reveal, reset, restore, timer, merge) is noticed once
per process: with SQLite by watching the room signal file (one ``os.stat`` every
:data:`SIGNAL_POLL_S`); with PostgreSQL by ``LISTEN csikit_room`` on one connection (the
store sends ``NOTIFY csikit_room, '<code>'`` inside the change's transaction). The hub then
reads the shared part of the screen once and every person's answers in one query, and
sends each phone its screen if it changed for that phone.

Store calls are blocking (SQLAlchemy): they run on a small thread pool (:data:`WORKERS`),
so a write waiting for SQLite's lock never stalls the other phones' sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import csikit.room.screens as screens

from ..errors import CsiError, NotFound
from ..model import Participant
from ..store import Store, room_signal
from .protocol import Message, Refused, dumps, parse

log = logging.getLogger("csikit.room")

#: How often the SQLite room signal is checked (one ``os.stat``).
SIGNAL_POLL_S = 0.15
#: Every room is read again this often anyway, in case a change came without a signal or a
#: notification (another program wrote the store; a dropped LISTEN connection).
FALLBACK_S = 10.0
#: Threads running store calls.
WORKERS = 4
#: Phones a fan-out sends to before it lets the loop read sockets again.
FANOUT_CHUNK = 200
#: What a phone is told when the server itself failed (the log has the details).
SERVER_FAILED = "Something went wrong on the server; try again."


class Phone:
    """One connected phone (one websocket): its workshop, its person, its last screen."""

    def __init__(self, send: Callable[[str], Any]):
        self._send = send
        self.room: Room | None = None
        self.participant: Participant | None = None
        self.last = ""  # the last screen sent, as text (nothing is sent twice)
        self.lock = asyncio.Lock()  # one screen build or action at a time
        self.version = 0  # moves whenever an action or a screen build starts
        self.closed = False

    def send(self, message: dict | str) -> None:
        if self.closed:
            return
        text = message if isinstance(message, str) else dumps(message)
        try:
            self._send(text)
        except Exception:  # noqa: BLE001 - a socket that closed meanwhile
            self.closed = True


class Room:
    """The phones of one workshop in this process, and what they all show."""

    def __init__(self, code: str, workshop):
        self.code, self.workshop = code, workshop
        self.phones: set[Phone] = set()
        self.shared: screens.Shared | None = None
        self.refreshing = False
        self.again = False


class Hub:
    """Phones per workshop in this process; see the module's docstring.

    Parameters
    ----------
    store_url
        The shared store.
    code
        The one workshop this server runs (``CSIKIT_WORKSHOP``); ``""``: any in the store.
    """

    def __init__(
        self,
        store_url: str,
        code: str = "",
        *,
        workers: int = WORKERS,
        signal_poll: float = SIGNAL_POLL_S,
        fallback: float = FALLBACK_S,
    ):
        self.store = Store(store_url)
        self.code = code.strip().upper()
        self.rooms: dict[str, Room] = {}
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="csikit-room")
        self.signal_poll, self.fallback = signal_poll, fallback
        self._tasks: list[asyncio.Task] = []
        self._signal = self.store.signal()
        self.listening = False  # PostgreSQL: the LISTEN connection is up
        self.stats = {"changes": 0, "fanouts": 0, "sent": 0}

    # --- life ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start watching the store (call on the running loop)."""
        loop = asyncio.get_running_loop()
        if self.store.is_sqlite:
            self._tasks.append(loop.create_task(self._watch_signal()))
        else:
            self._tasks.append(loop.create_task(self._listen()))
        self._tasks.append(loop.create_task(self._fallback()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        self._tasks.clear()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.store.close()

    @property
    def phones(self) -> int:
        return sum(len(r.phones) for r in self.rooms.values())

    async def _run(self, fn, *args, **kwargs):
        """A blocking store call on the thread pool."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, lambda: fn(*args, **kwargs))

    # --- noticing changes once per process ------------------------------------------------

    async def _watch_signal(self) -> None:
        while True:
            await asyncio.sleep(self.signal_poll)
            signal = self.store.signal()
            if signal != self._signal:
                self._signal = signal
                self.changed()

    async def _fallback(self) -> None:
        while True:
            await asyncio.sleep(self.fallback)
            self.changed()

    async def _listen(self) -> None:
        """PostgreSQL: ``LISTEN csikit_room`` on one connection; reconnect when it drops."""
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.store.url_for_kernels).set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {room_signal.CHANNEL}")
                    self.listening = True
                    self.changed()  # whatever happened while not listening
                    async for note in conn.notifies():
                        self.changed(note.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the database restarted, the network dropped
                log.warning(
                    "csikit room: the LISTEN connection to the store failed (%s); again in 1 s", type(exc).__name__
                )
            finally:
                self.listening = False
            await asyncio.sleep(1.0)

    def changed(self, code: str | None = None) -> None:
        """Something every phone of ``code`` (None: of every room) may show changed."""
        self.stats["changes"] += 1
        for room in [self.rooms.get(code)] if code else list(self.rooms.values()):
            if room is not None and room.phones:
                asyncio.ensure_future(self.refresh(room))

    async def refresh(self, room: Room) -> None:
        """Read the room once and send each phone its screen if it changed for that phone."""
        if room.refreshing:
            room.again = True
            return
        room.refreshing = True
        try:
            while True:
                room.again = False
                phones = list(room.phones)
                versions = {p: p.version for p in phones}
                try:
                    shared, owns = await self._run(self._read_room, room)
                except CsiError as exc:
                    log.warning("csikit room: cannot read workshop %s: %s", room.code, exc)
                    return
                room.shared = shared
                self.stats["fanouts"] += 1
                # every phone in the room now, not only those read: one that said hello while the
                # room was read may have been sent the screen before this change, and must follow it
                for n, phone in enumerate(list(room.phones)):
                    if phone.closed or phone.room is not room:
                        continue
                    if phone not in versions or phone.lock.locked() or versions[phone] != phone.version:
                        # an answer of this phone is on its way: build its screen after it
                        asyncio.ensure_future(self.push_screen(phone))
                    else:
                        p = phone.participant
                        self._send_screen(
                            phone,
                            screens.screen_for(shared, p, owns.get(p.id, screens.NOTHING) if p else screens.NOTHING),
                        )
                    if n % FANOUT_CHUNK == FANOUT_CHUNK - 1:
                        await asyncio.sleep(0)
                if not room.again:
                    return
        finally:
            room.refreshing = False

    def _read_room(self, room: Room):
        shared = screens.read_shared(self.store, room.code, room.workshop)
        return shared, screens.read_room(self.store, room.code, shared)

    # --- one phone's screen ------------------------------------------------------------------

    def _send_screen(self, phone: Phone, screen: dict) -> None:
        text = dumps({"type": "screen", "screen": screen})
        if text != phone.last:
            phone.last = text
            phone.send(text)
            self.stats["sent"] += 1

    async def push_screen(self, phone: Phone, *, fresh: bool = False) -> None:
        """Send this phone its screen as the store holds it now (``fresh``: read the room's
        shared part again first, e.g. after a refusal that says the activity closed)."""
        async with phone.lock:
            phone.version += 1
            await self._screen_now(phone, fresh=fresh)

    async def _screen_now(self, phone: Phone, *, fresh: bool = False, own: screens.Own | None = None) -> None:
        room = phone.room
        if room is None or phone.closed:
            return
        for _ in range(3):
            shared = room.shared
            if shared is None or fresh:
                shared = room.shared = await self._run(screens.read_shared, self.store, room.code, room.workshop)
                fresh = False
            p = phone.participant
            got = (
                own
                if own is not None
                else (
                    await self._run(screens.read_own, self.store, room.code, shared, p.id)
                    if p and shared.needs_mine
                    else screens.NOTHING
                )
            )
            if room.shared is shared:
                break
            own = None  # the room changed while this person's answers were read: read them again
        self._send_screen(phone, screens.screen_for(shared, phone.participant, got))

    def _others(self, phone: Phone) -> None:
        """The same person's other sockets in this process follow what this one did."""
        if phone.room is None or phone.participant is None:
            return
        for other in list(phone.room.phones):
            if other is not phone and other.participant is not None and other.participant.id == phone.participant.id:
                asyncio.ensure_future(self.push_screen(other))

    # --- messages -----------------------------------------------------------------------------

    def connect(self, send: Callable[[str], Any]) -> Phone:
        return Phone(send)

    def disconnect(self, phone: Phone) -> None:
        phone.closed = True
        if phone.room is not None:
            phone.room.phones.discard(phone)

    async def handle(self, phone: Phone, text: str | bytes) -> None:
        """One frame from a phone: parse, act, answer. Never raises; never shows a traceback."""
        try:
            msg = parse(text)
        except Refused as exc:
            self._refuse(phone, str(exc), exc.seq)
            return
        try:
            await getattr(self, f"_on_{msg.type}")(phone, msg)
        except Refused as exc:
            self._refuse(phone, str(exc), msg.seq)
        except Exception:  # noqa: BLE001 - a bug must not reach the phone as a traceback
            log.exception("csikit room: a %s message failed", msg.type)
            self._refuse(phone, SERVER_FAILED, msg.seq)

    def _refuse(self, phone: Phone, sentence: str, seq: int | None) -> None:
        if seq is None:
            phone.send({"type": "error", "error": sentence})
            return
        phone.send({"type": "ack", "seq": seq, "ok": False, "error": sentence})
        if phone.room is not None:  # an ack ok:false is followed by the screen, as the store's refusals are
            phone.last = ""
            asyncio.ensure_future(self.push_screen(phone))

    def _ack(self, phone: Phone, msg: Message) -> None:
        if msg.seq is not None:
            phone.send({"type": "ack", "seq": msg.seq, "ok": True})

    async def _on_ping(self, phone: Phone, msg: Message) -> None:
        phone.send({"type": "pong", **({"seq": msg.seq} if msg.seq is not None else {})})

    async def _on_hello(self, phone: Phone, msg: Message) -> None:
        code, token = msg["code"], msg["token"]
        if not code:
            code = self.code
        if self.code and code != self.code:
            raise Refused(
                f"This link is for workshop {code}, but this server runs {self.code}. "
                "Ask the facilitator for the current link."
            )
        room = self.rooms.get(code)
        if room is None:
            try:
                ws = await self._run(self.store.workshop, code)
            except NotFound:
                raise Refused(f"There is no workshop with code {code}; check the link.") from None
            room = self.rooms.setdefault(code, Room(code, ws))
        participant = None
        if token:
            try:
                participant = await self._run(self.store.rejoin, code, token)
            except NotFound:
                participant = None  # a stale or forged token: the join screen, no message (as before)
        if phone.room is not None and phone.room is not room:
            phone.room.phones.discard(phone)
        phone.room, phone.participant, phone.last = room, participant, ""
        room.phones.add(phone)
        self._ack(phone, msg)
        if participant is not None:
            phone.send(
                {"type": "joined", "token": participant.token, "participant": participant.id, "name": participant.name}
            )
        await self.push_screen(phone)

    def _room_of(self, phone: Phone) -> Room:
        if phone.room is None:
            raise Refused("Say hello with the workshop code first.")
        return phone.room

    def _person(self, phone: Phone) -> Participant:
        self._room_of(phone)
        if phone.participant is None:
            raise Refused("Join the workshop first.")
        return phone.participant

    async def _on_join(self, phone: Phone, msg: Message) -> None:
        room = self._room_of(phone)
        async with phone.lock:
            phone.version += 1
            if phone.participant is None:  # a second tap on Join is the same person
                try:
                    phone.participant = await self._run(self.store.join, room.code, msg["name"])
                except CsiError as exc:
                    raise Refused(str(exc)) from None
            p = phone.participant
            self._ack(phone, msg)
            phone.send({"type": "joined", "token": p.token, "participant": p.id, "name": p.name})
            phone.last = ""
            await self._screen_now(phone)

    async def _act(self, phone: Phone, msg: Message, action: Callable[[str, int], Any]) -> None:
        """Apply one answer-like action through the store, then ack and send the new screen.

        The store's refusal is the ack's ``error``, followed by the screen as the store
        holds it (read afresh: the refusal may say the activity closed meanwhile)."""
        p = self._person(phone)
        room = phone.room
        async with phone.lock:
            phone.version += 1
            shared = room.shared

            def work():
                action(room.code, p.id)
                sh = shared if shared is not None else screens.read_shared(self.store, room.code, room.workshop)
                return sh, screens.read_own(self.store, room.code, sh, p.id)

            t0 = time.perf_counter()
            try:
                sh, own = await self._run(work)
            except CsiError as exc:
                phone.send(
                    {"type": "ack", "seq": msg.seq, "ok": False, "error": str(exc)}
                    if msg.seq is not None
                    else {"type": "error", "error": str(exc)}
                )
                phone.last = ""  # the screen follows even if unchanged: the page may have moved ahead of the store
                try:
                    await self._screen_now(phone, fresh=True)
                except CsiError as again:  # the store itself failed (locked, gone): the ack said so
                    log.warning("csikit room: cannot read workshop %s: %s", room.code, again)
                return
            self.stats["last_action_s"] = time.perf_counter() - t0
            self._ack(phone, msg)
            phone.last = ""  # every ack is followed by the screen
            if room.shared is sh:
                self._send_screen(phone, screens.screen_for(sh, p, own))
            else:
                await self._screen_now(phone)
        self._others(phone)

    async def _on_answer(self, phone: Phone, msg: Message) -> None:
        store, f = self.store, msg.fields
        await self._act(
            phone,
            msg,
            lambda code, pid: store.respond(code, pid, f["activity"], f["values"], f["comments"], delta=f["delta"]),
        )

    async def _on_idea(self, phone: Phone, msg: Message) -> None:
        store, f = self.store, msg.fields
        await self._act(phone, msg, lambda code, pid: store.add_idea(code, pid, f["activity"], f["text"]))

    async def _on_edit(self, phone: Phone, msg: Message) -> None:
        store, f = self.store, msg.fields
        await self._act(phone, msg, lambda code, pid: store.edit_idea(code, pid, f["activity"], f["idea"], f["text"]))

    async def _on_withdraw(self, phone: Phone, msg: Message) -> None:
        store, f = self.store, msg.fields
        await self._act(phone, msg, lambda code, pid: store.edit_idea(code, pid, f["activity"], f["idea"], None))

    async def _on_done(self, phone: Phone, msg: Message) -> None:
        store, f = self.store, msg.fields
        await self._act(phone, msg, lambda code, pid: store.mark_done(code, pid, f["activity"], done=f["done"]))
