"""Whether the caller is cutting in on our reply, or only saying "mm-hmm" to it.

While we speak, a sound from the caller stops the reply when what they say means to take the
turn: a word like "stop", "wait" or "sorry", or two words that are not listening noises
("mm-hmm", "yeah", "okay", "I see"). What they say over us is transcribed as it goes (every
`CHECK_MS` of speech, and at each pause), so a real interruption is cut in on about when
LiveKit Agents' 0.5 s `min_interruption_duration` would, and "Okay, got it." never is. Only
sounds at the loudness of the caller's own voice count: a TV in the room is further from the
phone than the caller, more than `LEVEL_DB` below their voice. Coughs and doors are not speech
to the VAD. Speech held for `LONG_MS` cuts in whatever it was heard as; with a speech recogniser
that streams (no transcripts of parts), `INTERRUPT_MS` of speech does.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import numpy as np

from plugins.voice_call.calls.setup import failure_not_news
from plugins.voice_call.speech.audio import PHONE_RATE

#: Without transcripts of parts: speech held this long, at the caller's own loudness, cuts in.
INTERRUPT_MS = 480
#: What the caller says over us is transcribed after this much of it, and again after as much more.
#: Whisper takes ~200 ms for any length here (it encodes a 30 s window), so the first transcript of
#: a real interruption is in at about the 0.5 s mark; earlier, "mm-hmm" comes back as "Thank you.".
CHECK_MS = 288
#: Speech held this long cuts in, whatever the recogniser made of it.
LONG_MS = 1600
#: Speech the VAD reports sooner than this after our voice began is not a listening noise: people
#: say "mm-hmm" to something we said, while speech at the very start of our turn is the caller
#: going on with theirs ("What is the capital ... of France?"). It stops the reply at once, as any
#: speech did before.
REACTION_MS = 600
#: Words cut in only when at least this much of them was as loud as the caller's voice.
WORDS_MS = 96
#: A sound this far below the caller's voice is the room, not the caller.
LEVEL_DB = 14.0
#: A turn's windows this far below its loudest are not its voice (pauses, the line's hiss).
VOICED_DB = 30.0
#: Before the caller has been heard (their voice's level unknown): an RMS of -45 dBFS.
QUIET_FLOOR = 10 ** (-45 / 20)
_WINDOW = 256

#: What people say to show they are listening, not to take the turn (Whisper's spellings included).
BACKCHANNEL = re.compile(
    r"(?:m+-?h+m+|mm+|hm+|hum|uh-?huh|u+m+|u+h+|a+h+|o+h+|yeah|yes|yep|yup|ok(?:ay)?|right|sure|i see|got it|"
    r"alright|all right|cool|great|nice|true|exactly|of course|wow|really|indeed|good|fine|ha(?:ha)*|and|so|well|"
    r"thanks|thank you)",
    re.IGNORECASE,
)
#: One of these alone is enough: the caller wants us to stop.
STOPPING = re.compile(r"stop|wait|hold|hang|sorry|excuse|pardon|what|hello|hey|actually|listen", re.IGNORECASE)


def means_to_speak(text: str) -> bool:
    """Whether words said over our reply take the turn: "Wait, stop." or "Can I ask something?"
    do; "Mm-hmm.", "Yeah, okay.", "[coughs]" and "" do not."""
    text = re.sub(r"[\[(*][^\])*]*[\])*]", " ", text.lower())  # Whisper's "[coughing]", "(door closes)", "*sigh*"
    text = re.sub(r"\b(i see|got it|of course|all right|thank you)\b", lambda m: m.group(1).replace(" ", "_"), text)
    text = re.sub(r"\b[a-z](?:[\s.-]+[a-z]\b)+", lambda m: re.sub(r"[\s.-]", "", m.group(0)), text)  # "M. H. M." is "mhm"
    words = [w.replace("_", " ") for w in re.split(r"[\s,.!?;:…]+", text) if w]
    others = [w for w in words if not BACKCHANNEL.fullmatch(w)]
    return len(others) >= 2 or any(STOPPING.fullmatch(w) for w in others)


class OverUs:
    """One utterance the caller began while we spoke: heard as it goes, until it cuts in or ends.
    `transcribe` makes a transcript of part of it (None: the recogniser only streams)."""

    def __init__(
        self, transcribe: Callable[[np.ndarray], Coroutine[Any, Any, str]] | None, unanswered: list[str] | None = None
    ) -> None:
        self._transcribe = transcribe
        self._check: asyncio.Task[str] | None = None
        self._checked_ms = 0
        self.heard: list[str] = []
        #: Why it cut in, once it has (for the log: never the caller's words).
        self.why = ""
        #: What the caller had said that our reply had not yet answered when they began: if they
        #: cut in, those words go with theirs (the reply may have been heard by then).
        self.unanswered = unanswered or []

    def cuts_in(self, held_ms: int, draft: str | None, so_far: Callable[[], np.ndarray]) -> bool:
        """Called per frame: `held_ms` of speech at the caller's loudness so far, the transcript
        made at their latest pause (None when none, when it does not cut in, or when it heard the
        room too), and the
        utterance so far, without the room, for a transcript of our own."""
        if self._check is not None and self._check.done():
            if not self._check.cancelled() and self._check.exception() is None:
                self.heard.append(self._check.result())
            self._check = None
        if held_ms >= LONG_MS:
            self.why = f"speech held {held_ms} ms"
            return True
        if held_ms >= WORDS_MS:
            if draft and means_to_speak(draft):
                self.why = "words that take the turn (the draft at their pause)"
                return True
            if any(means_to_speak(t) for t in self.heard):
                self.why = "words that take the turn"
                return True
        if self._transcribe is None:
            if held_ms >= INTERRUPT_MS:
                self.why = f"speech held {held_ms} ms"
                return True
            return False
        if self._check is None and held_ms >= self._checked_ms + CHECK_MS:
            self._checked_ms = held_ms
            self._check = asyncio.get_running_loop().create_task(self._transcribe(so_far()), name="over-us")
            self._check.add_done_callback(failure_not_news)
        return False

    def close(self) -> None:
        if self._check is not None:
            self._check.cancel()


#: Sound below the caller's level for this long in one utterance is the room talking (a TV).
ROOM_MS = 300


def _windows(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`audio` in whole `_WINDOW`s, and each window's RMS (the measure the caller's level is in)."""
    usable = len(audio) // _WINDOW * _WINDOW
    windows = audio[:usable].reshape(-1, _WINDOW)
    return windows, np.sqrt(np.mean(windows.astype(np.float64) ** 2, axis=1))


