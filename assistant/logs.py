"""Logging, configured once per process: one format, the call id on every line about a call, and
no secret in any line.

- `configure()` is called by the `assistant` command before anything logs. The level comes from
  ASSISTANT_LOG_LEVEL (default WARNING; `assistant serve` uses INFO). uvicorn logs through the
  same handler; its access log stays off, since URLs can carry login tokens.
- `call_context(call_id)` marks everything logged inside it (and in tasks started inside it) with
  ` [call <id>]`.
- Secrets the vault stores or hands out, bearer tokens and `token=` values are replaced by a mask
  before a line is written, whatever logger or library wrote it. (The chat's secret shapes are not
  used here: a call id has the shape of a Twilio auth token.)
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

FORMAT = "%(asctime)s %(levelname)-7s %(name)s%(call)s: %(message)s"
MASK = "••••••"
_call: contextvars.ContextVar[str] = contextvars.ContextVar("call_id", default="")
_secrets: set[str] = set()
_patterns: list[re.Pattern[str]] = [
    re.compile(r"(?i)(bearer\s+)([A-Za-z0-9._\-]{8,})"),
    re.compile(r"(?i)(token=)([A-Za-z0-9]{8,})"),
]


def forget_secrets() -> None:
    """For tests: a fresh process's state."""
    _secrets.clear()


def add_secret(value: str) -> None:
    """Never write `value` in a log line (the vault calls this for every secret it stores or reads)."""
    if value and len(value) >= 6:
        _secrets.add(value)


def redact(text: str) -> str:
    for value in sorted(_secrets, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    for pattern in _patterns:
        text = pattern.sub(_masked, text)
    return text


def _masked(match: re.Match[str]) -> str:
    """Every pattern here is (prefix)(secret): keep the prefix, mask the secret."""
    return match.group(1) + MASK


@contextmanager
def call_context(call_id: str) -> Iterator[None]:
    """Everything logged in here, and in tasks created in here, names the call."""
    token = _call.set(call_id)
    try:
        yield
    finally:
        _call.reset(token)


def _record_factory(base: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        call_id = _call.get()
        record.call = f" [call {call_id}]" if call_id else ""
        return record

    return make


class RedactingFormatter(logging.Formatter):
    """Formats the whole line (message, arguments, traceback), then masks secrets in it."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "call"):
            record.call = ""
        return redact(super().format(record))


_configured = False


def configure(default_level: str = "WARNING") -> None:
    """Set up the root logger once: one handler on stderr, one format, the level from the environment."""
    global _configured
    if _configured:
        return
    _configured = True
    level = os.environ.get("ASSISTANT_LOG_LEVEL", default_level).upper()
    logging.setLogRecordFactory(_record_factory(logging.getLogRecordFactory()))
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if level in logging.getLevelNamesMapping() else "WARNING")
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    for noisy in ("httpx", "httpcore", "websockets"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
