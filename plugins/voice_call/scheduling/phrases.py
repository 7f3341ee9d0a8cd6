"""The owner's words for scheduled and repeating calls and the test call, for the offline model
(a call for later in the owner's own words is read by `outbound/phrases.py`)."""

from __future__ import annotations

import re

from assistant.plugin_api import Intent, ToolCall

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
