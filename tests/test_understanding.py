"""The owner in their own words, offline: values read from free phrasing, meanings read by
closeness to examples, questions when unsure, and never a value filled in that was not said."""

from __future__ import annotations

import pytest

from assistant.agent import offline_model
from assistant.understanding import slots
from bench.owner_phrasings import MORE_TUNING, OWNER_REQUESTS
from bench.understanding import score

from .conftest import FRIEND
from .helpers import Chat

MOBILE = "+15550004321"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("let calls run up to half an hour", 1800),
        ("a couple of minutes of silence", 120),
        ("an hour and a half max", 5400),
        ("ninety seconds", 90),
        ("cap calls at two hours", 7200),
        ("a quarter of an hour", 900),
        ("1 hour 30 min", 5400),
        ("keep calls under 5 mins", 300),
        ("no number here", None),
        ("5 minutes, or maybe 20 seconds", None),  # two lengths: which is meant is not ours to guess
        ("hang up after half a minute of silence", 30),
        ("a minute and a half", 90),
        ("two and a half minutes", 150),
        ("3/4 of an hour", 2700),  # never "an hour" with the fraction dropped
        ("a quarter hour", 900),
        ("15-minute slots", 900),
        ("limit calls to 5-10 minutes", None),  # a range is no one length: asked
        ("5 or 10 minutes", None),
    ],
)
def test_durations_in_words_and_digits(text: str, seconds: int | None) -> None:
    assert slots.duration_seconds(text) == seconds


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("call (555) 987-6543 please", ["+15559876543"]),
        ("+1 555 987 6543", ["+15559876543"]),
        ("555.987.6543 and 555-111-2222", ["+15559876543", "+15551112222"]),
        ("+44 20 7946 0958", ["+442079460958"]),
        ("cancel call 3", []),
        # A number written whole in E.164 is taken as written: this "2" is "to".
        ("pls add +15559876543 2 allowlist", ["+15559876543"]),
        ("(555) 111-2222 and +15559876543", ["+15551112222", "+15559876543"]),
        ("call +012345678 now", []),  # no country code starts with 0: not a number, and no error
    ],
)
def test_phone_numbers_however_written(text: str, numbers: list[str]) -> None:
    assert slots.phone_numbers(text) == numbers


def test_local_numbers_are_read_in_the_owners_region() -> None:
    assert slots.region_of("+442079460958") == "GB"
    assert slots.phone_numbers("ring 020 7946 0958", slots.region_of("+442079460958")) == ["+442079460958"]
    assert slots.region_of(None) == "US"


def test_counts_ordinals_and_number_words() -> None:
    assert slots.whole_number("forget the second caller fact") == 2
    assert slots.whole_number("handle three calls at once") == 3
    assert slots.whole_number("no one may call") is None
    assert slots.whole_number("calls 2 and 3") is None


@pytest.fixture
def model(host):
    return offline_model(host)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("let anybody ring me", [("set_inbound_policy", {"policy": "open"})]),
        ("let calls run up to half an hour", [("set_voice_call_limits", {"max_duration_seconds": 1800})]),
        ("switch the phone provider over to Telnyx", [("voice_call_setup", {"provider": "telnyx"})]),
        (f"add {FRIEND} to the people who can call", [("update_allowlist", {"add": [FRIEND]})]),
        ("don't let anyone call", None),  # never read as "let anyone call"
        # "stop" is about the calls only when it is said of them.
        ("stop using realtime for calls", [("set_voice_call_mode", {"mode": "voice"})]),
        ("pls add +15559876543 2 allowlist", [("update_allowlist", {"add": ["+15559876543"]})]),
        ("if they put you on hold, give up after ten minutes", [("set_voice_call_limits", {"hold_limit_seconds": 600})]),
    ],
)
def test_free_phrasing_reaches_the_same_tools(model, text: str, expected) -> None:
    reading = model.read(text)
    if expected is None:
        assert ("set_inbound_policy", {"policy": "open"}) not in reading.calls
    else:
        assert reading.calls == expected


def test_half_an_hour_is_never_read_as_an_hour(model) -> None:
    text = "Clients can book appointments with me Monday to Friday between 9 and 5, half an hour each"
    [(tool, args)] = model.read(text).calls
    assert tool == "set_appointment_hours" and args["slot_minutes"] == 30


