"""The voice-call plugin's configuration model. Secrets are not here: only the names of vault entries."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from plugins.voice_call import validation

PhoneNumber = Annotated[str, AfterValidator(validation.phone_number)]
Provider = Literal["twilio", "telnyx", "plivo"]

DEFAULT_GREETING = "Hello, you've reached my assistant. How can I help?"
DEFAULT_VOICES = {"kokoro": "af_heart", "openai": "marin", "elevenlabs": "21m00Tcm4TlvDq8ikWAM"}


class Section(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid")


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
    def _allowlist_needs_numbers(self) -> "InboundSettings":
        if self.policy == "allowlist" and not self.allow_from:
            raise ValueError("the allowlist policy needs at least one number to accept calls from")
        return self

    @field_validator("allow_from", mode="after")
    @classmethod
    def _unique(cls, numbers: list[str]) -> list[str]:
        return list(dict.fromkeys(numbers))


class TtsSettings(Section):
    engine: Literal["kokoro", "openai", "elevenlabs"] = "kokoro"
    voice: str | None = Field(default=None, max_length=100)


class SttSettings(Section):
    engine: Literal["local", "openai"] = "local"


class StreamingSettings(Section):
    enabled: bool = True


class VoiceCallConfig(Section):
    provider: Provider | None = None
    phone_number: PhoneNumber | None = None
    public_url: Annotated[str, AfterValidator(validation.public_url)] | None = None
    mode: Literal["voice", "realtime"] = "voice"
    twilio: TwilioSettings = Field(default_factory=TwilioSettings)
    telnyx: TelnyxSettings = Field(default_factory=TelnyxSettings)
    plivo: PlivoSettings = Field(default_factory=PlivoSettings)
    inbound: InboundSettings = Field(default_factory=InboundSettings)
    tts: TtsSettings = Field(default_factory=TtsSettings)
    stt: SttSettings = Field(default_factory=SttSettings)
    streaming: StreamingSettings = Field(default_factory=StreamingSettings)
    max_duration_seconds: int = Field(default=300, ge=10, le=4 * 3600)
    silence_timeout_seconds: int = Field(default=30, ge=5, le=600)
    #: How long the caller must be quiet before their turn is over and the assistant answers.
    end_of_utterance_ms: int = Field(default=600, ge=200, le=3000)
    max_concurrent_calls: int = Field(default=4, ge=1, le=100)

    def voice(self) -> str:
        return self.tts.voice or DEFAULT_VOICES[self.tts.engine]
