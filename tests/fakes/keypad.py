"""What a phone menu hears of keypad tones in call audio: DTMF as ITU-T Q.23 defines it (a row
frequency of 697, 770, 852 or 941 Hz and a column frequency of 1209, 1336, 1477 or 1633 Hz at
once), found with the Goertzel filter frame by frame. Written from the standard's table, apart
from the product's own tone maker, so the two check each other."""

from __future__ import annotations

import numpy as np

from plugins.voice_call.speech.audio import ulaw_to_float

ROWS, COLUMNS = (697, 770, 852, 941), (1209, 1336, 1477, 1633)
LAYOUT = ("123A", "456B", "789C", "*0#D")
FRAME = 160  # 20 ms at 8 kHz


def _power(frame: np.ndarray, frequency: float) -> float:
    coefficient = 2 * np.cos(2 * np.pi * frequency / 8000)
    before = earlier = 0.0
    for sample in frame:
        before, earlier = sample + coefficient * before - earlier, before
    return before * before + earlier * earlier - coefficient * before * earlier


def _key(frame: np.ndarray) -> str | None:
    energy = float(np.sum(frame * frame))
    if energy < 1.0:  # quiet: no key
        return None
    rows = [_power(frame, f) for f in ROWS]
    columns = [_power(frame, f) for f in COLUMNS]
    row, column = int(np.argmax(rows)), int(np.argmax(columns))
    # Both tones clearly there, each well above the other candidates of its group (speech is not).
    if sorted(rows)[-2] * 4 > rows[row] or sorted(columns)[-2] * 4 > columns[column]:
        return None
    if (rows[row] + columns[column]) < 0.3 * energy * len(frame) / 2:
        return None
    return LAYOUT[row][column]


def heard_keys(ulaw: bytes) -> str:
    """The keys in `ulaw` audio, in order: a key held for 40 ms or more, counted once it is let go
    (as a menu acts on a key: after its tone ends)."""
    samples = ulaw_to_float(ulaw)
    keys, last, held = [], None, 0
    for start in range(0, len(samples) - FRAME + 1, FRAME):
        key = _key(samples[start : start + FRAME].astype(np.float64))
        if key is not None and key == last:
            held += 1
            continue
        if last is not None and held >= 2:
            keys.append(last)
        last, held = key, 1
    return "".join(keys)