def test_a_call_about_something_carries_it_and_a_call_without_a_number_asks_for_one(model) -> None:
    [(tool, args)] = model.read("tomorrow at 10am ring +15553334444 about the invoice").calls
    assert tool == "schedule_call" and args["to"] == "+15553334444" and "invoice" in args["message"]
    reading = model.read("call the plumber")  # asked back (which number, or whether a call is meant), never placed
    assert reading.calls == [] and "call" in (model.question(reading) or "")


def test_a_missing_value_is_asked_for_not_defaulted(model) -> None:
    reading = model.read("make calls shorter")
    assert reading.calls == [] and "How long may a call last" in (reading.ask or "")


def test_the_held_out_requests_are_mostly_understood_and_rarely_misread(model) -> None:
    """The figures the README reports, held as a floor: the held-out rows are never tuned on."""
    held_out = [r for n, r in enumerate(OWNER_REQUESTS) if n % 2 == 1]
    outcomes = [score(model, text, expected).outcome for text, expected in held_out]
    assert len(held_out) >= 100 and len(OWNER_REQUESTS) + len(MORE_TUNING) >= 200
    assert outcomes.count("right") / len(outcomes) >= 0.8, outcomes
    assert outcomes.count("wrong") / len(outcomes) <= 0.08, outcomes


def test_the_owner_answers_a_question_for_a_missing_number(host) -> None:
    chat = Chat(host)
    asked = chat.say("If someone asks for me, put them through to my mobile").text
    assert "your own phone number" in asked
    chat.say("it's (555) 000-4321")
    assert chat.config().owner_number == MOBILE


def test_did_you_mean_then_yes_or_no(host) -> None:
    chat = Chat(host)
    first = chat.say("people should get through freely").text
    assert "Did you mean: let anyone call you? (yes/no)" in first
    assert "OK, I left everything as it was." in chat.say("no").text
    assert chat.config().inbound.policy == "disabled"
    chat.say("people should get through freely")
    asked = chat.say("yes")
    # Widening who may call still asks its own question: the yes above was to the reading only.
    assert asked.approval and "anyone who dials your number" in asked.approval[0]
    chat.say("yes")
    assert chat.config().inbound.policy == "open"


def test_an_unrelated_message_after_a_question_is_read_afresh(host) -> None:
    chat = Chat(host)
    chat.say("people should get through freely")
    chat.say("set the silence timeout to 20 seconds")
    config = chat.config()
    assert (config.inbound.policy, config.silence_timeout_seconds) == ("disabled", 20)


def test_small_talk_changes_nothing_and_is_not_the_manual(host) -> None:
    reply = Chat(host).say("thank you so much").text
    assert reply == "You're welcome."


def test_a_yes_with_nothing_asked_and_words_not_understood_are_short(host) -> None:
    chat = Chat(host)
    assert chat.say("yes").text == "Nothing is waiting for your yes or no just now."
    reply = chat.say("book me a table for two tonight").text
    assert "didn't understand" in reply and '"help"' in reply and len(reply) < 300


def test_a_number_accepted_as_well_is_added_not_made_the_only_one(model) -> None:
    """Without "only", accepting calls from a number adds it: the others stay allowed."""
    assert model.read(f"please accept calls from my office {FRIEND} as well").calls == [("update_allowlist", {"add": [FRIEND]})]
    assert model.read(f"accept calls from {FRIEND}").calls == [("update_allowlist", {"add": [FRIEND]})]
    assert model.read(f"only accept calls from {FRIEND}").calls == [
        ("set_inbound_policy", {"policy": "allowlist", "allow_from": [FRIEND]})
    ]


def test_a_rule_never_applies_a_number_without_its_country_code(model) -> None:
    """The exact phrase read "my cell is 555-000-4321" as 5550004321; the number is read in the
    owner's region instead."""
    assert model.read("my cell is 555-000-4321").calls == [("set_owner_number", {"number": MOBILE})]


def test_a_request_after_one_the_phrases_read_is_not_dropped(model) -> None:
    assert model.read("turn on pairing and limit calls to 20 minutes").calls == [
        ("set_inbound_policy", {"policy": "pairing"}),
        ("set_voice_call_limits", {"max_duration_seconds": 1200}),
    ]
    # The words after a call's number are what to say, not a second request.
    [(tool, args)] = model.read(f"call {FRIEND} and say hello, then tell them the door is open").calls
    assert tool == "realtime_call" and "door is open" in args["message"]
    assert model.read("the greeting is fine").calls == [], "an opinion of the greeting is not a new one"


