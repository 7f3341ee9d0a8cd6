"""Outbound calls through the fake carriers: notify, conversation, unanswered attempts, the
realtime_call tool's actions, and scheduled calls with a controllable clock."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from plugins.voice_call.history.records import CallRecords
from plugins.voice_call.outbound.dialer import OutboundCalls
from plugins.voice_call.scheduling.scheduler import CallScheduler

from .conftest import FRIEND, run_cli
from .voice_harness import CARRIERS, CallLab, settle, speak, transcribe, transcribe_ulaw

STRANGER = "+15557770000"


@pytest.fixture(params=CARRIERS)
def lab(request, host):
    with CallLab(host, request.param) as lab:
        yield lab


@pytest.fixture
def twilio(host):
    with CallLab(host, "twilio") as lab:
        yield lab


def outbound_record(lab):
    calls = [c for c in CallRecords(lab.host.db).recent(20) if c.direction == "outbound"]
    assert calls, "no outbound call was recorded"
    return calls[0]


def latest_owner_messages(lab) -> list[str]:
    conversation = lab.host.conversations.latest()
    return [m.text for m in lab.host.conversations.shown(conversation)]


def test_notify_call_from_chat(lab) -> None:
    reply = lab.say(f"Call {FRIEND} and remind them about tomorrow's appointment")
    assert "Calling" in reply, reply
    dial = lab.carrier.wait_for_dial()
    assert dial.to == FRIEND

    async def scenario():
        async with lab.carrier.answer_outbound(dial) as call:
            await call.wait_for(lambda: call.closed is not None, timeout=30)
            return transcribe(call.heard_audio()).lower()

    heard = asyncio.run(scenario())
    assert "reminder" in heard and "appointment" in heard
    settle(lambda: outbound_record(lab).state == "completed")
    record = outbound_record(lab)
    assert (record.mode, record.end_reason, record.to_number) == ("notify", "message delivered", FRIEND)
    settle(lambda: len(lab.carrier.hung_up_by_rest()) == 1)
    settle(lambda: any(f"Call to {FRIEND} (notify) ended: completed" in m for m in latest_owner_messages(lab)))


def test_conversation_call_reports_back(lab) -> None:
    assert "Calling" in lab.say(f"call {FRIEND} and have a conversation about their order")
    dial = lab.carrier.wait_for_dial()
    question, bye = speak("What is the capital of France?"), speak("Okay, thanks, bye bye.")

    async def scenario():
        async with lab.carrier.answer_outbound(dial) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
            opening = transcribe(call.heard_audio()).lower()
            start = len(call.heard)
            await call.say(question)
            await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=30)
            answer = transcribe_ulaw(bytes(call.heard[start:])).lower()
            await call.say(bye)
            await call.wait_for(lambda: call.closed is not None, timeout=30)
            return opening, answer

    opening, answer = asyncio.run(scenario())
    assert "your order" in opening and "paris" in answer
    settle(lambda: outbound_record(lab).state == "completed")
    settle(lambda: any("(conversation) ended: completed" in m and "capital of France" in m for m in latest_owner_messages(lab)))


@pytest.mark.parametrize("outcome", ["busy", "no-answer"])
def test_unanswered_attempts_end_with_a_clear_status(lab, outcome) -> None:
    assert "Calling" in lab.say(f"Call {FRIEND} and remind them about the dentist")
    dial = lab.carrier.wait_for_dial()
    assert lab.carrier.outbound_status(dial, outcome) == 200
    settle(lambda: outbound_record(lab).state == outcome)
    assert lab.runtime.switchboard.waiting_for_stream() == 0
    settle(lambda: any(f"ended: {outcome}" in m for m in latest_owner_messages(lab)))


#: A phone rings a few seconds before anyone picks up; our first words are prepared meanwhile.
RINGING_S = 3.0
MACHINE_GREETING = "Hi, you have reached Sam. I can't take your call right now. Please leave a message after the tone."


def test_a_person_hears_the_first_words_at_once_with_machine_detection_on(lab) -> None:
    """Detection runs beside the call (asynchronous on every carrier): no silence while it listens."""
    lab.live.run(lab.runtime.prompts.ready(), timeout=120)  # a gateway that is up, not one still starting
    lab.say(f"Call {FRIEND} and remind them about the dentist")
    dial = lab.carrier.wait_for_dial()
    time.sleep(RINGING_S)

    async def scenario():
        async with lab.carrier.answer_outbound(dial) as call:
            await call.wait_for(lambda: call.closed is not None, timeout=60)
            return call, transcribe(call.heard_audio()).lower()

    call, heard = asyncio.run(scenario())
    assert call.first_audio_at - call.opened_at < 1.5, "the callee waited in silence"
    assert "dentist" in heard
    settle(lambda: outbound_record(lab).state == "completed")
    record = outbound_record(lab)
    assert record.end_reason == "message delivered"
    assert any("answering-machine detection: human" in e["text"] for e in record.transcript if e["role"] == "system")


@pytest.mark.parametrize("carrier", ["twilio", "telnyx"])
def test_a_notify_call_leaves_its_message_after_the_beep(host, carrier) -> None:
    with CallLab(host, carrier) as lab:
        lab.say(f"Call {FRIEND} and remind them about the dentist")
        dial = lab.carrier.wait_for_dial()
        greeting = speak(MACHINE_GREETING)

        async def scenario():
            async with lab.carrier.answer_outbound(dial, machine_greeting=greeting) as call:
                await call.wait_for(lambda: call.closed is not None, timeout=90)
                return call

        call = asyncio.run(scenario())
        assert call.recording_from is not None, "the machine never beeped"
        recorded = transcribe(call.recording()).lower()
        assert "reminder" in recorded and "dentist" in recorded, recorded
        settle(lambda: outbound_record(lab).state == "voicemail_left")
        settle(lambda: lab.carrier.hung_up_by_rest() == [dial.call_id])
        settle(lambda: any("ended: voicemail_left" in m for m in latest_owner_messages(lab)))


def test_a_carrier_that_cannot_hear_the_beep_hangs_up_on_a_machine(host) -> None:
    """Plivo reports a machine but never the end of its greeting: leaving a message would talk over it."""
    with CallLab(host, "plivo") as lab:
        lab.say(f"Call {FRIEND} and remind them about the dentist")
        dial = lab.carrier.wait_for_dial()
        assert dial.body["machine_detection"] == "true" and "amd=1" in dial.body["machine_detection_url"]

        async def scenario():
            async with lab.carrier.answer_outbound(dial, machine_greeting=speak(MACHINE_GREETING)) as call:
                await call.wait_for(lambda: call.closed is not None, timeout=60)

        asyncio.run(scenario())
        settle(lambda: outbound_record(lab).state == "voicemail")
        settle(lambda: lab.carrier.hung_up_by_rest() == [dial.extra["call_uuid"]])


def test_a_conversation_call_hangs_up_on_a_machine(lab) -> None:
    lab.say(f"call {FRIEND} and have a conversation about their order")
    dial = lab.carrier.wait_for_dial()

    async def scenario():
        async with lab.carrier.answer_outbound(dial, machine_greeting=speak(MACHINE_GREETING)) as call:
            await call.wait_for(lambda: call.closed is not None, timeout=60)

    asyncio.run(scenario())
    settle(lambda: outbound_record(lab).state == "voicemail")
    assert "answering machine" in outbound_record(lab).end_reason
    settle(lambda: len(lab.carrier.hung_up_by_rest()) == 1)


def test_a_dead_number_is_reported_as_failed_in_words(lab) -> None:
    lab.say(f"Call {FRIEND} and remind them about the dentist")
    dial = lab.carrier.wait_for_dial()
    assert lab.carrier.outbound_status(dial, "not-found") == 200
    settle(lambda: outbound_record(lab).state == "failed")
    settle(lambda: any("ended: failed" in m for m in latest_owner_messages(lab)))


def test_a_ringing_call_is_cancelled_at_the_carrier(lab) -> None:
    from types import SimpleNamespace

    from assistant.tools import ToolContext
    from plugins.voice_call.outbound.owner_tools import realtime_call  # the owner's tool, as the agent calls it

    lab.say(f"Call {FRIEND} and remind them about the dentist")
    dial = lab.carrier.wait_for_dial()
    call_id = outbound_record(lab).id
    ctx = SimpleNamespace(deps=ToolContext(lab.host))
    result = lab.live.run(realtime_call(ctx, action="end_call", call_id=call_id))
    assert result["ok"] and "cancelled" in result["message"]
    settle(lambda: outbound_record(lab).state == "no-answer")
    cancelled = getattr(lab.carrier, "cancelled", None)
    settle(lambda: (cancelled if cancelled is not None else lab.carrier.hung_up_by_rest()) == [dial.call_id])


def test_realtime_call_actions(twilio) -> None:
    from pydantic_ai import RunContext  # noqa: F401 - the tool is called as the agent would, with a context

    from assistant.tools import ToolContext
    from plugins.voice_call.outbound.owner_tools import realtime_call

    class Ctx:
        deps = ToolContext(twilio.host)

    def act(**kwargs):
        return twilio.live.run(realtime_call(Ctx(), **kwargs), timeout=90)

    assert "not placed" in act(action="initiate_call", to="12345", message="hi")["message"]
    assert "needs the call_id" in act(action="get_status")["message"]
    started = act(action="initiate_call", to=FRIEND, message="Hello, quick question for you.", mode="conversation")
    call_id = started["data"]["call_id"]
    dial = twilio.carrier.wait_for_dial()
    assert act(action="get_status", call_id=call_id)["data"]["state"] == "ringing"
    yes = speak("Yes please, with extra cheese.")

    async def callee(call):
        await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
        await call.wait_for(lambda: any(m.startswith("o1") for m in call.marks_echoed), timeout=30)
        await call.say(yes)
        await call.wait_for(lambda: call.closed is not None, timeout=60)

    async def scenario():
        async with twilio.carrier.answer_outbound(dial) as call:
            task = asyncio.create_task(callee(call))
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
            reply = await asyncio.to_thread(act, action="continue_call", call_id=call_id, message="Do you want pizza tonight?")
            status = await asyncio.to_thread(act, action="get_status", call_id=call_id)
            spoke = await asyncio.to_thread(act, action="speak_to_user", call_id=call_id, message="Great, see you then.")
            await asyncio.sleep(3)
            ended = await asyncio.to_thread(act, action="end_call", call_id=call_id)
            await task
            return reply, status, spoke, ended, transcribe(call.heard_audio()).lower()

    reply, status, spoke, ended, heard = asyncio.run(scenario())
    assert "pizza" in heard
    # What the callee said comes back as quoted caller content, never in the tool's own message.
    assert reply["ok"] and "cheese" in reply["caller_content"]["said"][0].lower() and "cheese" not in reply["message"].lower()
    assert reply["caller_content"]["from"] == FRIEND and "not the owner's instructions" in reply["caller_content"]["note"]
    assert status["data"]["state"] == "in-progress" and any("pizza" in line.lower() for line in status["data"]["assistant_said"])
    assert spoke["ok"] and ended["ok"]
    settle(lambda: act(action="get_status", call_id=call_id)["data"]["state"] == "completed")
    assert "not in progress" in act(action="end_call", call_id=call_id)["message"]


def test_outbound_allowlist_stops_other_numbers(twilio) -> None:
    twilio.set(**{"outbound.allowTo": [FRIEND]})
    reply = twilio.say(f"Call {STRANGER} and remind them about the dentist")
    assert "not on the list of numbers I may call" in reply
    assert twilio.carrier.dials == []
    assert "E.164" in twilio.say("Call 12345678 and remind them about the dentist")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_scheduled_call_fires_once_at_its_time(twilio) -> None:
    twilio.set(timezone="America/New_York")
    clock = Clock(datetime(2026, 11, 24, 20, 0, tzinfo=UTC))  # 15:00 in New York
    scheduler = CallScheduler.of(twilio.host)
    scheduler.clock = clock
    reply = twilio.say(f"Call {FRIEND} tomorrow at 9 and remind them about the dentist")
    assert "Scheduled call #1" in reply and "09:00" in reply, reply
    (call,) = scheduler.list()
    assert call.run_at == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 9:00 EST
    assert twilio.live.run(scheduler.tick()) == 0
    clock.now = datetime(2026, 11, 25, 13, 59, tzinfo=UTC)
    assert twilio.live.run(scheduler.tick()) == 0
    clock.now = datetime(2026, 11, 25, 14, 0, 1, tzinfo=UTC)
    dial = twilio.carrier.wait_for_dial()  # the gateway's own scheduler loop fires it within a second
    assert twilio.live.run(scheduler.tick()) == 0
    time.sleep(1.5)
    assert len(twilio.carrier.dials) == 1, "fired twice"
    assert dial.to == FRIEND and scheduler.get(1).status == "dialing"
    twilio.carrier.outbound_status(dial, "no-answer")
    settle(lambda: scheduler.get(1).status == "failed")
    assert "no-answer" in scheduler.get(1).outcome


def test_retries_are_bounded(twilio) -> None:
    twilio.set(**{"outbound.retries": 1, "outbound.retryDelaySeconds": 60})
    clock = Clock(datetime.now(UTC))
    scheduler = CallScheduler.of(twilio.host)
    scheduler.clock = clock
    assert "Scheduled" in twilio.say(f"Call {FRIEND} in 5 minutes and remind them about the dentist")
    clock.now += timedelta(minutes=6)
    first = twilio.carrier.wait_for_dial(1)
    twilio.carrier.outbound_status(first, "busy")
    settle(lambda: scheduler.get(1).status == "pending")
    clock.now += timedelta(seconds=61)
    second = twilio.carrier.wait_for_dial(2)
    twilio.carrier.outbound_status(second, "busy")
    settle(lambda: scheduler.get(1).status == "failed")
    clock.now += timedelta(minutes=10)
    time.sleep(1.5)
    assert len(twilio.carrier.dials) == 2 and scheduler.get(1).attempts == 2


def test_restart_never_redials_and_keeps_future_calls(host) -> None:
    from plugins.voice_call.runtime import VoiceCallRuntime
    from plugins.voice_call.scheduling.scheduler import CallScheduler

    with CallLab(host, "twilio") as lab:
        scheduler = CallScheduler.of(lab.host)
        now = scheduler.clock()
        in_flight = scheduler.schedule(FRIEND, "Hello one.", "notify", now + timedelta(hours=1), "UTC")
        future = scheduler.schedule(FRIEND, "Hello two.", "notify", now + timedelta(hours=2), "UTC")
        stale = scheduler.schedule(FRIEND, "Hello three.", "notify", now + timedelta(hours=3), "UTC")
        assert scheduler._claim(in_flight.id)  # it was being dialed when the process died
        carrier = lab.carrier
    # A new process over the same store, an hour and a half later (3h row is still ahead, the 2h one not yet).
    runtime = VoiceCallRuntime(host)
    later = Clock(now + timedelta(hours=1, minutes=30))
    restarted = CallScheduler(host, runtime.records, OutboundCalls(host, runtime.switchboard), clock=later)
    restarted.recover()
    assert restarted.get(in_flight.id).status == "failed" and "not dialed again" in restarted.get(in_flight.id).outcome
    assert restarted.get(future.id).status == "pending" and restarted.get(stale.id).status == "pending"
    # Much later, the 2h call was missed while nothing ran: it is marked, never dialed late.
    restarted.clock = Clock(now + timedelta(hours=2, minutes=30))
    restarted.recover()
    assert restarted.get(future.id).status == "missed"
    assert carrier.dials == []


def test_scheduled_calls_in_cli_and_chat(twilio, env) -> None:
    assert "Scheduled call #1" in twilio.say(f"Call {FRIEND} tomorrow at 10:30 and remind them about the dentist")
    assert "#1" in twilio.say("show scheduled calls")
    listed = run_cli(env, "calls", "list", check=True).stdout
    assert "#1" in listed and FRIEND in listed and "reminder about the dentist" in listed
    assert run_cli(env, "calls", "cancel", "1", check=True).returncode == 0
    assert "No calls are scheduled" in twilio.say("show scheduled calls")
    assert "no pending scheduled call #1" in twilio.say("cancel scheduled call 1")
    scheduled = run_cli(
        env, "calls", "place", FRIEND, "--message", "Hello from the command line.", "--at", "tomorrow 8am", check=True
    )
    assert "Scheduled call #2" in scheduled.stdout
    assert "not a phone number" in run_cli(env, "calls", "place", "12", "--message", "x").stderr
