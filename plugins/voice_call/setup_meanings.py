"""What the owner may mean when setting up voice calls in their own words, for the offline model:
meanings read by closeness to their examples (`assistant/understanding`), after the exact phrases
of `setup_phrases.py` fail."""

from __future__ import annotations

import re

from assistant.plugin_api import Ask, Built, Meaning, Said, slots
from plugins.voice_call.phrasing import first
from plugins.voice_call.setup_phrases import PROVIDER, VOICE


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
    elif said.has(r"\b(local|free|built[\s-]*in|offline|on\s+this\s+(?:machine|computer|box))\b"):
        args["engine"] = "kokoro"  # the one engine that runs here, without an account
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


#: Words for a silence on the line: the silence timeout's mark among the call limits.
QUIET = r"\b(?:quiet|silen(?:ce|t)|(?:nobody|no\s*one)\s+(?:says|talks|speaks)|nothing\s+is\s+said)\b"


def _limit_seconds(said: Said, tool_arg: str, question: str) -> Built:
    seconds = said.duration()
    return [("set_voice_call_limits", {tool_arg: seconds})] if seconds else Ask(question)


#: "for a week", "30 days", "two months": how long recordings are kept.
KEPT_FOR = re.compile(r"\b(\d+|an?)\s*(day|week|month|year)s?\b", re.IGNORECASE)
DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def _recording_on(said: Said) -> Built:
    """Record calls; "kept for a week" / "delete them after 30 days" sets how long recordings are kept."""
    args: dict[str, object] = {"enabled": True}
    found = KEPT_FOR.findall(slots.with_digits(said.text))
    if len(found) == 1:
        count, unit = found[0]
        args["retention_days"] = (1 if count.lower() in ("a", "an") else int(count)) * DAYS[unit.lower()]
    elif found:
        return Ask('How long should recordings be kept? For example "30 days".')
    return [("set_voice_call_recording", args)]


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
            "is my config ok",
            "is everything fine with the setup",
            "is the setup complete",
            "what isn't working",
            "why is it not working",
            "what's wrong with the phone",
            "make sure there are no problems with the setup",
        ),
        lambda said: [("check_voice_call_config", {})],
        cues="\\b(check|wrong|broken|working|missing|right|ok|okay|fine|problems?)\\b",
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
            "show me how calls are set up",
        ),
        lambda said: [("show_voice_call_config", {})],
        cues="\\b(show|display|print|current|what'?s\\s+my|look\\s+like)\\b",
    ),
    Meaning(
        "greeting",
        "change what I say when I answer",
        (
            "greet people with 'hello, Max here'",
            "pick up and say: Hello, this is the bakery",
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
            'open each call with "Hi, Sam\'s phone"',
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
            "switch back to the free local voice",
        ),
        _speech,
        cues="\\b(speak|speech|talk|voice|tts|sound)\\b",
        # Hearing callers is the recognition's: "callers' speech should be transcribed by openai".
        unlike="\\b(?:transcri\\w*|recogni\\w*|listen\\w*|understand\\w*|stt|speech\\s+to\\s+text)\\b",
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
            "use the af_bella voice",
            "I'd like the bf_isabella voice",
        ),
        _voice,
        cues="\\b[abehijpz][fm]_[a-z]+\\b",
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
        cues="\\breal\\s*-?\\s*time\\b",
        # Text to speech is the speech engine's: "use the openai tts".
        unlike="\\b(?:tts|text\\s+to\\s+speech)\\b",
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
            "switch back to voice mode",
            "voice mode please",
            "answer calls with the voice pipeline again",
            "go back to the normal way of answering",
            "use the regular speech pipeline",
        ),
        lambda said: [("set_voice_call_mode", {"mode": "voice"})],
        cues="\\bvoice\\s+(?:mode|pipeline)\\b|\\b(?:normal|standard|regular)\\b",
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
        # Quiet is the silence timeout's: "end calls after a minute of quiet".
        unlike=QUIET,
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
            "don't let silent calls run past 30 seconds",
        ),
        lambda said: _limit_seconds(
            said, "silence_timeout_seconds", 'How long a silence before I hang up? For example "30 seconds".'
        ),
        cues=QUIET,
    ),
    Meaning(
        "hold limit",
        "limit how long calls for you wait on hold",
        (
            "wait on hold up to 20 minutes",
            "don't stay on hold longer than 10 minutes",
            "give up after 15 minutes on hold",
            "you can hold for half an hour",
            "hang up if they keep you on hold for 5 minutes",
            "how long to wait in a queue",
        ),
        lambda said: _limit_seconds(said, "hold_limit_seconds", 'How long should I wait on hold? For example "10 minutes".'),
        cues="\\b(hold|queue|waiting\\s+line)\\b",
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
        "recording on",
        "record calls",
        (
            "record my calls",
            "turn on call recording",
            "keep recordings of the calls",
            "I want the calls recorded and kept for a week",
            "record every call and delete them after 30 days",
            "start recording phone calls",
        ),
        _recording_on,
        cues="\\brecord",
    ),
    Meaning(
        "recording off",
        "stop recording calls",
        ("stop recording calls", "turn call recording off", "don't record my calls", "no more recordings"),
        lambda said: [("set_voice_call_recording", {"enabled": False})],
        cues="\\brecord",
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