def test_a_short_request_after_a_comma_is_its_own_and_a_short_value_is_not(model) -> None:
    assert model.read("use twilio, and record calls").calls == [
        ("voice_call_setup", {"provider": "twilio"}),
        ("set_voice_call_recording", {"enabled": True}),
    ]
    assert model.read("limit calls, 30 minutes").calls == [("set_voice_call_limits", {"max_duration_seconds": 1800})]


def test_a_run_of_days_and_the_answer_after_if_people_ask(model) -> None:
    [(tool, args)] = model.read("Appointments can be made Monday through Friday 8am-12pm, 15 minute slots").calls
    assert tool == "set_appointment_hours" and args["days"] == ["MO", "TU", "WE", "TH", "FR"]
    [(tool, args)] = model.read("bookings tuesday through thursday 10 to 4").calls
    assert args["days"] == ["TU", "WE", "TH"]
    [(tool, args)] = model.read("if people ask about returns, we take them within 30 days").calls
    assert tool == "tell_callers" and "30 days" in args["fact"]


def test_texting_shorthand_is_read_and_the_owners_own_words_are_kept(model) -> None:
    assert slots.unabbreviated("pls let evrybody call, thx") == "please let everybody call, thanks"
    assert slots.unabbreviated("turn on A-n-B") == "turn on A-n-B"
    assert model.read("evrybody can call me its ok").calls == [("set_inbound_policy", {"policy": "open"})]
    [(tool, args)] = model.read('pls set the greeting to "Hi, u reached Sam"').calls
    assert tool == "set_voice_call_greeting" and args["greeting"] == "Hi, u reached Sam"


def test_a_suggestion_is_a_request_and_a_length_after_a_comma_joins_it(model) -> None:
    assert model.read("why don't you just let everyone through").calls == [("set_inbound_policy", {"policy": "open"})]
    [(tool, args)] = model.read("can people book thursdays 3 to 6, 45 minutes each").calls
    assert tool == "set_appointment_hours" and args["slot_minutes"] == 45, "a length is no call limit"
    [(tool, args)] = model.read("can callers be told that we close at noon on Fridays").calls
    assert tool == "tell_callers" and args["fact"] == "we close at noon on Fridays"


def test_a_public_url_is_the_address_not_the_word_after(model) -> None:
    assert model.read("our public URL changed to https://gw.example.net").calls == [
        ("set_voice_call_public_url", {"url": "https://gw.example.net"})
    ]
    assert model.read(f"I accept calls only from the number {FRIEND}").calls == [
        ("set_inbound_policy", {"policy": "allowlist", "allow_from": [FRIEND]})
    ], "a caller's number is not the assistant's own"


def test_a_later_clause_about_the_same_setting_wins(model) -> None:
    text = "I don't want to take calls from strangers anymore, switch to pairing"
    assert model.read(text).calls == [("set_inbound_policy", {"policy": "pairing"})]


def test_quoted_salutations_are_greetings_and_afternoon_hours_are_afternoon(model) -> None:
    [(tool, args)] = model.read("when someone calls say 'Hello, Green Garden Centre, how can we help?'").calls
    assert tool == "set_voice_call_greeting" and args["greeting"].startswith("Hello, Green Garden")
    [(tool, args)] = model.read("callers can book tuesdays and thursdays from 2 to 6, 1 hour each").calls
    assert (args["start"], args["end"], args["slot_minutes"]) == ("14:00", "18:00", 60)
    [(tool, args)] = model.read("appointments on weekdays from 10 to 2").calls
    assert (args["start"], args["end"]) == ("10:00", "14:00")
    assert model.read("switch back to voice mode please").calls == [("set_voice_call_mode", {"mode": "voice"})]


def test_a_time_we_cannot_read_never_places_the_call_now(host) -> None:
    """ "call me in an hour to remind me to leave" was placed at once: the exact phrase did not read
    "in an hour" and fell back to calling now."""
    model = offline_model(host)
    [(tool, args)] = model.read("call me in an hour to remind me to leave").calls
    assert (tool, args["when"]) == ("schedule_call", "in 1 hour")
    chat = Chat(host)
    asked = chat.say(f"call {FRIEND} after lunch to say hi").text
    assert "When should I call?" in asked, asked
    answered = chat.say("at 2pm").text
    assert "Scheduled call" in answered and "14:00" in answered, answered
