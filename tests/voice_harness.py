"""A live gateway for voice tests: its own thread and event loop, a fake carrier, fakes injected."""

from __future__ import annotations

import asyncio
import functools
import json
import re
import threading
import time
from collections.abc import AsyncIterator

from pydantic_ai.messages import ModelMessage, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, FunctionModel

from assistant.gateway import Gateway
from assistant.host import Host
from plugins.voice_call.runtime import VoiceCallRuntime
from plugins.voice_call.speech.audio import ulaw_to_float
from plugins.voice_call.speech.stt import LocalWhisper
from plugins.voice_call.speech.tts import KokoroTTS

from .fakes.carrier import FakeCarrier
from .fakes.plivo_carrier import FakePlivo
from .fakes.telnyx_carrier import FakeTelnyx
from .fakes.twilio_carrier import FakeTwilio
from .values import FRIEND, OWNER, PLIVO_ID, PLIVO_TOKEN, TELNYX_KEY, TWILIO_SID, TWILIO_TOKEN

PUBLIC_URL = "https://assistant.example.test"
GREETING = "Hello, this is the test assistant."
LONG_ANSWER = (
    "Once upon a time there was a lighthouse keeper who lived alone on a rocky island. "
    "Every night he climbed the stairs and lit the lamp. Ships passed safely in the dark. "
    "He wrote letters to the sea and never sent them. One morning a boat arrived."
)
CARRIERS = ("twilio", "telnyx", "plivo")


async def scripted_call_model(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | dict[int, DeltaToolCall]]:
    """The call agent's model in tests: fixed answers, so we can check what the caller hears."""
    last = messages[-1]
    if any(isinstance(p, ToolReturnPart) for p in last.parts):
        yield "Goodbye!"
        return
    text = " ".join(p.content for p in last.parts if isinstance(p, UserPromptPart) and isinstance(p.content, str)).lower()
    if "bye" in text:
        yield {0: DeltaToolCall(name="end_call", json_args=json.dumps({"reason": "caller said goodbye"}))}
    elif "capital" in text and "france" in text:
        for piece in ["The capital of France ", "is Paris."]:
            yield piece
    elif "story" in text:
        for sentence in re.split(r"(?<=\.) ", LONG_ANSWER):
            yield sentence + " "
    else:
        yield "Sorry, I did not catch that."


