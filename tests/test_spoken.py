"""Times, dates, amounts and numbers are said as people say them (speech/spoken.py): the rules on
text, and the real voice (Kokoro, through 8 kHz mu-law, transcribed back by Whisper)."""

from __future__ import annotations

import asyncio
import re
from datetime import date

import pytest

from plugins.voice_call.speech.spoken import Conventions, conventions_for, say_as_spoken
from plugins.voice_call.speech.tts import KokoroTTS

from .voice_harness import transcribe_ulaw

TODAY = date(2026, 12, 7)
US, GB = Conventions(), Conventions(british=True)


@pytest.mark.parametrize(
    ("written", "conventions", "said"),
    [
        ("Free at 09:00 and 15:00.", US, "Free at nine a.m. and three p.m."),
        ("Free at 14:30.", US, "Free at two thirty p.m."),
        ("Free at 14:30.", GB, "Free at half past two in the afternoon."),
        ("At 08:45 or 14:05.", GB, "At quarter to nine in the morning or two oh five p.m."),
        ("At 12:00, not 00:00.", US, "At noon, not midnight."),
        ("Come at 7pm or 10 a.m.", US, "Come at seven p.m. or ten a.m."),
        ("Open 9:00-17:00, Sat 10am - 2pm.", US, "Open nine a.m. to five p.m., Saturday ten a.m. to two p.m."),
        ("On Tuesday 8 December at 15:00.", US, "On Tuesday, December eighth at three p.m."),
        ("On Tuesday 8 December at 15:00.", GB, "On Tuesday, the eighth of December at three p.m."),
        ("Booked for Tue 08 Dec 14:05.", US, "Booked for Tuesday, December eighth two zero five p.m."),
        ("Since 2025-03-04.", US, "Since March fourth, twenty twenty-five."),
        ("It costs $45.50, or £1 each.", US, "It costs forty-five dollars and fifty cents, or one pound each."),
        ("Call +15559876543.", US, "Call plus one, five five five, nine eight seven, six five four three."),
        ("Or (555) 987-6543.", US, "Or five five five, nine eight seven, six five four three."),
        ("Your order 5127 is packed.", US, "Your order five one two seven is packed."),
        ("Ticket #4071.", GB, "Ticket four oh seven one."),
        ("Mail jane.doe@example.com.", US, "Mail jane dot doe at example dot com."),
        ("See www.example.com/hours today.", US, "See w w w dot example dot com slash hours today."),
        ("Calls last 30 min, or 2 hrs.", US, "Calls last thirty minutes, or two hours."),
        ("It is 45 USD, or EUR 12.50.", US, "It is forty-five dollars, or twelve euros and fifty cents."),
        ("A service is 1,200 GBP.", GB, "A service is one thousand, two hundred pounds."),
        ("Call 555-0199 after 5.", US, "Call five five five, zero one nine nine after 5."),
        (
            "Ring 020 7946 0958 or 07700 900123.",
            GB,
            "Ring oh two oh, seven nine four six, oh nine five eight or oh seven seven oh oh, nine oh oh one two three.",
        ),
        # Left as they are: no time, date, amount or code here.
        ("Version 3.14 has 2 apples, 5 amps and 12 people.", US, "Version 3.14 has 2 apples, 5 amps and 12 people."),
        ("Scores 0 100 200, years 1990-2000.", US, "Scores 0 100 200, years 1990-2000."),
        ("I am here at 5. May I help?", US, "I am here at 5. May I help?"),
    ],
)
def test_written_forms_become_what_people_say(written: str, conventions: Conventions, said: str) -> None:
    assert say_as_spoken(written, conventions, TODAY) == said


def test_british_voices_take_british_conventions() -> None:
    assert conventions_for("bf_emma").british and conventions_for("bm_george").british
    assert not conventions_for("af_heart").british and not conventions_for("alloy").british


def heard(text: str, voice: str) -> str:
    """What a caller hears of `text` from our Kokoro voice, as Whisper writes it down."""

    async def made() -> bytes:
        return b"".join([chunk async for chunk in KokoroTTS.shared().for_voice(voice).stream(text)])

    return transcribe_ulaw(asyncio.run(made())).lower()


# Before, Whisper heard: "I have 0.09, 0, 0, and 15, 0, 0, free", "at 14, 30", "plus 15,559,876,543",
# "order 5,127", "for 208 deck 14, 0.05", "open 9-00-17-00", "Right to Jane, do what example come."
SAID_BACK = [
    ("I have 09:00 and 15:00 free.", "af_heart", [r"\b9 ?a\.? ?m\b", r"\b3 ?p\.? ?m\b"]),
    ("I can book you at 14:30.", "af_heart", [r"\b2[.:]? ?30 ?p\.? ?m\b"]),
    ("I can book you at 14:30.", "bf_emma", [r"half past (2|two)"]),
    ("Call me on +15559876543.", "af_heart", [r"^call me on plus (1|one)\D+555\D*987\D*6543"]),
    ("Your order 5127 is packed.", "af_heart", [r"\b5-?1-?2-?7\b"]),
    ("Your booking is for Tue 08 Dec 14:05.", "af_heart", [r"tuesday, december 8th", r"\b2:?0?5 ?p\.? ?m\b"]),
    ("We're open 9:00-17:00.", "af_heart", [r"\b9 ?a\.? ?m\.? to 5 ?p\.? ?m\b"]),
    ("Write to jane.doe@example.com.", "af_heart", [r"\bat example"]),
    ("It costs 45 USD.", "af_heart", [r"\$45\b|\b45 dollars"]),
    ("Call the desk on 555-0199.", "af_heart", [r"\b555\D{0,2}0199\b"]),
]


def test_what_the_voice_says_transcribes_back_as_a_person_says_it() -> None:
    wrong = []
    for text, voice, expected in SAID_BACK:
        transcript = heard(text, voice)
        if not all(re.search(pattern, transcript) for pattern in expected) or re.search(r"\d,\d|\bzero\b", transcript):
            wrong.append(f"{text!r} ({voice}) was heard as {transcript!r}")
    assert not wrong, "\n".join(wrong)
