"""The caller's side of lookups: `query_api` runs one the owner registered (an order's status),
offered only when there is one; and how the offline call model picks it from the caller's words."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from pydantic_ai import RunContext, Tool
from pydantic_ai.models.function import AgentInfo
from pydantic_ai.tools import ToolDefinition

from assistant.plugin_api import slots
from plugins.voice_call.caller_tool import CallDeps
from plugins.voice_call.knowledge.facts import STOP_WORDS
from plugins.voice_call.lookups.service import LookupFailed, Lookups


def _registered(deps: CallDeps) -> list[Any]:
    lookups = deps.feature(Lookups)
    return deps.once("lookups", lambda: lookups.all() if lookups is not None else [])


async def query_api(ctx: RunContext[CallDeps], name: str, parameters: dict[str, str]) -> str:
    """Run one of the lookups the owner registered for callers (an order's status, a booking), by name.

    Args:
        name: The lookup's name, as listed in this tool's description.
        parameters: The values the lookup needs, by parameter name, as the caller gave them.
    """
    lookups = ctx.deps.feature(Lookups)
    if lookups is None:
        return "There are no lookups on this call."
    try:
        found = await lookups.run(name, parameters)
    except LookupFailed as exc:
        known = "; ".join(f"{lk.name} (needs {', '.join(lk.parameters) or 'nothing'})" for lk in lookups.all())
        return f"The lookup did not work: {exc}. Lookups you can run: {known or 'none'}."
    if (lookup := lookups.get(name)) is not None:  # named as the owner named it, whatever the model wrote
        ctx.deps.call.done(f"Ran your lookup {lookup.name} for them.")
    return found


async def _describe_lookups(ctx: RunContext[CallDeps], tool_def: ToolDefinition) -> ToolDefinition | None:
    """query_api lists the registered lookups, and is not offered when there are none."""
    registered = _registered(ctx.deps)
    if not registered:
        return None
    listed = "; ".join(f"{lk.name} (needs {', '.join(lk.parameters) or 'nothing'})" for lk in registered)
    return replace(
        tool_def,
        description=f"{tool_def.description}\nLookups: {listed}.",
        metadata={**(tool_def.metadata or {}), "lookups": [{"name": lk.name, "parameters": lk.parameters} for lk in registered]},
    )


CALLER_TOOLS: list[Tool[CallDeps]] = [Tool(query_api, prepare=_describe_lookups)]


def spoken_digits(text: str) -> str:
    """`text` with numbers said as words or digit by digit made one number: "five one two seven",
    "5-1-2-7" and "fifty one twenty seven" are all 5127 (an order number is said in pieces)."""
    text = re.sub(r"(?<=\d)\s+dash\s+(?=\d)", "-", slots.with_digits(text), flags=re.I)  # Whisper: "5 dash 1"
    return re.sub(r"(?<=\d)[\s,\-.]+(?=\d)", "", text)


def offline_request(text: str, info: AgentInfo) -> dict[str, Any] | None:
    """For the offline call model: a registered lookup one of whose name words the caller used
    ("order" for "order status"), with its one parameter taken from the first word of theirs that
    has a digit in it, however it was said ("order five one two seven" -> order_id 5127)."""
    tool = next((t for t in info.function_tools if t.name == "query_api"), None)
    text = spoken_digits(text)
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    for lookup in (tool.metadata or {}).get("lookups", []) if tool else []:
        name_words = [w for w in re.findall(r"[a-z0-9]+", lookup["name"]) if w not in STOP_WORDS]
        if not name_words or not any(w in words or w + "s" in words for w in name_words):
            continue
        values = re.findall(r"\b(?=[A-Za-z0-9\-]*\d)[A-Za-z0-9\-]{1,32}\b", text)
        if not lookup["parameters"]:
            return {"name": lookup["name"], "parameters": {}}
        if len(lookup["parameters"]) == 1 and values:
            return {"name": lookup["name"], "parameters": {lookup["parameters"][0]: values[0]}}
    return None
