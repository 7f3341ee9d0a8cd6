"""The caller's side of knowledge: `look_up` reads what the owner lets callers know (read only)."""

from __future__ import annotations

from pydantic_ai import RunContext, Tool

from plugins.voice_call.caller_tool import CallDeps
from plugins.voice_call.knowledge.facts import Knowledge

FOUND = "What the owner shared for callers:"
#: What the owner's summary of the call says for each question answered from the facts.
ANSWERED = "Answered a question from your facts."
NOTHING_FOUND = "The owner shared nothing on that; offer to take a message."


def look_up(ctx: RunContext[CallDeps], question: str) -> str:
    """Look up what the owner lets callers know (opening hours, address, prices, ...).

    Args:
        question: The caller's question, in a few words.
    """
    knowledge = ctx.deps.feature(Knowledge)
    facts = knowledge.search(question) if knowledge is not None else []
    if not facts:
        return NOTHING_FOUND
    ctx.deps.call.done(ANSWERED)
    return FOUND + "\n" + "\n".join(f.text for f in facts)


CALLER_TOOLS: list[Tool[CallDeps]] = [Tool(look_up)]
