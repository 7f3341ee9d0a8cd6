"""The owner's words for their own number (where callers are put through, and whom "call me"
calls), for the offline model."""

from __future__ import annotations

import re

from assistant.plugin_api import Intent, ToolCall

I = re.IGNORECASE


def owner_number(text: str) -> list[ToolCall] | None:
    number = r"(\+?[\d][\d\s\-()]{5,18}\d)"
    if m := re.search(
        rf"\bmy\s+(?:own|personal|mobile|cell)\s+(?:phone\s+|mobile\s+|cell\s+)?(?:number\s+)?(?:is\s+)?{number}", text, I
    ):
        return [("set_owner_number", {"number": re.sub(r"[\s\-()]", "", m.group(1))})]
    return None


OWNER_NUMBER = Intent("owner_number", owner_number, "my own number is +15550001234")
