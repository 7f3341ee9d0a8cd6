"""The owner's words for what callers may know, for the offline model: each mapped to a tool call."""

from __future__ import annotations

import re

from assistant.plugin_api import Intent, ToolCall


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
