"""The greeting and goodbyes made ahead: kept on disk so a new process plays them from its first
call, and a long first sentence started by its first clause when it must be made on the spot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from plugins.voice_call.calls.prompts import PromptCache
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.speech.tts import first_piece_short, short_pieces, split_sentences


class CountingTTS:
    """Audio is the text's bytes; every sentence made is counted."""

    name = "counting"

    def __init__(self) -> None:
        self.made: list[str] = []

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        self.made.append(text)
        yield text.encode()

    async def aclose(self) -> None:
        pass


def test_a_new_process_plays_what_an_earlier_one_made(tmp_path) -> None:
    """Right after a start, the first callers heard a 432-character greeting 4 to 9 s after the
    ring on a busy machine: it was being made again."""
    config = VoiceCallConfig()
    greeting = config.inbound.greeting
    first_tts = CountingTTS()

    async def first_process() -> None:
        cache = PromptCache(lambda c: first_tts, folder=tmp_path / "prompts")
        cache.warm(config, [greeting, "Goodbye."])
        await cache.ready()

    asyncio.run(first_process())
    assert first_tts.made and len(list((tmp_path / "prompts").glob("*.ulaw"))) == 2

    def never(config: VoiceCallConfig) -> CountingTTS:
        raise AssertionError("nothing is made again")

    later = PromptCache(never, folder=tmp_path / "prompts")
    assert later.get(config, greeting) == "".join(short_pieces(greeting)).encode()
    assert later.get(config, "Goodbye.") == b"Goodbye."
    other_voice = config.model_copy(update={"tts": config.tts.model_copy(update={"voice": "am_adam"})})
    assert later.get(other_voice, greeting) is None, "another voice is another prompt"


def test_a_long_first_sentence_starts_with_its_first_clause() -> None:
    long = (
        "Hello, you have reached the workshop of Sam Baker, bicycle repairs and servicing in Portsmouth, "
        "and I can take a message or book you in. How can I help?"
    )
    pieces = first_piece_short(split_sentences(long))
    assert pieces[0] == "Hello, you have reached the workshop of Sam Baker,"
    assert " ".join(pieces) == long
    assert first_piece_short(["Hi there, how can I help?"]) == ["Hi there, how can I help?"]


def test_what_is_made_ahead_is_made_in_short_pieces() -> None:
    """One engine serves every call: a long sentence made ahead held it for seconds."""
    text = "We are open Monday to Friday, from eight in the morning, until six in the evening, and on Saturdays until noon, except holidays. Bye."
    pieces = short_pieces(text)
    assert " ".join(pieces) == text and pieces[-1] == "Bye."
    assert all(len(p) <= 80 for p in pieces[:-1]), pieces


def test_a_call_that_comes_first_makes_the_goodbyes_once(tmp_path) -> None:
    """Right after a start the goodbyes waited behind live calls: a 10 s silence goodbye was made on
    the spot, seconds late, and the limit goodbye's length was unknown."""
    config = VoiceCallConfig()
    tts = CountingTTS()

    async def scenario() -> PromptCache:
        cache = PromptCache(lambda c: tts, folder=tmp_path / "prompts")
        cache.make_for_call(config, ["Goodbye now.", "Time is up."], tts)
        cache.make_for_call(config, ["Goodbye now."], tts)  # a second call meanwhile: not made twice
        cache.warm(config, ["Goodbye now."])  # nor by the warm-up
        await cache.ready()
        await asyncio.gather(*cache._for_calls)
        return cache

    cache = asyncio.run(scenario())
    assert cache.get(config, "Goodbye now.") == b"Goodbye now." and cache.get(config, "Time is up.") == b"Time is up."
    assert tts.made.count("Goodbye now.") == 1, tts.made
