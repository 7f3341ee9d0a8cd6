"""The owner's words for placing a call, for the offline model: "call +1555... and remind them
about ...", "... tomorrow at 9 ...", "call me every weekday at 8 to remind me to take my pills".
A call for now goes to `realtime_call`; one for later to the scheduling tools.

The owner speaks about the callee in the third person (or of themselves, when the callee is "me");
the message is said to the callee in the second.
"""

from __future__ import annotations

import re

from assistant.plugin_api import Intent, ToolCall

I = re.IGNORECASE
CALL = re.compile(r"^\s*(?:please\s+)?(?:call|phone|ring)\s+(me|\+?[\d][\d\s\-()]{5,18}\d)\b\s*(.*)$", I | re.S)
#: Where the owner's words for the time end and the call's purpose begins.
PURPOSE = re.compile(r"\b(?:and\s+|to\s+)?(?:remind|have a conversation|talk|chat|ask|tell|say to)\b", I)
RECURRING = re.compile(r"\b(?:every|each|daily|weekdays|monthly)\b", I)
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
#: The same, when the owner is the one called: their "my pills" are "your pills".
TO_OWNER = {"i'm": "you're", "i am": "you are", "i've": "you've", "i": "you", "my": "your", "me": "you", "myself": "yourself"}
_OWNER_PRONOUN = re.compile(r"\b(?:i'm|i am|i've|myself|my|me|i)\b", I)


def _second_person(text: str, to_owner: bool = False) -> str:
    if to_owner:
        text = _OWNER_PRONOUN.sub(lambda m: TO_OWNER[m.group(0).lower()], text)
    else:
        text = _PRONOUN.sub(lambda m: PRONOUNS[m.group(0).lower()], text)
    return text.strip().rstrip(".!")


def _purpose(text: str, to_owner: bool) -> tuple[str, str] | None:
    """(mode, what to say) from "remind them about X", "have a conversation about X", "tell them X"."""
    if m := re.search(r"\bremind (?:them|him|her|me)\s+(.+)$", text, I | re.S):
        return "notify", f"Hello! This is a friendly reminder {_second_person(m.group(1), to_owner)}."
    if m := re.search(r"\bask (?:them|him|her)\s+(.+)$", text, I | re.S):
        return (
            "conversation",
            f"Hello! I'm calling on behalf of my owner, who would like to know {_second_person(m.group(1), to_owner)}.",
        )
    if m := re.search(r"\b(?:have a conversation|talk(?: to them| with them)?|chat(?: with them)?)\s+(.+)$", text, I | re.S):
        return "conversation", f"Hello! I'm calling on behalf of my owner {_second_person(m.group(1), to_owner)}."
    if m := re.search(r"\b(?:tell|say to) (?:them|him|her|me)\s+(?:that\s+)?(.+)$", text, I | re.S):
        return "notify", f"Hello! I have a message for you: {_second_person(m.group(1), to_owner)}."
    return None


def place_call(text: str) -> list[ToolCall] | None:
    match = CALL.match(text)
    if not match:
        return None
    to_owner = match.group(1).lower() == "me"
    number = "me" if to_owner else re.sub(r"[\s\-()]", "", match.group(1))
    rest = match.group(2)
    start = PURPOSE.search(rest)
    if start is None:
        return None
    when, task = rest[: start.start()].strip(), rest[start.start() :]
    purpose = _purpose(task, to_owner)
    if purpose is None:
        return None
    mode, message = purpose
    if when and RECURRING.search(when):
        return [("schedule_recurring_call", {"to": number, "message": message, "every": when, "mode": mode})]
    if when and WHEN.search(when):
        return [("schedule_call", {"to": number, "message": message, "when": when, "mode": mode})]
    return [("realtime_call", {"action": "initiate_call", "to": number, "message": message, "mode": mode})]


PLACE_CALL = Intent("place_call", place_call, "call +15559876543 and remind them about tomorrow's appointment")
