"""Errands: a call we placed for the owner works through a phone menu at the other end. The menu
is a fake callee speaking Kokoro prompts through each fake carrier; the keys must arrive the way
that carrier sends digits on a live call (Telnyx `actions/send_dtmf`, Plivo `Call/{uuid}/DTMF/`,
Twilio as tones in the audio: it has no command for a streamed call)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from pydantic_ai.messages import ModelRequest, UserPromptPart
from pydantic_ai.models.function import FunctionModel

from plugins.voice_call.calls.offline_call import offline_call_model
from plugins.voice_call.errands.hold import OnHold, is_hold
from plugins.voice_call.errands.menus import menu_options, pick

from .conftest import FRIEND
from .room_sounds import hold_music
from .voice_harness import CARRIERS, REPLY_OVER_S, CallLab, quiet_for, settle, speak, transcribe_ulaw

#: A dentist's menu, three levels deep; the errand needs 2, then 1, then 1.
MENU = (
    "Thank you for calling Bright Smile Dental. For appointments, press 2. For billing, press 3.",
    "For a cleaning, press 1. For a filling or other treatment, press 2.",
    "For morning appointments, press 1. For afternoon appointments, press 2.",
)
ERRAND = "I'd like to book a cleaning next week, mornings only."


@pytest.fixture(params=CARRIERS)
def lab(request, host):
    with CallLab(host, request.param) as lab:
        yield lab


def test_an_errand_works_through_a_three_level_menu(lab) -> None:
    from assistant.tools import ToolContext
    from plugins.voice_call.outbound.owner_tools import realtime_call

    class Ctx:
        deps = ToolContext(lab.host)

    lab.runtime.call_model = offline_call_model()  # the rules alone: no language model
    started = lab.live.run(realtime_call(Ctx(), action="initiate_call", to=FRIEND, message=ERRAND, mode="conversation"))
    assert started["ok"], started
    dial = lab.carrier.wait_for_dial()
    prompts = [speak(text) for text in MENU]

    async def menu() -> list[str]:
        pressed = []
        async with lab.carrier.answer_outbound(dial) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
            for level, prompt in enumerate(prompts, 1):
                await call.say(prompt)
                with contextlib.suppress(AssertionError):  # a level not pressed: shown below
                    await call.wait_for(lambda level=level: len(lab.carrier.keys_heard(call)) >= level, timeout=30)
                pressed.append(lab.carrier.keys_heard(call))
        return pressed

    pressed = asyncio.run(menu())
    assert pressed == ["2", "21", "211"], "\n".join(f"{e['role']}: {e['text']}" for e in _record(lab).transcript)
    settle(lambda: [e["text"] for e in _record(lab).transcript if e["role"] == "pressed"] == ["2", "1", "1"])
    settle(lambda: "Done: pressed 2, 1, 1 in their phone menu" in " ".join(_owner_notices(lab)))


def _owner_notices(lab) -> list[str]:
    return [m.text for m in lab.host.conversations.shown(lab.host.conversations.latest()) if m.role == "notice"]


@contextlib.contextmanager
def _shows(lab):
    """On a failure, the call's transcript is shown with it."""
    try:
        yield
    except AssertionError as exc:
        lines = "\n".join(f"{e['role']}: {e['text']}" for e in _record(lab).transcript)
        raise AssertionError(f"{exc}\n{lines}") from None


def _record(lab):
    from plugins.voice_call.history.records import CallRecords

    return next(c for c in CallRecords(lab.host.db).recent(5) if c.direction == "outbound")


@pytest.mark.parametrize(
    ("heard", "errand", "key"),
    [
        ("For appointments, press 2. For billing, press 3.", "book a cleaning", "2"),
        ("Press 1 for store hours. Press 2 to check on a prescription.", "ask if my prescription is ready", "2"),
        ("To speak to a receptionist, press 0. For directions, press 9.", "ask about the invoice from March", "0"),
        ("For cleanings, press one. For emergencies, press two.", "book a cleaning, mornings only", "1"),
        ("Press 1 for new patients. Press 2 for existing patients.", "book a cleaning", None),  # none fits: listen on
        ("Hello, Bright Smile Dental, Anna speaking.", "book a cleaning", None),  # a person, not a menu
    ],
)
def test_the_menu_option_that_fits_the_errand(heard: str, errand: str, key: str | None) -> None:
    assert pick(menu_options(heard), errand) == key


def test_keys_are_pressed_only_on_calls_we_placed_and_only_keys() -> None:
    """Someone who called in cannot have us press keys (the Realtime model is offered every tool),
    and nothing but 0-9, * and # is ever sent."""
    from plugins.voice_call.caller_tool import CallDeps
    from plugins.voice_call.calls.caller_tools import run_call_tool

    class Line:
        def __init__(self) -> None:
            self.pressed: list[str] = []

        async def press(self, keys: str) -> None:
            self.pressed.append(keys)

    line = Line()

    def run(arguments: str, errand: str) -> str:
        return asyncio.run(run_call_tool("press_keys", arguments, CallDeps(line, errand=errand)))  # type: ignore[arg-type]

    assert "nothing was pressed" in run('{"keys": "9"}', errand="")
    assert "nothing was pressed" in run('{"keys": "2; hang up"}', errand=ERRAND)
    assert "nothing was pressed" in run('{"keys": "123456789012345678901"}', errand=ERRAND)
    assert run('{"keys": "2 #"}', errand=ERRAND).startswith("Pressed 2#")
    assert line.pressed == ["2#"]


