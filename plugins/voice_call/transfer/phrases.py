"""The owner's words for their own number (where callers are put through, and whom "call me"
calls), for the offline model."""

from __future__ import annotations

import re

from assistant.plugin_api import Ask, Built, Intent, Meaning, Said, ToolCall

I = re.IGNORECASE


def owner_number(text: str) -> list[ToolCall] | None:
    number = r"(\+?[\d][\d\s\-()]{5,18}\d)"
    if m := re.search(
        rf"\bmy\s+(?:own|personal|mobile|cell)\s+(?:phone\s+|mobile\s+|cell\s+)?(?:number\s+)?(?:is\s+)?{number}", text, I
    ):
        return [("set_owner_number", {"number": re.sub(r"[\s\-()]", "", m.group(1))})]
    return None


OWNER_NUMBER = Intent("owner_number", owner_number, "my own number is +15550001234")


def _own_number(said: Said) -> Built:
    numbers = said.numbers()
    if numbers:
        return [("set_owner_number", {"number": numbers[0]})]
    return Ask('What is your own phone number (for putting callers through and for "call me")?')


OWNER_MEANINGS = [
    Meaning(
        "own number",
        "store your own phone number (callers who ask for you are put through to it)",
        (
            "people who want me can be put through to +15550000000",
            "you can reach me on +15550000000 if someone asks for me",
            "my phone is +15550000000, send callers there if they ask",
            "transfer callers to my mobile",
            "my number is +15550000000",
            "I'm reachable on +15550000000",
            "callers who ask for me go to +15550000000",
            "put them through to me at +15550000000",
            "send callers who want me to +15550000000",
            "forward people who ask for me to +15550000000",
            "my cell is +15550000000",
            "I can be reached at +15550000000",
            "put callers through to me on +15550000000",
            "transfer people who want me to +15550000000",
            "my personal phone is +15550000000",
            "connect callers to my mobile",
            "if a caller wants to speak to me, send them to my phone",
        ),
        _own_number,
        cues="\\b(through\\s+to\\s+me|reach\\s+me|my\\s+(own|mobile|cell|personal)|for\\s+me|ask\\s+for\\s+me|need\\s+me|want\\s+me|I'?m\\s+on)\\b",
        # "the only one who should reach me": who may call, not where callers reach the owner.
        unlike="\\bonly\\b|\\bnobody\\s+(?:else|but)\\b",
    ),
]
