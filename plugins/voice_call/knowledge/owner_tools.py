"""The owner's tools for what callers may know, and their offline phrases. Callers only read these
facts (the call agent's `look_up`); only the owner, here, adds or removes them."""

from __future__ import annotations

from pydantic_ai import RunContext

from assistant.plugin_api import PLACEHOLDER, ToolContext, ToolResult
from plugins.voice_call.knowledge.facts import Knowledge
from plugins.voice_call.owner_tool import Result, tool


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


KNOWLEDGE_TOOLS = [tool(tell_callers), tool(list_caller_facts, read_only=True), tool(forget_caller_fact)]
