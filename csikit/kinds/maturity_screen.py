"""The phone screen of a maturity assessment: a rating's (levels of the workshop's scale)."""

from __future__ import annotations

from .rating_screen import screen

#: The front-end module that draws it (``csikit/room/static/kinds/<module>.js``).
MODULE = "rating"

__all__ = ["MODULE", "screen"]
