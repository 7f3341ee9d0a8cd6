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


def test_the_report_quotes_each_line_once_and_names_what_was_left() -> None:
    """The answering machine notes the caller's words: the report quoted them twice, and called an
    unanswered question "a message"."""
    from datetime import UTC, datetime, timedelta

    from plugins.voice_call.history.records import CallInfo
    from plugins.voice_call.history.reports import quoted, summary

    start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    lines = [
        ("caller", "When do you close on Saturdays?"),
        ("note", "When do you close on Saturdays?"),
        ("caller", "Please ask Jo to call me back about the van."),
        ("note", "Please ask Jo to call me back about the van"),
        ("caller", "Thanks, bye."),
    ]
    record = CallInfo(
        "c1", "twilio", "CA1", "inbound", "+15559876543", "+15550001234", "completed", start, start,
        start + timedelta(seconds=40), "caller hung up", [{"role": r, "text": t, "at_ms": 0} for r, t in lines],
    )  # fmt: skip
    assert summary(record).endswith("They left a message and asked a question we could not answer (quoted first).")
    once = [
        "When do you close on Saturdays?",
        "Please ask Jo to call me back about the van",
        "Thanks, bye.",
    ]
    assert quoted(record) == once

    # The owner's call-status tool quotes them once too (it listed each line twice).
    from plugins.voice_call.outbound.owner_tools import _status

    class Runtime:
        class records:
            get = staticmethod(lambda call_id: record)

        class switchboard:
            live = staticmethod(lambda call_id: None)

    status = _status(Runtime, "c1")  # type: ignore[arg-type]
    assert status["ok"] and status["caller_content"]["said"] == once and "Saturdays" not in status["message"]
