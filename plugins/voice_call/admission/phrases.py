"""The owner's words for who may call (the policy, the allowlist, pairing and invite codes), for
the offline model: each mapped to a tool call."""

from __future__ import annotations

import re
from typing import Any

from assistant.plugin_api import Intent, ToolCall
from plugins.voice_call.phrasing import IS, I, first, numbers_in


def inbound_policy(text: str) -> list[ToolCall] | None:
    if re.search(
        r"\b(accept|allow|take)\b.*\bcalls?\b.*\b(anyone|anybody|everyone|everybody|all\s+callers|any\s+number)\b", text, I
    ):
        return [("set_inbound_policy", {"policy": "open"})]
    if re.search(r"\b(also|add)\b.*\b(accept|allow|allowlist)\b", text, I) and numbers_in(text):
        return [("update_allowlist", {"add": numbers_in(text)})]
    if re.search(r"\b(remove|stop\s+accepting\s+calls\s+from)\b", text, I) and numbers_in(text):
        return [("update_allowlist", {"remove": numbers_in(text)})]
    if re.search(r"\b(only\s+)?(accept|allow|take)\b.*\bcalls?\s+from\b", text, I) and numbers_in(text):
        return [("set_inbound_policy", {"policy": "allowlist", "allow_from": numbers_in(text)})]
    if re.search(
        r"\b(disable|turn\s+off|stop)\b.*\b(inbound|incoming)?\s*calls\b|\b(reject|block)\s+all\s+calls\b|don'?t\s+accept\s+(any\s+)?calls",
        text,
        I,
    ):
        return [("set_inbound_policy", {"policy": "disabled"})]
    if re.search(r"\b(use|enable|turn\s+on)\s+pairing\b|\bpairing\s+mode\b", text, I):
        return [("set_inbound_policy", {"policy": "pairing"})]
    policy = first(r"\bpolicy" + IS + r"(disabled|open|allowlist|pairing)\b", text)
    if policy:
        args: dict[str, Any] = {"policy": policy.lower()}
        if policy.lower() == "allowlist" and numbers_in(text):
            args["allow_from"] = numbers_in(text)
        return [("set_inbound_policy", args)]
    return None


def pairing(text: str) -> list[ToolCall] | None:
    code = first(r"\b(?:approve|accept|allow)\s+(?:the\s+)?pairing(?:\s+code)?\s*:?\s*(\d{4})\b", text)
    if code:
        return [("approve_pairing", {"code": code})]
    if re.search(r"\b(pending|waiting)\b.*\bpairing|\bpairing\s+requests\b", text, I):
        return [("list_pairing_requests", {})]
    if re.search(r"\b(?:give|make|create|new|generate)\b.*\binvite\s+code\b|\binvite\s+code\s+for\b", text, I):
        return [("create_invite_code", {})]
    return None


PAIRING = Intent("pairing", pairing, "approve pairing 4821 / give me an invite code for a new caller")
INBOUND_POLICY = Intent("inbound_policy", inbound_policy, "accept calls from anyone / only accept calls from +15559876543")
