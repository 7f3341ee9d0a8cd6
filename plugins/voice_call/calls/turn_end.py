"""When the caller's turn is over: after the configured silence, or sooner when what they said so
far, transcribed while they paused (a draft), reads as a whole sentence. The configured silence
stays the upper bound; a draft that was made is the turn's transcript when the caller did not go on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from plugins.voice_call.calls.setup import failure_not_news
from plugins.voice_call.speech.stt import SpeechToText
from plugins.voice_call.speech.vad import UtteranceDetector, VadEvent

#: However complete a draft reads, the caller has been quiet this long before their turn ends.
EARLY_END_FLOOR_MS = 250


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
    def __init__(self, end_of_utterance_ms: int, stt: SpeechToText, name: str) -> None:
        self.vad = UtteranceDetector(end_silence_ms=end_of_utterance_ms)
        self._stt, self._wait_ms, self._name = stt, end_of_utterance_ms, name
        #: Only engines that work on whole utterances make drafts (a streaming one is ready anyway).
        self._drafts = bool(getattr(stt, "drafts", False))
        self._draft: asyncio.Task[str] | None = None

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
                self._draft = None  # they went on (or began anew): a draft would miss words
                if event.kind == "speech_start":
                    found.append(event)
            elif event.kind == "speech_end" and event.audio is not None:
                found.append(self._end(event.audio, self._wait_ms, event.strong_ms))
        if self._draft_is_complete():
            quiet = self.vad.quiet_ms
            ended = self.vad.end_now()
            assert ended.audio is not None
            found.append(self._end(ended.audio, quiet, ended.strong_ms))  # clearly complete: no need to wait longer
        return found

    def draft_text(self) -> str | None:
        """The transcript of the utterance so far, made at the caller's latest pause (None: none is ready)."""
        draft = self._draft
        if draft is None or not draft.done() or draft.cancelled() or draft.exception() is not None:
            return None
        return draft.result()

    def _end(self, audio: np.ndarray, silence_ms: int, strong_ms: int) -> TurnEnd:
        draft, self._draft = self._draft, None
        return TurnEnd(audio, silence_ms, draft, strong_ms)

    def _draft_is_complete(self) -> bool:
        """The draft is in, reads as a whole sentence, and the caller has been quiet for half the
        configured wait at least."""
        text = self.draft_text()
        if text is None or not self.vad.speaking or self.vad.quiet_ms < max(EARLY_END_FLOOR_MS, self._wait_ms // 2):
            return False
        return complete_sentence(text)

    def close(self) -> None:
        self._draft = None
        self.vad.close()


def complete_sentence(text: str) -> bool:
    """Whether a draft reads as a finished utterance: two words or more, ending as a sentence does."""
    text = text.strip()
    return len(text.split()) >= 2 and text.endswith((".", "?", "!")) and not text.endswith("...")
