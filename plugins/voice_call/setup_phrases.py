"""Phrases the offline model understands for setting up voice calls, each mapped to a tool call.

Values are read loosely (`phrasing.py`): a wrong Account SID here still reaches the tool and gets
a clear refusal.
"""

from __future__ import annotations

import re

from assistant.plugin_api import Ask, Built, Intent, Meaning, Said, ToolCall
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
    if number and not owners:
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
    match = re.search(r"\b(?:set\s+(?:a|the)\s+greeting|greeting)\s*(?:to|:|is)\s*(.+)$", text, I | re.S)
    if match:
        return [("set_voice_call_greeting", {"greeting": match.group(1).strip().strip("\"'“”")})]
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
    voice = first(r"\buse\s+(?:the\s+)?voice\s+([A-Za-z0-9_\-]+)", text)
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
    url = first(r"public\s+(?:url|address)" + IS + r"(\S+?)[.,;]?(?=\s|$)", text)
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


# -- free phrasing: meanings read by closeness to examples (assistant/understanding) ------------


def _provider(said: Said) -> Built:
    name = first(r"\b" + PROVIDER + r"\b", said.text)
    return [("voice_call_setup", {"provider": name.lower()})] if name else Ask("Which carrier: Twilio, Telnyx or Plivo?")


def _greeting(said: Said) -> Built:
    text = said.quoted() or first(r"\b(?:with|say|saying|to|be)\s*:?\s+(.{6,})$", said.text)
    if text and not re.fullmatch(r"(?i)(?:the\s+)?greeting", text.strip()):
        return [("set_voice_call_greeting", {"greeting": text.strip().strip("\"'“”")})]
    return Ask("What should I say when I answer? Write it in quotes.")


def _speech(said: Said) -> Built:
    engine = first(r"\b(kokoro|openai|open\s*ai|elevenlabs|eleven\s*labs)\b", said.text)
    voice = first(VOICE, said.text)
    args = {}
    if engine:
        args["engine"] = re.sub(r"\s+", "", engine.lower())
    if voice:
        args["voice"] = voice.lower()
    return [("set_voice_call_speech", args)] if args else Ask("Which speech: Kokoro (on this machine), OpenAI or ElevenLabs?")


def _voice(said: Said) -> Built:
    voice = first(VOICE, said.text)
    if voice:
        return [("set_voice_call_speech", {"voice": voice.lower()})]
    return Ask("Which voice? For example af_heart, am_adam or bf_emma.")


def _recognition(said: Said) -> Built:
    if said.has(r"\bopen\s*ai\b"):
        return [("set_voice_call_recognition", {"engine": "openai"})]
    if said.has(r"\b(local(ly)?|whisper|this machine|here|offline|on my (box|computer|server))\b"):
        return [("set_voice_call_recognition", {"engine": "local"})]
    return Ask("Which speech recognition: local Whisper on this machine, or OpenAI?")


def _limit_seconds(said: Said, tool_arg: str, question: str) -> Built:
    seconds = said.duration()
    return [("set_voice_call_limits", {tool_arg: seconds})] if seconds else Ask(question)


def _concurrent(said: Said) -> Built:
    count = said.count()
    return [("set_voice_call_limits", {"max_concurrent_calls": count})] if count else Ask("How many calls at once?")


def _public_url(said: Said) -> Built:
    url = said.url()
    return [("set_voice_call_public_url", {"url": url})] if url else Ask("What is the public https address?")


