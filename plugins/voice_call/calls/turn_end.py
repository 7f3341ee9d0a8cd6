"""When the caller's turn is over. Three signs are weighed while they are quiet:

- what they said: the draft transcript Whisper makes at their pause is awaited (the reply needs
  it anyway); one that trails off ("my number is", "um", "bread, milk,": `unfinished`) waits for
  more, up to `HOLD_MS`, whatever the rest says;
- the sound of their voice: Smart Turn (`speech/smart_turn.py`) hears the turn so far once they
  have been quiet `CHECK_MS`. Finished ends the turn; unfinished waits `UNSURE_MS` if the words
  read as a whole sentence, else up to `HOLD_MS`;
- without the model (not installed, or its verdict failed): the configured silence, or half of it
  when the draft reads as a whole sentence.

The verdict and the drafts run off the event loop; a draft that was made is the turn's transcript
when the caller did not go on."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from plugins.voice_call.calls.setup import failure_not_news
from plugins.voice_call.speech.stt import SpeechToText
from plugins.voice_call.speech.vad import UtteranceDetector, VadEvent

#: However complete a draft reads, the caller has been quiet this long before their turn ends.
EARLY_END_FLOOR_MS = 250
#: The caller's quiet before Smart Turn is asked (Pipecat asks at its VAD's 200 ms stop).
CHECK_MS = 192
#: Smart Turn's probability of "finished" at or above which the turn ends.
FINISHED_AT = 0.5
#: The wait after Smart Turn heard the turn unfinished when the draft reads as a whole sentence.
UNSURE_MS = 1000
#: The longest wait after Smart Turn heard the turn unfinished (or the configured silence, if longer).
HOLD_MS = 2000

T = TypeVar("T")

#: Smart Turn as the turn taker uses it: the turn so far (8 kHz) -> the probability it is finished.
Verdict = Callable[[np.ndarray], Awaitable[float]]


@dataclass
class TurnEnd:
    """The caller's turn is over: what they said, how long they had been quiet, and the draft
    transcript when one was made of exactly this (else None: transcribe `audio`)."""

    audio: np.ndarray
    silence_ms: int
    draft: asyncio.Task[str] | None = None
    #: How long it was voiced at the caller's own loudness (`UtteranceDetector.strong_ms`).
    strong_ms: int = 0


class TurnTaking:
    def __init__(
        self,
        end_of_utterance_ms: int,
        stt: SpeechToText,
        name: str,
        verdict: Verdict | None = None,
        *,
        check_ms: int = CHECK_MS,
        finished_at: float = FINISHED_AT,
        hold_ms: int = HOLD_MS,
        unsure_ms: int = UNSURE_MS,
        drafts: bool = True,
    ) -> None:
        self._verdict_of = verdict
        self._unsure_ms = max(end_of_utterance_ms, unsure_ms)
        self._check_ms, self._finished_at = check_ms, finished_at
        self._hold_ms = max(end_of_utterance_ms, hold_ms) if verdict is not None else end_of_utterance_ms
        # The detector's own end is the longest wait; the shorter ones are decided here.
        self.vad = UtteranceDetector(end_silence_ms=self._hold_ms)
        self._stt, self._wait_ms, self._name = stt, end_of_utterance_ms, name
        #: Only engines that work on whole utterances make drafts (a streaming one is ready anyway).
        self._drafts = drafts and bool(getattr(stt, "drafts", False))
        self._draft: asyncio.Task[str] | None = None
        self._verdict: asyncio.Future[float] | None = None

    def feed(self, samples: np.ndarray, may_draft: Callable[[], bool]) -> list[VadEvent | TurnEnd]:
        """The speech starts and turn ends in these samples; drafts start at pauses when `may_draft()`."""
        found: list[VadEvent | TurnEnd] = []
        for event in self.vad.feed(samples):
            if event.kind == "pause" and event.audio is not None:
                # Never ahead of another call's final transcript: the local engine does one at a time.
                if self._drafts and may_draft() and not getattr(self._stt, "busy", False):
                    self._draft = asyncio.create_task(self._stt.transcribe(event.audio), name=f"draft-{self._name}")
                    self._draft.add_done_callback(failure_not_news)
            elif event.kind in ("resume", "speech_start"):
                self._draft = self._verdict = None  # they went on (or began anew): neither covers it all
                if event.kind == "speech_start":
                    found.append(event)
            elif event.kind == "speech_end" and event.audio is not None:
                found.append(self._end(event.audio, self._hold_ms, event.strong_ms))
        if self.vad.speaking and self._verdict is None and self._verdict_of is not None and self.vad.quiet_ms >= self._check_ms:
            self._verdict = asyncio.ensure_future(self._verdict_of(self.vad.so_far()))
            self._verdict.add_done_callback(failure_not_news)
        if self.vad.speaking and self._over():
            quiet = self.vad.quiet_ms
            ended = self.vad.end_now()
            assert ended.audio is not None
            found.append(self._end(ended.audio, quiet, ended.strong_ms))
        return found

    def draft_text(self) -> str | None:
        """The transcript of the utterance so far, made at the caller's latest pause (None: none is ready)."""
        return _result(self._draft)

    def finished(self) -> float | None:
        """Smart Turn's probability that the turn so far is finished (None: not asked, or not ready)."""
        return _result(self._verdict)

    def _over(self) -> bool:
        """Whether the caller, quiet now, has finished (the detector's own end is the longest wait)."""
        finished, quiet, text = self.finished(), self.vad.quiet_ms, self.draft_text()
        if self._verdict_of is not None:
            if text is not None and unfinished(text):
                return False  # "my number is", "um", "bread, milk,": they have more to say
            if self._draft is not None and not self._draft.done():
                # Hear the words before deciding: the reply waits for them anyway (the draft is
                # the turn's transcript), so this costs no time to the answer.
                return False
            if finished is not None and finished >= self._finished_at:
                return True
            if finished is not None:  # heard unfinished: wait, up to the hold, or this if the words read whole
                return text is not None and quiet >= self._unsure_ms and complete_sentence(text)
            if self._verdict is not None and not self._verdict.done():
                return False  # the verdict is on its way (one that failed leaves the silence to decide)
        if quiet >= self._wait_ms:
            return True
        return text is not None and quiet >= max(EARLY_END_FLOOR_MS, self._wait_ms // 2) and complete_sentence(text)

    def _end(self, audio: np.ndarray, silence_ms: int, strong_ms: int) -> TurnEnd:
        draft, self._draft, self._verdict = self._draft, None, None
        return TurnEnd(audio, silence_ms, draft, strong_ms)

    def close(self) -> None:
        self._draft = self._verdict = None
        self.vad.close()


def _result(task: asyncio.Future[T] | None) -> T | None:
    if task is None or not task.done() or task.cancelled() or task.exception() is not None:
        return None
    return task.result()


#: Words a finished turn does not end on: articles, conjunctions, "is", possessives, fillers.
_OPEN_ENDS = re.compile(
    r"\b(a|an|the|and|or|but|so|because|if|whether|that|than|is|are|was|were|my|your|our|their|his|her|its|"
    r"to|of|for|with|about|from|at|in|on|by|into|um+|uh+|er+m?|hmm+|mm+|ah|well|like|actually|basically|"
    r"i mean|you know)\W*$",
    re.IGNORECASE,
)
#: Those that may end a question ("Who am I speaking with?").
_QUESTION_ENDS = re.compile(r"\b(to|of|for|with|about|from|at|in|on|by|into|that)\?$", re.IGNORECASE)


def unfinished(text: str) -> bool:
    """Whether a draft reads as a turn the caller has not finished: it trails off ("...", a comma)
    or ends on a word that needs more after it ("my number is", "um")."""
    text = text.strip()
    if not text:
        return False
    if text.endswith(("...", ",", "-", "—")):
        return True
    return bool(_OPEN_ENDS.search(text)) and not _QUESTION_ENDS.search(text)


def complete_sentence(text: str) -> bool:
    """Whether a draft reads as a finished utterance: two words or more, ending as a sentence does."""
    text = text.strip()
    return len(text.split()) >= 2 and text.endswith((".", "?", "!")) and not text.endswith("...")
