"""The call agent: the same agent machinery as the owner's, with the call prompt and a toolset
that cannot touch config, the vault or dialing, whatever the caller says."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError
from pydantic_ai import Agent, RunContext, Tool
from pydantic_ai.messages import ModelMessage, ModelRequest, ToolReturnPart, UserPromptPart
from pydantic_ai.models import Model
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, FunctionModel
from pydantic_ai.tools import ToolDefinition
from pydantic_ai.usage import RunUsage

from assistant.agent import choose_model, read_prompt
from plugins.voice_call.calls.knowledge import STOP_WORDS, Knowledge
from plugins.voice_call.calls.lookups import LookupFailed, Lookups

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
    #: The HTTP lookups the owner lets callers run.
    lookups: Lookups | None = None


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


async def query_api(ctx: RunContext[CallDeps], name: str, parameters: dict[str, str]) -> str:
    """Run one of the lookups the owner registered for callers (an order's status, a booking), by name.

    Args:
        name: The lookup's name, as listed in this tool's description.
        parameters: The values the lookup needs, by parameter name, as the caller gave them.
    """
    lookups = ctx.deps.lookups
    if lookups is None:
        return "There are no lookups on this call."
    try:
        return await lookups.run(name, parameters)
    except LookupFailed as exc:
        known = "; ".join(f"{lk.name} (needs {', '.join(lk.parameters) or 'nothing'})" for lk in lookups.all())
        return f"The lookup did not work: {exc}. Lookups you can run: {known or 'none'}."


async def _describe_lookups(ctx: RunContext[CallDeps], tool_def: ToolDefinition) -> ToolDefinition | None:
    """query_api lists the registered lookups, and is not offered when there are none."""
    registered = ctx.deps.lookups.all() if ctx.deps.lookups is not None else []
    if not registered:
        return None
    listed = "; ".join(f"{lk.name} (needs {', '.join(lk.parameters) or 'nothing'})" for lk in registered)
    return replace(
        tool_def,
        description=f"{tool_def.description}\nLookups: {listed}.",
        metadata={**(tool_def.metadata or {}), "lookups": [{"name": lk.name, "parameters": lk.parameters} for lk in registered]},
    )


CALL_TOOLS: list[Tool[CallDeps]] = [
    Tool(end_call),
    Tool(take_message),
    Tool(look_up),
    Tool(transfer_to_owner),
    Tool(query_api, prepare=_describe_lookups),
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
    ctx = RunContext(deps=deps, model=offline_call_model(), usage=RunUsage())
    return str(await tool.function_schema.call(args, ctx))


GOODBYE = re.compile(r"\b(bye|goodbye|good bye|that'?s all|hang up|no thanks?|nothing else)\b", re.I)
#: Keys pressed, as the session hands them over ("(The caller pressed 1 on the keypad.)"); 0 never
#: arrives here (the session puts the caller through), so any other choice means: leave a message.
KEYPAD = re.compile(r"\(The caller pressed [0-9*# ]+ on the keypad\.\)")
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


def _lookup_for(text: str, info: AgentInfo) -> dict[str, Any] | None:
    """A registered lookup whose name the caller's words contain, with its one parameter taken from
    the first word of theirs that has a digit in it ("the status of order 4815" -> order_id 4815)."""
    tool = next((t for t in info.function_tools if t.name == "query_api"), None)
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    for lookup in (tool.metadata or {}).get("lookups", []) if tool else []:
        name_words = [w for w in re.findall(r"[a-z0-9]+", lookup["name"]) if w not in STOP_WORDS]
        if not name_words or not all(w in words or w + "s" in words for w in name_words):
            continue
        values = re.findall(r"\b(?=[A-Za-z0-9\-]*\d)[A-Za-z0-9\-]{1,32}\b", text)
        if not lookup["parameters"]:
            return {"name": lookup["name"], "parameters": {}}
        if len(lookup["parameters"]) == 1 and values:
            return {"name": lookup["name"], "parameters": {lookup["parameters"][0]: values[0]}}
    return None


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
    elif "look_up" in returns and (lookup := _lookup_for(_caller_said(messages), info)) is not None:
        yield {0: DeltaToolCall(name="query_api", json_args=json.dumps(lookup))}
    elif "look_up" in returns:
        yield {0: DeltaToolCall(name="take_message", json_args=json.dumps({"message": _caller_said(messages)}))}
    elif "query_api" in returns:
        yield str(returns["query_api"].content).split(". Lookups you can run")[0].rstrip(".") + ". "
        yield "Is there anything else?"
    elif returns:
        yield "Thank you, I've noted that for my owner. "
        yield "Is there anything else?"
    elif GOODBYE.search(text := _last_user_text(messages)):
        yield {0: DeltaToolCall(name="end_call", json_args='{"reason": "caller said goodbye"}')}
    elif KEYPAD.fullmatch(text.strip()):
        yield "Please say your message now, and I'll pass it on to my owner."
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
        self.lookups = Lookups(host.db, host.vault)

    async def reply(
        self, text: str, history: list[ModelMessage], deps: CallDeps, context: str | None = None
    ) -> AsyncIterator[str]:
        """Stream the reply's text; `history` is extended with the turn's messages when it completes."""
        async with self.agent.run_stream(text, message_history=history, deps=deps, instructions=context) as result:
            async for delta in result.stream_text(delta=True, debounce_by=None):
                yield delta
        history.extend(result.new_messages())