SETUP_MEANINGS = [
    Meaning(
        "carrier",
        "choose the phone carrier",
        (
            "telnyx",
            "switch to plivo",
            "the provider is telnyx",
            "i signed up with twilio",
            "plivo is my carrier now",
            "use telnyx as my carrier",
            "change the provider to plivo",
            "my phone company is twilio",
            "we have a twilio account",
            "go with plivo",
            "switch carriers to twilio",
            "change the phone provider",
        ),
        _provider,
    ),
    Meaning(
        "set up calls",
        "set up phone calls",
        (
            "help me get the phone working",
            "I'd like calls answered for me",
            "set up my phone line",
            "can you be my phone assistant",
            "set up calls",
            "i want a phone assistant",
            "can you answer phone calls",
            "get calls working",
            "help me with phone calls",
            "can you take my calls",
            "pick up the phone for me",
            "I want to take phone calls",
            "set up the phone",
            "start phone setup",
            "answer my calls for me",
            "get the phone assistant going",
            "I want you to handle my phone calls",
            "how do I start with calls",
        ),
        lambda said: [("voice_call_setup", {})],
    ),
    Meaning(
        "check setup",
        "check the phone setup for problems",
        (
            "what still needs setting up",
            "check if calls will work",
            "is there a problem with the setup",
            "what's broken",
            "check it all",
            "is it all configured correctly",
            "is the setup right",
            "check my setup",
            "is my phone setup working",
            "what is missing in the setup",
            "diagnose the phone configuration",
            "does everything work",
            "is anything broken",
            "what still needs doing",
        ),
        lambda said: [("check_voice_call_config", {})],
        cues="\\b(check|wrong|broken|working|missing|right)\\b",
    ),
    Meaning(
        "show settings",
        "show the call settings",
        (
            "what are the phone settings now",
            "list the call configuration",
            "display how calls are configured",
            "what's my configuration",
            "current settings",
            "show how things are set up",
            "what does my call setup look like",
            "show me the settings",
            "display the call configuration",
            "what is configured for calls",
            "list my phone settings",
            "how is the phone configured",
        ),
        lambda said: [("show_voice_call_config", {})],
        cues="\\b(show|display|print|current|what'?s\\s+my)\\b",
    ),
    Meaning(
        "greeting",
        "change what I say when I answer",
        (
            "greet people with 'hello, Max here'",
            "say 'good afternoon' when you pick up",
            "your greeting: hi, how can I help",
            "when answering say thanks for calling",
            "the first words you say when answering: hello",
            "begin each call with 'hi there'",
            "pick up with 'hello, Jo speaking'",
            "say 'hello' when you pick up",
            "answer with: good morning",
            "the greeting should be: hello there",
            "when someone calls, start with 'hi, you reached Sam'",
            "change how you answer the phone",
            "new greeting: welcome to the shop",
            "open calls by saying thanks for calling",
        ),
        _greeting,
        cues="\\b(greet|greeting|answer|pick\\s+up|first\\s+thing|say)\\b",
    ),
    Meaning(
        "speech engine",
        "choose how calls sound (the speech engine)",
        (
            "make the voice elevenlabs",
            "let kokoro do the talking",
            "openai should speak on calls",
            "use elevenlabs",
            "switch to openai speech",
            "kokoro please",
            "let elevenlabs speak on calls",
            "use kokoro to speak",
            "speak with elevenlabs",
            "openai voice for calls",
            "make the calls sound like elevenlabs",
            "talk using openai text to speech",
            "use the local speech engine",
        ),
        _speech,
        cues="\\b(speak|speech|talk|voice|tts|sound)\\b",
    ),
    Meaning(
        "voice",
        "change the voice",
        (
            "can you sound like am_adam",
            "make your voice af_sky",
            "use the voice af_heart",
            "switch to the am_adam voice",
            "a different voice please",
            "sound like bf_emma",
            "change voices to am_michael",
            "pick another voice",
        ),
        _voice,
    ),
    Meaning(
        "recognition",
        "choose how callers are understood (speech recognition)",
        (
            "listen to callers with openai",
            "understand callers on this machine",
            "keep speech recognition local",
            "transcribe on this computer",
            "use openai to understand callers",
            "recognise speech locally",
            "transcribe calls with whisper",
            "speech recognition on this computer",
            "let openai transcribe",
            "use local whisper for transcription",
        ),
        _recognition,
        cues="\\b(recogni[sz]|transcri|listen|understand|speech\\s+to\\s+text|stt)",
    ),
    Meaning(
        "realtime mode",
        "answer calls with the OpenAI Realtime API",
        (
            "use realtime",
            "turn on realtime mode",
            "openai realtime please",
            "switch to realtime",
            "use openai realtime for calls",
            "realtime voice mode",
            "answer with the realtime model",
        ),
        lambda said: [("set_voice_call_mode", {"mode": "realtime"})],
    ),
    Meaning(
        "voice mode",
        "answer calls with the normal voice pipeline (not Realtime)",
        (
            "disable realtime",
            "stop realtime mode",
            "normal pipeline please",
            "use the voice pipeline",
            "no more realtime",
            "turn realtime off",
            "back to the standard pipeline",
        ),
        lambda said: [("set_voice_call_mode", {"mode": "voice"})],
    ),
    Meaning(
        "max duration",
        "limit how long a call may last",
        (
            "no calls longer than ten minutes",
            "end each call after half an hour",
            "keep calls short, 5 minutes max",
            "calls may run for up to an hour",
            "max call length half an hour",
            "calls can run 25 minutes",
            "limit calls to 10 min",
            "hang up after 15 minutes",
            "no call over an hour",
            "stop calls after 4 minutes",
            "calls may last 10 minutes",
            "end calls after an hour",
            "maximum call length 20 minutes",
            "cut calls off after 3 minutes",
            "calls can be at most 45 minutes long",
            "don't let calls go over half an hour",
            "let calls go on longer",
            "make calls shorter",
        ),
        lambda said: _limit_seconds(said, "max_duration_seconds", 'How long may a call last? For example "half an hour".'),
        cues="\\b(last|long|duration|length|after|hang\\s+up|max|minutes?|hours?)\\b",
    ),
    Meaning(
        "silence timeout",
        "hang up after a silence",
        (
            "if nobody talks for 10 seconds hang up",
            "quiet for a minute means the call ends",
            "hang up after 30 seconds of nothing",
            "if it's silent for a minute, hang up",
            "wait 20 seconds of quiet then end the call",
            "hang up after 10 seconds of silence",
            "if the caller is quiet for a minute, end the call",
            "silence timeout 15 seconds",
            "end quiet calls after 20s",
            "how long to wait when nobody talks",
        ),
        lambda said: _limit_seconds(
            said, "silence_timeout_seconds", 'How long a silence before I hang up? For example "30 seconds".'
        ),
    ),
    Meaning(
        "concurrent calls",
        "limit how many calls at once",
        (
            "how many calls at once: 2",
            "let 3 people call at the same time",
            "3 calls at once",
            "allow 2 calls at the same time",
            "one call at once only",
            "up to 4 callers together",
            "take 2 calls at the same time",
            "no more than 3 simultaneous calls",
            "one caller at a time",
            "how many calls can run together: 5",
            "handle several calls at once",
        ),
        _concurrent,
        cues="\\b(at\\s+once|same\\s+time|simultaneous|concurrent|at\\s+a\\s+time|together)\\b",
    ),
    Meaning(
        "streaming off",
        "turn media streaming off",
        ("turn streaming off", "no media streaming", "stop streaming audio"),
        lambda said: [("set_voice_call_streaming", {"enabled": False})],
    ),
    Meaning(
        "streaming on",
        "turn media streaming on",
        ("turn streaming on", "enable media streams", "stream the audio again"),
        lambda said: [("set_voice_call_streaming", {"enabled": True})],
    ),
    Meaning(
        "public url",
        "set the public address the carrier reaches",
        (
            "my url is https://example.com",
            "public url https://example.com",
            "set the webhook address to https://example.com",
            "my public address is https://example.com",
            "webhooks go to https://example.com",
            "the gateway is at https://example.com",
            "use https://example.com as the url",
            "reach me at https://example.com",
        ),
        _public_url,
    ),
]
