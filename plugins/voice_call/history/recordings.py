"""Call recordings, off by default (`recording.enabled`): the other side and our side as two
channels of one WAV file, on the call's media clock so they line up with the transcript's `at_ms`;
stored encrypted (AES-GCM, a key derived from the vault's) in the data folder, and deleted once
older than `recording.retentionDays`.

The caller's channel is each frame as it arrives; ours is each frame as the player sends it,
placed at the media clock (the player paces frames in real time), and cut back to "now" when the
caller interrupts and the carrier drops what was queued.
"""

from __future__ import annotations

import io
import os
import time
import wave
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from plugins.voice_call.config import voice_config
from plugins.voice_call.speech.audio import MULAW_SILENCE, PHONE_RATE, ulaw_to_pcm16

if TYPE_CHECKING:
    from assistant.plugin_api import Host

BYTES_PER_MS = PHONE_RATE // 1000  # mu-law: one byte a sample
#: Callers hear this before anything else on a recorded call (made ahead, like the greeting).
RECORDED_LINE = "This call is recorded."


class CallRecorder:
    """Both sides of one call as it happens, 8 kHz mu-law."""

    def __init__(self) -> None:
        self.theirs = bytearray()
        self.ours = bytearray()
        self._now_ms = 0

    def heard(self, payload: bytes, at_ms: int) -> None:
        """A frame from the other side, received at `at_ms` on the media clock."""
        self._now_ms = at_ms
        _pad_to(self.theirs, at_ms * BYTES_PER_MS)
        self.theirs += payload

    def said(self, frame: bytes) -> None:
        """A frame we sent: it plays after what was sent before it, and not before now."""
        _pad_to(self.ours, self._now_ms * BYTES_PER_MS)
        self.ours += frame

    def cut(self) -> None:
        """The carrier dropped what we had queued (the caller cut in): none of it was heard."""
        del self.ours[self._now_ms * BYTES_PER_MS :]

    def wav(self) -> bytes:
        """The call as a stereo WAV: left the other side, right ours (16-bit PCM, 8 kHz)."""
        length = max(len(self.theirs), len(self.ours))
        left = np.frombuffer(ulaw_to_pcm16(bytes(_padded(self.theirs, length))), dtype="<i2")
        right = np.frombuffer(ulaw_to_pcm16(bytes(_padded(self.ours, length))), dtype="<i2")
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(2)
            out.setsampwidth(2)
            out.setframerate(PHONE_RATE)
            out.writeframes(np.column_stack([left, right]).astype("<i2").tobytes())
        return buffer.getvalue()


def _pad_to(channel: bytearray, length: int) -> None:
    if len(channel) < length:
        channel += MULAW_SILENCE * (length - len(channel))


def _padded(channel: bytearray, length: int) -> bytearray:
    padded = bytearray(channel)
    _pad_to(padded, length)
    return padded


class Recordings:
    """The stored recordings: `<data folder>/recordings/<call id>.wav.enc`, each a 12-byte nonce
    and the AES-GCM ciphertext of the WAV, its call id bound in as associated data (a file renamed
    to another call's name does not open)."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.folder = host.settings.home / "recordings"
        self._aead = AESGCM(host.vault.subkey("call recordings"))

    def _path(self, call_id: str) -> Path:
        if not call_id.replace("-", "").isalnum():
            raise ValueError(f"not a call id: {call_id!r}")
        return self.folder / f"{call_id}.wav.enc"

    def save(self, call_id: str, wav: bytes) -> None:
        self.folder.mkdir(mode=0o700, exist_ok=True)
        nonce = os.urandom(12)
        path = self._path(call_id)
        partial = path.with_suffix(".part")
        partial.write_bytes(nonce + self._aead.encrypt(nonce, wav, call_id.encode()))
        os.chmod(partial, 0o600)
        partial.replace(path)  # whole or not at all

    def read(self, call_id: str) -> bytes | None:
        """The WAV, or None when there is none (never recorded, expired) or it does not open."""
        try:
            sealed = self._path(call_id).read_bytes()
        except (OSError, ValueError):
            return None
        try:
            return self._aead.decrypt(sealed[:12], sealed[12:], call_id.encode())
        except (InvalidTag, ValueError):
            return None

    def has(self, call_id: str) -> bool:
        try:
            return self._path(call_id).exists()
        except ValueError:
            return False

    def expire_past_retention(self) -> int:
        """Delete the recordings older than the owner's retention, as stored now."""
        return self.expire(voice_config(self.host).recording.retention_days)

    def expire(self, retention_days: int, now: float | None = None) -> int:
        """Delete recordings older than `retention_days`; how many went."""
        cutoff = (time.time() if now is None else now) - retention_days * 86400
        gone = 0
        for path in self.folder.glob("*.wav.enc") if self.folder.exists() else ():
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                gone += 1
        return gone
