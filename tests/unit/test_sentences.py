"""Model text cut for speech: whole sentences, and a first clause alone when it is long enough."""

from __future__ import annotations

import asyncio

from plugins.voice_call.speech.tts import sentences_from_stream


def cut(*chunks: str) -> list[str]:
    async def stream():
        for chunk in chunks:
            yield chunk

    async def collect():
        return [s async for s in sentences_from_stream(stream())]

    return asyncio.run(collect())


def test_sentences_as_they_complete() -> None:
    assert cut("The capital of France ", "is Paris. It is ", "lovely in spring.") == [
        "The capital of France is Paris.",
        "It is lovely in spring.",
    ]


def test_the_first_clause_goes_first() -> None:
    assert cut("Our office hours are nine to five, Monday to Friday. See you then, Sam.") == [
        "Our office hours are nine to five,",
        "Monday to Friday.",
        "See you then, Sam.",  # only the first piece is cut short
    ]


def test_a_short_opening_stays_with_its_sentence() -> None:
    assert cut("Yes, we are open today.") == ["Yes, we are open today."]
    assert cut("Sure thing, Sam.") == ["Sure thing, Sam."]


def test_a_long_first_piece_is_cut_before_a_joining_word() -> None:
    """Kokoro takes about 20 ms a character on a busy core, and the caller waits for all of the
    first piece: a long one is cut where a person could pause."""
    assert cut("We're open Monday to Friday from 8 in the morning until 6 in the evening, and on Saturday from 9 until 1.") == [
        "We're open Monday to Friday",
        "from 8 in the morning until 6 in the evening,",
        "and on Saturday from 9 until 1.",
    ]
    assert cut("Your order 5127 was packed on Monday and is on its way. Anything else?") == [
        "Your order 5127 was packed",
        "on Monday and is on its way.",
        "Anything else?",
    ]


def test_a_first_piece_is_not_cut_where_it_would_sound_broken() -> None:
    assert cut("The capital of France is Paris.") == ["The capital of France is Paris."]  # short enough
    # "The workshop is" would end on a word that needs the next one.
    assert cut("The workshop is at 42 Harbour Street in Portsmouth.") == ["The workshop is at 42 Harbour Street in Portsmouth."]
    assert cut("Thank you, I've noted that for my owner.") == ["Thank you, I've noted that for my owner."]  # 3 words left
    assert cut("I have these wonderfully long free appointment times: 9 a.m.") == [  # no joining word
        "I have these wonderfully long free appointment times:",
        "9 a.m.",
    ]


def test_what_follows_an_opening_clause_starts_short_too() -> None:
    """The opening clause plays at once (often from memory) and is short: the list after it must
    be ready by its end, so the list's first item goes alone, then the pieces grow."""
    times = "9 a.m., 9:30 a.m., 10 a.m., 10:30 a.m., 11 a.m., 11:30 a.m., noon, 12:30 p.m., 1 p.m., 1:30 p.m."
    assert cut(f"I have these free times: {times} Each is 30 minutes.") == [
        "I have these free times:",
        "9 a.m.,",
        "9:30 a.m.,",
        "10 a.m., 10:30 a.m., 11 a.m.,",
        "11:30 a.m., noon, 12:30 p.m., 1 p.m., 1:30 p.m.",
        "Each is 30 minutes.",
    ]
    assert cut("Sure, we have Tuesday at 10, Thursday at 3, or Friday at noon.") == [
        "Sure, we have Tuesday at 10,",
        "Thursday at 3,",
        "or Friday at noon.",
    ]
