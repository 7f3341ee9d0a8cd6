"""Text to speech: the engine interface, Kokoro-82M on the CPU, and the pieces every engine shares.

Every engine streams one sentence as 8 kHz mu-law chunks, so the first audio of a reply leaves
while the rest is still being made, whichever engine makes it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import threading
from collections.abc import AsyncIterator, Callable
from typing import Protocol

import numpy as np

from plugins.voice_call.speech.audio import to_phone_ulaw
from plugins.voice_call.speech.models import kokoro_model_path, kokoro_voices_path
from plugins.voice_call.speech.spoken import conventions_for, say_as_spoken

log = logging.getLogger(__name__)
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
#: A first clause worth saying alone: three words or more up to a comma, semicolon or colon.
FIRST_CLAUSE = re.compile(r"((?:[^\s.!?]+\s+){2,}?[^\s.!?]+?[,;:])\s+")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s.strip()]


class TextToSpeech(Protocol):
    name: str

    def stream(self, text: str) -> AsyncIterator[bytes]:
        """One sentence -> 8 kHz mu-law audio, chunk by chunk as it is made."""
        ...

    async def aclose(self) -> None:
        """Release the engine's connections (a cloud engine's HTTP pool); the engine is not used again."""
        ...


#: A first sentence longer than this is started with its first clause alone: on a busy CPU a long
#: sentence takes seconds to make, and the caller hears nothing until it is.
FIRST_PIECE_CHARS = 80
CLAUSE_END = re.compile(r"(?<=[,;:])\s+|\s+(?=[-–—]\s)")


def first_piece_short(sentences: list[str]) -> list[str]:
    """`sentences` with a long first one split after its first clause (at least 20 characters)."""
    if not sentences or len(sentences[0]) <= FIRST_PIECE_CHARS:
        return sentences
    first = sentences[0]
    for match in CLAUSE_END.finditer(first):
        if 20 <= match.start() <= FIRST_PIECE_CHARS:
            return [first[: match.start()], first[match.end() :], *sentences[1:]]
    return sentences


def short_pieces(text: str) -> list[str]:
    """`text` in sentences, each long one cut after its clauses: what is made ahead is made in
    short pieces, so it never holds the one speech engine long while a caller waits for it."""
    pieces: list[str] = []
    for sentence in split_sentences(text) or [text]:
        rest = [sentence]
        while len(rest[-1]) > FIRST_PIECE_CHARS and len(cut := first_piece_short(rest[-1:])) > 1:
            rest[-1:] = cut
        pieces += rest
    return pieces


async def spoken(tts: TextToSpeech, text: str, made: Callable[[str], bytes | None] = lambda piece: None) -> AsyncIterator[bytes]:
    """`text` as audio, sentence by sentence: the first sentence plays while the next is made,
    so a long greeting starts as soon as its first sentence (or first clause) does. A sentence
    already made (`made`: one of our fixed lines, such as the pairing intro's) is not made again."""
    for sentence in first_piece_short(split_sentences(text) or [text]):
        if (audio := made(sentence)) is not None:
            yield audio
            continue
        async for chunk in tts.stream(sentence):
            yield chunk


async def synthesize(tts: TextToSpeech, text: str) -> bytes:
    """All of one sentence's audio (for prompts we prepare ahead, like the greeting)."""
    return b"".join([chunk async for chunk in tts.stream(text)])


class AudioStream:
    """Audio being synthesised in the background: synthesis starts now, playback reads it when its
    turn comes, so sentence two is made while sentence one plays."""

    def __init__(self, chunks: AsyncIterator[bytes], on_done: Callable[[bytes], None] | None = None) -> None:
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        #: How much audio has been made so far, and whether that is all of it.
        self.made_bytes = 0
        self.finished = False
        #: Given all the audio once it is made whole, or b"" when it was not (failed, cancelled).
        self._on_done = on_done
        #: Set once there is audio to play (or nothing more will come).
        self.has_audio = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._pull(chunks))

    async def _pull(self, chunks: AsyncIterator[bytes]) -> None:
        made: list[bytes] = []
        try:
            async for chunk in chunks:
                if chunk:
                    self.made_bytes += len(chunk)
                    self._queue.put_nowait(chunk)
                    self.has_audio.set()
                    if self._on_done is not None:
                        made.append(chunk)
            self.finished = True
        except Exception:  # a failed sentence ends early; the call goes on
            log.exception("speech synthesis failed")
        finally:
            self._queue.put_nowait(None)
            self.has_audio.set()
            if self._on_done is not None:
                self._on_done(b"".join(made) if self.finished else b"")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await self._queue.get()) is not None:
            yield chunk

    def cancel(self) -> None:
        self._task.cancel()


