"""Outside effects need the owner's yes.

Some tool calls reach beyond the conversation: they widen who may call, move where the carrier
sends calls, dial a number the owner never typed, restart the gateway. Whatever led the model to
them (the owner, or a caller's words that reached it), they do not run until the owner's own next
message says yes. The gate is pydantic-ai's approval-required toolset; which calls need it is
decided here and by each plugin's `Gate`s, from the call's arguments, the stored config and what
the owner typed, never by the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic_ai import RunContext
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ToolCallPart, ToolReturnPart, UserPromptPart
from pydantic_ai.tools import ToolDefinition

from assistant.offline_model import OfflineModel
from assistant.provenance import caller_words_in
from assistant.understanding import slots


@dataclass(frozen=True)
class GateContext:
    #: The `assistant.host.Host` (typed `Any`: the host imports this module, as with plugins.py).
    host: Any
    #: Everything the owner typed in this conversation (their own messages only, secrets as placeholders).
    owner_text: str
    #: Whether the owner's message of this turn, read by the offline phrase rules, asks for exactly this call.
    vouched: bool = False

    def owner_typed(self, value: str) -> bool:
        """Whether the owner typed `value` themselves (digits compared alone for phone numbers)."""
        if re.fullmatch(r"\+?[\d\s().-]{5,}", value):
            digits = re.sub(r"\D", "", value)
            typed = {re.sub(r"\D", "", n) for n in re.findall(r"\+?\d[\d\s().-]{4,}\d", self.owner_text)}
            # "(555) 000-4321" typed is +15550004321 read: compare the numbers as read, too.
            typed |= {n.lstrip("+") for n in slots.phone_numbers(self.owner_text)}
            return digits in typed
        return value.strip().lower() in self.owner_text.lower()


@dataclass(frozen=True)
class Gate:
    """One tool's rule: `ask` returns the question for the owner, or None when the call may run as is."""

    tool: str
    ask: Callable[[GateContext, dict[str, Any]], str | None]


def owner_text(messages: Sequence[ModelMessage], prompt: object = None) -> str:
    typed = [
        p.content
        for m in messages
        if isinstance(m, ModelRequest)
        for p in m.parts
        if isinstance(p, UserPromptPart) and isinstance(p.content, str)
    ]
    if isinstance(prompt, str):
        typed.append(prompt)
    return "\n".join(typed)


def unanswered(history: Sequence[ModelMessage]) -> list[ToolCallPart]:
    """Tool calls in the history still waiting for the owner's yes or no (no result yet)."""
    answered = {p.tool_call_id for m in history if isinstance(m, ModelRequest) for p in m.parts if isinstance(p, ToolReturnPart)}
    for message in reversed(history):
        if isinstance(message, ModelResponse):
            return [p for p in message.parts if isinstance(p, ToolCallPart) and p.tool_call_id not in answered]
    return []


def heard_from_callers(messages: Sequence[ModelMessage]) -> bool:
    """Whether any words from a phone call are in these messages (tool results, notices)."""
    return bool(caller_words_in(messages))


def read_only(tool: ToolDefinition, args: dict[str, Any]) -> bool:
    """Tools that change nothing and reach no one declare `metadata={"read_only": True}`, or
    `{"read_only": <function of the arguments>}` when that depends on the call."""
    flag = (tool.metadata or {}).get("read_only")
    return bool(flag(args) if callable(flag) else flag)


def _describe(tool: str, args: dict[str, Any]) -> str:
    given = ", ".join(f"{k}={v!r}" for k, v in args.items() if v is not None)
    return f"{tool}({given})"


class Approvals:
    """Two rules, both from the design rather than the model's judgement:
    - a `Gate` (outside effects) asks whoever asked for the call;
    - while words from a phone call are in the model's context, any call that changes something
      asks too, unless the owner's own message of this turn asks for exactly that (read by the
      same phrase rules the offline model uses)."""

    def __init__(self, host: Any, gates: Sequence[Gate], owner_words: OfflineModel) -> None:
        self.host = host
        self._gates = {gate.tool: gate for gate in gates}
        self._owner_words = owner_words

    def _vouched(self, messages: Sequence[ModelMessage], prompt: object, tool: str, args: dict[str, Any]) -> bool:
        """Whether the owner's own words this turn (their message, or their answer to our question
        about the one before) ask for exactly this call: read offline, whatever model runs."""
        if not isinstance(prompt, str):
            return False
        wanted = self._owner_words.vouched(messages, prompt, tool)
        return any(all(args.get(k) == v for k, v in w.items()) for w in wanted)

    def question(
        self, messages: Sequence[ModelMessage], prompt: object, tool: ToolDefinition, args: dict[str, Any]
    ) -> str | None:
        vouched = self._vouched(messages, prompt, tool.name, args)
        gate = self._gates.get(tool.name)
        if gate is not None and (asked := gate.ask(GateContext(self.host, owner_text(messages, prompt), vouched), args)):
            return asked
        if read_only(tool, args) or not heard_from_callers(messages) or vouched:
            return None
        return f"Run {_describe(tool.name, args)}? Words from a phone call are in this conversation, so changes are checked with you."

    def required(self, ctx: RunContext[Any], tool: ToolDefinition, args: dict[str, Any]) -> bool:
        """For pydantic-ai's `approval_required`: whether this call waits for the owner's yes."""
        return self.question(ctx.messages, ctx.prompt, tool, args) is not None

    def questions(
        self, messages: Sequence[ModelMessage], calls: Sequence[ToolCallPart], tools: dict[str, ToolDefinition]
    ) -> list[str]:
        """The questions for calls the run stopped at, written by us from their arguments."""
        found = []
        for call in calls:
            args = call.args_as_dict()
            tool = tools.get(call.tool_name) or ToolDefinition(name=call.tool_name)
            found.append(self.question(messages, None, tool, args) or f"Run {_describe(call.tool_name, args)}?")
        return found
