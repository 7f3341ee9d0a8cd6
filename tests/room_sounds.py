"""What a caller's side of the line makes while we speak: listening noises ("mm-hmm", "yeah"),
a cough, a door, a TV in the room, and real interruptions. Rendered as 8 kHz mu-law: the words
with Kokoro's voices (not the assistant's), the noises from shaped noise, the TV as speech 20 dB
below the caller's own voice. Used by the interruption tests and `bench/backchannels.py`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from plugins.voice_call.speech.audio import float_to_pcm16, pcm16_to_ulaw, ulaw_to_float

from .voice_harness import speak

RATE = 8000
#: Voices the set is said in (the assistant speaks with af_heart).
VOICES = ("am_adam", "af_bella", "bm_george", "bf_emma")
#: Kokoro cannot hum: "Mm-hmm." comes out as "and mem hum", "Uh huh." as "bye bye"; these are the
#: spellings it says as people do.
LISTENING = (
    "Mhm.",
    "Uh-huh!",
    "Yeah.",
    "Okay.",
    "Right.",
    "Sure.",
    "I see.",
    "Yeah, yeah.",
    "Okay, got it.",
    "Yep.",
    "Oh, really?",
    "Alright.",
)
INTERRUPTIONS = (
    "Wait, stop, stop.",
    "Sorry, can I ask you something?",
    "No, that's not what I meant.",
    "Hold on a second please.",
    "Actually, I need to go now.",
)


@dataclass(frozen=True)
class Sound:
    name: str
    ulaw: bytes
    #: True: the caller means to take the turn; False: it must not stop our reply.
    cuts_in: bool


def _ulaw(samples: np.ndarray) -> bytes:
    return pcm16_to_ulaw(float_to_pcm16(np.clip(samples, -1.0, 1.0)))


def _trim(ulaw: bytes) -> bytes:
    """Kokoro's leading and trailing quiet off (the caller's timing is ours to set)."""
    samples = ulaw_to_float(ulaw)
    loud = np.flatnonzero(np.abs(samples) > 0.02)
    return ulaw if len(loud) == 0 else _ulaw(samples[max(0, loud[0] - 80) : loud[-1] + 80])


def cough(seed: int) -> bytes:
    """One or two bursts of breathy noise, 120 to 220 ms each."""
    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(1 + seed % 2):
        n = int(RATE * rng.uniform(0.12, 0.22))
        envelope = np.exp(-np.linspace(0, 5, n)) * np.minimum(1, np.linspace(0, 8, n))
        burst = np.convolve(rng.normal(0, 0.35, n), np.ones(3) / 3, mode="same") * envelope
        parts += [burst, np.zeros(int(RATE * 0.12))]
    return _ulaw(np.concatenate(parts))


def door(seed: int) -> bytes:
    """A click and a low thump that dies away over 300 ms."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(RATE * 0.35)) / RATE
    thump = 0.6 * np.sin(2 * np.pi * rng.uniform(60, 110) * t) * np.exp(-t * 14)
    thump[:40] += rng.normal(0, 0.5, 40)
    return _ulaw(thump)


def tv(words: str, voice: str, caller: bytes) -> bytes:
    """Speech from across the room: 20 dB below the caller's own voice, a little muffled."""
    speech = ulaw_to_float(speak(words, voice))
    speech = np.convolve(speech, np.ones(4) / 4, mode="same")
    own = _rms(ulaw_to_float(caller))
    return _ulaw(speech * (own / max(_rms(speech), 1e-6)) * 10 ** (-20 / 20))


def _rms(samples: np.ndarray) -> float:
    loud = samples[np.abs(samples) > 0.01]
    return float(np.sqrt(np.mean(loud * loud))) if len(loud) else 0.0


@functools.cache
def listening_sounds() -> tuple[Sound, ...]:
    """36 sounds that must not stop our reply: 24 listening words (each in two voices), 4 coughs,
    4 doors, 4 TV lines."""
    words = [
        Sound(f"{text} ({voice})", _trim(speak(text, voice)), False)
        for n, text in enumerate(LISTENING)
        for voice in (VOICES[n % 4], VOICES[(n + 1) % 4])
    ]
    caller = speak("What is the capital of France?")
    room = [Sound(f"cough {n}", cough(n), False) for n in range(4)]
    room += [Sound(f"door {n}", door(n), False) for n in range(4)]
    room += [
        Sound(f"tv {n}", tv(line, VOICES[n], caller), False)
        for n, line in enumerate(
            [
                "And now, the weather for the weekend.",
                "Scientists say the discovery could change everything we know.",
                "Stay tuned, after the break we'll be right back.",
                "The home team scored again in the final minute of the game.",
            ]
        )
    ]
    return tuple(words + room)


@functools.cache
def interruptions() -> tuple[Sound, ...]:
    return tuple(Sound(text, _trim(speak(text, VOICES[n % 4])), True) for n, text in enumerate(INTERRUPTIONS))


@functools.cache
def hold_music(seconds: float = 60.0, level: float = 0.35) -> bytes:
    """A queue's music as mu-law: a plucked melody (a random walk over a C major scale, with a
    fifth and overtones), at `level` of full scale. Silero takes a second of it for speech now and
    then; Whisper hears no words in it."""
    rng = np.random.default_rng(7)
    t = np.arange(int(0.4 * RATE)) / RATE
    envelope = np.minimum(1, t * 20) * np.exp(-t * 3)
    notes = []
    for _ in range(int(seconds / 0.4)):
        f = (262, 294, 330, 349, 392, 440, 494, 523)[rng.integers(8)]
        tone = (np.sin(2 * np.pi * f * t) + 0.5 * np.sin(4 * np.pi * f * t) + 0.25 * np.sin(6 * np.pi * f * t)) / 1.75
        notes.append((tone + 0.3 * np.sin(3 * np.pi * f * t)) * envelope * level)
    return pcm16_to_ulaw(float_to_pcm16(np.concatenate(notes).astype(np.float32)))
