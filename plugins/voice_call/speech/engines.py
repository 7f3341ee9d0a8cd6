"""Which speech engines a call uses, from the config and the keys at hand.

Cloud engines always come with the local one behind them (FallbackTTS, the STT fallback), so a
missing key or a failing provider degrades the voice, never the call.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import httpx

from assistant.plugin_api import VaultError
from plugins.voice_call.config import DEFAULT_VOICES, VoiceCallConfig
from plugins.voice_call.speech.stt import LocalWhisper, SpeechToText
from plugins.voice_call.speech.tts import FallbackTTS, KokoroTTS, TextToSpeech

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from assistant.plugin_api import Host


@runtime_checkable
class FallsBack(Protocol):
    """An engine that can switch to a local one mid-call (FallbackTTS, the OpenAI transcriber):
    `switched` says why once it has; `on_switch` is told at that moment."""

    switched: str | None
    on_switch: Callable[[str], None] | None


OPENAI_KEY_SECRET = "openai.api_key"
ELEVENLABS_KEY_SECRET = "elevenlabs.api_key"
CLOUD_TIMEOUT_S = 10.0


def _key(host: Host, env_name: str, secret: str) -> str | None:
    if value := os.environ.get(env_name):
        return value
    try:
        return host.vault.get(secret)
    except VaultError:
        return None


def openai_key(host: Host) -> str | None:
    return _key(host, "OPENAI_API_KEY", OPENAI_KEY_SECRET)


def elevenlabs_key(host: Host) -> str | None:
    return _key(host, "ELEVENLABS_API_KEY", ELEVENLABS_KEY_SECRET)


def openai_client(host: Host, config: VoiceCallConfig) -> AsyncOpenAI | None:
    """An OpenAI client for speech, or None without a key. No SDK retries: on a phone line a
    fallback now beats a retry in a few seconds."""
    key = openai_key(host)
    if not key:
        return None
    from openai import AsyncOpenAI

    return AsyncOpenAI(api_key=key, base_url=config.openai.api_base_url, max_retries=0, timeout=CLOUD_TIMEOUT_S)


def elevenlabs_tts(host: Host, config: VoiceCallConfig) -> TextToSpeech | None:
    """ElevenLabs speech, or None without a key. The SDK is given an HTTP client of ours, as its
    own has no close: the engine closes it when the call ends."""
    key = elevenlabs_key(host)
    if not key:
        return None
    from elevenlabs import AsyncElevenLabs

    from plugins.voice_call.speech.cloud_tts import ElevenLabsTTS

    http = httpx.AsyncClient(timeout=CLOUD_TIMEOUT_S, follow_redirects=True)
    client = AsyncElevenLabs(api_key=key, base_url=config.elevenlabs.api_base_url, timeout=CLOUD_TIMEOUT_S, httpx_client=http)
    return ElevenLabsTTS(client, config.voice(), config.elevenlabs.model_id, http)


def local_tts(config: VoiceCallConfig) -> TextToSpeech:
    voice = config.voice() if config.tts.engine == "kokoro" else DEFAULT_VOICES["kokoro"]
    return KokoroTTS.shared().for_voice(voice)


def make_tts(host: Host, config: VoiceCallConfig) -> TextToSpeech:
    """The configured engine, with Kokoro behind any cloud engine."""
    engine = config.tts.engine
    if engine == "kokoro":
        return local_tts(config)
    from plugins.voice_call.speech.cloud_tts import OpenAITTS

    primary: TextToSpeech | None = None
    if engine == "openai" and (client := openai_client(host, config)) is not None:
        primary = OpenAITTS(client, config.voice(), config.openai.tts_model)
    elif engine == "elevenlabs":
        primary = elevenlabs_tts(host, config)
    reason = None if primary else f"no {engine} API key; using local Kokoro"
    return FallbackTTS(primary, lambda: local_tts(config), reason=reason)


def make_stt(host: Host, config: VoiceCallConfig) -> SpeechToText:
    """Local Whisper, or OpenAI's streaming transcription with local Whisper behind it."""
    if config.stt.engine == "openai" and (client := openai_client(host, config)) is not None:
        from plugins.voice_call.speech.openai_stt import OpenAIStreamingSTT

        return OpenAIStreamingSTT(client, config.openai.transcription_model, LocalWhisper.shared)
    return LocalWhisper.for_call()
