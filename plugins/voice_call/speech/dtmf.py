"""Keypad tones (DTMF, ITU-T Q.23) as 8 kHz mu-law audio, for carriers that cannot send digits on
a live media-streamed call themselves (Twilio: its only way is `<Play digits>` in a TwiML update,
which replaces the `<Connect><Stream>` and so ends the stream). The tones travel in the call's
audio, as a phone's own keypad sends them on an analogue line; phone menus listen for them."""

from __future__ import annotations

import re

import numpy as np

from plugins.voice_call.speech.audio import to_phone_ulaw

RATE = 8000
#: Each key is two sine waves: its row's and its column's frequency (Hz).
KEYS = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633),
}  # fmt: skip
#: Pauses as the carriers write them (Telnyx: w is 0.5 s, W is 1 s).
PAUSES_MS = {"w": 500, "W": 1000}
VALID = re.compile(r"[0-9A-D*#wW]{1,32}")
TONE_MS, GAP_MS = 250, 100


def check_keys(keys: str) -> str:
    """`keys` as sent: digits, * and #, A to D, w and W for pauses; else ValueError."""
    if not VALID.fullmatch(keys):
        raise ValueError(f"keys must be 1 to 32 of 0-9, *, #, A-D, w or W, not {keys!r}")
    return keys


def dtmf_audio(keys: str, tone_ms: int = TONE_MS, gap_ms: int = GAP_MS) -> bytes:
    """`keys` as tones, each `tone_ms` long with `gap_ms` of silence after it."""
    pieces = []
    for key in check_keys(keys):
        if key in PAUSES_MS:
            pieces.append(np.zeros(RATE * PAUSES_MS[key] // 1000, dtype=np.float32))
            continue
        low, high = KEYS[key]
        t = np.arange(RATE * tone_ms // 1000) / RATE
        pieces.append((0.35 * np.sin(2 * np.pi * low * t) + 0.35 * np.sin(2 * np.pi * high * t)).astype(np.float32))
        pieces.append(np.zeros(RATE * gap_ms // 1000, dtype=np.float32))
    return to_phone_ulaw(np.concatenate(pieces), RATE)
