"""What a phone menu hears of keypad tones in call audio: DTMF as ITU-T Q.23 defines it (a row
frequency of 697, 770, 852 or 941 Hz and a column frequency of 1209, 1336, 1477 or 1633 Hz at
once), found with the Goertzel filter's measure (the power at each
frequency) frame by frame. Written from the standard's table, apart
from the product's own tone maker, so the two check each other."""

from __future__ import annotations

import numpy as np

from plugins.voice_call.speech.audio import ulaw_to_float

ROWS, COLUMNS = (697, 770, 852, 941), (1209, 1336, 1477, 1633)
LAYOUT = ("123A", "456B", "789C", "*0#D")
FRAME = 160  # 20 ms at 8 kHz


_FREQUENCIES = np.array(ROWS + COLUMNS, dtype=np.float64)
#: Goertzel's filter ends on the power of the DFT at its frequency: |sum x[n] e^(-j 2 pi f n / 8000)|^2,
#: here for the eight frequencies and every frame at once.
_BASIS = np.exp(-2j * np.pi * np.outer(np.arange(FRAME), _FREQUENCIES) / 8000)


def _keys(frames: np.ndarray) -> list[str | None]:
    """The key each 20 ms frame (a row of `frames`) holds, or None."""
    powers = np.abs(frames @ _BASIS) ** 2
    energies = np.sum(frames * frames, axis=1)
    return [_key(power[:4], power[4:], float(energy)) for power, energy in zip(powers, energies, strict=True)]


def _key(rows: np.ndarray, columns: np.ndarray, energy: float) -> str | None:
    if energy < 1.0:  # quiet: no key
        return None
    row, column = int(np.argmax(rows)), int(np.argmax(columns))
    # Both tones clearly there, each well above the other candidates of its group (speech is not).
    if np.sort(rows)[-2] * 4 > rows[row] or np.sort(columns)[-2] * 4 > columns[column]:
        return None
    if (rows[row] + columns[column]) < 0.3 * energy * FRAME / 2:
        return None
    return LAYOUT[row][column]


def heard_keys(ulaw: bytes) -> str:
    """The keys in `ulaw` audio, in order: a key held for 40 ms or more, counted once it is let go
    (as a menu acts on a key: after its tone ends)."""
    samples = ulaw_to_float(ulaw).astype(np.float64)
    frames = samples[: len(samples) // FRAME * FRAME].reshape(-1, FRAME)
    keys, last, held = [], None, 0
    for key in _keys(frames):
        if key is not None and key == last:
            held += 1
            continue
        if last is not None and held >= 2:
            keys.append(last)
        last, held = key, 1
    return "".join(keys)
