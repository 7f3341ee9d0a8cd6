"""Offline phrases for placing calls: "call +1555... and remind them about ...", "... tomorrow at 9 ...".

The owner speaks about the callee in the third person; the message is said to them in the second.
"""

from __future__ import annotations

import re

from assistant.offline_model import Intent, ToolCall

I = re.IGNORECASE
CALL = re.compile(r"^\s*(?:please\s+)?(?:call|phone|ring)\s+(\+?[\d][\d\s\-()]{5,18}\d)\s*(.*)$", I | re.S)
WHEN = re.compile(r"\b(today|tonight|tomorrow|in \d+ (?:minutes?|hours?)|at \d|on \w+day|next \w+|\w+day\b)", I)
# One pass over all words, so a replacement ("my owner") is never rewritten again ("my owner's owner").
PRONOUNS = {
    "i'm": "my owner is",
    "i am": "my owner is",
    "i've": "my owner has",
    "i": "my owner",
    "my": "my owner's",
    "me": "my owner",
    "they're": "you're",
    "their": "your",
    "themselves": "yourself",
    "them": "you",
    "they": "you",
    "his": "your",
    "her": "your",
    "him": "you",
}
_PRONOUN = re.compile(r"\b(?:i'm|i am|i've|themselves|they're|their|them|they|his|her|him|my|me|i)\b", I)


def _second_person(text: str) -> str:
    text = _PRONOUN.sub(lambda m: PRONOUNS[m.group(0).lower()], text)
    return text.strip().rstrip(".!")


def _purpose(text: str) -> tuple[str, str] | None:
    """(mode, what to say) from "remind them about X", "have a conversation about X", "tell them X"."""
    if m := re.search(r"\bremind (?:them|him|her)\s+(.+)$", text, I | re.S):
        return "notify", f"Hello! This is a friendly reminder {_second_person(m.group(1))}."
    if m := re.search(
        r"\b(?:have a conversation|talk(?: to them| with them)?|chat(?: with them)?|ask them)\s+(.+)$", text, I | re.S
    ):
        return "conversation", f"Hello! I'm calling on behalf of my owner {_second_person(m.group(1))}."
    if m := re.search(r"\b(?:tell|say to) (?:them|him|her)\s+(?:that\s+)?(.+)$", text, I | re.S):
        return "notify", f"Hello! I have a message for you: {_second_person(m.group(1))}."
    return None


def place_call(text: str) -> list[ToolCall] | None:
    match = CALL.match(text)
    if not match:
        return None
    number = re.sub(r"[\s\-()]", "", match.group(1))
    rest = match.group(2)
    when, _, task = rest.partition(" and ")
    if not task:
        when, task = "", rest
    purpose = _purpose(task)
    if purpose is None:
        return None
    mode, message = purpose
    when = when.strip()
    if when and WHEN.search(when):
        return [("schedule_call", {"to": number, "message": message, "when": when, "mode": mode})]
    return [("realtime_call", {"action": "initiate_call", "to": number, "message": message, "mode": mode})]


def scheduled(text: str) -> list[ToolCall] | None:
    if m := re.search(r"\bcancel\s+(?:the\s+)?(?:scheduled\s+)?call\s+#?(\d+)\b", text, I):
        return [("cancel_scheduled_call", {"scheduled_id": int(m.group(1))})]
    if re.search(r"\b(show|list|what are)\b.*\bscheduled calls\b|\bscheduled calls\b\??$", text, I):
        return [("list_scheduled_calls", {})]
    return None


CALL_INTENTS = [
    Intent("place_call", place_call, "call +15559876543 and remind them about tomorrow's appointment"),
    Intent(
        "scheduled_calls", scheduled, "call +15559876543 tomorrow at 9 and remind them about the dentist / show scheduled calls"
    ),
]
