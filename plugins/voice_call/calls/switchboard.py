"""The switchboard: the one owner of a call's life.

    admit / place / take_back ──> pending (answered or dialled, waiting for its media stream)
    refuse ──┐                           └──> connect (a CallSession, built whole from its CallSetup)
             └───────────────────────────────────────────── end ──> final state, "call ended" signal

Only this module writes pending calls, live sessions and call state transitions, and only it
announces that a call has ended; it alone decides whether there is room for another call. Routes,
the outbound service, the web softphone and the owner's `realtime_call` tool ask it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import logging
import secrets
import time
import uuid
from collections.abc import Callable

from starlette.websockets import WebSocket

from assistant.plugin_api import call_context
from plugins.voice_call.calls.capacity import CallCapacity
from plugins.voice_call.calls.session import CallSession, Stream, TransferHook
from plugins.voice_call.calls.setup import CallMode, CallParts, CallSetup, PendingCall
from plugins.voice_call.carriers.base import CallControl, MediaCodec, end_quietly
from plugins.voice_call.carriers.events import AnsweredBy, CallState, StreamStarted
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.history.ending import Ending, EndReason
from plugins.voice_call.history.records import CallInfo, CallRecords
from plugins.voice_call.speech.tts import AudioStream
from plugins.voice_call.transfer.desk import OWNER_UNAVAILABLE, Transfer, TransferDesk

log = logging.getLogger(__name__)
PENDING_TTL_S = 60.0
#: How long after the callee answers the media stream may take to connect before we hang up.
STREAM_WAIT_S = 10.0
#: The longest an incoming call rings on while its first words are made (then it is answered anyway).
INTRO_WAIT_S = 3.0
#: Past maxDurationSeconds, how long before a call whose media clock stalled is ended anyway.
LIMIT_MARGIN_S = 60


class Switchboard:
    def __init__(self, records: CallRecords, parts: CallParts, capacity: CallCapacity | None = None) -> None:
        self.records = records
        self._parts = parts
        self._capacity = capacity if capacity is not None else CallCapacity()
        self._pending: dict[str, PendingCall] = {}  # by the carrier's call id
        self._live: dict[str, CallSession] = {}  # by our call id
        self._end_listeners: list[Callable[[str], None]] = []
        #: How long after the answer a call's stream may take to connect before it is hung up.
        self.stream_wait_s = STREAM_WAIT_S
        #: Calls being put through to the owner (they have left our stream, and may come back).
        self.transfers = TransferDesk(records, self._settle)

    # -- asking ------------------------------------------------------------------------------------

    def live(self, call_id: str) -> CallSession | None:
        """The connected session of a call, if it is connected now."""
        return self._live.get(call_id)

    def active_count(self) -> int:
        """Calls answered or dialled and not over yet: what counts against maxConcurrentCalls."""
        self._expire_pending()
        return len(self._pending) + len(self._live)

    def full(self, config: VoiceCallConfig) -> int | None:
        """The limit when as many calls run as this machine and `maxConcurrentCalls` allow; None
        while there is room for one more. Every way into a call asks here."""
        limit = self._capacity.limit(config)
        return limit if self.active_count() >= limit else None

    def waiting_for_stream(self) -> int:
        """Calls answered whose media stream has not arrived yet."""
        return len(self._pending)

    def on_end(self, listener: Callable[[str], None]) -> None:
        """Call `listener(call_id)` once for every call that ends, however it ends."""
        self._end_listeners.append(listener)

    # -- into a call ---------------------------------------------------------------------------------

    def admit(
        self,
        provider: str,
        carrier_call_id: str,
        from_number: str,
        to_number: str,
        *,
        config: VoiceCallConfig,
        intro: str,
        intro_only: bool = False,
        redeem: Callable[[str], bool] | None = None,
        control: CallControl | None = None,
    ) -> CallSetup:
        """An incoming call we take: recorded, its first words prepared while the carrier sets up
        its media stream, and the stream expected (with `control`, the call counts as answered
        now and is hung up if its stream does not follow)."""
        call_id = self.records.create(provider, carrier_call_id, "inbound", from_number, to_number)
        setup = CallSetup(call_id, secrets.token_hex(16), config, intro, intro_only=intro_only, redeem=redeem)
        self._expect(carrier_call_id, setup, control)
        return setup

    def place(
        self,
        provider: str,
        from_number: str,
        to_number: str,
        *,
        config: VoiceCallConfig,
        message: str,
        mode: CallMode,
        leaves_voicemail: bool,
    ) -> CallSetup:
        """A call we are about to dial: recorded under a provisional carrier id (`rekey` follows the
        carrier's own once it is dialled), its message prepared, its stream expected."""
        call_id = uuid.uuid4().hex
        provisional = f"pending-{call_id}"  # until the carrier names the call
        self.records.create(
            provider, provisional, "outbound", from_number, to_number, mode=mode, message=message, call_id=call_id
        )
        setup = CallSetup(
            call_id, secrets.token_hex(16), config, message, mode=mode, message=message, leaves_voicemail=leaves_voicemail
        )
        self._expect(provisional, setup)
        return setup

    async def first_words_ready(self, carrier_call_id: str, control: CallControl, limit_s: float = INTRO_WAIT_S) -> None:
        """Wait (at most `limit_s`) until the call's first words can play: answered then, the caller
        hears them at once instead of silence after the pickup (the phone rings a moment longer
        while, right after a start, the speech model loads and the greeting's first words are made).
        The stream's deadline counts from the answer, so it starts again after the wait."""
        pending = self._pending.get(carrier_call_id)
        if pending is None:
            return
        if pending.stream_deadline is not None:
            pending.stream_deadline.cancel()
            pending.stream_deadline = None
        if isinstance(pending.intro_audio, AudioStream):
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(limit_s):
                    await pending.intro_audio.has_audio.wait()
        if self._pending.get(carrier_call_id) is pending:
            self.answered(pending.call_id, carrier_call_id, control)

    def take_back(self, transfer: Transfer, control: CallControl) -> CallSetup:
        """The owner did not take a call we put through: it streams to us again, where it was."""
        setup = CallSetup(
            transfer.call_id, transfer.stream_token, transfer.config, OWNER_UNAVAILABLE, resumed_at_ms=transfer.media_ms
        )
        self._expect(transfer.carrier_call_id, setup, control)
        return setup

    def refuse(self, provider: str, carrier_call_id: str, from_number: str, to_number: str, ending: Ending) -> str:
        """An incoming call we will not take: recorded as already over."""
        call_id = self.records.create(
            provider, carrier_call_id, "inbound", from_number, to_number, state=ending.final_state, end_reason=ending.text()
        )
        self._announce_end(call_id)
        return call_id

    def _expect(self, carrier_call_id: str, setup: CallSetup, control: CallControl | None = None) -> None:
        # The call is expected before we answer: the carrier may open the stream before the answer returns.
        self._pending[carrier_call_id] = self._parts.prepare(setup)
        if control is not None:
            self.answered(setup.call_id, carrier_call_id, control)

    def answered(self, call_id: str, carrier_call_id: str, control: CallControl) -> None:
        """The callee picked up: the stream must follow within STREAM_WAIT_S, or the call is hung up."""
        pending = self._pending_of(call_id)
        if pending is None or pending.stream_deadline is not None:
            return
        pending.stream_deadline = asyncio.get_running_loop().call_later(
            self.stream_wait_s, self._stream_missing, call_id, carrier_call_id, control
        )

    def _stream_missing(self, call_id: str, carrier_call_id: str, control: CallControl) -> None:
        if self._pending_of(call_id) is not None:
            self.end(
                call_id,
                Ending(EndReason.STREAM_NEVER_ARRIVED, f"within {self.stream_wait_s:.0f} s of the answer"),
                control,
                carrier_call_id,
            )

    def rekey(self, call_id: str, carrier_call_id: str) -> bool:
        """The carrier named the call anew (its id once dialled, or once answered): follow it."""
        key = next((k for k, p in self._pending.items() if p.call_id == call_id), None)
        if key is None:
            return False
        self._pending[carrier_call_id] = self._pending.pop(key)
        self.records.set_carrier_id(call_id, carrier_call_id)
        return True

    def token_for(self, carrier_call_id: str) -> str:
        """The stream token of a call we expect (what the carrier's stream instructions carry)."""
        return self._pending[carrier_call_id].setup.token

    # -- the stream ------------------------------------------------------------------------------------

    async def connect(
        self,
        websocket: WebSocket,
        codec: MediaCodec,
        started: StreamStarted,
        control: CallControl | None,
        base_url: str | None = None,
    ) -> None:
        """Run a call whose media stream has started, until it ends. `control` hangs up the call
        when we end it (the softphone has none); with `base_url` (the carrier's public routes) the
        caller can be put through to the owner."""
        pending = self._pending.get(started.carrier_call_id)
        if pending is None or not hmac.compare_digest((started.token or "").encode(), pending.setup.token.encode()):
            await websocket.close(code=1008, reason="unknown call or bad stream token")
            return
        del self._pending[started.carrier_call_id]
        if pending.stream_deadline is not None:
            pending.stream_deadline.cancel()
        setup = pending.setup
        call_id = setup.call_id
        back = setup.resumed_at_ms is not None  # a call the owner did not take: already in progress
        if not back and not self.records.transition(call_id, CallState.IN_PROGRESS):
            pending.cancel()
            await websocket.close(code=1008, reason="call is no longer active")
            return
        with call_context(call_id):
            log.info("media stream connected")
            ending = Ending(EndReason.INTERNAL_ERROR)
            # A backstop for a stalled media clock: the session's own limit normally ends the call first.
            overtime = asyncio.get_running_loop().call_later(
                setup.config.max_duration_seconds + LIMIT_MARGIN_S, self._overtime, call_id
            )
            transfer: TransferHook | None = (
                self.transfers.hook(call_id, started.carrier_call_id, control, setup.config, base_url, setup.token)
                if control is not None and base_url and setup.config.owner_number
                else None
            )
            session = CallSession(
                setup,
                Stream(websocket, codec, started.stream_id),
                records=self.records,
                parts=self._parts,
                prepared=pending,
                transfer=transfer,
                keys=(
                    functools.partial(control.send_keys, started.carrier_call_id)
                    if control is not None and not control.keys_in_audio
                    else None
                ),
            )
            self._live[call_id] = session
            try:
                ending = await session.run()
            except Exception:  # whatever broke, the call is settled below
                log.exception("the call failed")
                with contextlib.suppress(RuntimeError):
                    await websocket.close(code=1011, reason="internal error")
            finally:
                overtime.cancel()
                line = self._live.pop(call_id, None)
                left = ending.reason == EndReason.TRANSFERRED and self.transfers.left_us(call_id, line.media_ms if line else 0)
                if not left:
                    self._settle(call_id, ending)
            if ending.reason.by_us and control is not None:
                await end_quietly(control, started.carrier_call_id)

    # -- ending ----------------------------------------------------------------------------------------

    def end(
        self,
        call_id: str,
        ending: Ending,
        control: CallControl | None = None,
        carrier_call_id: str = "",
        *,
        close_control: bool = False,
    ) -> bool:
        """End a call wherever it is in its life. A live call ends through its session (which says
        nothing more and closes the stream); a call not yet connected ends here, and `control`, when
        given, hangs it up (or cancels it, while it rings) at the carrier, then is closed when
        `close_control`. False when the call was already over."""
        ending = self.transfers.ended(call_id, ending)
        session = self._live.get(call_id)
        if session is not None:
            session.end(ending)
            ended, hang_up = True, False  # the session's stream closes; `connect` hangs up
        else:
            self._drop_pending(call_id)
            ended = self._settle(call_id, ending)
            hang_up = ended and bool(carrier_call_id) and ending.reason.by_us
        if control is not None and hang_up:
            cancel = ending.reason == EndReason.CANCELLED
            asyncio.get_running_loop().create_task(end_quietly(control, carrier_call_id, cancel=cancel, close=close_control))
        elif control is not None and close_control:
            asyncio.get_running_loop().create_task(control.aclose())
        return ended

    def carrier_reported(self, call_id: str, carrier_call_id: str, state: CallState, detail: str, control: CallControl) -> None:
        """A status webhook: the callee answered, or the carrier says the call is over."""
        if state == CallState.IN_PROGRESS:
            self.answered(call_id, carrier_call_id, control)  # the stream's start moves the call to in-progress
        elif not state.active:
            self.end(call_id, Ending(EndReason.CARRIER_REPORTED, f"{state.value}, {detail}" if detail else state.value, state))

    def machine_detected(
        self, call_id: str, carrier_call_id: str, answered_by: AnsweredBy, detail: str, control: CallControl
    ) -> None:
        """The carrier's answering-machine verdict. A person: nothing changes. A machine: a call that
        leaves voicemail waits for its beep and leaves the message; any other call is hung up."""
        self.records.append_transcript(
            call_id, [{"role": "system", "at_ms": 0, "text": f"answering-machine detection: {answered_by} ({detail})"}]
        )
        session = self._live.get(call_id)
        if answered_by in ("human", "unknown") or (session is not None and session.setup.leaves_voicemail):
            if session is not None:
                session.machine_answered(answered_by)
            return
        self.end(call_id, Ending(EndReason.ANSWERING_MACHINE, detail), control, carrier_call_id)

    def stream_failed(self, call_id: str, carrier_call_id: str, detail: str, control: CallControl) -> None:
        """The carrier could not open or keep our media stream: the call is hung up, not left silent
        (unless the stream ended because the call is being put through to the owner)."""
        if self.transfers.of_call(call_id) is not None and self._live.get(call_id) is None:
            return
        self.end(call_id, Ending(EndReason.STREAM_FAILED, detail), control, carrier_call_id)

    def fail_pending(self, reason: EndReason) -> None:
        """Every answered call whose media has not arrived ends now (the gateway is stopping)."""
        for pending in list(self._pending.values()):
            self.end(pending.call_id, Ending(reason))

    def close_stale(self) -> list[CallInfo]:
        """At startup: calls a previous process left active can never finish now; returns them."""
        return self.records.close_stale(Ending(EndReason.RESTARTED).text())

    def close_left_by(self, node: str) -> list[CallInfo]:
        """The calls a gateway that is gone (another node) left active; returns them."""
        return self.records.close_left_by(node, Ending(EndReason.NODE_GONE, f"node {node}").text())

    def _expire_pending(self) -> None:
        now = time.monotonic()
        for pending in list(self._pending.values()):
            if now - pending.created > PENDING_TTL_S:
                self.end(pending.call_id, Ending(EndReason.STREAM_NEVER_ARRIVED))

    def _overtime(self, call_id: str) -> None:
        if (session := self._live.get(call_id)) is not None:
            session.end(Ending(EndReason.MAX_DURATION, "its media clock stalled"))

    def _pending_of(self, call_id: str) -> PendingCall | None:
        return next((p for p in self._pending.values() if p.call_id == call_id), None)

    def _drop_pending(self, call_id: str) -> None:
        for key, pending in list(self._pending.items()):
            if pending.call_id == call_id:
                del self._pending[key]
                pending.cancel()

    def _settle(self, call_id: str, ending: Ending) -> bool:
        """The one place a call reaches its final state, and the one place its end is announced."""
        if not self.records.transition(call_id, ending.final_state, ending.text()):
            return False
        with call_context(call_id):
            log.info("call ended: %s, %s", ending.final_state.value, ending.text())
        self._announce_end(call_id)
        return True

    def _announce_end(self, call_id: str) -> None:
        for listener in list(self._end_listeners):
            try:
                listener(call_id)
            except Exception:  # one listener's failure must not stop the others
                with call_context(call_id):
                    log.exception("an end-of-call listener failed")
