"""Ending a long-running command cleanly, whatever ends it.

``csikit serve`` and ``csikit lab`` run until Ctrl-C, a closed terminal (SIGHUP) or
``kill`` (SIGTERM). Each of those ends the work as a ``KeyboardInterrupt``; the clean-up
(servers, kernels, private folders) then runs with those signals ignored, so a second
Ctrl-C cannot cut it short and leave kernels behind.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def until_stopped(stop: Callable[[], object]) -> Iterator[None]:
    """Run the block; SIGTERM and SIGHUP raise ``KeyboardInterrupt`` in it as Ctrl-C does.

    On the way out ``stop()`` runs, shielded from those signals; the previous handlers
    come back afterwards.
    """

    def stop_on_signal(signum, _frame):
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop_on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        try:
            stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            signal.signal(signal.SIGINT, signal.default_int_handler)
