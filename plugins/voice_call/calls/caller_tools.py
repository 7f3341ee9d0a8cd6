"""The call agent's toolset: ending the call and taking a message (the call's own tools), and each
feature's caller tools (facts, lookups, appointments, transfer; keys for a menu on calls we
placed). The same tools serve the local pipeline (pydantic-ai) and OpenAI Realtime (function
definitions), nothing more."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_ai import RunContext, Tool
from pydantic_ai.models.test import TestModel
from pydantic_ai.usage import RunUsage

from plugins.voice_call.appointments import caller_tools as appointments
from plugins.voice_call.caller_tool import CallDeps
from plugins.voice_call.errands import caller_tools as errands
from plugins.voice_call.knowledge import caller_tools as knowledge
from plugins.voice_call.lookups import caller_tools as lookups
from plugins.voice_call.transfer import caller_tools as transfer


def end_call(ctx: RunContext[CallDeps], reason: str = "caller said goodbye") -> str:
    """End the call after your goodbye has been spoken."""
    ctx.deps.call.request_hangup(reason)
    return "The call will end after your reply is spoken."


def take_message(ctx: RunContext[CallDeps], message: str) -> str:
    """Record a message from the caller for the owner."""
    ctx.deps.call.note(message)
    return "Message recorded for the owner."


CALL_TOOLS: list[Tool[CallDeps]] = [
    Tool(end_call),
    Tool(take_message),
    *knowledge.CALLER_TOOLS,
    *transfer.CALLER_TOOLS,
    *lookups.CALLER_TOOLS,
    *appointments.CALLER_TOOLS,
    *errands.CALLER_TOOLS,
]


def realtime_tool_schemas() -> list[dict[str, Any]]:
    """The call toolset as Realtime API function definitions (the same tools, nothing more)."""
    return [
        {
            "type": "function",
            "name": t.tool_def.name,
            "description": t.tool_def.description or "",
            "parameters": t.tool_def.parameters_json_schema,
        }
        for t in CALL_TOOLS
    ]


async def run_call_tool(name: str, arguments: str, deps: CallDeps) -> str:
    """Run one call tool the Realtime model asked for; any problem comes back as text for the model."""
    tool = next((t for t in CALL_TOOLS if t.name == name), None)
    if tool is None:
        return f"There is no tool named {name!r} on this call."
    try:
        args = tool.function_schema.validator.validate_json(arguments or "{}")
    except ValidationError as exc:
        return f"Invalid arguments for {name}: {exc.errors(include_url=False)}"
    ctx = RunContext(deps=deps, model=TestModel(), usage=RunUsage())  # our tools never call a model
    return str(await tool.function_schema.call(args, ctx))
