"""Which organisation and department a workshop belongs to, and which workshops go together.

Light (no pandas): the organisation review's process (``csikit review PATH PATH …``) and
the portfolio API (:mod:`csikit.portfolio`) both ask here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import CsiError
from .model import Workshop

#: The separator of "Northwind Health — IT Service Desk": organisation, then department,
#: read from workshop files written before ``department:`` existed.
_DASH = " — "


def department_of(ws: Workshop) -> str:
    """The department a workshop covers: its ``department:``, else the part of its
    ``organisation`` after " — ", else its title."""
    if ws.department.strip():
        return ws.department.strip()
    if _DASH in ws.organisation:
        return ws.organisation.split(_DASH, 1)[1].strip()
    return ws.title


def organisation_of(ws: Workshop) -> str:
    """The organisation a workshop belongs to (its ``organisation:`` without a trailing " — department")."""
    if not ws.department.strip() and _DASH in ws.organisation:
        return ws.organisation.split(_DASH, 1)[0].strip()
    return ws.organisation.strip()


def organisation_name(workshops: Iterable[Workshop]) -> str:
    """One name for the workshops' organisation(s): the name they share, else every name joined."""
    names = list(dict.fromkeys(organisation_of(ws) for ws in workshops))
    return names[0] if len(names) == 1 else " + ".join(names)


def department_labels(workshops: Sequence[Workshop]) -> list[str]:
    """Each workshop's department, its join code added where two share a name (two cycles of one team)."""
    names = [department_of(ws) for ws in workshops]
    return [f"{n} ({ws.code})" if names.count(n) > 1 else n for n, ws in zip(names, workshops, strict=True)]


def check_codes(workshops: Sequence[Workshop], paths: Sequence) -> None:
    """Refuse two workshops with one join code: the store keys everything by it."""
    seen: dict[str, object] = {}
    for ws, path in zip(workshops, paths, strict=True):
        if ws.code in seen:
            msg = (
                f"{path} and {seen[ws.code]} have the same join code {ws.code}; every workshop of a portfolio "
                "needs its own code (change `code:` in one workshop file)"
            )
            raise CsiError(msg)
        seen[ws.code] = path


def siblings(path: str | Path) -> list[Path]:
    """The workshop folder ``path`` and the workshop folders beside it of the same organisation,
    ``path`` first then by name (what a portfolio worksheet opens when given one workshop)."""
    from .workshop_file import WORKSHOP_FILE, load_workshop, workshop_path

    file = workshop_path(path).resolve()
    org = organisation_of(load_workshop(file))
    out = [file.parent]
    for other in sorted(file.parent.parent.glob(f"*/{WORKSHOP_FILE}")):
        if other.parent == file.parent:
            continue
        try:
            if organisation_of(load_workshop(other)) == org:
                out.append(other.parent)
        except CsiError:
            continue  # a broken neighbour is not part of this organisation's portfolio
    return out


def slug(name: str) -> str:
    """A folder name for an organisation: ``Northwind Health`` → ``northwind-health``."""
    import re
    import unicodedata

    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60] or "organisation"


__all__ = [
    "check_codes",
    "department_labels",
    "department_of",
    "organisation_name",
    "organisation_of",
    "siblings",
    "slug",
]
