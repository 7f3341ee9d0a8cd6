"""Phrases the offline model understands for voice calls, each mapped to a tool call.

Parsing reads the text the user typed (with secrets already replaced by placeholders) and
extracts values loosely: validation and the error sentences live in the tools and the config
model, so a wrong Account SID here still reaches the tool and gets a clear refusal.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.offline_model import Intent, ToolCall

I = re.IGNORECASE
PROVIDER = r"(twilio|telnyx|plivo)"
IS = r"\s*(?:is|=|:|to)?\s*"
VALUE = r"([^\s,;]+?)[.,;]?(?=\s|$)"
NUMBER = re.compile(r"\+?\d[\d\s\-()]{5,18}\d")


def _numbers(text: str) -> list[str]:
    return [re.sub(r"[\s\-()]", "", n) for n in NUMBER.findall(text)]


def _one(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text, I)
    return match.group(1) if match else None


SPEECH_SERVICE = r"\b(openai|open\s*ai|elevenlabs|eleven\s*labs)\b"


def credentials(text: str) -> list[ToolCall] | None:
    if re.search(SPEECH_SERVICE + r"|\bngrok\b", text, I) and not re.search(r"\b" + PROVIDER + r"\b", text, I):
        return None  # an OpenAI, ElevenLabs or ngrok key is not a carrier credential (see speech_key, exposure_tools)
    fields = {
        "account_sid": _one(r"account\s*sid" + IS + VALUE, text),
        "auth_token": _one(r"auth(?:entication)?\s*token" + IS + VALUE, text),
        "api_key": _one(r"api\s*key" + IS + VALUE, text),
        "connection_id": _one(r"connection\s*id" + IS + VALUE, text),
        "public_key": _one(r"public\s*key" + IS + VALUE, text),
        "auth_id": _one(r"auth\s*id" + IS + VALUE, text),
    }
    # "my own / personal phone number" is the owner's phone (call_intents.owner_number), not the assistant's.
    number = _one(
        r"(?<!own )(?<!personal )(?:my|phone|twilio|telnyx|plivo|the)\s+(?:phone\s+)?number" + IS + r"(\+?[\d\s\-()]{7,20}\d)",
        text,
    )
    args = {k: v for k, v in fields.items() if v}
    if number:
        args["phone_number"] = re.sub(r"[\s\-()]", "", number)
    if not args:
        return None
    provider = _one(r"\b" + PROVIDER + r"\b", text)
    if provider:
        args["provider"] = provider.lower()
    return [("set_voice_call_credentials", args)]


def receive_calls(text: str) -> list[ToolCall] | None:
    if re.search(r"\b(receive|answer|take|get|set\s*up)\b.*\b(phone\s+)?calls?\b", text, I) and not re.search(
        r"\bfrom\b", text, I
    ):
        return [("voice_call_setup", {})]
    if re.search(r"\bset\s*up\b.*\b(phone|voice)\s*calls?\b", text, I):
        return [("voice_call_setup", {})]
    return None


def choose_provider(text: str) -> list[ToolCall] | None:
    match = re.fullmatch(
        r"\s*(?:i\s+(?:want|would\s+like|'d\s+like)\s+to\s+use\s+|use\s+|let'?s\s+use\s+|i\s+use\s+)?"
        + PROVIDER
        + r"(?:\s+for\s+(?:phone\s+|voice\s+)?calls)?\s*[.!]?\s*",
        text,
        I,
    )
    return [("voice_call_setup", {"provider": match.group(1).lower()})] if match else None


def inbound_policy(text: str) -> list[ToolCall] | None:
    if re.search(
        r"\b(accept|allow|take)\b.*\bcalls?\b.*\b(anyone|anybody|everyone|everybody|all\s+callers|any\s+number)\b", text, I
    ):
        return [("set_inbound_policy", {"policy": "open"})]
    if re.search(r"\b(also|add)\b.*\b(accept|allow|allowlist)\b", text, I) and _numbers(text):
        return [("update_allowlist", {"add": _numbers(text)})]
    if re.search(r"\b(remove|stop\s+accepting\s+calls\s+from)\b", text, I) and _numbers(text):
        return [("update_allowlist", {"remove": _numbers(text)})]
    if re.search(r"\b(only\s+)?(accept|allow|take)\b.*\bcalls?\s+from\b", text, I) and _numbers(text):
        return [("set_inbound_policy", {"policy": "allowlist", "allow_from": _numbers(text)})]
    if re.search(
        r"\b(disable|turn\s+off|stop)\b.*\b(inbound|incoming)?\s*calls\b|\b(reject|block)\s+all\s+calls\b|don'?t\s+accept\s+(any\s+)?calls",
        text,
        I,
    ):
        return [("set_inbound_policy", {"policy": "disabled"})]
    if re.search(r"\b(use|enable|turn\s+on)\s+pairing\b|\bpairing\s+mode\b", text, I):
        return [("set_inbound_policy", {"policy": "pairing"})]
    policy = _one(r"\bpolicy" + IS + r"(disabled|open|allowlist|pairing)\b", text)
    if policy:
        args: dict[str, Any] = {"policy": policy.lower()}
        if policy.lower() == "allowlist" and _numbers(text):
            args["allow_from"] = _numbers(text)
        return [("set_inbound_policy", args)]
    return None


def greeting(text: str) -> list[ToolCall] | None:
    match = re.search(r"\b(?:set\s+(?:a|the)\s+greeting|greeting)\s*(?:to|:|is)\s*(.+)$", text, I | re.S)
    if match:
        return [("set_voice_call_greeting", {"greeting": match.group(1).strip().strip("\"'“”")})]
    return None


def speech(text: str) -> list[ToolCall] | None:
    if re.search(r"\b(recognition|transcription|transcribe|stt)\b", text, I):
        return None
    engine = _one(r"\buse\s+(kokoro|openai|open\s*ai|elevenlabs|eleven\s*labs)\b", text)
    if engine and re.search(r"\b(speech|voice|tts|speak|talk)", text, I):
        normal = re.sub(r"\s+", "", engine.lower())
        return [("set_voice_call_speech", {"engine": normal})]
    voice = _one(r"\buse\s+(?:the\s+)?voice\s+([A-Za-z0-9_\-]+)", text)
    if voice:
        return [("set_voice_call_speech", {"voice": voice})]
    return None


def recognition(text: str) -> list[ToolCall] | None:
    if not re.search(r"\b(speech recognition|transcription|transcribe|stt)\b", text, I):
        return None
    engine = _one(r"\b(local|whisper|openai|open\s*ai)\b", text)
    if engine is None:
        return None
    return [("set_voice_call_recognition", {"engine": "openai" if "open" in engine.lower() else "local"})]


def speech_key(text: str) -> list[ToolCall] | None:
    service = _one(SPEECH_SERVICE + r"[^<]*?\bkey\b", text)
    key = _one(r"(<secret:[0-9a-f]{8}>)", text)
    if service and key:
        return [("set_speech_api_key", {"service": "openai" if "open" in service.lower() else "elevenlabs", "api_key": key})]
    return None


def mode(text: str) -> list[ToolCall] | None:
    if re.search(r"\b(use|switch\s+to)\s+(the\s+)?realtime\b|\brealtime\s+(mode|calls)\b", text, I):
        return [("set_voice_call_mode", {"mode": "realtime"})]
    if re.search(r"\b(use|switch\s+to)\s+(the\s+)?(voice|pipeline)\s+mode\b", text, I):
        return [("set_voice_call_mode", {"mode": "voice"})]
    return None


def _seconds(amount: str, unit: str | None) -> int:
    return int(amount) * (60 if unit and unit.lower().startswith("min") else 1)


def limits(text: str) -> list[ToolCall] | None:
    args = {}
    duration = re.search(
        r"max(?:imum)?\s+(?:call\s+)?(?:duration|length)" + IS + r"(\d+)\s*(seconds?|secs?|s|minutes?|mins?)?", text, I
    )
    if duration:
        args["max_duration_seconds"] = _seconds(duration.group(1), duration.group(2))
    silence = re.search(r"silence\s+timeout" + IS + r"(\d+)\s*(seconds?|secs?|s|minutes?|mins?)?", text, I)
    if silence:
        args["silence_timeout_seconds"] = _seconds(silence.group(1), silence.group(2))
    concurrent = _one(r"(?:at\s+most|max(?:imum)?(?:\s+of)?)\s+(\d+)\s+(?:concurrent|simultaneous)\s+calls", text)
    if concurrent:
        args["max_concurrent_calls"] = int(concurrent)
    pause = re.search(
        r"(?:end[\s-]of[\s-](?:utterance|speech)|pause)\s+(?:silence\s+)?" + IS + r"(\d+)\s*(ms|milliseconds?|seconds?|s)?\b",
        text,
        I,
    )
    if pause:
        unit = (pause.group(2) or "ms").lower()
        args["end_of_utterance_ms"] = int(pause.group(1)) * (1 if unit.startswith("m") else 1000)
    return [("set_voice_call_limits", args)] if args else None


def streaming(text: str) -> list[ToolCall] | None:
    if re.search(r"\b(enable|turn\s+on)\s+(media\s+)?streaming\b|\bstreaming\s+on\b", text, I):
        return [("set_voice_call_streaming", {"enabled": True})]
    if re.search(r"\b(disable|turn\s+off)\s+(media\s+)?streaming\b|\bstreaming\s+off\b", text, I):
        return [("set_voice_call_streaming", {"enabled": False})]
    return None


def public_url(text: str) -> list[ToolCall] | None:
    url = _one(r"public\s+(?:url|address)" + IS + r"(\S+?)[.,;]?(?=\s|$)", text)
    return [("set_voice_call_public_url", {"url": url})] if url else None


def show(text: str) -> list[ToolCall] | None:
    if re.search(
        r"\b(show|what'?s|what\s+is|display)\b.*\b(voice[\s-]*call|call|phone)\s*(config|configuration|settings|setup)\b", text, I
    ):
        return [("show_voice_call_config", {})]
    return None


def check(text: str) -> list[ToolCall] | None:
    if re.search(
        r"\b(check|verify|diagnose|test)\b.*\b(voice[\s-]*call|call|phone)\s*(config|configuration|settings|setup)\b|\bdoctor\b|what'?s\s+missing",
        text,
        I,
    ):
        return [("check_voice_call_config", {})]
    return None


def pairing(text: str) -> list[ToolCall] | None:
    code = _one(r"\b(?:approve|accept|allow)\s+(?:the\s+)?pairing(?:\s+code)?\s*:?\s*(\d{4})\b", text)
    if code:
        return [("approve_pairing", {"code": code})]
    if re.search(r"\b(pending|waiting)\b.*\bpairing|\bpairing\s+requests\b", text, I):
        return [("list_pairing_requests", {})]
    if re.search(r"\b(?:give|make|create|new|generate)\b.*\binvite\s+code\b|\binvite\s+code\s+for\b", text, I):
        return [("create_invite_code", {})]
    return None


INTENTS = [
    Intent("pairing", pairing, "approve pairing 4821 / give me an invite code for a new caller"),
    Intent("check", check, "check the voice call configuration"),
    Intent("show", show, "show the voice call configuration"),
    Intent("credentials", credentials, "Twilio Account SID is AC..., Auth Token is ..., my number is +1..."),
    Intent("greeting", greeting, "set a greeting: Hi, this is Sam's assistant"),
    Intent("inbound_policy", inbound_policy, "accept calls from anyone / only accept calls from +15559876543"),
    Intent("receive_calls", receive_calls, "I want to receive phone calls"),
    Intent("choose_provider", choose_provider, "I want to use Telnyx for calls"),
    Intent("speech_key", speech_key, "my OpenAI API key is sk-..."),
    Intent("recognition", recognition, "use OpenAI for speech recognition"),
    Intent("speech", speech, "use Kokoro for voice call speech"),
    Intent("mode", mode, "use realtime mode"),
    Intent("limits", limits, "set the max call duration to 10 minutes"),
    Intent("streaming", streaming, "enable streaming"),
    Intent("public_url", public_url, "set the public URL to https://calls.example.com"),
]
