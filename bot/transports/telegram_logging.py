"""Keeping the Telegram process's logs free of tokens and of what people sent.

What belongs here: the log settings the Telegram transport needs and nothing else. Three
libraries would otherwise leak: httpx logs every request address at INFO, and those addresses
contain the bot token; python-telegram-bot logs whole updates and request parameters at DEBUG
(and, rarely, an update it could not read at CRITICAL); tornado (its own webhook server, which
we no longer run) and aiohttp (ours, ``telegram_webhook.py``) log requests and their errors.
Our own loggers never log content; see ``bot/runtime.py``.
"""

from __future__ import annotations

import logging

REDACTED = "<token>"
_LIBRARIES = ("telegram", "httpx", "httpcore", "tornado", "aiohttp")


class PrivateRecords(logging.Filter):
    """Removes the token from every record, and the arguments from library records.

    A library's message template stays ("Webhook received data: %s"); what would be put into
    it (an update, request parameters) is dropped.
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".", 1)[0] in _LIBRARIES:
            message = str(record.msg)
        else:
            message = record.getMessage()
        record.msg = self._redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._redact(logging.Formatter().formatException(record.exc_info))
        return True

    def _redact(self, text: str) -> str:
        return text.replace(self.token, REDACTED) if self.token else text


def keep_logs_private(token: str) -> None:
    """Quiet the chatty libraries and filter every handler of the root logger."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    library = logging.getLogger("telegram")
    if library.getEffectiveLevel() < logging.INFO:
        library.setLevel(logging.INFO)
    private = PrivateRecords(token)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PrivateRecords) for f in handler.filters):
            handler.addFilter(private)
