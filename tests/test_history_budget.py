"""The history sent to the model is bounded to whole turns; what is stored is never cut."""

from __future__ import annotations

from pydantic_ai.messages import (
    ModelRequest,
    ModelResponse,
    SystemPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel

from assistant.history import bounded

from .helpers import Chat


def turn(n: int, words: int = 200) -> list:
    call = ToolCallPart("show_voice_call_config", {}, tool_call_id=f"c{n}")
    return [
        ModelRequest(parts=[UserPromptPart(f"question {n} " + "word " * words)]),
        ModelResponse(parts=[call]),
        ModelRequest(parts=[ToolReturnPart("show_voice_call_config", "x" * 400, tool_call_id=f"c{n}")]),
        ModelResponse(parts=[TextPart(f"answer {n}")]),
    ]


def test_old_turns_are_left_out_whole_with_a_note() -> None:
    messages = [m for n in range(40) for m in turn(n)]
    kept = bounded(messages, budget=8_000)
    assert len(kept) < len(messages) and len(kept) % 4 == 0, "whole turns only: no call without its result"
    first = kept[0]
    assert isinstance(first.parts[0], SystemPromptPart) and "earlier turns" in first.parts[0].content
    assert "question 39" in kept[-4].parts[-1].content
    assert bounded(messages[:8], budget=8_000) == messages[:8], "a short history is sent whole"


def test_a_long_conversation_stays_within_budget_and_is_stored_whole(host) -> None:
    sent: list[int] = []

    def model(messages, info: AgentInfo) -> ModelResponse:
        sent.append(len(messages))
        return ModelResponse(parts=[TextPart("ok")])

    chat = Chat(host, model=FunctionModel(model))
    for n in range(60):
        chat.say(f"message {n} " + "word " * 300)
    assert max(sent) < 60, "older turns were left out of what the model read"
    stored = host.conversations.load(chat.conversation_id)
    assert len(stored) == 120, "the stored history keeps every turn"
    assert "message 59" in stored[-2].parts[-1].content
