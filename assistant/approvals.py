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

from assistant.offline_model import Intent, OfflineModel
from assistant.provenance import caller_words_in

NO = re.compile(r"^\s*(no|n|nope|cancel|stop|don'?t|do not)\b[\s.!]*$", re.I)
YES_TO = re.compile(r"^\s*(?:yes|y|ok|okay|approve)?\s*(?:to|for)?\s*((?:#?\d+(?:\s*(?:,|and|&)?\s*))+)[\s.!]*$", re.I)
YES = re.compile(r"^\s*(yes|y|yeah|yep|sure|ok|okay|confirm(ed)?|approve(d)?|go ahead|do it)\b[\s.!]*$", re.I)


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
            return digits in {re.sub(r"\D", "", n) for n in re.findall(r"\+?\d[\d\s().-]{4,}\d", self.owner_text)}
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


def is_yes(text: str) -> bool:
    return bool(YES.match(text))


def approved(text: str, count: int) -> set[int]:
    """Which of `count` numbered questions the owner's answer approves: a plain yes approves all;
    "yes 1 3", "yes to 2" or "1 and 3" approve those; anything else approves none."""
    if is_yes(text):
        return set(range(1, count + 1))
    picked = YES_TO.match(text)
    if picked is None:
        return set()
    return {int(n) for n in re.findall(r"\d+", picked.group(1)) if 1 <= int(n) <= count}


def is_no(text: str) -> bool:
    return bool(NO.match(text))


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

    def __init__(self, host: Any, gates: Sequence[Gate], intents: Sequence[Intent]) -> None:
        self.host = host
        self._gates = {gate.tool: gate for gate in gates}
        self._owner_phrases = OfflineModel(intents)

    def _vouched(self, prompt: object, tool: str, args: dict[str, Any]) -> bool:
        if not isinstance(prompt, str):
            return False
        for name, wanted in self._owner_phrases.match(prompt, {tool}):
            if name == tool and all(args.get(k) == v for k, v in wanted.items()):
                return True
        return False

    def question(
        self, messages: Sequence[ModelMessage], prompt: object, tool: ToolDefinition, args: dict[str, Any]
    ) -> str | None:
        vouched = self._vouched(prompt, tool.name, args)
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
