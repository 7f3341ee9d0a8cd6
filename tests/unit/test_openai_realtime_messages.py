"""What Realtime Call mode sends to and reads from the OpenAI Realtime API, checked against the
openai SDK's own type definitions (openai.types.realtime: RealtimeClientEvent, RealtimeServerEvent),
not against our fake server."""

from __future__ import annotations

import asyncio
import typing

import openai.types.realtime as rt
import pytest
from pydantic import BaseModel, TypeAdapter
from starlette.websockets import WebSocketState

from plugins.voice_call.calls.caller_tools import CALL_TOOLS
from plugins.voice_call.calls.realtime import AUDIO_DELTA, AUDIO_DONE, TRANSCRIPT_DONE, RealtimeEngine, session_update
from plugins.voice_call.calls.session import CallSession, Stream
from plugins.voice_call.calls.setup import CallSetup
from plugins.voice_call.carriers.twilio import TwilioCodec
from plugins.voice_call.config import VoiceCallConfig

CLIENT = TypeAdapter(rt.RealtimeClientEvent)
SERVER_TYPES = {
    typing.get_args(m.model_fields["type"].annotation)[0]: m for m in typing.get_args(typing.get_args(rt.RealtimeServerEvent)[0])
}


def unknown_fields(model: BaseModel, path: str = "") -> list[str]:
    """Keys the SDK type does not define (pydantic keeps them in model_extra), at any depth."""
    found = [f"{path}{key}" for key in (model.model_extra or {})]
    for name in type(model).model_fields:
        value = getattr(model, name)
        values = value if isinstance(value, list) else [value]
        found += [f for v in values if isinstance(v, BaseModel) for f in unknown_fields(v, f"{path}{name}.")]
    return found


def test_the_session_update_is_a_valid_ga_session() -> None:
    event = CLIENT.validate_python(session_update(VoiceCallConfig(), "Be brief."))
    assert isinstance(event, rt.SessionUpdateEvent) and unknown_fields(event) == []
    session = event.session
    assert session.type == "realtime" and session.audio.input.format.type == "audio/pcmu"
    assert session.audio.output.format.type == "audio/pcmu" and session.audio.input.turn_detection.type == "server_vad"
    assert [t.name for t in session.tools] == [t.name for t in CALL_TOOLS]  # the call's own tools, nothing more


class Connection:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, event: dict) -> None:
        self.sent.append(event)


class Socket:
    client_state = WebSocketState.CONNECTED

    async def send_text(self, text: str) -> None:
        pass


class Parts:
    """A call over Realtime builds nothing of the local pipeline; callers reach no features here."""

    def features(self) -> dict:
        return {}


class Records:
    def append_transcript(self, call_id: str, entries: list) -> None:
        pass

    def get(self, call_id: str) -> None:
        return None


def test_every_event_a_call_sends_is_a_client_event_the_sdk_defines() -> None:
    connection = Connection()

    async def scenario() -> None:
        call = CallSession(
            CallSetup("c1", "token", VoiceCallConfig(), "Hello."),
            Stream(Socket(), TwilioCodec(), "MZ1"),
            records=Records(),
            parts=Parts(),
        )
        engine = RealtimeEngine(call, connection)
        await engine.speak("Your table is booked.")
        engine.intro_delivered = True
        await engine.on_audio(b"\xff" * 160)
        await engine._tool_call({"name": "take_message", "arguments": '{"message": "call back"}', "call_id": "fc1"})
        engine._audio("item1", b"\xff" * 320, "resp1")
        engine._responding = True
        await engine.stop_speaking()  # cancels the response, flushes, truncates what was not heard

    asyncio.run(scenario())
    kinds = []
    for sent in connection.sent:
        event = CLIENT.validate_python(sent)
        assert unknown_fields(event) == [], sent
        kinds.append(event.type)
    assert kinds == [
        "response.create",
        "input_audio_buffer.append",
        "conversation.item.create",
        "response.create",
        "response.cancel",
        "conversation.item.truncate",
    ]


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        (AUDIO_DELTA[0], {"item_id", "delta", "response_id"}),
        (AUDIO_DONE[0], {"item_id"}),
        (TRANSCRIPT_DONE[0], {"item_id", "transcript"}),
        ("input_audio_buffer.speech_started", set()),
        ("input_audio_buffer.speech_stopped", set()),
        ("conversation.item.input_audio_transcription.completed", {"transcript"}),
        ("response.created", {"response"}),
        ("response.function_call_arguments.done", {"name", "arguments", "call_id", "response_id"}),
        ("response.done", {"response"}),
        ("error", {"error"}),
    ],
)
def test_every_server_event_we_read_is_one_the_sdk_defines(name, fields) -> None:
    assert name in SERVER_TYPES, f"{name} is not a Realtime server event"
    assert fields <= set(SERVER_TYPES[name].model_fields)
