"""The phone screen of a consent decision: a rating's (a choice of 0 · No or 1 · Yes per proposal)."""

from __future__ import annotations

from ..rating.screen import screen

__all__ = ["screen"]
