"""What of a conversation's history goes to the model, and what a failed turn leaves in it.

A small local model reads every token it is sent before it answers, so the history sent is
bounded: whole turns, newest first, up to a budget; older turns are left out with a note saying
so. A turn that fails half-way keeps what it did (the tool calls that ran and their results), so
the history tells the truth and repeating the request does not silently repeat its effects.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic_ai.messages import (
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    SystemPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)

#: About 4 characters per token: 750 tokens of earlier turns at most (the current turn and the one
#: before are always sent whole). A small local model reads all of it before each answer;
#: bench/agent_eval.py measures what a turn costs with this.
HISTORY_BUDGET_CHARS = 3_000


def _size(messages: Sequence[ModelMessage]) -> int:
    return len(ModelMessagesTypeAdapter.dump_json(list(messages)))


def _turn_starts(messages: Sequence[ModelMessage]) -> list[int]:
    """Where each turn begins: a request carrying the owner's words."""
    return [
        i for i, m in enumerate(messages) if isinstance(m, ModelRequest) and any(isinstance(p, UserPromptPart) for p in m.parts)
    ]


def bounded(messages: list[ModelMessage], budget: int = HISTORY_BUDGET_CHARS) -> list[ModelMessage]:
    """A pydantic-ai history processor: the newest whole turns that fit in `budget` characters (the
    current turn and the one before always), with a note where older ones were left out. Turns are never split, so a
    tool call is never sent without its result."""
    starts = _turn_starts(messages)
    if len(starts) <= 2 or _size(messages) <= budget:
        return messages
    # The turn before is always kept too: the owner's message may answer its question ("yes").
    keep_from = starts[-2]
    for start in reversed(starts[:-2]):
        if _size(messages[start:]) > budget:
            break
        keep_from = start
    if keep_from == 0:
        return messages
    kept = list(messages[keep_from:])
    first = kept[0]
    assert isinstance(first, ModelRequest)
    note = SystemPromptPart(f"({len(starts[: starts.index(keep_from)])} earlier turns of this conversation are left out.)")
    kept[0] = ModelRequest(parts=[note, *first.parts], instructions=first.instructions)
    return kept


def ran_before_failing(new: Sequence[ModelMessage]) -> list[ToolReturnPart]:
    """The tool results a failed turn produced before it failed."""
    return [p for m in new if isinstance(m, ModelRequest) for p in m.parts if isinstance(p, ToolReturnPart)]


def kept_after_failure(new: Sequence[ModelMessage], reply: str) -> list[ModelMessage]:
    """A failed turn as it goes into history: the owner's request, the tool calls that ran with their
    results, and our own account of the failure. A last model response whose tool calls never got
    results is dropped (the history must pair every call with its result)."""
    kept = list(new)
    answered = {p.tool_call_id for p in ran_before_failing(kept)}
    while kept and isinstance(kept[-1], ModelResponse):
        calls = [p for p in kept[-1].parts if isinstance(p, ToolCallPart)]
        if calls and all(c.tool_call_id in answered for c in calls):
            break
        kept.pop()
    return [*kept, ModelResponse(parts=[TextPart(reply)])]


def tools_called(messages: Sequence[ModelMessage], turns: int = 1) -> set[str]:
    """The tools called in the last `turns` turns (1: since the owner's latest message)."""
    found: set[str] = set()
    seen = 0
    for message in reversed(messages):
        if isinstance(message, ModelResponse):
            found |= {p.tool_name for p in message.parts if isinstance(p, ToolCallPart)}
        elif any(isinstance(p, UserPromptPart) for p in message.parts):
            seen += 1
            if seen == turns:
                break
    return found


def step_results(messages: Sequence[ModelMessage]) -> list[ToolReturnPart]:
    """The tool results the model is about to read: those in the last request, if it carries any."""
    last = messages[-1] if messages else None
    if not isinstance(last, ModelRequest):
        return []
    return [p for p in last.parts if isinstance(p, ToolReturnPart)]
