"""Calls repeated by a recurrence rule, on a controlled clock: each occurrence is dialed once, a
restart neither repeats nor loses one, and the owner pauses, resumes and cancels them in chat and
the CLI. "me" is the owner's own number."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from plugins.voice_call.outbound.dialer import OutboundCalls
from plugins.voice_call.scheduling.recurrence import RecurrenceError, next_occurrence, rule_from_words, series_start
from plugins.voice_call.scheduling.scheduler import CallScheduler

from .conftest import FRIEND, run_cli
from .test_outbound import Clock
from .voice_harness import CallLab, settle

MOBILE = "+15550004321"  # the owner's own phone (the assistant's number is OWNER)
THURSDAY_7_NY = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # Thursday 07:00 in New York


@pytest.fixture
def twilio(host):
    with CallLab(host, "twilio") as lab:
        lab.set(timezone="America/New_York")
        yield lab


def test_rules_from_the_owners_words() -> None:
    from zoneinfo import ZoneInfo

    assert rule_from_words("every weekday at 8") == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0;BYSECOND=0"
    assert rule_from_words("every monday and thursday at 6:30pm").startswith("FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=18;BYMINUTE=30")
    assert rule_from_words("every month on the 1st at 9").startswith("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9")
    assert rule_from_words("RRULE:FREQ=DAILY;BYHOUR=7") == "FREQ=DAILY;BYHOUR=7"
    for words, problem in [
        ("every day", "at what time"),
        ("FREQ=MINUTELY", "at most once an hour"),
        ("every blursday at 8", "how often"),
        ("FREQ=DAILY;DTSTART=20260101T000000", "DTSTART"),
    ]:
        with pytest.raises(RecurrenceError, match=problem):
            rule_from_words(words)
    # Wall-clock time holds across the change from summer time (Paris, 25 October 2026).
    paris = ZoneInfo("Europe/Paris")
    rule = rule_from_words("every day at 8")
    start = series_start(datetime(2026, 10, 24, 4, 0, tzinfo=UTC), paris)
    before = next_occurrence(rule, paris, start, datetime(2026, 10, 24, 4, 0, tzinfo=UTC))
    after = next_occurrence(rule, paris, start, before)
    assert before and after and before.astimezone(paris).hour == after.astimezone(paris).hour == 8
    assert after - before == timedelta(hours=25)


def test_me_needs_the_owners_number(twilio) -> None:
    reply = twilio.say("call me every weekday at 8 to remind me to take my pills")
    assert "own phone number" in reply and CallScheduler.of(twilio.host).series.list() == []
    reply = twilio.say(f"my own number is {MOBILE}")
    assert MOBILE in reply and "restart" not in reply.lower(), reply  # read afresh by each call: no restart


def test_each_occurrence_is_dialed_once_across_a_restart(twilio, host) -> None:
    from plugins.voice_call.runtime import VoiceCallRuntime
    from plugins.voice_call.scheduling.scheduler import CallScheduler

    twilio.say(f"my own number is {MOBILE}")
    clock = Clock(THURSDAY_7_NY)
    scheduler = CallScheduler.of(twilio.host)
    scheduler.clock = clock
    reply = twilio.say("Call me every weekday at 8 to remind me to take my pills")
    assert "Repeating call #1" in reply and "next Thu 26 Nov 08:00" in reply, reply
    # Thursday 8:00: dialed once, to the owner's phone, with the words turned to them.
    clock.now = THURSDAY_7_NY + timedelta(hours=1, seconds=1)
    first = twilio.carrier.wait_for_dial()
    assert first.to == MOBILE
    time.sleep(1.5)
    assert len(twilio.carrier.dials) == 1
    twilio.carrier.outbound_status(first, "no-answer")
    settle(lambda: "next Fri 27 Nov 08:00" in twilio.say("show recurring calls"))
    # The process stops; a new one over the same store: Friday's occurrence is made once, not twice.
    runtime = VoiceCallRuntime(host)
    other = CallScheduler(host, runtime.records, OutboundCalls(host, runtime.switchboard), clock=clock)
    other.recover()
    assert other.series.extend() == 0 and scheduler.series.extend() == 0
    pending = [c for c in other.list() if c.status == "pending"]
    assert [c.run_at for c in pending] == [datetime(2026, 11, 27, 13, 0, tzinfo=UTC)]
    # Friday 8:00 passes while nothing runs (more than the grace period): missed, not dialed late;
    # the series goes on with Monday's call (the weekend is skipped).
    other.clock = Clock(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    other.recover()
    assert other.series.extend() == 1
    missed = [c for c in other.list(upcoming_only=False) if c.status == "missed"]
    assert len(missed) == 1 and missed[0].run_at.day == 27
    (monday,) = [c for c in other.list() if c.status == "pending"]
    assert monday.run_at == datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    assert monday.message == "Hello! This is a friendly reminder to take your pills."
    assert len(twilio.carrier.dials) == 1


def test_pause_resume_cancel_in_chat_and_cli(twilio, env) -> None:
    clock = Clock(THURSDAY_7_NY)
    CallScheduler.of(twilio.host).clock = clock
    reply = twilio.say(f"call {FRIEND} every monday at 10 and ask them how the project is going")
    assert "Repeating call #1" in reply and "conversation" in reply, reply
    assert "paused" in twilio.say("pause recurring call 1")
    assert [c for c in CallScheduler.of(twilio.host).list() if c.status == "pending"] == []
    clock.now = datetime(2026, 11, 30, 15, 1, tzinfo=UTC)  # Monday 10:01: nothing rings while paused
    time.sleep(1.5)
    assert twilio.carrier.dials == []
    assert "next Mon 07 Dec 10:00" in twilio.say("resume recurring call 1")
    listed = run_cli(env, "calls", "list", check=True).stdout
    assert "repeating #1 weekly on MO at 10:00" in listed and FRIEND in listed
    assert "Cancelled" not in run_cli(env, "calls", "series", "1", "pause", check=True).stdout
    assert "already paused" in run_cli(env, "calls", "series", "1", "pause").stderr
    run_cli(env, "calls", "series", "1", "cancel", check=True)
    assert "No calls repeat" in twilio.say("show recurring calls")
    made = run_cli(env, "calls", "repeat", FRIEND, "--every", "every day at 7:15", "--message", "Good morning.", check=True)
    assert "#2 daily at 07:15" in made.stdout
    assert "at what time" in run_cli(env, "calls", "repeat", FRIEND, "--every", "daily", "--message", "x").stderr
