"""The owner's words for scheduled and repeating calls and the test call, for the offline model
(a call for later in the owner's own words is read by `outbound/phrases.py`)."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.plugin_api import Ask, Built, Intent, Meaning, Said, ToolCall

I = re.IGNORECASE


def scheduled(text: str) -> list[ToolCall] | None:
    if m := re.search(r"\bcancel\s+(?:the\s+)?(?:scheduled\s+)?call\s+#?(\d+)\b", text, I):
        return [("cancel_scheduled_call", {"scheduled_id": int(m.group(1))})]
    if re.search(r"\b(show|list|what are)\b.*\bscheduled calls\b|\bscheduled calls\b\??$", text, I):
        return [("list_scheduled_calls", {})]
    return None


def recurring(text: str) -> list[ToolCall] | None:
    kind = r"(?:recurring|repeating|repeated)\s+calls?"
    if m := re.search(rf"\b(pause|resume|restart|cancel|stop|delete)\s+(?:the\s+)?{kind}\s+#?(\d+)\b", text, I):
        action = {"pause": "pause", "resume": "resume", "restart": "resume"}.get(m.group(1).lower(), "cancel")
        return [("change_recurring_call", {"series_id": int(m.group(2)), "action": action})]
    if re.search(rf"\b(?:show|list|what are)\b.*\b{kind}\b|\b{kind}\??$", text, I):
        return [("list_recurring_calls", {})]
    return None


def test_call(text: str) -> list[ToolCall] | None:
    if re.search(r"\bcall\s+me\s+(?:to|for\s+a)\s+test\b|\b(?:place|make|do)\s+a\s+test\s+call\b|^\s*test\s+call\b", text, I):
        return [("test_call", {})]
    return None


SCHEDULED_CALLS = Intent(
    "scheduled_calls", scheduled, "call +15559876543 tomorrow at 9 and remind them about the dentist / show scheduled calls"
)
RECURRING_CALLS = Intent(
    "recurring_calls",
    recurring,
    "call me every weekday at 8 to remind me to take my pills / show recurring calls / pause recurring call 1",
)
TEST_CALL = Intent("test_call", test_call, "call me to test")


def _numbered(said: Said, build: Callable[[int], list[ToolCall]], question: str) -> Built:
    number = said.count()
    return build(number) if number else Ask(question)


def _series_action(said: Said) -> Built:
    if said.has(r"\b(pause|hold|suspend|skip)\b|\bfor\s+(?:a\s+while|now|the\s+moment|a\s+bit)\b|\btemporarily\b|\buntil\b"):
        action = "pause"
    elif said.has(r"\b(resume|again|restart|back\s+on|continue)\b"):
        action = "resume"
    else:
        action = "cancel"
    return _numbered(
        said,
        lambda n: [("change_recurring_call", {"series_id": n, "action": action})],
        'Which repeating call? Say "show recurring calls" to see their numbers.',
    )


SCHEDULING_MEANINGS = [
    Meaning(
        "list scheduled",
        "show calls scheduled for later",
        (
            "scheduled calls",
            "what calls will go out",
            "which calls are coming up",
            "calls waiting to go out",
            "what calls are planned",
            "list my scheduled calls",
            "which calls will you make later",
            "upcoming calls",
        ),
        lambda said: [("list_scheduled_calls", {})],
    ),
    Meaning(
        "cancel scheduled",
        "cancel a call scheduled for later",
        (
            "cancel the call number 3",
            "don't make scheduled call 1",
            "scrap call 2",
            "call off the planned call 4",
            "scheduled call 3 should be cancelled",
        ),
        lambda said: _numbered(
            said,
            lambda n: [("cancel_scheduled_call", {"scheduled_id": n})],
            'Which scheduled call? Say "show scheduled calls" to see their numbers.',
        ),
        cues="\\bscheduled|planned\\b",
    ),
    Meaning(
        "list recurring",
        "show calls that repeat",
        (
            "list the repeating calls",
            "what reminders repeat",
            "show my daily calls",
            "which calls happen every week",
            "what calls do you make regularly",
        ),
        lambda said: [("list_recurring_calls", {})],
        cues="\\b(recurring|repeat|regular|routine|every\\s+(?:day|week|month))",
    ),
    Meaning(
        "change recurring",
        "pause, resume or cancel a repeating call",
        (
            "pause daily call 2",
            "cancel the repeating reminder 1",
            "turn the weekly call 3 back on",
            "pause the repeating call 1",
            "cancel recurring call 2",
            "resume daily call 3",
            "stop reminder series 1 for good",
            "continue series 2",
            "hold series 3 for a while",
        ),
        _series_action,
        cues="\\b(recurring|repeating|daily|weekly|series|reminder)\\b",
        # A scheduled call is one call, not a series: "I need scheduled call 2 cancelled".
        unlike="\\bscheduled\\b",
    ),
    Meaning(
        "test call",
        "call your own phone to test the setup",
        ("test the phone by calling me", "make a test call to me", "check it works by ringing me", "call my phone as a test"),
        lambda said: [("test_call", {})],
    ),
]
