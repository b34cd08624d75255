"""The room endpoint: phones without kernels (docs/ROOM-PROTOCOL.md).

A jupyter_server extension (``jpserver_extensions={"csikit.room": True}``) that serves
the join page and its front-end modules as static files and holds one websocket per
phone. A change of the room is noticed once per process (the SQLite room signal, or
PostgreSQL ``LISTEN csikit_room``) and fanned out as one screen per phone.

Light on purpose: the process holds a whole room, so neither this package nor what it
imports loads ipywidgets, pandas, matplotlib or seaborn (tests/room/test_room.py,
``test_the_room_process_imports_no_widgets_and_no_pandas``).
"""

from __future__ import annotations


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "csikit.room"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from .handlers import setup

    setup(serverapp)


# jupyter_server < 2 looked for these names
load_jupyter_server_extension = _load_jupyter_server_extension
_jupyter_server_extension_paths = _jupyter_server_extension_points
