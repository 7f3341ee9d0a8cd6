"""One call session: it ends down one path (the first reason decided is kept), and its engine is
swapped for the local pipeline when Realtime is lost, on the same stream."""

from __future__ import annotations

import asyncio

from starlette.websockets import WebSocketState

from plugins.voice_call.calls.engine import Engine
from plugins.voice_call.calls.session import HANDOVER_LINE, CallSession, Stream
from plugins.voice_call.calls.setup import CallSetup, PendingCall
from plugins.voice_call.carriers.twilio import TwilioCodec
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.history.ending import Ending, EndReason


class Socket:
    """The carrier's side of the media stream: frames queued by the test, what we send kept."""

    def __init__(self) -> None:
        self.client_state = WebSocketState.CONNECTED
        self.incoming: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent: list[str] = []
        self.closed: tuple[int, str] | None = None

    async def receive(self) -> dict:
        """What Starlette's WebSocket.receive gives: a text message, or the disconnect."""
        text = await self.incoming.get()
        if text is None:
            return {"type": "websocket.disconnect", "code": 1000}
        return {"type": "websocket.receive", "text": text}

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed = (code, reason)
        self.client_state = WebSocketState.DISCONNECTED
        self.incoming.put_nowait(None)


class Records:
    def __init__(self) -> None:
        self.lines: list[dict] = []

    def append_transcript(self, call_id: str, entries: list) -> None:
        self.lines.extend(entries)

    def get(self, call_id: str) -> None:
        return None


class Quiet(Engine):
    """An engine that says nothing and is lost when told to be."""

    def __init__(self, line, name: str, intro: str = "") -> None:
        super().__init__(line)
        self.name, self.intro = name, intro
        self.gone = asyncio.Event()
        self.closed = False

    async def start(self) -> None:
        pass

    async def speak(self, text: str) -> asyncio.Event:
        done = asyncio.Event()
        done.set()
        return done

    async def on_audio(self, payload: bytes) -> None:
        pass

    def active(self) -> bool:
        return True

    async def stop_speaking(self) -> None:
        pass

    def heard(self, name: str) -> None:
        pass

    async def lost(self) -> None:
        await self.gone.wait()

    async def close(self) -> None:
        self.closed = True
        await super().close()


class Parts:
    def features(self) -> dict:
        return {}


def session(socket: Socket, records: Records, mode: str = "inbound") -> CallSession:
    setup = CallSetup("c1", "tok", VoiceCallConfig(), "Hello.", mode=mode)  # type: ignore[arg-type]
    return CallSession(setup, Stream(socket, TwilioCodec(), "MZ1"), records=records, parts=Parts(), prepared=PendingCall(setup))


def caller_frame() -> str:
    """20 ms of the caller's audio (Twilio's media message: its codec reads ours the same way)."""
    return TwilioCodec().media("MZ1", b"\xff" * 160)


def test_the_first_reason_decided_is_the_one_kept() -> None:
    async def scenario() -> tuple[Ending, tuple[int, str] | None]:
        socket, records = Socket(), Records()
        call = session(socket, records)
        engine = Quiet(call, "local")
        call._first_engine = lambda: _ready(engine)  # type: ignore[method-assign]
        running = asyncio.create_task(call.run())
        await asyncio.sleep(0.05)
        call.end(Ending(EndReason.OWNER_ENDED))
        call.end(Ending(EndReason.CARRIER_ENDED))  # the carrier's report of the same hang-up
        ending = await asyncio.wait_for(running, 5)
        assert engine.closed
        return ending, socket.closed

    ending, closed = asyncio.run(scenario())
    assert ending.reason == EndReason.OWNER_ENDED
    assert closed == (1000, EndReason.OWNER_ENDED.value)


def test_a_lost_realtime_engine_is_swapped_for_the_local_pipeline_on_the_same_stream() -> None:
    async def scenario() -> tuple[list[str], list[dict], Ending]:
        socket, records = Socket(), Records()
        call = session(socket, records)
        realtime = Quiet(call, "realtime")
        made: list[Quiet] = []

        def local(intro: str, intro_audio: object = None) -> Quiet:
            made.append(Quiet(call, "local", intro))
            return made[-1]

        call._first_engine = lambda: _ready(realtime)  # type: ignore[method-assign]
        call._local = local  # type: ignore[method-assign]
        running = asyncio.create_task(call.run())
        await asyncio.sleep(0.05)
        realtime.gone.set()  # the Realtime socket dropped mid-call
        await asyncio.sleep(0.1)
        assert call.engine is made[0] and realtime.closed and not running.done()
        socket.incoming.put_nowait(caller_frame())  # the caller is still there, on the same stream
        await asyncio.sleep(0.05)
        assert call.media_ms == 20
        socket.incoming.put_nowait(None)  # then hangs up
        ending = await asyncio.wait_for(running, 5)
        return [e.intro for e in made], records.lines, ending

    intros, lines, ending = asyncio.run(scenario())
    assert intros == [HANDOVER_LINE]  # the opening words were heard: the local pipeline says it is still here
    assert [line["text"] for line in lines] == ["OpenAI Realtime connection lost; the local pipeline took over"]
    assert ending.reason == EndReason.CALLER_HUNG_UP


async def _ready(engine: Engine) -> Engine:
    return engine