async def _cancel_all_tasks() -> None:
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class LiveGateway:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="gateway-loop", daemon=True)
        self.url = ""

    def __enter__(self) -> LiveGateway:
        self.thread.start()
        self.host.gateway = Gateway(self.host)
        self.url = self.run(self.host.gateway.start(port=0))
        return self

    def run(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def __exit__(self, *exc) -> None:
        self.run(self.host.gateway.stop())
        self.run(_cancel_all_tasks())  # what is left (prompt making, speech) ends with the gateway
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    def restart(self) -> int:
        return self.run(self.host.gateway.restart())

    @property
    def runtime(self) -> VoiceCallRuntime:
        return VoiceCallRuntime.of(self.host)


def make_carrier(name: str, gateway_url: str) -> FakeCarrier:
    if name == "twilio":
        return FakeTwilio(gateway_url, PUBLIC_URL, TWILIO_SID, TWILIO_TOKEN)
    if name == "telnyx":
        return FakeTelnyx(gateway_url, PUBLIC_URL, TELNYX_KEY)
    return FakePlivo(gateway_url, PUBLIC_URL, PLIVO_ID, PLIVO_TOKEN)


def configure(host: Host, carrier: FakeCarrier, **changes) -> None:
    settings, secrets = carrier.settings()
    host.config.update(
        "voice_call",
        {
            "phoneNumber": OWNER,
            "publicUrl": PUBLIC_URL,
            "inbound.policy": "open",
            "inbound.greeting": GREETING,
            "endOfUtteranceMs": 500,
            # Measured capacity depends on the machine's load; tests that are not about it fix it.
            "callCapacity": 16,
            **settings,
            **changes,
        },
        secrets=secrets,
    )


class CallLab:
    """A gateway answering through one fake carrier, with the scripted call model."""

    def __init__(self, host: Host, carrier_name: str) -> None:
        self.host = host
        self.live = LiveGateway(host)
        self.carrier_name = carrier_name

    def __enter__(self) -> CallLab:
        self.live.__enter__()
        self.carrier = make_carrier(self.carrier_name, self.live.url)
        configure(self.host, self.carrier)
        self.live.restart()
        # The greeting and the fixed lines are made before the first call, as on a gateway that has
        # been up a moment: a call that came first would make its greeting a second time.
        self.live.run(self.live.runtime.prompts.ready(), timeout=120)
        self.live.runtime.call_model = FunctionModel(stream_function=scripted_call_model)
        # A real carrier opens the stream within a second of the answer; the fake opens it when the
        # test says, often after synthesising the caller's words. The deadline has a test of its own.
        self.live.runtime.switchboard.stream_wait_s = 120
        return self

    def __exit__(self, *exc) -> None:
        self.live.__exit__(*exc)
        self.carrier.close()

    def say(self, text: str) -> str:
        """The owner types in chat; the turn runs on the gateway's loop, as in `assistant chat`."""
        from assistant.agent import AssistantAgent

        if not hasattr(self, "_agent"):
            self._agent = AssistantAgent(self.host)
            self._conversation = self.host.conversations.create()
        return self.live.run(self._agent.ask(self._conversation, text)).text

    def set(self, **changes) -> None:
        self.host.config.update("voice_call", changes)
        self.live.restart()

    @property
    def runtime(self) -> VoiceCallRuntime:
        return self.live.runtime


def settle(predicate, timeout: float = 10.0) -> None:
    """Wait (in the test's thread) until the server has done what `predicate` checks."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for the server"
        time.sleep(0.05)


@functools.lru_cache(maxsize=1024)
def speak(text: str, voice: str = "am_adam") -> bytes:
    """Caller speech, synthesised by the local TTS (a different voice from the assistant's); made
    once per test process (tests say the same things: bytes, so no test can change another's)."""
    return KokoroTTS.shared().synthesize_sync(text, voice)


def transcribe(samples) -> str:
    return LocalWhisper.shared().transcribe_sync(samples)


def transcribe_ulaw(ulaw: bytes) -> str:
    return transcribe(ulaw_to_float(ulaw))


def ask_paris(lab: CallLab, greeting_timeout: float = 30) -> tuple[str, str, object]:
    """Ring, wait for the local pipeline's greeting (mark "greeting"), ask the capital of France.
    Returns what the caller heard before asking, the answer they heard, and the ring."""
    return ask(lab, "What is the capital of France?", greeting_timeout)


#: A reply is over once the line has been quiet this long: its later pieces are made while the
#: first plays, and with every core busy one may come a moment after the one before has ended.
REPLY_OVER_S = 2.5


async def quiet_for(call, seconds: float, timeout: float = 30) -> None:
    """Wait until `call` has heard nothing for `seconds` in a row (at most `timeout`)."""
    loop = asyncio.get_running_loop()
    deadline, quiet_since = loop.time() + timeout, None
    while loop.time() < deadline:
        if call.playing:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = loop.time()
        elif loop.time() - quiet_since >= seconds:
            return
        await asyncio.sleep(0.05)


def ask(lab: CallLab, words: str, greeting_timeout: float = 30) -> tuple[str, str, object]:
    """Ring, wait for the greeting, say `words` (Kokoro) and hear the first answer through.
    Returns what the caller heard before asking, the answer they heard, and the ring."""
    ring = lab.carrier.ring(FRIEND, OWNER)
    question = speak(words)

    async def scenario():
        async with lab.carrier.media_call(ring) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=greeting_timeout)
            greeting = transcribe_ulaw(bytes(call.heard))
            start = len(call.heard)
            await call.say(question)
            await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=30)
            await quiet_for(call, REPLY_OVER_S)
            return greeting, transcribe_ulaw(bytes(call.heard[start:]))

    greeting, answer = asyncio.run(scenario())
    return greeting, answer, ring
