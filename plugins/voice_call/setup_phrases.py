"""Phrases the offline model understands for setting up voice calls, each mapped to a tool call.

Values are read loosely (`phrasing.py`): a wrong Account SID here still reaches the tool and gets
a clear refusal.
"""

from __future__ import annotations

import re

from assistant.plugin_api import Intent, ToolCall, slots
from plugins.voice_call.phrasing import IS, VALUE, I, first

PROVIDER = r"(twilio|telnyx|plivo)"

#: A Kokoro voice name: language and gender letters, then the name ("af_heart", "bm_george").
VOICE = r"\b([abejfhipz][fm]_[a-z]+)\b"

SPEECH_SERVICE = r"\b(openai|open\s*ai|elevenlabs|eleven\s*labs)\b"


def credentials(text: str) -> list[ToolCall] | None:
    if re.search(SPEECH_SERVICE + r"|\bngrok\b", text, I) and not re.search(r"\b" + PROVIDER + r"\b", text, I):
        return None  # an OpenAI, ElevenLabs or ngrok key is not a carrier credential (see speech_key, exposure_tools)
    fields = {
        "account_sid": first(r"account\s*sid" + IS + VALUE, text),
        "auth_token": first(r"auth(?:entication)?\s*token" + IS + VALUE, text),
        "api_key": first(r"api\s*key" + IS + VALUE, text),
        "connection_id": first(r"connection\s*id" + IS + VALUE, text),
        "public_key": first(r"public\s*key" + IS + VALUE, text),
        "auth_id": first(r"auth\s*id" + IS + VALUE, text),
    }
    # "my own / personal phone number" is the owner's phone (call_intents.owner_number), not the assistant's.
    number = first(
        r"(?<!own )(?<!personal )(?:my|phone|twilio|telnyx|plivo|the)\s+(?:phone\s+)?number" + IS + r"(\+?[\d\s\-()]{7,20}\d)",
        text,
    )
    args = {k: v for k, v in fields.items() if v}
    # "my number is ..., put people through to me": the owner's own phone, not the assistant's.
    owners = re.search(r"\bthrough\s+to\s+me\b|\breach\s+me\b|\btransfer|\bmy\s+(?:own|mobile|cell|personal)\b", text, I)
    # "I accept calls only from the number ...": a caller's number, for the inbound policy.
    callers = re.search(r"\bcalls?\b.*\bfrom\b|\bonly\b|\b(?:accept|allow|block)", text, I)
    if number and not owners and not callers:
        args["phone_number"] = re.sub(r"[\s\-()]", "", number)
    if not args:
        return None
    provider = first(r"\b" + PROVIDER + r"\b", text)
    if provider:
        args["provider"] = provider.lower()
    return [("set_voice_call_credentials", args)]


def receive_calls(text: str) -> list[ToolCall] | None:
    negated = re.search(
        r"\b(don'?t|do\s+not|no|never|stop|nobody|not)\b|\d|\b(up\s+to|at\s+once|at\s+a\s+time|simultaneous)", text, I
    )
    if re.search(r"\b(receive|answer|take|get|set\s*up)\b.*\b(phone\s+)?calls?\b", text, I) and not (
        negated or re.search(r"\bfrom\b", text, I)
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


def greeting(text: str) -> list[ToolCall] | None:
    match = re.search(r"\b(?:set\s+(?:a|the)\s+greeting|greeting)\s*(to|:|is)\s*(.+)$", text, I | re.S)
    # "the greeting is fine" is an opinion, not new words: after "is", only quoted words or a sentence.
    if match and match.group(1).lower() == "is" and not re.match(r"[\"“']", match.group(2)) and len(match.group(2).split()) < 3:
        return None
    if match:
        return [("set_voice_call_greeting", {"greeting": match.group(2).strip().strip("\"'“”")})]
    return None


def speech(text: str) -> list[ToolCall] | None:
    if re.search(r"\b(recognition|transcription|transcribe|stt)\b", text, I):
        return None
    engine = first(r"\buse\s+(kokoro|openai|open\s*ai|elevenlabs|eleven\s*labs)\b", text)
    if engine and re.search(r"\b(speech|voice|tts|speak|talk)", text, I):
        args = {"engine": re.sub(r"\s+", "", engine.lower())}
        if voice := first(VOICE, text):
            args["voice"] = voice.lower()
        return [("set_voice_call_speech", args)]
    # "use the voice nova"; "the voice pipeline" is the call mode, "the voice engine" the speech.
    voice = first(r"\buse\s+(?:the\s+)?voice\s+(?!(?:pipeline|mode|engine|calls?)\b)([A-Za-z0-9_\-]+)", text)
    if voice:
        return [("set_voice_call_speech", {"voice": voice})]
    return None


def recognition(text: str) -> list[ToolCall] | None:
    if not re.search(r"\b(speech recognition|transcription|transcribe|stt)\b", text, I):
        return None
    engine = first(r"\b(local|whisper|openai|open\s*ai)\b", text)
    if engine is None:
        return None
    return [("set_voice_call_recognition", {"engine": "openai" if "open" in engine.lower() else "local"})]


def speech_key(text: str) -> list[ToolCall] | None:
    service = first(SPEECH_SERVICE + r"[^<]*?\bkey\b", text)
    key = first(r"(<secret:[0-9a-f]{8}>)", text)
    if service and key:
        return [("set_speech_api_key", {"service": "openai" if "open" in service.lower() else "elevenlabs", "api_key": key})]
    return None


def mode(text: str) -> list[ToolCall] | None:
    if re.search(r"\b(off|stop|no|not|disable|without)\b", text, I) and re.search(r"\brealtime\b", text, I):
        return [("set_voice_call_mode", {"mode": "voice"})]
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
    concurrent = first(r"(?:at\s+most|max(?:imum)?(?:\s+of)?)\s+(\d+)\s+(?:concurrent|simultaneous)\s+calls", text)
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
    if not re.search(r"public\s+(?:url|address)", text, I):
        return None
    # The address itself, wherever it stands ("our public URL changed to https://..."), or the
    # word after "public url" when it looks like a host name ("public url is voice.example.com").
    url = slots.url(text) or first(r"public\s+(?:url|address)" + IS + r"([\w-]+\.\S+?)[.,;]?(?=\s|$)", text)
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


#: Tried in this order, after the features' phrases (see plugin.py).
SETUP_FIRST = [
    Intent("check", check, "check the voice call configuration"),
    Intent("show", show, "show the voice call configuration"),
    Intent("credentials", credentials, "Twilio Account SID is AC..., Auth Token is ..., my number is +1..."),
    Intent("greeting", greeting, "set a greeting: Hi, this is Sam's assistant"),
]
SETUP_REST = [
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
