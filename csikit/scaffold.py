"""Start a new workshop folder from the commented template."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from .errors import CsiError
from .workshop_file import WORKSHOP_FILE, load_workshop


def join_code(name: str) -> str:
    """A join code from a workshop name: capitals and digits, 4–12 long."""
    code = re.sub(r"[^A-Z0-9]", "", name.upper())[:10]
    return (code + "CSI1")[: max(len(code), 4)] if len(code) < 4 else code


#: A workshop folder's name: one path segment, no hidden or parent folder.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_workshop_name(name: str) -> str:
    """``name`` stripped, if it can name a folder beside the other workshops; else a CsiError saying why."""
    name = name.strip()
    if not name:
        raise CsiError("Type a name for the workshop first (letters, digits, '-', '_' or '.').")
    if not _NAME.fullmatch(name) or ".." in name:
        msg = (
            f"{name[:80]!r} cannot name a workshop folder: use letters, digits, '-', '_' or '.' "
            "(at most 64, starting with a letter or digit, no '..' and no '/')."
        )
        raise CsiError(msg)
    return name


def new_workshop(folder: Path, *, title: str | None = None, text: str | None = None) -> Path:
    """Write ``folder/workshop.yaml`` from the template (or ``text``); refuse to overwrite."""
    file = folder / WORKSHOP_FILE
    if file.exists():
        msg = f"{file} already exists; choose another name or edit that file."
        raise CsiError(msg)
    if text is None:
        template = resources.files("csikit").joinpath("templates", WORKSHOP_FILE).read_text(encoding="utf-8")
        name = folder.name
        title = title or name.replace("-", " ").replace("_", " ").capitalize()
        text = template.replace("{title}", json.dumps(title, ensure_ascii=False)[1:-1])
        text = text.replace("{code}", join_code(name))
    folder.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    load_workshop(file)  # the template must always give a valid workshop
    return file
