"""The voice-call plugin's configuration model. Secrets are not here: only the names of vault entries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel
from pydantic.config import JsonDict

from plugins.voice_call import validation

if TYPE_CHECKING:
    from assistant.plugin_api import Host

PLUGIN = "voice_call"

PhoneNumber = Annotated[str, AfterValidator(validation.phone_number)]
Provider = Literal["twilio", "telnyx", "plivo"]

DEFAULT_GREETING = "Hello, you've reached my assistant. How can I help?"
DEFAULT_VOICES = {"kokoro": "af_heart", "openai": "marin", "elevenlabs": "21m00Tcm4TlvDq8ikWAM"}


class Section(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")


#: Marks a setting that applies live: read afresh for each call, so changing it needs no gateway
#: restart. `VoiceCallConfig.live_settings()` lists them for the host (the chat's "restart needed"),
#: and `with_live_settings` gives a new call the stored values (the routes): one declaration, read by both.
LIVE: JsonDict = {"live": True}


ApiBaseUrl = Annotated[str, AfterValidator(validation.public_url)]


class TwilioSettings(Section):
    account_sid: Annotated[str, AfterValidator(validation.twilio_account_sid)] | None = None
    auth_token_ref: str | None = None
    api_base_url: ApiBaseUrl = "https://api.twilio.com"


class TelnyxSettings(Section):
    connection_id: Annotated[str, AfterValidator(validation.telnyx_connection_id)] | None = None
    api_key_ref: str | None = None
    public_key: Annotated[str, AfterValidator(validation.telnyx_public_key)] | None = None
    api_base_url: ApiBaseUrl = "https://api.telnyx.com"


class PlivoSettings(Section):
    auth_id: Annotated[str, AfterValidator(validation.plivo_auth_id)] | None = None
    auth_token_ref: str | None = None
    api_base_url: ApiBaseUrl = "https://api.plivo.com"


class InboundSettings(Section):
    policy: Literal["disabled", "open", "allowlist", "pairing"] = "disabled"
    allow_from: list[PhoneNumber] = Field(default_factory=list)
    greeting: str = Field(default=DEFAULT_GREETING, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _allowlist_needs_numbers(self) -> InboundSettings:
        if self.policy == "allowlist" and not self.allow_from:
            raise ValueError("the allowlist policy needs at least one number to accept calls from")
        return self

    @field_validator("allow_from", mode="after")
    @classmethod
    def _unique(cls, numbers: list[str]) -> list[str]:
        return list(dict.fromkeys(numbers))


class OutboundSettings(Section):
    #: When not empty, the only numbers the assistant may dial (so a confused model cannot call anyone).
    allow_to: list[PhoneNumber] = Field(default_factory=list)
    #: Extra attempts for a scheduled call that was busy, unanswered or failed.
    retries: int = Field(default=0, ge=0, le=3)
    retry_delay_seconds: int = Field(default=120, ge=30, le=3600)
    ring_timeout_seconds: int = Field(default=30, ge=10, le=120)
    machine_detection: bool = True
    #: What a notify call does when an answering machine answers: leave the message after its beep
    #: (where the carrier can tell when the greeting ends), or hang up. Conversation calls hang up.
    voicemail: Literal["leave_message", "hang_up"] = "leave_message"

    @field_validator("allow_to", mode="after")
    @classmethod
    def _unique(cls, numbers: list[str]) -> list[str]:
        return list(dict.fromkeys(numbers))


def _timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a time zone name like Europe/Paris or America/New_York") from None
    return value


class TtsSettings(Section):
    engine: Literal["kokoro", "openai", "elevenlabs"] = "kokoro"
    voice: str | None = Field(default=None, max_length=100)


class SttSettings(Section):
    engine: Literal["local", "openai"] = "local"


class OpenAISettings(Section):
    """OpenAI speech, transcription and Realtime; the key is OPENAI_API_KEY or the vault secret openai.api_key."""

    api_base_url: ApiBaseUrl = "https://api.openai.com/v1"
    tts_model: str = Field(default="gpt-4o-mini-tts", max_length=100)
    transcription_model: str = Field(default="gpt-4o-transcribe", max_length=100)
    realtime_model: str = Field(default="gpt-realtime", max_length=100)
    realtime_voice: str = Field(default="marin", max_length=100)


class ElevenLabsSettings(Section):
    """ElevenLabs streaming speech; the key is ELEVENLABS_API_KEY or the vault secret elevenlabs.api_key."""

    api_base_url: ApiBaseUrl = "https://api.elevenlabs.io"
    model_id: str = Field(default="eleven_flash_v2_5", max_length=100)


Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _clock_time(value: str) -> str:
    import re

    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError(f"{value!r} is not a time of day like 09:00 or 17:30")
    return value


class AppointmentSettings(Section):
    """When callers may book appointments (in the owner's time zone), and the owner's CalDAV calendar."""

    #: The days callers may book; none: callers cannot book.
    days: list[Weekday] = Field(default_factory=list)
    start: Annotated[str, AfterValidator(_clock_time)] = "09:00"
    end: Annotated[str, AfterValidator(_clock_time)] = "17:00"
    slot_minutes: int = Field(default=30, ge=5, le=480)
    #: How far ahead callers may book.
    horizon_days: int = Field(default=30, ge=1, le=365)
    #: Which calendar feed link is current: a new one (the old leaked) ends the ones before.
    feed_link: int = Field(default=0, ge=0)
    #: A CalDAV calendar (its collection URL): busy times come from it and bookings go to it.
    caldav_url: Annotated[str, AfterValidator(validation.calendar_url)] | None = None
    caldav_username: str | None = Field(default=None, max_length=200)
    caldav_password_ref: str | None = None

    @model_validator(mode="after")
    def _hours_in_order(self) -> AppointmentSettings:
        if self.start >= self.end:
            raise ValueError("appointment hours must start before they end")
        return self


class TunnelSettings(Section):
    """How the carrier reaches this gateway from the internet: a tunnel the gateway runs (its URL
    becomes `publicUrl`), or none (the owner's own reverse proxy, at the `publicUrl` they gave)."""

    kind: Literal["none", "cloudflare", "ngrok", "tailscale"] = "none"
    ngrok_authtoken_ref: str | None = None


class StreamingSettings(Section):
    enabled: bool = True


class RecordingSettings(Section):
    """Call recording: off unless the owner turns it on; callers then hear that it is recorded."""

    enabled: bool = False
    #: Recordings older than this are deleted.
    retention_days: int = Field(default=30, ge=1, le=3650)


class VoiceCallConfig(Section):
    provider: Provider | None = None
    phone_number: PhoneNumber | None = None
    public_url: Annotated[str, AfterValidator(validation.public_url)] | None = None
    #: The owner's own phone: "call me ...", and where callers asking for the owner are put through.
    owner_number: PhoneNumber | None = Field(default=None, json_schema_extra=LIVE)
    #: Followed at once (its address then rebuilds the gateway), as is the number's wiring.
    tunnel: TunnelSettings = Field(default_factory=TunnelSettings, json_schema_extra=LIVE)
    #: Keep the carrier's number pointed at this gateway through its REST API (set when the owner
    #: says "connect my number"): the wiring follows the public URL when it changes.
    connect_number: bool = Field(default=False, json_schema_extra=LIVE)
    mode: Literal["voice", "realtime"] = "voice"
    twilio: TwilioSettings = Field(default_factory=TwilioSettings)
    telnyx: TelnyxSettings = Field(default_factory=TelnyxSettings)
    plivo: PlivoSettings = Field(default_factory=PlivoSettings)
    #: Who may call and what they hear first: approving a pairing code admits the next call.
    inbound: InboundSettings = Field(default_factory=InboundSettings, json_schema_extra=LIVE)
    outbound: OutboundSettings = Field(default_factory=OutboundSettings)
    #: Your time zone, for "call ... tomorrow at 9" (IANA name; default: this machine's).
    timezone: Annotated[str, AfterValidator(_timezone)] | None = None
    tts: TtsSettings = Field(default_factory=TtsSettings)
    stt: SttSettings = Field(default_factory=SttSettings)
    streaming: StreamingSettings = Field(default_factory=StreamingSettings)
    recording: RecordingSettings = Field(default_factory=RecordingSettings, json_schema_extra=LIVE)
    appointments: AppointmentSettings = Field(default_factory=AppointmentSettings, json_schema_extra=LIVE)
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    elevenlabs: ElevenLabsSettings = Field(default_factory=ElevenLabsSettings)
    max_duration_seconds: int = Field(default=300, ge=10, le=4 * 3600)
    silence_timeout_seconds: int = Field(default=30, ge=5, le=600)
    #: How long an errand waits on hold (music, "please hold") before the call gives up; the call
    #: still ends at maxDurationSeconds.
    hold_limit_seconds: int = Field(default=600, ge=30, le=3600, json_schema_extra=LIVE)
    #: How long an errand waits for the owner's decision in chat ("Tuesday or Thursday?") before
    #: it tells the other side we will call back.
    decision_wait_seconds: int = Field(default=90, ge=15, le=600, json_schema_extra=LIVE)
    #: How long the caller must be quiet before their turn is over and the assistant answers.
    end_of_utterance_ms: int = Field(default=600, ge=200, le=3000)
    max_concurrent_calls: int = Field(default=4, ge=1, le=100)
    #: How many calls this machine's speech engines carry at once; unset: measured when the gateway
    #: starts (calls/capacity.py). The gateway takes min(this, maxConcurrentCalls).
    call_capacity: int | None = Field(default=None, ge=1, le=100)

    def voice(self) -> str:
        return self.tts.voice or DEFAULT_VOICES[self.tts.engine]

    @classmethod
    def live_settings(cls) -> tuple[str, ...]:
        """The settings (as stored, camelCase) that apply without a gateway restart."""
        return tuple(field.alias or name for name, field in cls.model_fields.items() if (field.json_schema_extra or {}) == LIVE)

    def with_live_settings(self, stored: VoiceCallConfig) -> VoiceCallConfig:
        """This config (what the gateway was built with), its live settings taken from `stored`."""
        live = {name: getattr(stored, name) for name, f in type(self).model_fields.items() if (f.json_schema_extra or {}) == LIVE}
        return self.model_copy(update=live)


def voice_config(host: Host) -> VoiceCallConfig:
    """The stored voice-call config, typed."""
    return host.config.typed(PLUGIN, VoiceCallConfig)