def _room(rms: np.ndarray, floor: float, rate: int) -> bool:
    """Whether windows with these RMS hold `ROOM_MS` or more of sound quieter than `floor`."""
    return bool(((rms >= QUIET_FLOOR) & (rms < floor)).sum() * _WINDOW * 1000 >= ROOM_MS * rate)


def hears_room(audio: np.ndarray, floor: float, rate: int = PHONE_RATE) -> bool:
    """Whether `audio` holds the room behind the caller (a TV's words before a "yeah")."""
    return _room(_windows(audio)[1], floor, rate)


def loud_only(audio: np.ndarray, floor: float, rate: int = PHONE_RATE) -> np.ndarray:
    """`audio` without the room: when it `hears_room`, only the windows at least `floor` loud (and
    one either side: word edges are quieter than their middle), joined; otherwise `audio` as it is.
    Cut out, not silenced: Whisper makes words up in stretches of zeros; and left whole when there
    is no room to take out, since Whisper hears short, cut-up sounds ("mm-hmm") worse."""
    windows, rms = _windows(audio)
    if not _room(rms, floor, rate):
        return audio
    loud = rms >= floor
    keep = loud.copy()
    keep[1:] |= loud[:-1]
    keep[:-1] |= loud[1:]
    return np.ascontiguousarray(windows[keep].reshape(-1))


@dataclass
class CallerLevel:
    """How loud the caller's own voice is on this line, learnt from the turns they took."""

    db: float | None = None

    def heard(self, audio: np.ndarray) -> None:
        """A turn the caller took (not said over us): its loud windows are their voice."""
        db = 20 * np.log10(_windows(audio)[1] + 1e-9)
        # Only the voice: a turn's audio runs on through the caller's silence until the turn is
        # taken as over (up to 2 s when that is slow), and counted in, that silence pulled the
        # level down until a TV in the room read as the caller.
        voiced = db[db >= max(20 * np.log10(QUIET_FLOOR), db.max(initial=-200.0) - VOICED_DB)]
        if len(voiced) == 0:
            return
        level = float(np.percentile(voiced, 75))  # the voiced part; pauses and breaths are quieter
        self.db = level if self.db is None else 0.6 * self.db + 0.4 * level

    @property
    def floor(self) -> float:
        """The RMS a sound needs to count as the caller speaking over us."""
        return QUIET_FLOOR if self.db is None else max(QUIET_FLOOR, 10 ** ((self.db - LEVEL_DB) / 20))


def heard_words(text: str, heard_ms: int, total_ms: int) -> str:
    """The words of `text` heard in `heard_ms` of its `total_ms` of audio (speech is taken as
    evenly paced: a word more or less, which is what a transcript of an interruption needs)."""
    words = text.split()
    if total_ms <= 0 or heard_ms <= 0:
        return ""
    return " ".join(words[: min(len(words), round(len(words) * heard_ms / total_ms))])
