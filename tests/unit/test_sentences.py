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
