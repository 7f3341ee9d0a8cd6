"""The owner's tools for what callers may know, and their offline phrases. Callers only read these
facts (the call agent's `look_up`); only the owner, here, adds or removes them."""

from __future__ import annotations

import re

from pydantic_ai import RunContext

from assistant.chat_secrets import PLACEHOLDER
from assistant.offline_model import Intent, ToolCall
from assistant.tools import ToolContext, ToolResult
from plugins.voice_call.calls.knowledge import Knowledge
from plugins.voice_call.tools import Result, tool


def _knowledge(ctx: RunContext[ToolContext]) -> Knowledge:
    return Knowledge(ctx.deps.host.db)


def tell_callers(ctx: RunContext[ToolContext], fact: str) -> Result:
    """Add something callers may be told when they ask (office hours, address, prices).

    Args:
        fact: The fact as a sentence, e.g. "Our office hours are 9 to 5, Monday to Friday".
    """
    if PLACEHOLDER.search(fact):
        return ToolResult(False, "Nothing was added: what callers are told cannot hold a secret.").as_dict()
    try:
        added = _knowledge(ctx).add(fact.strip().strip('"'))
    except ValueError as exc:
        return ToolResult(False, f"Nothing was added: {exc}.").as_dict()
    return ToolResult(True, f'Callers who ask can now be told (fact #{added.id}): "{added.text}"').as_dict()


def list_caller_facts(ctx: RunContext[ToolContext]) -> Result:
    """List what callers may be told."""
    facts = _knowledge(ctx).all()
    if not facts:
        return ToolResult(True, "Callers are told nothing beyond the greeting yet.").as_dict()
    return ToolResult(True, "Callers may be told:\n" + "\n".join(f"#{f.id} {f.text}" for f in facts)).as_dict()


def forget_caller_fact(ctx: RunContext[ToolContext], fact_id: int) -> Result:
    """Stop telling callers one fact.

    Args:
        fact_id: The fact's number, as list_caller_facts shows it.
    """
    if _knowledge(ctx).remove(fact_id):
        return ToolResult(True, f"Callers will no longer be told fact #{fact_id}.").as_dict()
    return ToolResult(False, f"There is no fact #{fact_id}.").as_dict()


KNOWLEDGE_TOOLS = [tool(tell_callers), tool(list_caller_facts), tool(forget_caller_fact)]


def _tell(text: str) -> list[ToolCall] | None:
    match = re.search(r"\b(?:tell\s+callers|let\s+callers\s+know)\s+(?:that\s+)?(.+)$", text, re.I)
    return [("tell_callers", {"fact": match.group(1).strip()})] if match else None


def _list(text: str) -> list[ToolCall] | None:
    if re.search(
        r"\bwhat\s+(?:do|can|may)\s+callers\s+(?:know|be\s+told)\b|\b(?:show|list)\s+(?:the\s+)?caller\s+facts\b", text, re.I
    ):
        return [("list_caller_facts", {})]
    return None


def _forget(text: str) -> list[ToolCall] | None:
    match = re.search(r"\b(?:forget|remove|delete)\s+caller\s+fact\s+#?(\d+)\b", text, re.I)
    return [("forget_caller_fact", {"fact_id": int(match.group(1))})] if match else None


KNOWLEDGE_INTENTS = [
    Intent("tell_callers", _tell, "tell callers our office hours are 9 to 5"),
    Intent("list_caller_facts", _list, "what do callers know / forget caller fact 2"),
    Intent("forget_caller_fact", _forget, ""),
]
