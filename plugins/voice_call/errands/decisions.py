"""The owner's decision in the middle of an errand: the person we called offers a choice ("Tuesday
at 10 or Thursday at 3?"), the call agent asks the owner in chat, the caller hears fillers while
we wait, and the owner's answer is passed on; no answer within the owner's
`decisionWaitSeconds` means we say we will call back.

One question per call is open at a time: asked again while it waits (the callee said "hello?",
which began a new turn), the call goes on waiting for the same answer, and the owner is not asked
twice. What the other side said reaches the owner only as quoted caller content.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from plugins.voice_call.config import voice_config

if TYPE_CHECKING:
    from assistant.plugin_api import Host, OwnerQuestion


class OwnerDecisions:
    """A call's way to the owner for a decision (a call feature: made afresh for each call)."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self._open: OwnerQuestion | None = None

    async def ask(self, question: str, callee: str, errand: str) -> str | None:
        """The owner's answer to `question` (the other side's words, or the call agent's question
        about them), or None when they did not answer in time or chose not to."""
        if self._open is None or not self._open.is_open():
            wait_s = voice_config(self.host).decision_wait_seconds
            self._open = self.host.ask_owner(
                f"The call to {callee or 'them'} needs your decision (your errand: {errand!r}). "
                f"Your next message here is passed on to them as you write it; you have {wait_s} s "
                "(\"skip\" and I'll say we'll call back).",
                [question],
                "they",
                wait_s=wait_s,
            )
        question_open = self._open
        remaining = max(0.0, question_open.deadline - time.monotonic())
        waited = asyncio.shield(asyncio.wrap_future(question_open.answer))  # a cancelled turn leaves it open
        try:
            answer = await asyncio.wait_for(waited, timeout=remaining)
        except TimeoutError:
            question_open.close()
            return None
        except asyncio.CancelledError:
            if question_open.answer.cancelled():  # closed by the owner's side: not this turn's cancel
                return None
            raise
        return answer or None

    def call_over(self) -> None:
        """The call has ended: an answer that comes now is too late."""
        if self._open is not None:
            self._open.close()
