"""The switchboard's state machine: every way into a call and out of it, each end announced once."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest

from plugins.voice_call.calls.setup import CallSetup, PendingCall
from plugins.voice_call.calls.switchboard import Switchboard
from plugins.voice_call.carriers.events import CallState, StreamStarted
from plugins.voice_call.carriers.twilio import TwilioCodec
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.history.ending import FINAL_STATE, Ending, EndReason
from plugins.voice_call.history.records import CallRecords
from tests.values import FRIEND, OWNER


class NoEngines:
    """Nothing here connects a stream, so nothing is built: a call's first words are not made."""

    def prepare(self, setup: CallSetup) -> PendingCall:
        return PendingCall(setup)

    def call_agent(self):
        raise AssertionError("no call is connected in these tests")

    stt = tts = features = call_agent


class Control:
    def __init__(self) -> None:
        self.hung_up: list[str] = []

    async def hang_up(self, carrier_call_id: str) -> None:
        self.hung_up.append(carrier_call_id)


class Socket:
    def __init__(self) -> None:
        self.closed: tuple[int, str] | None = None

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = (code, reason)


@pytest.fixture
def board(host):
    board = Switchboard(CallRecords(host.db), NoEngines())
    board.ended = []
    board.on_end(board.ended.append)
    return board


def ringing(board: Switchboard, carrier_id: str = "CA1", token: str = "tok") -> str:
    setup = board.admit("twilio", carrier_id, FRIEND, OWNER, config=VoiceCallConfig(), intro="Hello")
    board._pending[carrier_id].setup = replace(setup, token=token)  # a known token, to present a wrong one
    return setup.call_id


def state(board: Switchboard, call_id: str) -> tuple[str, str]:
    record = board.records.get(call_id)
    assert record is not None
    return record.state, record.end_reason


def test_a_call_ends_once_and_is_announced_once(board) -> None:
    call_id = ringing(board)
    assert (board.active_count(), board.waiting_for_stream(), state(board, call_id)) == (1, 1, ("ringing", ""))
    assert board.end(call_id, Ending(EndReason.CANCELLED))
    assert state(board, call_id) == ("no-answer", "cancelled by the owner before it was answered")
    assert (board.active_count(), board.ended) == (0, [call_id])
    assert not board.end(call_id, Ending(EndReason.OWNER_ENDED))  # already over: nothing changes
    assert state(board, call_id)[0] == "no-answer" and board.ended == [call_id]


def test_refused_calls_are_recorded_as_over(board) -> None:
    busy = board.refuse("twilio", "CA2", FRIEND, OWNER, Ending(EndReason.TOO_MANY_CALLS))
    refused = board.refuse("twilio", "CA3", FRIEND, OWNER, Ending(EndReason.REFUSED, "inbound calls are disabled"))
    assert state(board, busy) == ("busy", "too many calls at once")
    assert state(board, refused) == ("failed", "refused (inbound calls are disabled)")
    assert board.ended == [busy, refused] and board.active_count() == 0


def test_the_carrier_renaming_a_call_moves_its_pending_stream(board) -> None:
    call_id = ringing(board, "pending-x", token="t1")
    assert board.rekey(call_id, "CA-real")
    assert board.token_for("CA-real") == "t1" and board.records.get(call_id).carrier_call_id == "CA-real"
    assert not board.rekey("no-such-call", "CA-other")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (CallState.BUSY, ("busy", "carrier reported (busy, user_busy)")),
        (CallState.NO_ANSWER, ("no-answer", "carrier reported (no-answer, user_busy)")),
        (CallState.FAILED, ("failed", "carrier reported (failed, user_busy)")),
        (CallState.COMPLETED, ("completed", "carrier reported (completed, user_busy)")),
    ],
)
def test_the_carrier_ending_a_call_before_its_stream(board, status, expected) -> None:
    call_id = ringing(board)
    board.carrier_reported(call_id, "CA1", status, "user_busy", Control())
    assert state(board, call_id) == expected and board.waiting_for_stream() == 0 and board.ended == [call_id]


def test_progress_reports_change_nothing_until_the_stream_is_late(board, monkeypatch) -> None:
    board.stream_wait_s = 0.2
    control = Control()

    async def scenario() -> None:
        call_id = ringing(board)
        for status in (CallState.RINGING, CallState.IN_PROGRESS):
            board.carrier_reported(call_id, "CA1", status, "", control)
        assert state(board, call_id) == ("ringing", "") and board.ended == []
        await asyncio.sleep(0.4)  # answered, and no stream came
        assert state(board, call_id)[0] == "failed" and board.ended == [call_id]
        await asyncio.sleep(0)

    asyncio.run(scenario())
    assert control.hung_up == ["CA1"]


