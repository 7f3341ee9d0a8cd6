"""The call agent: the same agent machinery as the owner's, with the call prompt and a toolset
that cannot touch config, the vault or dialing, whatever the caller says."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError
from pydantic_ai import Agent, RunContext, Tool
from pydantic_ai.messages import ModelMessage, ModelRequest, ToolReturnPart, UserPromptPart
from pydantic_ai.models import Model
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, FunctionModel
from pydantic_ai.usage import RunUsage

from assistant.agent import choose_model, read_prompt
from plugins.voice_call.calls.knowledge import Knowledge

if TYPE_CHECKING:
    from assistant.host import Host


class CallControl(Protocol):
    """What the call agent's tools may do to the call they run in."""

    def request_hangup(self, reason: str) -> None: ...

    def note(self, text: str) -> None: ...

    def request_transfer(self, reason: str) -> str | None:
        """Put the caller through to the owner once the reply is spoken; None when it will be
        done, else why it cannot be."""
        ...


@dataclass
class CallDeps:
    call: CallControl
    notes: list[str] = field(default_factory=list)
    #: What the owner lets callers know (read only).
    knowledge: Knowledge | None = None


def end_call(ctx: RunContext[CallDeps], reason: str = "caller said goodbye") -> str:
    """End the call after your goodbye has been spoken."""
    ctx.deps.call.request_hangup(reason)
    return "The call will end after your reply is spoken."


def take_message(ctx: RunContext[CallDeps], message: str) -> str:
    """Record a message from the caller for the owner."""
    ctx.deps.call.note(message)
    return "Message recorded for the owner."


TRANSFERRING = "The caller will be put through to the owner as soon as your reply is spoken."


def transfer_to_owner(ctx: RunContext[CallDeps], reason: str) -> str:
    """Put the caller through to the owner's own phone, when the caller asks for the owner or a person.

    Args:
        reason: In a few words, who is calling and why (the owner hears it before the call is connected).
    """
    refusal = ctx.deps.call.request_transfer(reason)
    if refusal is not None:
        return f"The caller cannot be put through ({refusal}); offer to take a message."
    return TRANSFERRING + " Tell them so in one short sentence."


FOUND = "What the owner shared for callers:"
NOTHING_FOUND = "The owner shared nothing on that; offer to take a message."


def look_up(ctx: RunContext[CallDeps], question: str) -> str:
    """Look up what the owner lets callers know (opening hours, address, prices, ...).

    Args:
        question: The caller's question, in a few words.
    """
    facts = ctx.deps.knowledge.search(question) if ctx.deps.knowledge is not None else []
    if not facts:
        return NOTHING_FOUND
    return FOUND + "\n" + "\n".join(f.text for f in facts)


CALL_TOOLS: list[Tool[CallDeps]] = [Tool(end_call), Tool(take_message), Tool(look_up), Tool(transfer_to_owner)]


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
    ctx = RunContext(deps=deps, model=offline_call_model(), usage=RunUsage())
    return str(await tool.function_schema.call(args, ctx))


GOODBYE = re.compile(r"\b(bye|goodbye|good bye|that'?s all|hang up|no thanks?|nothing else)\b", re.I)
#: A caller asking for the owner (or pressing 0, which the session turns into this request).
WANTS_OWNER = re.compile(
    r"\b(?:(?:speak|talk)\s+(?:to|with)\s+(?:him|her|them|the\s+owner|your\s+(?:owner|boss)|a\s+(?:real\s+)?(?:person|human)|someone)"
    r"|put\s+me\s+through|transfer\s+me|connect\s+me|is\s+(?:he|she|they)\s+(?:there|available|in)|operator)\b",
    re.I,
)


def _last_user_text(messages: list[ModelMessage]) -> str:
    request = messages[-1]
    assert isinstance(request, ModelRequest)
    return " ".join(p.content for p in request.parts if isinstance(p, UserPromptPart) and isinstance(p.content, str))


def _caller_said(messages: list[ModelMessage]) -> str:
    """The caller's words this turn (the latest request that has them)."""
    for message in reversed(messages):
        if isinstance(message, ModelRequest) and any(isinstance(p, UserPromptPart) for p in message.parts):
            return _last_user_text([message])
    return ""


async def _answering_machine(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | dict[int, DeltaToolCall]]:
    """Offline call model: answers from what the owner shared for callers when it matches, else
    takes a message; says goodbye; honest that it cannot converse."""
    last = messages[-1]
    returns = {p.tool_name: p for p in last.parts if isinstance(p, ToolReturnPart)}
    if "end_call" in returns:
        yield "Thank you for calling. Goodbye!"
    elif "transfer_to_owner" in returns and TRANSFERRING in str(returns["transfer_to_owner"].content):
        yield "Putting you through now, one moment."
    elif "transfer_to_owner" in returns:
        yield "I can't put you through right now, but I can take a message. What would you like to say?"
    elif "look_up" in returns and str(returns["look_up"].content).startswith(FOUND):
        facts = str(returns["look_up"].content).removeprefix(FOUND).strip().splitlines()
        yield " ".join(f if f.endswith((".", "!", "?")) else f + "." for f in facts[:1]) + " "
        yield "Is there anything else?"
    elif "look_up" in returns:
        yield {0: DeltaToolCall(name="take_message", json_args=json.dumps({"message": _caller_said(messages)}))}
    elif returns:
        yield "Thank you, I've noted that for my owner. "
        yield "Is there anything else?"
    elif GOODBYE.search(text := _last_user_text(messages)):
        yield {0: DeltaToolCall(name="end_call", json_args='{"reason": "caller said goodbye"}')}
    elif WANTS_OWNER.search(text):
        yield {0: DeltaToolCall(name="transfer_to_owner", json_args=json.dumps({"reason": "the caller asked for you"}))}
    else:
        yield {0: DeltaToolCall(name="look_up", json_args=json.dumps({"question": text}))}


def offline_call_model() -> FunctionModel:
    return FunctionModel(stream_function=_answering_machine, model_name="offline-call")


class CallAgent:
    def __init__(self, host: Host, model: Model | None = None) -> None:
        if model is None:
            model, description = choose_model(host.settings, [])
            if description == "built-in offline model":
                model = offline_call_model()
        self.agent = Agent(
            model, deps_type=CallDeps, instructions=read_prompt(host.settings, "call"), tools=CALL_TOOLS, name="call"
        )
        self.knowledge = Knowledge(host.db)

    async def reply(
        self, text: str, history: list[ModelMessage], deps: CallDeps, context: str | None = None
    ) -> AsyncIterator[str]:
        """Stream the reply's text; `history` is extended with the turn's messages when it completes."""
        async with self.agent.run_stream(text, message_history=history, deps=deps, instructions=context) as result:
            async for delta in result.stream_text(delta=True, debounce_by=None):
                yield delta
        history.extend(result.new_messages())
