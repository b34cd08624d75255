"""What csikit's tests, benchmarks and ``csikit capacity`` use to play a room without browsers.

Not part of a workshop: nothing in the apps imports this package.
"""

from .headless import HeadlessError, HeadlessParticipant, gather_bounded

__all__ = ["HeadlessError", "HeadlessParticipant", "gather_bounded"]
