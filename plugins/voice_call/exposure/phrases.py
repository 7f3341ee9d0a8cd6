"""The owner's words for tunnels and the number's wiring, for the offline model: each mapped to a tool call."""

from __future__ import annotations

import re
from typing import Any

from assistant.plugin_api import PLACEHOLDER, Intent, ToolCall

TUNNEL_WORDS = {"cloudflare": "cloudflare", "cloudflared": "cloudflare", "ngrok": "ngrok", "tailscale": "tailscale"}


def tunnel_phrase(text: str) -> list[ToolCall] | None:
    if re.search(r"\b(stop|close|turn\s+off|no)\b.{0,20}\btunnel\b", text, re.I):
        return [("expose_gateway", {"tunnel": "none"})]
    kind = re.search(r"\b(cloudflared?|ngrok|tailscale)\b", text, re.I)
    if not kind or not re.search(r"\b(expose|use|tunnel|funnel|through|with|start)\b", text, re.I):
        return None
    args: dict[str, Any] = {"tunnel": TUNNEL_WORDS[kind.group(1).lower()]}
    token = PLACEHOLDER.search(text)
    if args["tunnel"] == "ngrok" and token:
        args["ngrok_authtoken"] = token.group(0)
    return [("expose_gateway", args)]


def connect_phrase(text: str) -> list[ToolCall] | None:
    if re.search(r"\b(connect|wire|point|hook\s+up)\b.{0,15}\b(my\s+)?(phone\s+)?number\b", text, re.I):
        return [("connect_number", {})]
    return None


EXPOSURE_INTENTS = [
    Intent("tunnel", tunnel_phrase, "expose the gateway with cloudflare / use ngrok, my authtoken is ... / stop the tunnel"),
    Intent("connect_number", connect_phrase, "connect my number"),
]
