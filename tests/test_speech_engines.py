"""Cloud speech engines on real calls, through their official SDKs pointed at local fakes: OpenAI TTS,
ElevenLabs, OpenAI streaming transcription; and the Kokoro / local Whisper fallbacks when they fail."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from elevenlabs import AsyncElevenLabs
from openai import AsyncOpenAI

from plugins.voice_call.speech.cloud_tts import ElevenLabsTTS, OpenAITTS
from plugins.voice_call.speech.tts import FallbackTTS, KokoroTTS, synthesize

from .fakes.cloud_tts import FakeElevenLabs, FakeOpenAISpeech
from .fakes.openai_realtime import FakeRealtime
from .helpers import Chat
from .test_call_conformance import record_of
from .voice_harness import CallLab, ask_paris, transcribe_ulaw

OPENAI_KEY = "sk-test-openai-0123456789"
ELEVEN_KEY = "xi-test-key-0123456789"


def kokoro():
    return KokoroTTS.shared().for_voice("af_heart")


# -- the engines alone ---------------------------------------------------------------------------


def eleven_labs(url: str, key: str, voice: str, model: str) -> ElevenLabsTTS:
    """The engine as the gateway builds it: the SDK over an HTTP client that closes with the engine."""
    http = httpx.AsyncClient(follow_redirects=True)
    return ElevenLabsTTS(AsyncElevenLabs(api_key=key, base_url=url, httpx_client=http), voice, model, http)


async def said_once(tts, text: str) -> bytes:
    try:
        return await synthesize(tts, text)
    finally:
        await tts.aclose()


def test_openai_tts_streams_24khz_pcm_resampled_to_phone_audio() -> None:
    with FakeOpenAISpeech(OPENAI_KEY) as fake:
        tts = OpenAITTS(AsyncOpenAI(api_key=OPENAI_KEY, base_url=fake.base_url, max_retries=0), "marin", "gpt-4o-mini-tts")

        async def run():
            try:
                return [chunk async for chunk in tts.stream("The capital of France is Paris.")]
            finally:
                await tts.aclose()  # the engine's HTTP pool closes with it

        chunks = asyncio.run(run())
    assert len(chunks) > 3, "audio arrives in pieces, not at the end"
    assert fake.requests == [
        {"model": "gpt-4o-mini-tts", "voice": "marin", "input": "The capital of France is Paris.", "response_format": "pcm"}
    ]
    audio = b"".join(chunks)
    assert 1.0 < len(audio) / 8000 < 4.0  # 8 kHz mu-law: a couple of seconds, so resampled 24k -> 8k
    assert "paris" in transcribe_ulaw(audio).lower()


def test_elevenlabs_streams_ulaw_8000_straight_through() -> None:
    with FakeElevenLabs(ELEVEN_KEY) as fake:
        tts = eleven_labs(fake.url, ELEVEN_KEY, "21m00Tcm4TlvDq8ikWAM", "eleven_flash_v2_5")
        audio = asyncio.run(said_once(tts, "Your table is booked for seven."))
    assert fake.requests[0]["output_format"] == "ulaw_8000" and fake.requests[0]["voice_id"] == "21m00Tcm4TlvDq8ikWAM"
    assert "booked" in transcribe_ulaw(audio).lower()


@pytest.mark.parametrize("failure", ["wrong key", "429", "dropped"])
def test_a_failing_cloud_voice_falls_back_to_kokoro(failure) -> None:
    with FakeElevenLabs(ELEVEN_KEY) as fake:
        key = "xi-wrong" if failure == "wrong key" else ELEVEN_KEY
        fake.fail_with = 429 if failure == "429" else None
        fake.cut_after = 2000 if failure == "dropped" else None
        tts = FallbackTTS(eleven_labs(fake.url, key, "v", "m"), kokoro)
        first = asyncio.run(said_once(tts, "Sorry, my owner is out today."))
    assert "owner is out" in transcribe_ulaw(first).lower()
    assert tts.switched and "switched to local Kokoro" in tts.switched
    assert {"wrong key": "HTTP 401", "429": "HTTP 429", "dropped": "elevenlabs speech failed"}[failure] in tts.switched
    assert key not in tts.switched


# -- on calls ----------------------------------------------------------------------------------------


@pytest.fixture
def lab(host):
    with CallLab(host, "twilio") as lab:
        yield lab


def test_call_speaks_with_openai_tts(lab) -> None:
    with FakeOpenAISpeech(OPENAI_KEY) as fake:
        lab.host.vault.set("openai.api_key", OPENAI_KEY)
        lab.set(**{"tts.engine": "openai", "openai.apiBaseUrl": fake.base_url})
        # The fixed lines are made ahead through the same fake (its Kokoro is slow on a busy machine):
        # done before the call, they do not queue before its sentences.
        lab.live.run(lab.runtime.prompts.ready(), timeout=300)
        greeting, answer, _ = ask_paris(lab)
    assert "test assistant" in greeting.lower() and "paris" in answer.lower()
    said = [r["input"] for r in fake.requests]
    assert said[0] == "Hello, this is the test assistant." and "The capital of France " in " ".join(said)


def test_call_speaks_with_elevenlabs_and_survives_its_failure(lab) -> None:
    with FakeElevenLabs(ELEVEN_KEY) as fake:
        lab.host.vault.set("elevenlabs.api_key", ELEVEN_KEY)
        lab.set(**{"tts.engine": "elevenlabs", "elevenlabs.apiBaseUrl": fake.url})
        lab.live.run(lab.runtime.prompts.ready(), timeout=300)  # the fixed lines first, as above
        greeting, _, _ = ask_paris(lab)
        assert "test assistant" in greeting.lower() and len(fake.requests) >= 2
        fake.fail_with = 401  # e.g. the key was revoked: the next call is spoken by Kokoro
        greeting, answer, ring = ask_paris(lab)
    assert "test assistant" in greeting.lower() and "paris" in answer.lower()
    notes = [e["text"] for e in record_of(lab, ring).transcript if e["role"] == "system"]
    assert notes == ["elevenlabs speech failed (HTTP 401: the API key was refused); switched to local Kokoro"]


def test_missing_key_uses_kokoro_and_says_so(lab) -> None:
    lab.set(**{"tts.engine": "openai"})
    greeting, answer, ring = ask_paris(lab)
    assert "test assistant" in greeting.lower() and "paris" in answer.lower()
    assert any(e["role"] == "system" and "no openai API key" in e["text"] for e in record_of(lab, ring).transcript)


def test_openai_streaming_transcription_and_its_fallback(lab) -> None:
    with FakeRealtime(api_key=OPENAI_KEY) as fake:
        lab.host.vault.set("openai.api_key", OPENAI_KEY)
        lab.set(**{"stt.engine": "openai", "openai.apiBaseUrl": fake.base_url})
        _, answer, ring = ask_paris(lab)
        assert "paris" in answer.lower()
        session = fake.sessions[0]
        assert session.query == {"intent": "transcription"}
        assert session.sent("session.update")[0]["session"]["audio"]["input"]["turn_detection"] is None
        assert len(session.sent("input_audio_buffer.append")) > 20, "audio streamed while the caller spoke"
        assert len(session.sent("input_audio_buffer.commit")) == 1
        fake.refuse_with = 401
        _, answer, ring = ask_paris(lab)
    assert "paris" in answer.lower(), "local Whisper took over"
    assert any(e["role"] == "system" and "switched to local Whisper" in e["text"] for e in record_of(lab, ring).transcript)


def test_switching_speech_engines_in_chat(host) -> None:
    chat = Chat(host)
    assert "openai" in chat.say("use OpenAI for voice call speech").text.lower()
    assert host.config.get("voice_call").tts.engine == "openai"
    chat.say("use Kokoro for voice call speech")
    assert host.config.get("voice_call").tts.engine == "kokoro"
    assert "no voice 'af_nobody'" in chat.say("use the voice af_nobody").text
    assert "voice am_adam" in chat.say("use the voice am_adam").text
    assert host.config.get("voice_call").tts.voice == "am_adam"
    chat.say("use OpenAI for speech recognition")
    assert host.config.get("voice_call").stt.engine == "openai"
    key = "sk-proj-" + "k" * 20 + "0123456789"
    reply = chat.say(f"my OpenAI API key is {key}")
    assert "stored in the encrypted vault" in reply.text and key not in reply.text
    assert host.vault.get("openai.api_key") == key


def test_doctor_names_missing_keys_and_the_fallback(host) -> None:
    chat = Chat(host)
    chat.say("use realtime mode")
    chat.say("use ElevenLabs for voice call speech")
    report = chat.say("check the voice call configuration").text
    assert "realtime mode needs OPENAI_API_KEY" in report and "until then calls use the local pipeline" in report
    assert "ElevenLabs needs ELEVENLABS_API_KEY" in report and "speak with Kokoro" in report
    host.vault.set("openai.api_key", OPENAI_KEY)
    host.vault.set("elevenlabs.api_key", ELEVEN_KEY)
    report = chat.say("check the voice call configuration").text
    assert (
        "[ok  ] voice: mode: realtime (gpt-realtime" in report
        and "elevenlabs (21m00Tcm4TlvDq8ikWAM), Kokoro if it fails" in report
    )
