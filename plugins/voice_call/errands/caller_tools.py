"""The call agent's tools on calls we placed for the owner: pressing keys for a phone menu, and
asking the owner for a decision the person on the line needs.

Offered only on a call we placed with something to do (a conversation: the owner's message says
what), never to someone who called in; their metadata carries the owner's words for the errand,
so the offline call model can pick a menu's key by them (errands/offline.py)."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from pydantic_ai import RunContext, Tool
from pydantic_ai.tools import ToolDefinition

from plugins.voice_call.caller_tool import CallDeps
from plugins.voice_call.carriers.events import CarrierError
from plugins.voice_call.errands.decisions import OwnerDecisions

log = logging.getLogger(__name__)
KEYS = re.compile(r"[0-9*#]{1,20}")


async def press_keys(ctx: RunContext[CallDeps], keys: str) -> str:
    """Press keys on the phone, for a menu at the other end ("for appointments, press 2").

    Args:
        keys: The keys to press: digits, * and #.
    """
    if not ctx.deps.errand:  # the Realtime model is offered every tool: refused on calls that came in
        return "Keys are pressed only on calls placed for the owner; nothing was pressed."
    keys = keys.replace(" ", "")
    if not KEYS.fullmatch(keys):
        return "Keys are 1 to 20 of 0-9, * and #; nothing was pressed."
    try:
        await ctx.deps.call.press(keys)
    except CarrierError:  # its text is the carrier's own: not for the model
        log.warning("the carrier refused keys on this call", exc_info=True)
        return "The keys could not be sent just now; say what you need instead, or try again."
    return f"Pressed {keys}. Listen to what comes next."


#: How `ask_owner` gives back the owner's answer, and says there was none (errands/offline.py reads these).
OWNER_SAYS = "Your owner answered (pass it on in your words):"
NO_DECISION = "Your owner did not answer in time: say you will call back about it, then end the call politely."


async def ask_owner(ctx: RunContext[CallDeps], question: str) -> str:
    """Ask your owner, in their chat, for a decision the person on the line needs ("They offer
    Tuesday 10:00 or Thursday 15:00. Which?"). They hear "one moment, please" while you wait; the
    answer comes back for you to pass on, or word that there is none (then say you will call back).

    Args:
        question: The decision to ask for, with the options they gave.
    """
    if not ctx.deps.errand:
        return "The owner is asked only on calls placed for them; nothing was asked."
    decisions = ctx.deps.feature(OwnerDecisions)
    if decisions is None:
        return NO_DECISION
    answer = await decisions.ask(question.strip()[:500], ctx.deps.caller, ctx.deps.errand)
    if answer is None:
        ctx.deps.call.done("Asked you for a decision; none came in time, so they heard we would call back.")
        return NO_DECISION
    ctx.deps.call.done(f"Passed on your answer {answer!r}.")
    return f"{OWNER_SAYS} {answer}"


async def _on_errands(ctx: RunContext[CallDeps], tool_def: ToolDefinition) -> ToolDefinition | None:
    if not ctx.deps.errand:
        return None
    return replace(tool_def, metadata={**(tool_def.metadata or {}), "errand": ctx.deps.errand})


CALLER_TOOLS: list[Tool[CallDeps]] = [Tool(press_keys, prepare=_on_errands), Tool(ask_owner, prepare=_on_errands)]
