"""The owner's tools for setting up voice calls: carrier, credentials, greeting, speech, mode, limits,
streaming, public URL, and the checks. Every change goes through `VoiceCallConfig`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic_ai import RunContext

from assistant.plugin_api import SecretNotAvailable, ToolContext, ToolResult, format_checks
from plugins.voice_call import validation
from plugins.voice_call.carriers import SETUPS
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.describe import describe_config
from plugins.voice_call.doctor import voice_call_checks
from plugins.voice_call.owner_tool import Result, apply_change, config_of, tool
from plugins.voice_call.setup_flow import next_step, setup_state, title

OPENAI_VOICES = ("alloy", "ash", "ballad", "cedar", "coral", "echo", "fable", "marin", "nova", "onyx", "sage", "shimmer", "verse")


def voice_call_setup(ctx: RunContext[ToolContext], provider: Literal["twilio", "telnyx", "plivo"] | None = None) -> Result:
    """Start or continue setting up phone calls: where setup stands, and what is missing next.

    Args:
        provider: The carrier the owner named (twilio, telnyx or plivo); leave it out to only ask where setup stands.
    """
    if provider is None:
        config = config_of(ctx)
        return ToolResult(True, next_step(config, ctx.deps.host), data=setup_state(config, ctx.deps.host)).as_dict()
    return apply_change(ctx, {"provider": provider}, lambda c: f"{title(provider)} it is. " + next_step(c, ctx.deps.host))


def set_voice_call_credentials(
    ctx: RunContext[ToolContext],
    provider: Literal["twilio", "telnyx", "plivo"] | None = None,
    phone_number: str | None = None,
    account_sid: str | None = None,
    auth_token: str | None = None,
    api_key: str | None = None,
    connection_id: str | None = None,
    public_key: str | None = None,
    auth_id: str | None = None,
) -> Result:
    """Store the carrier's credentials and the assistant's phone number.

    Args:
        provider: Defaults to the one already chosen.
        phone_number: The carrier number calls come in on (E.164).
        account_sid: Twilio Account SID (AC and 32 hex characters).
        auth_token: Twilio or Plivo auth token (its secret placeholder, exactly).
        api_key: Telnyx API key (its secret placeholder, exactly).
        connection_id: Telnyx Call Control connection (application) id.
        public_key: Telnyx webhook public key (base64).
        auth_id: Plivo Auth ID.
    """
    config = config_of(ctx)
    provider = provider or config.provider
    if provider is None:
        return ToolResult(False, "Not stored: no provider is chosen (Twilio, Telnyx or Plivo).").as_dict()
    setup = SETUPS[provider]
    given = {
        k: v.strip()
        for k, v in dict(
            account_sid=account_sid,
            auth_token=auth_token,
            api_key=api_key,
            connection_id=connection_id,
            public_key=public_key,
            auth_id=auth_id,
        ).items()
        if v
    }
    known = {c.arg: c for c in setup.credentials}
    foreign = sorted(set(given) - set(known))
    if foreign:
        return ToolResult(False, f"Nothing was changed: {setup.title} does not use {', '.join(foreign)}.").as_dict()
    if not given and not phone_number:
        return ToolResult(False, "No credentials were given. " + next_step(config, ctx.deps.host)).as_dict()

    chat_secrets = ctx.deps.host.secrets
    changes: dict[str, Any] = {"provider": provider}
    secrets: dict[str, str] = {}
    if phone_number:
        changes["phoneNumber"] = phone_number
    try:
        for arg, value in given.items():
            credential = known[arg]
            if credential.secret is None:
                changes[credential.path] = chat_secrets.resolve(value)  # not secret, even if it looked like one
                continue
            resolved = chat_secrets.resolve(value)
            secrets[credential.secret] = credential.validate(resolved) if credential.validate else resolved
            changes[credential.path] = credential.secret
    except (ValueError, SecretNotAvailable) as exc:
        return ToolResult(False, f"Nothing was changed: {exc}.").as_dict()

    def done(after: VoiceCallConfig) -> str:
        stored = [known[arg].label for arg in given if known[arg].secret is None]
        if phone_number:
            stored.append(f"phone number {after.phone_number}")
        parts = [f"Saved {setup.title} settings"] + ([f" ({', '.join(stored)})"] if stored else [])
        if secrets:
            parts.append("; the secret is stored in the encrypted vault")
        return "".join(parts) + ". " + next_step(after, ctx.deps.host)

    result = apply_change(ctx, changes, done, secrets=secrets)
    if result["ok"]:
        for value in given.values():
            chat_secrets.forget(value)  # the temporary copies: each value now lives where it belongs
    return result


def set_voice_call_greeting(ctx: RunContext[ToolContext], greeting: str) -> Result:
    """Set what the assistant says first when it answers a call.

    Args:
        greeting: The words, as they should be spoken (at most 500 characters).
    """
    return apply_change(
        ctx, {"inbound.greeting": greeting.strip().strip('"')}, lambda c: f'Callers will now hear: "{c.inbound.greeting}"'
    )


def set_voice_call_speech(
    ctx: RunContext[ToolContext],
    engine: Literal["kokoro", "openai", "elevenlabs"] | None = None,
    voice: str | None = None,
) -> Result:
    """Choose the text-to-speech engine for calls, and optionally its voice.

    Args:
        engine: kokoro (local, offline), openai or elevenlabs (both need an API key; Kokoro stands in when they fail).
        voice: A voice name of that engine (Kokoro e.g. af_heart, am_adam; OpenAI e.g. marin, alloy).
    """
    current = config_of(ctx)
    changes: dict[str, Any] = {}
    if engine:
        changes["tts.engine"] = engine
        if engine != current.tts.engine and voice is None:
            changes["tts.voice"] = None
    if voice:
        voice = voice.strip()
        chosen = engine or current.tts.engine
        problem = (
            _unknown_kokoro_voice(voice)
            if chosen == "kokoro"
            else (
                f"OpenAI has no voice {voice!r}. Voices: {', '.join(OPENAI_VOICES)}."
                if chosen == "openai" and voice not in OPENAI_VOICES
                else None
            )
        )
        if problem:
            return ToolResult(False, f"Nothing was changed: {problem}").as_dict()
        changes["tts.voice"] = voice
    if not changes:
        return ToolResult(False, "Nothing was changed: no engine (Kokoro, OpenAI or ElevenLabs) or voice was given.").as_dict()
    return apply_change(ctx, changes, lambda c: f"Calls will use {c.tts.engine} for speech, voice {c.voice()}.")


def _unknown_kokoro_voice(voice: str) -> str | None:
    from plugins.voice_call.speech.models import ModelsMissing
    from plugins.voice_call.speech.tts import kokoro_voices

    try:
        voices = kokoro_voices()
    except (ModelsMissing, OSError):
        return None  # not installed yet: `assistant doctor` says so; the name is checked once it is
    if voice in voices:
        return None
    return f"Kokoro has no voice {voice!r}. Voices: {', '.join(voices)}."


def set_voice_call_recognition(ctx: RunContext[ToolContext], engine: Literal["local", "openai"]) -> Result:
    """Choose speech recognition for calls.

    Args:
        engine: local (Whisper on this machine, offline) or openai (streaming transcription; needs an
            OpenAI API key, falls back to local when it fails).
    """
    return apply_change(ctx, {"stt.engine": engine}, lambda c: f"Calls will use {c.stt.engine} speech recognition.")


def set_speech_api_key(ctx: RunContext[ToolContext], service: Literal["openai", "elevenlabs"], api_key: str) -> Result:
    """Store the OpenAI or ElevenLabs API key used for call speech and Realtime mode.

    Args:
        service: openai or elevenlabs.
        api_key: The secret placeholder from the owner's message, copied exactly (it is resolved from the vault).
    """
    from plugins.voice_call.speech.engines import ELEVENLABS_KEY_SECRET, OPENAI_KEY_SECRET

    chat_secrets = ctx.deps.host.secrets
    try:
        key = validation.api_key(chat_secrets.resolve(api_key.strip()), service)
    except (ValueError, SecretNotAvailable) as exc:
        return ToolResult(False, f"Nothing was changed: {exc}.").as_dict()
    name = OPENAI_KEY_SECRET if service == "openai" else ELEVENLABS_KEY_SECRET
    label = "OpenAI" if service == "openai" else "ElevenLabs"
    result = apply_change(ctx, {}, lambda c: f"The {label} API key is stored in the encrypted vault.", secrets={name: key})
    if result["ok"]:
        chat_secrets.forget(api_key.strip())
    return result


def set_voice_call_mode(ctx: RunContext[ToolContext], mode: Literal["voice", "realtime"]) -> Result:
    """Choose how calls are answered.

    Args:
        mode: voice (local pipeline: speech recognition, the call agent, text to speech) or realtime
            (audio bridged to the OpenAI Realtime API; needs an OpenAI API key).
    """

    def done(c: VoiceCallConfig) -> str:
        from plugins.voice_call.speech.engines import openai_key

        extra = ""
        if mode == "realtime" and not openai_key(ctx.deps.host):
            extra = " Realtime mode needs an OpenAI API key (none is stored); until then calls use the local pipeline."
        return f"Calls will use {c.mode} mode.{extra}"

    return apply_change(ctx, {"mode": mode}, done)


def set_voice_call_limits(
    ctx: RunContext[ToolContext],
    max_duration_seconds: int | None = None,
    silence_timeout_seconds: int | None = None,
    max_concurrent_calls: int | None = None,
    end_of_utterance_ms: int | None = None,
    call_capacity: int | None = None,
    hold_limit_seconds: int | None = None,
    decision_wait_seconds: int | None = None,
) -> Result:
    """Set call limits; give only the ones to change.

    Args:
        max_duration_seconds: The longest a call may last (10 to 14400).
        silence_timeout_seconds: How long silence ends a call (5 to 600).
        max_concurrent_calls: The most calls at once (1 to 100).
        end_of_utterance_ms: How long a pause ends the caller's turn, in ms (200 to 3000).
        call_capacity: How many calls this machine's speech engines carry at once (normally measured at start).
        hold_limit_seconds: How long a call placed for the owner waits on hold (30 to 3600).
        decision_wait_seconds: How long such a call waits for the owner's answer in chat (15 to 600).
    """
    changes = {
        k: v
        for k, v in {
            "maxDurationSeconds": max_duration_seconds,
            "silenceTimeoutSeconds": silence_timeout_seconds,
            "maxConcurrentCalls": max_concurrent_calls,
            "endOfUtteranceMs": end_of_utterance_ms,
            "callCapacity": call_capacity,
            "holdLimitSeconds": hold_limit_seconds,
            "decisionWaitSeconds": decision_wait_seconds,
        }.items()
        if v is not None
    }
    if not changes:
        return ToolResult(
            False,
            "Nothing was changed: no limit was given (maximum duration, silence timeout, concurrent calls, pause, capacity, hold, decision wait).",
        ).as_dict()
    return apply_change(
        ctx,
        changes,
        lambda c: (
            f"Limits: calls end after {c.max_duration_seconds} s, or after {c.silence_timeout_seconds} s of silence; "
            f"at most {c.max_concurrent_calls} calls at once; a {c.end_of_utterance_ms} ms pause ends the caller's turn; "
            f"calls for you wait on hold up to {c.hold_limit_seconds} s, and {c.decision_wait_seconds} s for your decision."
        ),
    )


def set_voice_call_streaming(ctx: RunContext[ToolContext], enabled: bool) -> Result:
    """Turn media streaming on or off.

    Args:
        enabled: true to stream callers' audio to the assistant live (needed to talk with callers).
    """
    return apply_change(
        ctx, {"streaming.enabled": enabled}, lambda c: f"Media streaming is {'on' if c.streaming.enabled else 'off'}."
    )


def set_voice_call_recording(ctx: RunContext[ToolContext], enabled: bool, retention_days: int | None = None) -> Result:
    """Turn call recording on or off (off by default). Callers then hear "This call is recorded."
    first; both sides are kept encrypted and play on the web page.

    Args:
        enabled: true to record calls from the next call on.
        retention_days: Delete recordings older than this many days (1 to 3650; default 30).
    """
    changes: dict[str, Any] = {"recording.enabled": enabled}
    if retention_days is not None:
        changes["recording.retentionDays"] = retention_days
    return apply_change(
        ctx,
        changes,
        lambda c: (
            f"Calls are recorded from the next call on; callers hear that first, and recordings are kept {c.recording.retention_days} days (the web page plays them)."
            if c.recording.enabled
            else "Calls are not recorded."
        ),
    )


def set_voice_call_public_url(ctx: RunContext[ToolContext], url: str) -> Result:
    """Set the public https address where the carrier reaches this gateway.

    Args:
        url: The https address of the tunnel or reverse proxy in front of the gateway.
    """
    return apply_change(
        ctx,
        {"publicUrl": url.strip()},
        lambda c: f"Carriers will reach the gateway at {c.public_url}. " + next_step(c, ctx.deps.host),
    )


def show_voice_call_config(ctx: RunContext[ToolContext]) -> Result:
    """Show the current voice-call settings (secrets are never shown, only whether they are stored)."""
    config = config_of(ctx)
    summary = describe_config(config, ctx.deps.host)
    lines = [f"{key}: {value}" for key, value in summary.items()]
    return ToolResult(True, "Voice-call configuration:\n" + "\n".join(lines), data=summary).as_dict()


def check_voice_call_config(ctx: RunContext[ToolContext]) -> Result:
    """Check the voice-call setup and report what is missing or wrong."""
    checks = voice_call_checks(ctx.deps.host)
    failing = [c for c in checks if c.status != "ok"]
    verdict = "Everything needed for calls is in place." if not failing else f"{len(failing)} thing(s) need attention."
    return ToolResult(not any(c.status == "fail" for c in checks), f"{verdict}\n{format_checks(checks)}").as_dict()


SETUP_TOOLS = [
    tool(voice_call_setup, read_only=lambda args: not args.get("provider")),
    tool(show_voice_call_config, read_only=True),
    tool(check_voice_call_config, read_only=True),
] + [
    tool(fn)
    for fn in (
        set_voice_call_credentials,
        set_voice_call_greeting,
        set_voice_call_speech,
        set_voice_call_recognition,
        set_speech_api_key,
        set_voice_call_mode,
        set_voice_call_limits,
        set_voice_call_streaming,
        set_voice_call_recording,
        set_voice_call_public_url,
    )
]