class LoadingTTS:
    """An engine still loading (Kokoro's model, in the first seconds after a start): it is made in
    a worker thread on first use, so a call that arrives meanwhile never stops the event loop (and
    every other call's audio) while the model loads; a greeting made ahead plays at once."""

    name = "kokoro"

    def __init__(self, make: Callable[[], TextToSpeech]) -> None:
        self._make = make
        self._engine: TextToSpeech | None = None
        self._loading: asyncio.Lock | None = None

    async def _loaded(self) -> TextToSpeech:
        self._loading = self._loading or asyncio.Lock()
        async with self._loading:
            if self._engine is None:
                self._engine = await asyncio.to_thread(self._make)
        return self._engine

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        engine = await self._loaded()
        async for chunk in engine.stream(text):
            yield chunk

    async def aclose(self) -> None:
        if self._engine is not None:
            await self._engine.aclose()


class KokoroTTS:
    """Kokoro loaded once per process; synthesis runs in a worker thread."""

    _shared: KokoroTTS | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        from kokoro_onnx import Kokoro

        self._kokoro = Kokoro(str(kokoro_model_path()), str(kokoro_voices_path()))
        self._lock = threading.Lock()

    @classmethod
    def loaded(cls) -> bool:
        return cls._shared is not None

    @classmethod
    def shared(cls) -> KokoroTTS:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
                gc.freeze()  # the model's objects stay put; see runtime.settle_heap
            return cls._shared

    def voices(self) -> list[str]:
        return sorted(self._kokoro.get_voices())

    def synthesize_sync(self, text: str, voice: str = "af_heart", speed: float = 1.0) -> bytes:
        return to_phone_ulaw(*self.samples(text, voice, speed))

    def synthesize_unless(self, cancelled: threading.Event, text: str, voice: str) -> bytes:
        """Like synthesize_sync, but nothing is made if the caller gave up while it waited its turn
        (a barge-in, a call that ended): one engine serves every call, and dropped work must not
        keep the next caller waiting."""
        with self._lock:
            if cancelled.is_set():
                return b""
            return to_phone_ulaw(*self._kokoro.create(text, voice=voice, speed=1.0, lang="en-us"))

    def samples(self, text: str, voice: str = "af_heart", speed: float = 1.0) -> tuple[np.ndarray, int]:
        with self._lock:
            return self._kokoro.create(text, voice=voice, speed=speed, lang="en-us")

    def for_voice(self, voice: str) -> KokoroVoice:
        return KokoroVoice(self, voice)


def kokoro_voices() -> list[str]:
    """The installed Kokoro voice names, read from the voices file without loading the model."""
    with np.load(kokoro_voices_path()) as voices:
        return sorted(voices.files)


class KokoroVoice:
    name = "kokoro"

    def __init__(self, engine: KokoroTTS, voice: str) -> None:
        self.engine, self.voice = engine, voice
        self.conventions = conventions_for(voice)
        #: This call's pieces reach the one engine in the order they are said (the engine's own
        #: lock, shared by every call, is not first come first served).
        self._in_order = asyncio.Lock()

    async def aclose(self) -> None:
        """The model is shared by every call: nothing to release."""

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        cancelled = threading.Event()
        try:
            said = say_as_spoken(text, self.conventions)
            async with self._in_order:
                audio = await asyncio.to_thread(self.engine.synthesize_unless, cancelled, said, self.voice)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        if audio:
            yield audio


class FallbackTTS:
    """A cloud engine with a local one behind it: a missing key, a 401, a 429 or a dropped
    connection switches the rest of the call to the fallback, so the caller never hears silence."""

    def __init__(self, primary: TextToSpeech | None, fallback: Callable[[], TextToSpeech], reason: str | None = None) -> None:
        self.primary, self._fallback_factory = primary, fallback
        self.name = primary.name if primary else "kokoro"
        self._fallback: TextToSpeech | None = None
        #: Why we switched (None while the primary works); the call notes it in its transcript.
        self.switched: str | None = reason
        self.on_switch: Callable[[str], None] | None = None

    def _local(self) -> TextToSpeech:
        if self._fallback is None:
            self._fallback = self._fallback_factory()
        return self._fallback

    async def aclose(self) -> None:
        if self.primary is not None:
            await self.primary.aclose()

    async def stream(self, text: str) -> AsyncIterator[bytes]:
        if self.primary is not None and self.switched is None:
            try:
                async for chunk in self.primary.stream(text):
                    yield chunk
                return
            except Exception as exc:  # noqa: BLE001 - any engine failure: switch, say it locally
                self.switched = f"{self.primary.name} speech failed ({describe_failure(exc)}); switched to local Kokoro"
                log.warning("%s", self.switched)
                if self.on_switch:
                    self.on_switch(self.switched)
            # A sentence cut off mid-way is said again whole: repeating a few words beats losing them.
        async for chunk in self._local().stream(text):
            yield chunk


def describe_failure(exc: BaseException) -> str:
    """A short cause without the provider's message text (it can echo parts of an API key)."""
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(status, int):
        return {
            401: "HTTP 401: the API key was refused",
            403: "HTTP 403: not allowed",
            429: "HTTP 429: rate limited or out of quota",
        }.get(status, f"HTTP {status}")
    return exc.__class__.__name__