def test_an_answering_machine_ends_the_attempt_and_hangs_up(board) -> None:
    control = Control()

    async def scenario() -> None:
        call_id = ringing(board)
        board.machine_detected(call_id, "CA1", "human", "human", control)
        assert state(board, call_id) == ("ringing", "")
        board.machine_detected(call_id, "CA1", "machine", "machine_start", control)
        await asyncio.sleep(0)
        assert state(board, call_id) == ("voicemail", "answering machine (machine_start)")

    asyncio.run(scenario())
    assert control.hung_up == ["CA1"]


def test_streams_that_never_come_are_failed(board) -> None:
    stale, fresh = ringing(board, "CA1"), ringing(board, "CA2")
    board._pending["CA1"].created = time.monotonic() - 3600
    assert board.active_count() == 1
    assert state(board, stale) == ("failed", "media stream never arrived") and state(board, fresh)[0] == "ringing"
    board.fail_pending(EndReason.GATEWAY_STOPPED)
    assert state(board, fresh) == ("failed", "gateway stopped before the media stream arrived")
    assert board.ended == [stale, fresh]


def test_a_stream_with_a_wrong_token_is_closed_and_changes_nothing(board) -> None:
    call_id = ringing(board, token="right")
    socket = Socket()
    asyncio.run(board.connect(socket, TwilioCodec(), StreamStarted("CA1", "MZ1", "wrong"), Control()))
    assert socket.closed == (1008, "unknown call or bad stream token")
    assert state(board, call_id) == ("ringing", "") and board.waiting_for_stream() == 1
    asyncio.run(board.connect(socket, TwilioCodec(), StreamStarted("CA-unknown", "MZ1", "right"), Control()))
    assert board.waiting_for_stream() == 1


def test_a_stream_for_a_call_already_over_is_closed(board) -> None:
    call_id = ringing(board, token="right")
    board.records.transition(call_id, CallState.NO_ANSWER, "gone")  # e.g. another process settled it
    socket = Socket()
    asyncio.run(board.connect(socket, TwilioCodec(), StreamStarted("CA1", "MZ1", "right"), Control()))
    assert socket.closed == (1008, "call is no longer active") and board.waiting_for_stream() == 0


@pytest.mark.parametrize("reason", list(EndReason))
def test_every_end_reason_has_a_final_state_and_says_who_ended_it(reason) -> None:
    ending = Ending(reason)
    assert not ending.final_state.active
    assert ending.final_state == FINAL_STATE.get(reason, CallState.COMPLETED)
    others = (EndReason.CALLER_HUNG_UP, EndReason.CARRIER_ENDED, EndReason.CARRIER_REPORTED, EndReason.TRANSFERRED)
    assert reason.by_us == (reason not in others)
    assert Ending(reason, "x" * 500).text().startswith(reason.value) and len(Ending(reason, "x" * 500).text()) <= 200


def test_a_call_whose_media_clock_stalls_is_ended_by_the_wall_clock(board) -> None:
    """The session's limits run on the media clock; if frames stop, the watchdog still ends the call."""

    class Session:
        ended: Ending | None = None

        def end(self, ending: Ending) -> None:
            self.ended = ending

    session = Session()
    board._live["c1"] = session
    board._overtime("c1")
    assert session.ended == Ending(EndReason.MAX_DURATION, "its media clock stalled")


def test_an_incoming_call_is_answered_once_its_first_words_can_play(board) -> None:
    """Right after a start the first caller heard seconds of silence after the pickup while the
    greeting was made: the answer now waits (at most a few seconds, ringing) for the first words."""
    from plugins.voice_call.speech.tts import AudioStream

    async def slow_words(delay: float):
        await asyncio.sleep(delay)
        yield b"\xff" * 160

    async def scenario() -> tuple[float, float]:
        ringing(board, "CA1")
        board._pending["CA1"].intro_audio = AudioStream(slow_words(0.3))
        board.stream_wait_s = 0.1  # shorter than the wait: it must count from the answer, after it
        board.answered(board._pending["CA1"].call_id, "CA1", Control())
        started = time.monotonic()
        await board.first_words_ready("CA1", Control())
        assert "CA1" in board._pending, "not hung up while it waited for its first words"
        ready = time.monotonic() - started
        ringing(board, "CA2")
        board._pending["CA2"].intro_audio = AudioStream(slow_words(60))
        started = time.monotonic()
        await board.first_words_ready("CA2", Control(), limit_s=0.2)
        gave_up = time.monotonic() - started
        board._pending["CA2"].intro_audio.cancel()
        return ready, gave_up

    ready, gave_up = asyncio.run(scenario())
    assert 0.25 <= ready < 2.0, ready
    assert 0.15 <= gave_up < 2.0, "it is answered anyway after the limit"
