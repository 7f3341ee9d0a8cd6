"""The owner's words for the lookups callers may run, for the offline model: each mapped to a tool call."""

from __future__ import annotations

import re

from assistant.plugin_api import PLACEHOLDER, Ask, Built, Intent, Meaning, Said, ToolCall

REGISTER = re.compile(
    r"\blet\s+callers\s+(?:look\s+up|check|query)\s+(?:the\s+)?(?P<name>[a-z0-9 _\-]{2,40}?)\s+(?:at|from|with)\s+"
    r"(?:GET\s+)?(?P<url>https?://\S+?)[,;]?\s+(?:and\s+)?(?:say|tell\s+them|read\s+out|saying)\s+(?:the\s+)?(?P<fields>.+?)\.?$",
    re.I | re.S,
)
HEADER = re.compile(
    r"\b(?:using|with)\s+(?:the\s+)?(?:header\s+)?(?P<header>[A-Za-z][A-Za-z0-9\-]{1,63})\s+header\b|\bheader\s+(?P<header2>[A-Za-z][A-Za-z0-9\-]{1,63})\b",
    re.I,
)


def _register(text: str) -> list[ToolCall] | None:
    match = REGISTER.search(text)
    if match is None:
        return None
    fields_text = match.group("fields")
    header = HEADER.search(fields_text)
    secret = PLACEHOLDER.search(fields_text)
    if header:
        fields_text = fields_text[: header.start()]
    fields = [f for f in re.split(r"\s*(?:,|\band\b)\s*", fields_text.strip().rstrip(".")) if f]
    args: dict[str, object] = {"name": match.group("name").strip(), "url": match.group("url").rstrip(".,;"), "fields": fields}
    if header and secret:
        args["auth_header"] = header.group("header") or header.group("header2")
        args["auth_value"] = secret.group(0)
    return [("let_callers_look_up", args)]


def _list(text: str) -> list[ToolCall] | None:
    if re.search(r"\b(?:what|which)\s+lookups\b|\b(?:show|list)\s+(?:the\s+)?(?:caller\s+)?lookups\b", text, re.I):
        return [("list_caller_lookups", {})]
    return None


def _remove(text: str) -> list[ToolCall] | None:
    match = re.search(r"\b(?:remove|delete|forget)\s+(?:caller\s+)?lookup\s+#?(\d+)\b", text, re.I)
    return [("remove_caller_lookup", {"lookup_id": int(match.group(1))})] if match else None


LOOKUP_INTENTS = [
    Intent(
        "let_callers_look_up",
        _register,
        "let callers look up order status at https://shop.example.com/api/orders/{order_id}, say status and eta",
    ),
    Intent("list_caller_lookups", _list, "show caller lookups / remove lookup 1"),
    Intent("remove_caller_lookup", _remove, ""),
]


def _register_meant(said: Said) -> Built:
    found = _register(said.text)
    if found:
        return found
    url = said.url()
    if url is None:
        return Ask("At which web address can callers look it up? Put {order_id} where their number goes.")
    name = re.search(r"\b(?:their|an?|the)\s+([a-z ]{3,30}?)\s+(?:at|on|from|with)\s+https?://", said.text, re.I)
    return [("let_callers_look_up", {"name": name.group(1).strip() if name else "order", "url": url, "fields": []})]


def _lookup_id(said: Said) -> Built:
    number = said.count()
    if number:
        return [("remove_caller_lookup", {"lookup_id": number})]
    return Ask('Which lookup number? Say "show caller lookups" to see them.')


LOOKUP_MEANINGS = [
    Meaning(
        "add lookup",
        "let callers look something up on a web address",
        (
            "callers can check their delivery at https://example.com/{order_id}",
            "let people look up their order at https://example.com/orders/{order_id}",
            "use my shop api so callers get their order status",
            "callers may query https://example.com/api/{order_id}",
        ),
        _register_meant,
    ),
    Meaning(
        "list lookups",
        "show the lookups callers may run",
        ("which lookups are there", "show the caller lookups", "what can callers look up"),
        lambda said: [("list_caller_lookups", {})],
    ),
    Meaning(
        "remove lookup",
        "stop callers running one lookup",
        (
            "delete lookup 2",
            "callers can't use lookup 1 anymore",
            "remove the order lookup 3",
            "lookup 4 can be removed",
            "stop lookup 2",
        ),
        _lookup_id,
        cues="\\b(?:remove\\w*|delete\\w*|drop|go|stop|get\\s+rid)\\b",
    ),
]
