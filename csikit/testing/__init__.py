"""What csikit's tests, benchmarks and ``csikit capacity`` use to play a room without browsers.

:class:`RoomPhone` is a headless phone on the room endpoint (docs/ROOM-PROTOCOL.md);
:mod:`csikit.testing.room` plays a room of them. :class:`HeadlessParticipant` drives a
Voila page's widgets over its kernel (the facilitator's page, and the kernel-per-phone
floor of ``benchmarks/room.py``). Not part of a workshop: nothing in the apps imports
this package.
"""

from .errors import HeadlessError
from .headless import HeadlessParticipant, gather_bounded
from .room_client import RoomPhone

__all__ = ["HeadlessError", "HeadlessParticipant", "RoomPhone", "gather_bounded"]