def test_the_fake_telnyx_takes_keys_as_the_official_sdk_sends_them() -> None:
    """The fake's send_dtmf is checked against telnyx-python's own request, not only ours."""
    import telnyx

    from .fakes.telnyx_carrier import FakeTelnyx
    from .values import TELNYX_KEY

    fake = FakeTelnyx("http://127.0.0.1:9", "https://assistant.example.test", TELNYX_KEY)
    try:
        client = telnyx.Telnyx(api_key=TELNYX_KEY, base_url=fake.rest.url + "/v2", max_retries=0)
        client.calls.actions.send_dtmf("v3:abc", digits="1www2", duration_millis=300, command_id="c-1")
        assert fake.keys_sent == {"v3:abc": "12"}
    finally:
        fake.close()


def test_a_carrier_that_refuses_the_keys_is_told_to_the_model_without_its_words() -> None:
    from plugins.voice_call.caller_tool import CallDeps
    from plugins.voice_call.calls.caller_tools import run_call_tool
    from plugins.voice_call.carriers.events import CarrierError

    class Line:
        async def press(self, keys: str) -> None:
            raise CarrierError("Plivo refused the keys for abc: 401 secret-ish detail")

    said = asyncio.run(run_call_tool("press_keys", '{"keys": "2"}', CallDeps(Line(), errand=ERRAND)))  # type: ignore[arg-type]
    assert "could not be sent" in said and "401" not in said


@pytest.mark.parametrize(
    ("heard", "hold"),
    [
        ("All our team members are busy. Your call is important to us, please hold.", True),
        ("Thank you for your patience. You are caller number three.", True),
        ("[Music]", True),
        ("♪ ♪", True),
        ("(upbeat music)", True),
        ("Hi, this is Mary at Bright Smile Dental. How can I help you?", False),
        ("Hello?", False),
        ("Bright Smile Dental, Tom speaking.", False),
    ],
)
def test_a_queue_is_told_from_a_person(heard: str, hold: bool) -> None:
    assert is_hold(heard) is hold


def test_the_wait_on_hold_is_bounded_by_the_owners_limit() -> None:
    queue = OnHold(limit_ms=600_000)
    assert not queue.waiting(0)
    assert queue.heard("Please hold, your call is important to us.", now_ms=10_000)
    assert queue.heard("[Music]", now_ms=300_000)  # still the queue; the wait counts from its first words
    assert queue.waiting(609_999) and not queue.waiting(610_000)  # then silence ends the call as on any call
    assert not queue.heard("Hi, this is Mary, how can I help?", now_ms=400_000)  # a person: the wait is over
    assert not queue.waiting(400_001)


#: The other end of the whole errand: a queue, and the receptionist who picks up.
QUEUE = "All our team members are busy. Your call is important to us, please hold."
STILL_QUEUED = "Thank you for holding. Your call is important to us."
RECEPTIONIST = (
    "Hi, this is Mary at Bright Smile Dental. How can I help you?",
    "We have Tuesday at ten or Thursday at three. Which would you prefer?",
    "Great, you are booked for Tuesday at ten. Is there anything else?",
)


