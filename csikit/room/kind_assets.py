"""Where a kind's phone front-end module lives: ``csikit/kinds/<kind>/phone.js``.

A kind is one folder (issue 22): what a phone draws of an open activity of a kind is that
folder's ``phone.js``, an ES module (anywidget's AFM). Phones still load it at
``/room/static/kinds/<kind>.js`` (next to ``phone.js``, so its relative imports such as
``"../ui.js"`` and ``"./rating.js"`` keep resolving): the room server answers that URL from
:func:`phone_module_path` (:class:`csikit.room.handlers.KindModule`), and the JupyterLab
preview inlines :func:`phone_modules` under the keys ``kinds/<kind>.js``
(:func:`csikit.room.preview.bundle`). This is the one place that knows the layout.

Light: imports only :data:`csikit.kinds.REGISTRY` (the room process holds every phone).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..kinds import REGISTRY

#: The folder of the kinds' folders (``csikit/kinds/``).
KINDS_DIR = Path(__file__).parent.parent / "kinds"
#: A kind's name as a URL may carry it: lower-case letters and underscores only.
NAME = re.compile(r"[a-z_]+")

__all__ = ["KINDS_DIR", "phone_module_path", "phone_modules"]


def phone_module_path(name: str) -> Path:
    """The file of kind ``name``'s phone front-end module (``csikit/kinds/<name>/phone.js``).

    Raises
    ------
    LookupError
        For a name that is not a registered kind (:data:`csikit.kinds.REGISTRY`) or not
        ``[a-z_]+``. The file itself may still be missing (a kind without a phone module).
    """
    if not isinstance(name, str) or not NAME.fullmatch(name) or name not in REGISTRY:
        raise LookupError(f"{name!r} is not an activity kind with a phone module")
    return KINDS_DIR / name / "phone.js"


def phone_modules() -> dict[str, Path]:
    """Every registered kind's phone module that exists, in registry order: ``{name: path}``."""
    paths = {name: phone_module_path(name) for name in REGISTRY if NAME.fullmatch(name)}
    return {name: path for name, path in paths.items() if path.is_file()}
