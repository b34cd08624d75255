"""Keep secrets out of the servers' logs: tokens in request URLs become ``[secret]``.

The facilitator's Voila (its private ``voila.py``) and the room server (:mod:`csikit.room`)
call :func:`scrub_secrets_from_logs` when they start. Standard library only.
"""

from __future__ import annotations

import logging
import re

_SECRET_QUERY = re.compile(r"(?i)\b(token|p|t|_xsrf)=[^&\s#'\"]+")
_LOGGERS = ("tornado.access", "tornado.application", "tornado.general", "Voila", "ServerApp", "")


class _ScrubSecrets(logging.Filter):
    """Replaces the values of ``token=``, ``p=``/``t=`` (a rejoin token) and ``_xsrf=`` in a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - leave a record we cannot format alone
            return True
        scrubbed = _SECRET_QUERY.sub(r"\1=[secret]", message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True


def scrub_secrets_from_logs() -> None:
    """Keep tokens out of a Voila server's log (called by the server's private voila.py).

    Tornado logs the full request URI of failed requests (``404 GET /x?token=…``), and
    Voila does not install jupyter_server's scrubbing request logger.
    """
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _ScrubSecrets) for f in logger.filters):
            logger.addFilter(_ScrubSecrets())
