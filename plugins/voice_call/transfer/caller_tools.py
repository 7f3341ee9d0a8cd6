"""The caller's side of transfers: `transfer_to_owner` puts them through to the owner's own phone
once the reply is spoken; and the words that ask for the owner, for the offline call model."""

from __future__ import annotations

import re

from pydantic_ai import RunContext, Tool

from plugins.voice_call.caller_tool import CallDeps

TRANSFERRING = "The caller will be put through to the owner as soon as your reply is spoken."
#: A caller asking for the owner (or pressing 0, which the session turns into this request).
WANTS_OWNER = re.compile(
    r"\b(?:(?:speak|talk|have\s+a\s+word)\s+(?:to|with)\s+(?!you\b|u\b|your\s+(?:assistant|machine)\b)\w+"
    r"|(?:put|get|connect|transfer|patch)\s+me\s+(?:through|to|with|over)|transfer\s+me|get\s+me\s+\w+"
    r"|is\s+(?!it\b|this\b|that\b|there\b)\w+\s+(?:there|around|available|in)\b"
    r"|human|real\s+person|someone\s+real|a\s+person\b|manager|boss|someone\s+in\s+charge|operator)\b",
    re.I,
)


def transfer_to_owner(ctx: RunContext[CallDeps], reason: str) -> str:
    """Put the caller through to the owner's own phone, when the caller asks for the owner or a person.

    Args:
        reason: In a few words, who is calling and why (the owner hears it before the call is connected).
    """
    refusal = ctx.deps.call.request_transfer(reason)
    if refusal is not None:
        return f"The caller cannot be put through ({refusal}); offer to take a message."
    return TRANSFERRING + " Tell them so in one short sentence."


CALLER_TOOLS: list[Tool[CallDeps]] = [Tool(transfer_to_owner)]
