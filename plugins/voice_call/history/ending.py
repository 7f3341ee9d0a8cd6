"""Why a call ended, as a closed set, and the final state each reason leaves the call in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from plugins.voice_call.carriers.events import CallState


class EndReason(StrEnum):
    # The other side or the carrier ended it.
    CALLER_HUNG_UP = "caller hung up"
    CARRIER_ENDED = "carrier ended the call"
    CARRIER_REPORTED = "carrier reported"
    ANSWERING_MACHINE = "answering machine"
    VOICEMAIL_LEFT = "message left on the answering machine"
    # We ended it.
    MESSAGE_DELIVERED = "message delivered"
    PAIRING_CODE_GIVEN = "pairing code given"
    ASSISTANT_ENDED = "the assistant ended the call"
    OWNER_ENDED = "ended by the owner"
    MAX_DURATION = "max duration reached"
    SILENCE_TIMEOUT = "silence timeout"
    #: The carrier connected the caller to the owner's phone; the call left us.
    TRANSFERRED = "put through to the owner"
    # It never really started, or broke.
    REFUSED = "refused"
    TOO_MANY_CALLS = "too many calls at once"
    ANSWER_FAILED = "the carrier refused our answer"
    DIAL_FAILED = "the carrier refused the call"
    CANCELLED = "cancelled by the owner before it was answered"
    STREAM_NEVER_ARRIVED = "media stream never arrived"
    STREAM_FAILED = "the carrier's media stream failed"
    GATEWAY_STOPPED = "gateway stopped before the media stream arrived"
    RESTARTED = "gateway restarted while the call was active"
    NODE_GONE = "the gateway carrying the call stopped answering"
    MEDIA_ERRORS = "media protocol errors"
    INTERNAL_ERROR = "internal error"

    @property
    def by_us(self) -> bool:
        """Whether we ended the call (so the carrier must be told to hang up)."""
        return self not in (EndReason.CALLER_HUNG_UP, EndReason.CARRIER_ENDED, EndReason.CARRIER_REPORTED, EndReason.TRANSFERRED)


FINAL_STATE: dict[EndReason, CallState] = {
    EndReason.ANSWERING_MACHINE: CallState.VOICEMAIL,
    EndReason.VOICEMAIL_LEFT: CallState.VOICEMAIL_LEFT,
    EndReason.STREAM_FAILED: CallState.FAILED,
    EndReason.REFUSED: CallState.FAILED,
    EndReason.TOO_MANY_CALLS: CallState.BUSY,
    EndReason.ANSWER_FAILED: CallState.FAILED,
    EndReason.DIAL_FAILED: CallState.FAILED,
    EndReason.CANCELLED: CallState.NO_ANSWER,
    EndReason.STREAM_NEVER_ARRIVED: CallState.FAILED,
    EndReason.GATEWAY_STOPPED: CallState.FAILED,
    EndReason.RESTARTED: CallState.FAILED,
    EndReason.NODE_GONE: CallState.FAILED,
    EndReason.MEDIA_ERRORS: CallState.FAILED,
    EndReason.INTERNAL_ERROR: CallState.FAILED,
}


@dataclass(frozen=True)
class Ending:
    """How one call ended: the reason, a detail (free text, for the record only) and the final state."""

    reason: EndReason
    detail: str = ""
    #: Set only where the reason alone does not say (the carrier reported busy, no-answer, ...).
    state: CallState | None = None

    @property
    def final_state(self) -> CallState:
        return self.state or FINAL_STATE.get(self.reason, CallState.COMPLETED)

    def text(self) -> str:
        """The end reason as stored in the call record and shown to the owner."""
        return f"{self.reason.value} ({self.detail})"[:200] if self.detail else self.reason.value
