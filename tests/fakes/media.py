"""The phone side of a carrier media stream, shared by the fake carriers.

Caller audio goes out one 20 ms frame at a time in real time (speech when queued, silence
otherwise). Audio from our server is "played" at real time into `heard`; a playout marker is
echoed once the audio before it has played. Each carrier's dialect (message shapes, what a flush
does to pending markers, how a hangup looks) is a subclass.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import json
import time

import numpy as np
import websockets

FRAME = 160  # 20 ms of 8 kHz mu-law
SILENCE = b"\xff" * FRAME
#: `fast_forward`: the most quiet one message carries, and how many such messages a second.
FAST_STEP_S = 1.0
FAST_RATE = 80


def beep(seconds: float = 0.5, hz: float = 1000.0) -> bytes:
    """An answering machine's beep: a pure tone, as mu-law."""
    import audioop

    t = np.arange(int(8000 * seconds)) / 8000
    pcm = (np.sin(2 * np.pi * hz * t) * 12000).astype("<i2").tobytes()
    return audioop.lin2ulaw(pcm, 2)


class FakeMediaCall:
    echo_marks_on_clear = True

    def __init__(self, ws_url: str) -> None:
        self.ws_url = ws_url
        self.received: list[dict] = []
        self.heard = bytearray()
        self.clears: list[float] = []
        self.marks_echoed: list[str] = []
        #: How much had been heard (bytes of `heard`) when each mark was reached in playback, and at each clear.
        self.heard_at_mark: dict[str, int] = {}
        self.heard_at_clear: list[int] = []
        self.closed: tuple[int, str] | None = None
        self._queue: list[bytes | str] = []
        self._outgoing: asyncio.Queue[bytes] = asyncio.Queue()
        self._chunk = 0
        self._seq = 0
        #: When the first and the last frame of the caller's latest `say` left (benchmarks time from these).
        self.speech_started_at: float | None = None
        self.speech_sent_at: float | None = None
        #: When the stream opened, and when the first audio from the server arrived.
        self.opened_at: float | None = None
        self.first_audio_at: float | None = None
        #: An answering machine on this line: its greeting (then a beep) plays as the call opens,
        #: `on_beep` runs once the beep has been sent, and `heard[recording_from:]` is the message left.
        self.machine_greeting: bytes | None = None
        self.on_beep = None
        self.recording_from: int | None = None
        #: Seconds the carrier holds the answered call in silence before opening the stream.
        self.hold_seconds = 0.0
        #: Sound still to send ahead of the wall clock (`fast_forward`), and where in it we are.
        self._ahead_s = 0.0
        self._ahead_sound, self._ahead_at = SILENCE, 0

    # -- dialect ---------------------------------------------------------------------------------

    def opening(self) -> list[dict]:
        raise NotImplementedError

    def media_message(self, frame: bytes, chunk: int) -> dict:
        raise NotImplementedError

    def mark_echo(self, name: str) -> dict:
        raise NotImplementedError

    def closing(self) -> dict | None:
        """The message sent when the caller hangs up (None: the socket just closes)."""
        raise NotImplementedError

    def classify(self, message: dict) -> tuple[str, object]:
        """("media", bytes) | ("mark", name) | ("clear", None); anything else the carrier would refuse."""
        raise NotImplementedError

    async def on_clear(self) -> None:
        pass

    # -- the call --------------------------------------------------------------------------------

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    async def __aenter__(self):
        await asyncio.sleep(self.hold_seconds)
        self.ws = await websockets.connect(self.ws_url, max_size=2**20)
        self.loop = asyncio.get_running_loop()
        self.opened_at = time.monotonic()
        for message in self.opening():
            await self.send(message)
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._stream()), asyncio.create_task(self._play())]
        if self.machine_greeting is not None:
            self._tasks.append(asyncio.create_task(self._machine()))
        return self

    async def _machine(self) -> None:
        """The answering machine: greeting, beep, then it records whatever it hears."""
        await self.say(self.machine_greeting + beep())
        while not self._outgoing.empty():
            await asyncio.sleep(0.02)
        self.recording_from = len(self.heard)
        if self.on_beep is not None:
            await asyncio.to_thread(self.on_beep)

    def recording(self) -> np.ndarray:
        """What the machine recorded after its beep."""
        from plugins.voice_call.speech.audio import ulaw_to_float

        return ulaw_to_float(bytes(self.heard[self.recording_from or 0 :]))

    async def __aexit__(self, *exc) -> None:
        await self.hang_up()

    async def hang_up(self) -> None:
        if self.closed is None:
            try:
                closing = self.closing()
                if closing is not None:
                    await self.send(closing)
                await self.ws.close()
            except websockets.ConnectionClosed:
                pass
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def stop_from_carrier(self) -> concurrent.futures.Future[None]:
        """From the carrier's own thread: end this stream as the carrier does (stop message, close)."""
        return asyncio.run_coroutine_threadsafe(self.hang_up(), self.loop)

    async def send(self, message: dict) -> None:
        await self.ws.send(json.dumps(message))

    async def send_raw(self, text: str) -> None:
        await self.ws.send(text)

    def dtmf_message(self, digit: str) -> dict:
        raise NotImplementedError(f"{type(self).__name__} does not send keypad events")

    async def press(self, keys: str) -> None:
        """The caller presses keys, one message per key, a tenth of a second apart."""
        for key in keys:
            await self.send(self.dtmf_message(key))
            await asyncio.sleep(0.1)

    async def say(self, ulaw: bytes) -> None:
        for i in range(0, len(ulaw), FRAME):
            frame = ulaw[i : i + FRAME]
            await self._outgoing.put(frame + b"\xff" * (FRAME - len(frame)))

    async def fast_forward(self, seconds: float, sound: bytes = SILENCE) -> None:
        """Run the call's clock `seconds` ahead (a long wait on hold) with `sound` (8 kHz mu-law,
        looped: hold music), in well under that wall time: media messages of up to FAST_STEP_S
        each, FAST_RATE a second (the server closes a socket past 120 a second). Carriers send 20
        ms a message, but neither Twilio's nor Telnyx's nor Plivo's media message fixes a size
        (`media.payload`: "raw audio", base64) and the server counts time by the audio it gets,
        so it must cope with any."""
        self._ahead_sound, self._ahead_at = sound, 0
        self._ahead_s += seconds
        while self._ahead_s > 0:
            await asyncio.sleep(0.02)

    def _ahead_bytes(self, count: int) -> bytes:
        sound = self._ahead_sound
        looped = (sound * (2 + count // len(sound)))[self._ahead_at % len(sound) :][:count]
        self._ahead_at += count
        return looped

    async def _stream(self) -> None:
        next_at = time.monotonic()
        while True:
            if self._ahead_s > 0 and self._outgoing.empty():
                frames = max(1, round(min(self._ahead_s, FAST_STEP_S) / 0.02))
                self._chunk += frames
                await self.send(self.media_message(self._ahead_bytes(frames * FRAME), self._chunk))
                self._ahead_s -= frames * 0.02
                await asyncio.sleep(1 / FAST_RATE)
                next_at = time.monotonic()
                continue
            speaking = not self._outgoing.empty()
            frame = self._outgoing.get_nowait() if speaking else SILENCE
            self._chunk += 1
            await self.send(self.media_message(frame, self._chunk))
            if speaking:
                now = time.monotonic()
                if self.speech_sent_at is None or now - self.speech_sent_at > 0.1:
                    self.speech_started_at = now
                self.speech_sent_at = now
            next_at += 0.02
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                message["_at"] = time.monotonic()
                self.received.append(message)
                kind, value = self.classify(message)
                message["_kind"] = kind
                if kind == "media" or kind == "mark":
                    if kind == "media" and self.first_audio_at is None:
                        self.first_audio_at = message["_at"]
                    self._queue.append(value)
                elif kind == "clear":
                    self.clears.append(message["_at"])
                    self.heard_at_clear.append(len(self.heard))
                    marks = [m for m in self._queue if isinstance(m, str)]
                    self._queue.clear()
                    await self.on_clear()
                    if self.echo_marks_on_clear:
                        for name in marks:
                            await self._echo(name)
        except websockets.ConnectionClosed:
            pass
        # A normal close ends `async for` silently; the close frame tells how the server hung up.
        self.closed = (self.ws.close_code or 1006, self.ws.close_reason or "")

    async def _echo(self, name: str) -> None:
        self.marks_echoed.append(name)
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.send(self.mark_echo(name))

    async def _play(self) -> None:
        next_at = time.monotonic()
        while True:
            while self._queue and isinstance(self._queue[0], str):
                name = self._queue.pop(0)
                self.heard_at_mark[name] = len(self.heard)
                await self._echo(name)
            if self._queue:
                self.heard.extend(self._queue.pop(0))
            next_at += 0.02
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    # -- for tests -------------------------------------------------------------------------------

    @property
    def sending(self) -> bool:
        """Whether the caller's words are still going out."""
        return not self._outgoing.empty()

    @property
    def playing(self) -> bool:
        return bool(self._queue)

    @property
    def media_seconds(self) -> float:
        """The call's media clock, as the server counts it: 20 ms per caller frame sent."""
        return self._chunk * FRAME / 8000

    async def wait_for(self, predicate, timeout: float = 30.0) -> None:
        """Wait until `predicate()`, for `timeout` seconds of the call's media clock (the clock the
        server's limits run on), and at most three times as long in wall time when frames stall."""
        media_deadline = self.media_seconds + timeout
        wall_deadline = time.monotonic() + 3 * timeout + 10
        while not predicate():
            if self.media_seconds > media_deadline or time.monotonic() > wall_deadline:
                kinds = [m.get("_kind") for m in self.received][-10:]
                raise AssertionError(f"timed out; last received {kinds}, marks {self.marks_echoed}, closed={self.closed}")
            await asyncio.sleep(0.05)

    def events(self, kind: str) -> list[dict]:
        return [m for m in self.received if m.get("_kind") == kind]

    def heard_audio(self) -> np.ndarray:
        from plugins.voice_call.speech.audio import ulaw_to_float

        return ulaw_to_float(bytes(self.heard))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