#: The reply's first piece is cut to about this many characters: Kokoro takes about 0.3 s plus
#: 20 ms a character with one core busy (0.65 s for 27 characters, 1.6 s for 73), and the caller
#: waits for all of it; the pieces after it are made while the one before plays.
FIRST_WORDS_CHARS = 32
#: Words a sentence can be cut before and still sound like two parts of one thought.
JOINING_WORDS = re.compile(
    r"\s+(?=(?:from|until|till|and|but|or|so|because|between|after|before|since|when|which|where|with|for|on|at|by)\s)", re.I
)


#: A piece may not end on a word that needs the next ("The workshop is" | "at 42 Harbour Street").
DANGLING = re.compile(r"\b(?:is|are|was|were|be|been|the|a|an|to|of|my|your|our|their|its|and|or|but)$", re.I)


def first_words_short(piece: str) -> list[str]:
    """A reply's first piece, cut before a joining word when it is long ("We're open Monday to
    Friday" | "from 8 in the morning until 6 in the evening,"): the latest cut that leaves at most
    FIRST_WORDS_CHARS, else the earliest up to half as long again; unchanged when none fits."""
    if len(piece) <= FIRST_WORDS_CHARS:
        return [piece]
    cuts = [
        m
        for m in JOINING_WORDS.finditer(piece)
        if len(piece[: m.start()].split()) >= 3 and len(piece[m.end() :].split()) >= 4 and not DANGLING.search(piece[: m.start()])
    ]
    short = [m for m in cuts if m.start() <= FIRST_WORDS_CHARS]
    near = [m for m in cuts if m.start() <= FIRST_WORDS_CHARS * 3 // 2]
    cut = short[-1] if short else near[0] if near else None
    return [piece[: cut.start()], piece[cut.end() :]] if cut else [piece]


class SentenceCutter:
    """Streamed model text cut into sentences as soon as each one is complete. The first piece
    is shorter: a clause that ends with a comma or a colon once it has a few words, itself cut
    before a joining word when long, so the caller hears the answer begin sooner (speech takes
    time in proportion to the text). A long sentence (a list of free times) is cut after its
    clauses too: each piece is made while the one before it plays, instead of the caller waiting
    in silence for the whole list to be made."""

    def __init__(self) -> None:
        self.buffer, self.first = "", True
        #: The reply opened with a clause alone (often from memory, "I have these free times:"):
        #: what follows is made while that short clause plays, so it starts short and grows.
        self.after_clause = False

    def feed(self, chunk: str) -> list[str]:
        self.buffer += chunk
        pieces = []
        if self.first and (clause := FIRST_CLAUSE.match(self.buffer)) is not None:
            pieces += first_words_short(clause.group(1).strip())
            self.buffer, self.first, self.after_clause = self.buffer[clause.end() :], False, True
        parts = SENTENCE_END.split(self.buffer)
        for sentence in parts[:-1]:
            if sentence.strip():
                pieces += self._pieces(sentence.strip())
        self.buffer = parts[-1]
        return pieces

    def end(self) -> list[str]:
        rest, self.buffer = self.buffer.strip(), ""
        return self._pieces(rest) if rest else []

    def _pieces(self, sentence: str) -> list[str]:
        if self.after_clause:  # `first` is already over: the clause was the first piece
            self.after_clause = False
            return growing_pieces(sentence)
        pieces = short_pieces(sentence)
        if self.first:
            pieces[:1], self.first = first_words_short(pieces[0]), False
        return pieces


def growing_pieces(sentence: str, limit: int = 8) -> list[str]:
    """`sentence` cut after its clauses into pieces that grow: each at most `limit` characters
    (or one clause), the limit doubling up to FIRST_PIECE_CHARS ("9 a.m.," | "9:30 a.m.," |
    "10 a.m., 10:30 a.m., 11 a.m.," | ...): each is made while the one before it plays."""
    pieces: list[str] = []
    current = ""
    for clause in CLAUSE_END.split(sentence):
        joined = f"{current} {clause}".strip()
        if current and len(joined) > limit:
            pieces.append(current)
            current, limit = clause, min(limit * 2, FIRST_PIECE_CHARS)
        else:
            current = joined
    return [*pieces, current] if current else pieces


async def sentences_from_stream(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
    """`SentenceCutter` over a stream."""
    cutter = SentenceCutter()
    async for chunk in chunks:
        for sentence in cutter.feed(chunk):
            yield sentence
    for sentence in cutter.end():
        yield sentence


def as_streamed(*chunks: str) -> list[str]:
    """The pieces a reply streamed in these chunks is spoken in (what the prompt cache must hold)."""
    cutter = SentenceCutter()
    return [piece for chunk in chunks for piece in cutter.feed(chunk)] + cutter.end()
