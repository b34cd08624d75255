"""The phone screen of a maturity assessment: a rating's (levels of the workshop's scale)."""

from __future__ import annotations

from ..rating.screen import screen

#: The front-end module that draws it: the rating's (``csikit/kinds/rating/phone.js``).
MODULE = "rating"

__all__ = ["MODULE", "screen"]
