"""The call agent is sent the latest whole exchanges of a long call, not all of it."""

from __future__ import annotations

from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, ToolCallPart, ToolReturnPart, UserPromptPart

from plugins.voice_call.calls.agent import recent_turns


def exchange(n: int, with_tool: bool = False) -> list:
    messages: list = [ModelRequest(parts=[UserPromptPart(f"question {n}")])]
    if with_tool:
        messages += [
            ModelResponse(parts=[ToolCallPart("look_up", {"question": "hours"}, tool_call_id=f"c{n}")]),
            ModelRequest(parts=[ToolReturnPart("look_up", "9 to 5", tool_call_id=f"c{n}")]),
        ]
    return messages + [ModelResponse(parts=[TextPart(f"answer {n}")])]


def test_a_short_call_is_sent_whole() -> None:
    history = exchange(1) + exchange(2)
    assert recent_turns(history) == history


def test_a_long_call_keeps_its_latest_whole_exchanges() -> None:
    history = [m for n in range(30) for m in exchange(n, with_tool=n % 3 == 0)]
    recent = recent_turns(history, limit=10)
    assert len(recent) <= 10 and recent == history[-len(recent) :]
    first = recent[0]
    assert isinstance(first, ModelRequest) and isinstance(first.parts[0], UserPromptPart)  # never a tool result alone
    assert recent[-1].parts[0].content == "answer 29"
