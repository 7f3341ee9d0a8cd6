"""A fake Twilio that behaves like Twilio towards our gateway.

- Webhooks: form-encoded POSTs signed with X-Twilio-Signature by the official `twilio` helper
  (`RequestValidator.compute_signature`) over the public URL, as Twilio signs them.
- TwiML: parsed as Twilio would; `<Connect><Stream>` opens the media WebSocket with the
  `<Parameter>`s in `start.customParameters`.
- Media stream: `connected`, `start`, then one `media` message per 20 ms (string sequence numbers,
  chunks and timestamps), paced in real time, as a phone line does; `stop` on hangup.
- Playout: audio we receive is "played" at real time into `heard`; a `mark` is echoed when the audio
  queued before it has played, and at once after a `clear` (which drops unplayed audio).
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
import numpy as np
import websockets
from twilio.request_validator import RequestValidator

FRAME = 160  # 20 ms of 8 kHz mu-law
SILENCE = b"\xff" * FRAME


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class TwimlAnswer:
    status_code: int
    body: str
    stream_url: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)
    verbs: list[str] = field(default_factory=list)
    say: str = ""
    reject_reason: str | None = None


def parse_twiml(status_code: int, body: str) -> TwimlAnswer:
    answer = TwimlAnswer(status_code, body)
    if status_code != 200:
        return answer
    root = ET.fromstring(body)
    assert root.tag == "Response", body
    for verb in root:
        answer.verbs.append(verb.tag)
        if verb.tag == "Connect":
            stream = verb.find("Stream")
            answer.stream_url = stream.get("url")
            answer.parameters = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
        elif verb.tag == "Say":
            answer.say += verb.text or ""
        elif verb.tag == "Reject":
            answer.reject_reason = verb.get("reason", "rejected")
    return answer


class FakeTwilio:
    def __init__(self, gateway_url: str, public_url: str, account_sid: str, auth_token: str) -> None:
        self.gateway_url = gateway_url.rstrip("/")
        self.public_url = public_url.rstrip("/")
        self.account_sid = account_sid
        self.validator = RequestValidator(auth_token)

    def local(self, public: str) -> str:
        """Where the tunnel delivers a public URL: the same path on the local gateway."""
        parts = urlsplit(public)
        local = urlsplit(self.gateway_url)
        scheme = {"https": "http", "wss": "ws", "http": "http", "ws": "ws"}[parts.scheme]
        if scheme == "ws":
            return f"ws://{local.netloc}{parts.path}"
        return f"{local.scheme}://{local.netloc}{parts.path}"

    def signed_post(self, path: str, params: dict[str, str], signature: str | None = None,
                    body: bytes | None = None) -> httpx.Response:
        url = self.public_url + path
        sig = self.validator.compute_signature(url, params) if signature is None else signature
        headers = {"X-Twilio-Signature": sig} if sig else {}
        if body is None:
            return httpx.post(self.local(url), data=params, headers=headers, timeout=30)
        return httpx.post(self.local(url), content=body, headers={**headers, "Content-Type": "application/x-www-form-urlencoded"}, timeout=30)

    def call_params(self, caller: str, callee: str, call_sid: str | None = None, status: str = "ringing") -> dict[str, str]:
        return {"CallSid": call_sid or new_sid("CA"), "AccountSid": self.account_sid, "From": caller, "To": callee,
                "CallStatus": status, "Direction": "inbound", "ApiVersion": "2010-04-01", "CallerName": ""}

    def ring(self, caller: str, callee: str, **kwargs) -> tuple[dict[str, str], httpx.Response, TwimlAnswer]:
        params = self.call_params(caller, callee, **kwargs)
        response = self.signed_post("/voice/twilio/webhook", params)
        return params, response, parse_twiml(response.status_code, response.text)

    def media_call(self, params: dict[str, str], answer: TwimlAnswer) -> "MediaCall":
        assert answer.stream_url, f"call was not connected to a stream: {answer.body}"
        return MediaCall(self.local(answer.stream_url), self.account_sid, params["CallSid"], answer.parameters)


class MediaCall:
    """One Twilio media stream. Use as `async with`; send speech with `say()`; silence flows otherwise."""

    def __init__(self, ws_url: str, account_sid: str, call_sid: str, parameters: dict[str, str]) -> None:
        self.ws_url, self.account_sid, self.call_sid, self.parameters = ws_url, account_sid, call_sid, parameters
        self.stream_sid = new_sid("MZ")
        self.received: list[dict] = []  # every message from our server, in order, with arrival time
        self.heard = bytearray()  # audio "played" to the caller
        self.clears: list[float] = []
        self.marks_echoed: list[str] = []
        self.closed: tuple[int, str] | None = None
        self.first_audio_at: float | None = None
        self._queue: list[bytes | str] = []  # unplayed frames and marks, in order
        self._outgoing: asyncio.Queue[bytes] = asyncio.Queue()
        self._seq = 0
        self._chunk = 0
        self._started = 0.0

    async def __aenter__(self) -> "MediaCall":
        self.ws = await websockets.connect(self.ws_url, max_size=2**20)
        self._started = time.monotonic()
        await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self._send({"event": "start", "sequenceNumber": self._next_seq(), "streamSid": self.stream_sid,
                          "start": {"streamSid": self.stream_sid, "accountSid": self.account_sid, "callSid": self.call_sid,
                                    "tracks": ["inbound"], "customParameters": self.parameters,
                                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}})
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._stream()), asyncio.create_task(self._play())]
        return self

    async def __aexit__(self, *exc) -> None:
        await self.hang_up()

    async def hang_up(self) -> None:
        if self.closed is None:
            try:
                await self._send({"event": "stop", "sequenceNumber": self._next_seq(), "streamSid": self.stream_sid,
                                  "stop": {"accountSid": self.account_sid, "callSid": self.call_sid}})
                await self.ws.close()
            except websockets.ConnectionClosed:
                pass
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _next_seq(self) -> str:
        self._seq += 1
        return str(self._seq)

    async def _send(self, message: dict) -> None:
        await self.ws.send(json.dumps(message))

    async def send_raw(self, text: str) -> None:
        await self.ws.send(text)

    async def say(self, ulaw: bytes) -> None:
        """Queue caller speech; it goes out in 20 ms frames in real time."""
        for i in range(0, len(ulaw), FRAME):
            frame = ulaw[i : i + FRAME]
            await self._outgoing.put(frame + b"\xff" * (FRAME - len(frame)))

    async def _stream(self) -> None:
        """Caller audio, one frame per 20 ms: speech when queued, silence otherwise."""
        next_at = time.monotonic()
        while True:
            frame = self._outgoing.get_nowait() if not self._outgoing.empty() else SILENCE
            self._chunk += 1
            await self._send({"event": "media", "sequenceNumber": self._next_seq(), "streamSid": self.stream_sid,
                              "media": {"track": "inbound", "chunk": str(self._chunk), "timestamp": str(self._chunk * 20),
                                        "payload": base64.b64encode(frame).decode()}})
            next_at += 0.02
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                message["_at"] = time.monotonic()
                self.received.append(message)
                assert message.get("streamSid") == self.stream_sid, message
                if message["event"] == "media":
                    if self.first_audio_at is None:
                        self.first_audio_at = message["_at"]
                    self._queue.append(base64.b64decode(message["media"]["payload"]))
                elif message["event"] == "mark":
                    self._queue.append(message["mark"]["name"])
                elif message["event"] == "clear":
                    self.clears.append(message["_at"])
                    marks = [m for m in self._queue if isinstance(m, str)]
                    self._queue.clear()
                    for name in marks:  # Twilio echoes pending marks at once after a clear
                        await self._echo(name)
                else:
                    raise AssertionError(f"Twilio does not accept {message['event']!r} from the server")
        except websockets.ConnectionClosed:
            pass
        # A normal close ends `async for` silently; the close frame tells how the server hung up.
        self.closed = (self.ws.close_code or 1006, self.ws.close_reason or "")

    async def _echo(self, name: str) -> None:
        self.marks_echoed.append(name)
        try:
            await self._send({"event": "mark", "sequenceNumber": self._next_seq(), "streamSid": self.stream_sid, "mark": {"name": name}})
        except websockets.ConnectionClosed:
            pass

    async def _play(self) -> None:
        """The phone's speaker: one queued frame per 20 ms; marks echo when reached."""
        next_at = time.monotonic()
        while True:
            while self._queue and isinstance(self._queue[0], str):
                await self._echo(self._queue.pop(0))
            if self._queue:
                self.heard.extend(self._queue.pop(0))
            next_at += 0.02
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def wait_for(self, predicate, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; received {[m['event'] for m in self.received][-10:]}, closed={self.closed}")
            await asyncio.sleep(0.05)

    def events(self, kind: str) -> list[dict]:
        return [m for m in self.received if m["event"] == kind]

    def heard_audio(self) -> np.ndarray:
        from plugins.voice_call.speech.audio import ulaw_to_float

        return ulaw_to_float(bytes(self.heard))