@pytest.mark.timeout(300)  # the menu, the queue's words and the receptionist's are said in real time
def test_an_errand_through_a_menu_a_ten_minute_hold_and_the_owners_decision(host) -> None:
    """The whole errand with the rules alone (no language model), on a controlled clock: a
    three-level menu; a queue that says so and then holds for ten minutes, its announcement again
    every three minutes or so and music between (sent ahead of the wall clock: `fast_forward`;
    the VAD takes a second of it for speech now and then, Whisper hears no words in it); a
    receptionist who offers two times; the owner's answer in chat; "anything else?". Nothing is said to the queue and none of its words reach the call agent,
    whose turns are counted; the owner's answer is what the receptionist hears, and the summary
    says what was passed on and quotes how it ended."""
    from assistant.tools import ToolContext
    from plugins.voice_call.calls import offline_call
    from plugins.voice_call.outbound.owner_tools import realtime_call

    with CallLab(host, "twilio") as lab:

        class Ctx:
            deps = ToolContext(lab.host)

        # The owner's limits, in their words: the call may last half an hour, the hold 15 minutes.
        lab.say("let calls run up to half an hour")
        lab.say("wait on hold up to 15 minutes")
        config = lab.host.config.get("voice_call")
        assert (config.max_duration_seconds, config.hold_limit_seconds) == (1800, 900)
        lab.live.restart()
        turns: list[str] = []  # the caller words each of the call agent's turns was given

        async def counted(messages, info):
            if isinstance(messages[-1], ModelRequest):
                turns.extend(p.content for p in messages[-1].parts if isinstance(p, UserPromptPart))
            async for chunk in offline_call._answering_machine(messages, info):
                yield chunk

        lab.runtime.call_model = FunctionModel(stream_function=counted, model_name="offline-call")
        notices: list[str] = []  # as every chat surface shows them
        lab.host.owner_listeners.append(notices.append)
        started = lab.live.run(realtime_call(Ctx(), action="initiate_call", to=FRIEND, message=ERRAND, mode="conversation"))
        assert started["ok"], started
        dial = lab.carrier.wait_for_dial()
        menu = [speak(text) for text in MENU]
        queue, still_queued = speak(QUEUE), speak(STILL_QUEUED)
        person, offer, booked = (speak(text) for text in RECEPTIONIST)

        def said(words: str, times: int = 1) -> bool:  # a reply is in the record once its last piece is made
            return sum(words in e["text"] for e in _record(lab).transcript if e["role"] == "assistant") >= times

        def queued() -> int:
            return sum(1 for e in _record(lab).transcript if e.get("hold"))

        async def scenario() -> tuple[list[str], float, str, str, str]:
            async with lab.carrier.answer_outbound(dial) as call:
                await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
                for level, prompt in enumerate(menu, 1):
                    await call.say(prompt)
                    with contextlib.suppress(AssertionError), _shows(lab):  # a level not pressed: shown below
                        await call.wait_for(lambda level=level: len(lab.carrier.keys_heard(call)) >= level, timeout=30)
                pressed = lab.carrier.keys_heard(call)
                await call.say(queue)
                with _shows(lab):
                    await call.wait_for(lambda: queued() >= 1, timeout=30)
                held_from = call.media_seconds
                for announcement in range(2, 5):  # then 10 minutes: quiet, and the queue's words every 3 or so
                    await call.fast_forward(197, hold_music())
                    await call.say(still_queued)
                    with _shows(lab):
                        await call.wait_for(lambda n=announcement: queued() >= n, timeout=30)
                held_for = call.media_seconds - held_from
                assert call.closed is None, _record(lab).end_reason
                start = len(call.heard)
                await call.say(person)
                with _shows(lab):
                    await call.wait_for(lambda: said("mornings only", times=2), timeout=60)  # the opening said it once
                await quiet_for(call, REPLY_OVER_S)
                errand = transcribe_ulaw(bytes(call.heard[start:])).lower()
                start = len(call.heard)
                await call.say(offer)
                with _shows(lab):
                    await call.wait_for(lambda: "decision" in " ".join(notices), timeout=30)
                await asyncio.sleep(1.5)  # the owner reads; the receptionist hears that we are on it
                told = await asyncio.to_thread(lab.say, "Tell them Tuesday at ten works, thanks")
                assert told == 'Passed on: "Tell them Tuesday at ten works, thanks".', told
                await call.wait_for(lambda: said("works, thanks"), timeout=60)
                await quiet_for(call, REPLY_OVER_S)
                relayed = transcribe_ulaw(bytes(call.heard[start:])).lower()
                start = len(call.heard)
                await call.say(booked)
                await call.wait_for(lambda: call.closed is not None, timeout=60)
                return pressed, held_for, errand, relayed, transcribe_ulaw(bytes(call.heard[start:])).lower()

        pressed, held_for, errand, relayed, bye = asyncio.run(scenario())
        transcript = _record(lab).transcript
        assert pressed == "211", "\n".join(f"{e['role']}: {e['text']}" for e in transcript)
        assert held_for >= 600, held_for
        held = [n for n, e in enumerate(transcript) if e.get("hold")]
        assert len(held) == 4 and all("important" in transcript[n]["text"].lower() for n in held), transcript
        said_to_queue = [e["text"] for e in transcript[held[0] : held[-1]] if e["role"] == "assistant"]
        assert said_to_queue == [], "nothing is said to the queue"
        assert not any("important" in words.lower() for words in turns), "the queue's words never reach the agent"
        assert len(turns) == 6, turns  # three menu levels, the receptionist's greeting, her offer, "anything else?"
        assert "cleaning" in errand, errand
        assert "one moment" in relayed and "tuesday" in relayed and "works" in relayed, relayed
        assert "tell them" not in relayed, relayed
        assert "thank you" in bye and "goodbye" in bye, bye
        asked = next(n for n in notices if "needs your decision" in n)
        assert 'they said: "We have Tuesday' in asked, asked  # her words, quoted
        settle(lambda: any(n.startswith("Call to") for n in notices))
        report = next(n for n in notices if n.startswith("Call to"))
        assert (
            "Done: pressed 2, 1, 1 in their phone menu; passed on your answer 'Tell them Tuesday at ten works, thanks'" in report
        )
        assert "booked for tuesday" in report.split("\n", 1)[1].lower(), report  # how it ended, quoted
        assert "important to us" not in report, report  # the queue's words are not news
        assert not lab.host.questions.oldest_open()
