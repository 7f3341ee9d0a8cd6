"""The owner's words for tunnels and the number's wiring, for the offline model: each mapped to a tool call."""

from __future__ import annotations

import re
from typing import Any

from assistant.plugin_api import PLACEHOLDER, Ask, Built, Intent, Meaning, Said, ToolCall

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


def _tunnel(said: Said) -> Built:
    if said.has(r"\b(stop|close|end|shut|no\s+more|off|down|kill|disable)\b"):
        return [("expose_gateway", {"tunnel": "none"})]
    kind = re.search(r"\b(cloudflared?|ngrok|tailscale)\b", said.text, re.I)
    if kind is None:
        return Ask("Which tunnel: cloudflare, tailscale or ngrok?")
    args: dict[str, Any] = {"tunnel": TUNNEL_WORDS[kind.group(1).lower()]}
    if args["tunnel"] == "ngrok" and (token := PLACEHOLDER.search(said.text)):
        args["ngrok_authtoken"] = token.group(0)
    return [("expose_gateway", args)]


EXPOSURE_MEANINGS = [
    Meaning(
        "tunnel",
        "open or close a tunnel so the carrier can reach this machine",
        (
            "cloudflare tunnel please",
            "start a tailscale funnel",
            "stop the tunnel",
            "close the tunnel",
            "open a cloudflare tunnel",
            "make the gateway public with tailscale",
            "get me online through ngrok",
            "expose this machine to the internet",
            "shut down the tunnel",
            "I don't need the tunnel anymore",
        ),
        _tunnel,
    ),
    Meaning(
        "connect number",
        "point your carrier number at this gateway",
        (
            "connect the number",
            "point the number here",
            "hook up my number",
            "make calls to my number come here",
            "my number should ring on this box",
            "wire up my phone number",
            "send my number's calls here",
            "make my twilio number use this gateway",
            "route my number to you",
            "set the number to point here",
            "point my number at the gateway",
        ),
        lambda said: [("connect_number", {})],
        # A number pointed somewhere, not an address given ("make sure my number points at the
        # gateway"), nor other people's numbers ("calls from unknown numbers are fine").
        unlike="https?://|\\b(?:unknown|strangers?|any\\s*one|any\\s*body|every\\s*one|every\\s*body|people)\\b",
    ),
]
