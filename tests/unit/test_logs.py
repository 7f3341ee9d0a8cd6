"""Log lines: one format, the call id on lines about a call, no secret whoever logs it."""

from __future__ import annotations

import asyncio
import io
import logging

import pytest

from assistant import logs
from tests.values import TELNYX_KEY, TWILIO_TOKEN


@pytest.fixture
def captured():
    logs.configure()
    stream = io.StringIO()
    handler = logging.getLogger().handlers[0]
    old_stream = handler.setStream(stream)
    logging.getLogger().setLevel(logging.INFO)
    yield stream
    handler.setStream(old_stream)
    logs.forget_secrets()


def test_lines_about_a_call_name_it_even_from_tasks(captured) -> None:
    log = logging.getLogger("plugins.voice_call.test")

    async def inside() -> None:
        with logs.call_context("c0ffee"):
            log.info("media stream connected")
            await asyncio.create_task(asyncio.to_thread(lambda: None))
            await asyncio.create_task(_log_later(log))
        log.info("not about a call")

    asyncio.run(inside())
    lines = captured.getvalue().splitlines()
    assert lines[0].endswith("INFO    plugins.voice_call.test [call c0ffee]: media stream connected")
    assert lines[1].endswith("[call c0ffee]: from a task")
    assert lines[2].endswith("plugins.voice_call.test: not about a call")


async def _log_later(log: logging.Logger) -> None:
    log.info("from a task")


def test_vault_secrets_never_reach_a_log_line(host, captured) -> None:
    host.vault.set("voice_call.twilio.auth_token", TWILIO_TOKEN)
    log = logging.getLogger("httpx")
    log.warning("POST https://api.telnyx.com/v2/calls Authorization: Bearer %s", TELNYX_KEY)
    logging.getLogger("x").error("refused: token %s", TWILIO_TOKEN)
    try:
        raise RuntimeError(f"carrier said no to {TWILIO_TOKEN}")
    except RuntimeError:
        logging.getLogger("x").exception("failed")
    logging.getLogger("some.server").warning("GET /login?token=0123456789abcdef0123")
    text = captured.getvalue()
    assert TWILIO_TOKEN not in text and TELNYX_KEY not in text and "0123456789abcdef0123" not in text
    assert text.count(logs.MASK) >= 4
