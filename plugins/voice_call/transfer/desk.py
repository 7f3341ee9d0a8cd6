"""Putting a caller through to the owner's own phone.

The session asks (the call agent's `transfer_to_owner`, or the caller pressing 0); the carrier gets
the transfer command while our stream is still open, and the carrier ends the stream. The call
stays in progress in the records until the carrier says how it went: connected and later over
(completed, "put through to the owner"), or never connected (busy, no answer): then the carrier
streams the call to us again and the caller hears that they can leave a message.

The owner hears a short whisper before being connected: who is calling and why, in our own voice
(a WAV file the carrier fetches from the gateway with the transfer's token).
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
import wave
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import httpx

from plugins.voice_call.carriers.base import CallControl
from plugins.voice_call.carriers.events import CallState, CarrierError, TransferRequest
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.history.ending import Ending, EndReason
from plugins.voice_call.history.records import CallRecords
from plugins.voice_call.speech.audio import ulaw_to_pcm16
from plugins.voice_call.speech.tts import TextToSpeech, split_sentences, synthesize

log = logging.getLogger(__name__)
#: What a caller hears when the call comes back to us because the owner did not answer.
OWNER_UNAVAILABLE = "My owner couldn't take the call right now. I can take a message. What would you like to say?"
#: How long the owner's phone rings before the carrier gives up.
RING_SECONDS = 25


def spoken_number(number: str) -> str:
    """A phone number as words a speech engine reads digit by digit ("+1 555..." -> "1, 5, 5, 5, ...")."""
    digits = [d for d in number if d.isdigit()]
    return ", ".join(digits) if digits else "an unknown number"


def whisper_text(caller: str, reason: str, choice: str) -> str:
    """Who is calling and what they want, in a sentence, then how to take or decline the call."""
    reason = reason.strip()
    text = f"A call for you from {spoken_number(caller)}. {reason if reason.endswith(('.', '?', '!')) else reason + '.'}"
    return f"{text} {choice}" if choice else text


@dataclass
class Transfer:
    """One caller being put through: where, why, and how far it got."""

    call_id: str
    carrier_call_id: str
    token: str
    request: TransferRequest
    config: VoiceCallConfig
    whisper: str
    #: The token of the call's stream: a call taken back streams with it again (a carrier may
    #: present the call's first stream credentials on the new stream, or the new ones: both match).
    stream_token: str = ""
    #: The call's media clock when our stream ended (a call taken back goes on from there).
    media_ms: int = 0
    connected: bool = False
    watchdog: asyncio.TimerHandle | None = None
    _whisper_wav: bytes | None = None

    async def whisper_wav(self, tts: TextToSpeech) -> bytes:
        """The whisper as an 8 kHz 16-bit WAV file (the format every carrier here plays)."""
        if self._whisper_wav is None:
            ulaw = b"".join([await synthesize(tts, s) for s in split_sentences(self.whisper) or [self.whisper]])
            buffer = io.BytesIO()
            with wave.open(buffer, "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(8000)
                wav.writeframes(ulaw_to_pcm16(ulaw))
            self._whisper_wav = buffer.getvalue()
        return self._whisper_wav


class TransferDesk:
    """Transfers under way, by token (what the carrier's requests carry). The switchboard owns call
    states: this desk tells it how a transfer ended through `settle`."""

    def __init__(self, records: CallRecords, settle: Callable[[str, Ending], bool]) -> None:
        self.records, self._settle = records, settle
        self._by_token: dict[str, Transfer] = {}

    def get(self, token: str) -> Transfer | None:
        return self._by_token.get(token) if token else None

    def of_call(self, call_id: str) -> Transfer | None:
        return next((t for t in self._by_token.values() if t.call_id == call_id), None)

    def hook(
        self, call_id: str, carrier_call_id: str, control: CallControl, config: VoiceCallConfig, base_url: str, stream_token: str
    ) -> Callable[[str], Awaitable[str | None]]:
        """What a session calls to put its caller through (see CallLine.transfer)."""

        async def put_through(reason: str) -> str | None:
            record = self.records.get(call_id)
            owner = config.owner_number
            if owner is None or record is None:
                return "the owner's own number is not set"
            caller = record.other_party
            token = secrets.token_hex(16)
            request = TransferRequest(
                to=owner,
                caller_id=config.phone_number or caller,
                token=token,
                base_url=base_url,
                timeout_s=RING_SECONDS,
            )
            whisper = whisper_text(caller, reason, control.whisper_choice)
            transfer = Transfer(call_id, carrier_call_id, token, request, config, whisper, stream_token)
            self._by_token[token] = transfer
            # Noted first: the carrier may end our stream (and so this session) before it answers.
            self.records.append_transcript(
                call_id, [{"role": "system", "at_ms": 0, "text": f"putting the caller through to {owner}"}]
            )
            try:
                await control.transfer(carrier_call_id, request)
            except (CarrierError, httpx.HTTPError) as exc:
                self._by_token.pop(token, None)
                log.warning("could not put call %s through: %s", call_id, exc)
                return "the carrier refused to put the call through"
            return None

        return put_through

    def left_us(self, call_id: str, media_ms: int) -> bool:
        """The session ended because the carrier took the call to the owner: wait for its word
        (at most the call's time limit, then the call is closed as put through)."""
        transfer = self.of_call(call_id)
        if transfer is None:
            return False
        transfer.media_ms = media_ms
        limit = transfer.config.max_duration_seconds + RING_SECONDS + 60
        transfer.watchdog = asyncio.get_running_loop().call_later(limit, self._lost, transfer)
        return True

    def _lost(self, transfer: Transfer) -> None:
        self._close(transfer)
        self._settle(transfer.call_id, Ending(EndReason.TRANSFERRED, "the carrier never said how it ended"))

    def result(
        self, transfer: Transfer, status: CallState, detail: str, reports_connection: bool
    ) -> Literal["wait", "over", "back"]:
        """The carrier's word on a transfer: "wait" (connected, still talking), "over" (the call is
        done), or "back" (the owner was not connected: the call comes back to us). A carrier that
        `reports_connection` says "completed" for the owner's leg whether or not it was connected;
        the others report only once the connected call is over."""
        if status == CallState.IN_PROGRESS:
            if not transfer.connected:
                transfer.connected = True
                self._note(transfer, "the owner took the call")
            return "wait"
        if status == CallState.COMPLETED and (transfer.connected or not reports_connection):
            self._close(transfer)
            self._settle(transfer.call_id, Ending(EndReason.TRANSFERRED, detail))
            return "over"
        self._close(transfer)
        self._note(transfer, f"the owner did not take the call ({detail or status.value}); the caller is back with us")
        return "back"

    def ended(self, call_id: str, ending: Ending) -> Ending:
        """The carrier ended a call while it was being put through: how to record it."""
        transfer = self.of_call(call_id)
        if transfer is None:
            return ending
        self._close(transfer)
        if ending.reason in (EndReason.CARRIER_ENDED, EndReason.CARRIER_REPORTED):
            detail = "the call is over" if transfer.connected else "the caller hung up before the owner answered"
            return Ending(EndReason.TRANSFERRED, detail)
        return ending

    def _note(self, transfer: Transfer, text: str) -> None:
        self.records.append_transcript(transfer.call_id, [{"role": "system", "at_ms": transfer.media_ms, "text": text}])

    def _close(self, transfer: Transfer) -> None:
        self._by_token.pop(transfer.token, None)
        if transfer.watchdog is not None:
            transfer.watchdog.cancel()
