"""What calls say that does not change from call to call (the greeting, the goodbyes), made once per
engine, voice and text, in the background when the gateway is built, and played from memory. The
speech models load then too, off the event loop, so the first caller does not wait for them.

What is made is also kept on disk, so a new process (a restart, the next `assistant chat`) plays
the greeting from its first call instead of making it again while the first callers wait: the
owner's own words (the greeting) in the data folder's `prompts/`, our fixed lines
(calls/said_ahead.py) in a folder shared by every data folder on the machine."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.speech.tts import TextToSpeech, short_pieces

log = logging.getLogger(__name__)
MAX_PROMPTS = 64
#: Our fixed lines in every voice someone chose on this machine (about 25 lines, 20 to 100 KB each).
MAX_SHARED_FILES = 1000
GIVE_WAY_S = 30.0


def _quiet(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("preparing the call prompts failed: %s", task.exception().__class__.__name__)


class PromptCache:
    def __init__(
        self,
        tts_for: Callable[[VoiceCallConfig], TextToSpeech],
        preload: Callable[[VoiceCallConfig], object] | None = None,
        calls_active: Callable[[], bool] = lambda: False,
        folder: Path | None = None,
        shared: tuple[Path, Iterable[str]] | None = None,
    ) -> None:
        """`folder`: where what is made is kept; `shared`: a folder for the texts listed with it."""
        self._tts_for, self._preload, self._calls_active = tts_for, preload, calls_active
        self._shared_folder: Path | None = shared[0] if shared else None
        self._shared_texts = frozenset(shared[1]) if shared else frozenset()
        self._audio: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._making: asyncio.Task[None] | None = None
        self._folder = folder
        #: Prompts a call is making itself right now (it came before we made them): not made twice.
        self._claimed: set[tuple[str, str, str]] = set()
        self._for_calls: set[asyncio.Task[None]] = set()
        self._not_on_disk: set[tuple[str, str, str]] = set()

    @staticmethod
    def _key(config: VoiceCallConfig, text: str) -> tuple[str, str, str]:
        return (config.tts.engine, config.voice(), text)

    def get(self, config: VoiceCallConfig, text: str) -> bytes | None:
        """The audio of `text` with this config's voice, when it has been made (by this process or
        an earlier one)."""
        key = self._key(config, text)
        audio = self._audio.get(key)
        if audio is None and key not in self._not_on_disk and (path := self._file(key)) is not None:
            try:
                audio = path.read_bytes() or None
            except OSError:
                self._not_on_disk.add(key)  # looked for once (calls ask for the goodbyes on every frame)
                return None
            if audio is not None:
                self._keep(key, audio)
        return audio

    def claim(self, config: VoiceCallConfig, text: str) -> None:
        """A call makes `text` itself (it was not ready): we leave it to the call, rather than both
        competing for the one speech engine while the caller waits; `offer` hands us the result."""
        self._claimed.add(self._key(config, text))

    def offer(self, config: VoiceCallConfig, text: str, audio: bytes) -> None:
        """What a call made of a claimed prompt (b"": it did not finish; we make it at the next warm-up)."""
        key = self._key(config, text)
        self._claimed.discard(key)
        if audio and key not in self._audio:
            self._keep(key, audio)
            asyncio.get_running_loop().create_task(asyncio.to_thread(self._store, key, audio)).add_done_callback(_quiet)

    def make_for_call(self, config: VoiceCallConfig, texts: Iterable[str], tts: TextToSpeech) -> None:
        """A call has started before these were made (its goodbyes, right after a start): they are
        made now with the call's engine, not after giving way to it, since that call may need them
        (a silence goodbye 10 s on; the limit goodbye's length, to start it in time)."""
        for text in texts:
            key = self._key(config, text)
            if self.get(config, text) is not None or key in self._claimed:
                continue
            self._claimed.add(key)
            task = asyncio.get_running_loop().create_task(self._make_claimed(config, text, tts), name="call-prompt")
            self._for_calls.add(task)
            task.add_done_callback(self._for_calls.discard)
            task.add_done_callback(_quiet)

    async def _make_claimed(self, config: VoiceCallConfig, text: str, tts: TextToSpeech) -> None:
        audio = b""
        try:
            for piece in short_pieces(text):
                audio += b"".join([chunk async for chunk in tts.stream(piece)])
        except Exception:
            audio = b""
            raise
        finally:
            self.offer(config, text, audio)

    def _file(self, key: tuple[str, str, str]) -> Path | None:
        folder = self._shared_folder if key[2] in self._shared_texts else self._folder
        if folder is None:
            return None
        return folder / (hashlib.sha256("\0".join(key).encode()).hexdigest()[:32] + ".ulaw")

    def _keep(self, key: tuple[str, str, str], audio: bytes) -> None:
        self._audio[key] = audio
        while len(self._audio) > MAX_PROMPTS:
            self._audio.popitem(last=False)

    def _store(self, key: tuple[str, str, str], audio: bytes) -> None:
        """On disk too, written whole or not at all; the oldest go beyond MAX_PROMPTS files."""
        path = self._file(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial = path.with_suffix(".part")
            partial.write_bytes(audio)
            os.replace(partial, path)
            most = MAX_SHARED_FILES if path.parent == self._shared_folder else MAX_PROMPTS
            kept = sorted(path.parent.glob("*.ulaw"), key=lambda p: p.stat().st_mtime)
            for old in kept[: max(0, len(kept) - most)]:
                old.unlink(missing_ok=True)
        except OSError as exc:  # the prompt still plays from memory
            log.warning("could not keep a call prompt on disk: %s", exc)

    def warm(self, config: VoiceCallConfig, texts: Iterable[str]) -> None:
        """Start making `texts` in the background; a newer config replaces what was being made."""
        if self._making is not None and not self._making.done():
            self._making.cancel()
        self._making = asyncio.get_running_loop().create_task(self._make(config, list(texts)), name="call-prompts")
        self._making.add_done_callback(_quiet)

    async def ready(self) -> None:
        """Wait until what is being made is made (tests and benches wait for it). A newer
        config's warm-up (a restart meanwhile: a tunnel came up) replaces the one awaited: it is
        awaited in turn, not taken as this wait being cancelled."""
        while (making := self._making) is not None:
            try:
                await asyncio.shield(making)
            except asyncio.CancelledError:
                if not making.cancelled() or self._making is making:
                    raise  # the wait itself was cancelled, or nothing replaced what was cancelled
                continue
            if self._making is making:
                return

    async def give_way(self) -> None:
        """Live calls come first: the speech engine is theirs while they are being answered."""
        for _ in range(int(GIVE_WAY_S / 0.2)):
            if not self._calls_active():
                return
            await asyncio.sleep(0.2)

    async def _make(self, config: VoiceCallConfig, texts: list[str]) -> None:
        tts = await asyncio.to_thread(self._tts_for, config)  # loading a model never blocks the event loop
        if self._preload is not None:
            await asyncio.to_thread(self._preload, config)
        try:
            await self._make_each(config, texts, tts)
        finally:
            await tts.aclose()

    async def _make_each(self, config: VoiceCallConfig, texts: list[str], tts: TextToSpeech) -> None:
        for text in texts:
            key = self._key(config, text)
            if self.get(config, text) is not None:
                continue
            audio = b""
            for sentence in short_pieces(text):
                await self.give_way()  # piece by piece, so a call never waits long behind us
                if key in self._claimed:
                    break  # a call is making it (and will hand it over)
                audio += b"".join([chunk async for chunk in tts.stream(sentence)])
            else:
                self._keep(key, audio)
                await asyncio.to_thread(self._store, key, audio)
