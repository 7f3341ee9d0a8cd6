"""The Pipecat baseline: a Pipecat pipeline behind Twilio's media WebSocket, with the same fake
engines and delays as bench/fakes.py. Runs in its own virtual environment (pipecat-ai from PyPI):

    bench/.venv-pipecat/bin/python bench/pipecat_server.py PORT [REPLY_SECONDS]

Pipeline: FastAPIWebsocketTransport + TwilioFrameSerializer -> VADProcessor(Silero, stop 0.5 s)
-> SegmentedSTTService (fake, 100 ms) -> fake LLM (first text after 200 ms) -> TTSService (fake,
first audio after 50 ms, 1 s of tone) -> transport output. Pipecat's own Silero VAD and its
Twilio serializer do the turn-taking and the wire format, as in its Twilio examples.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time

import numpy as np
import uvicorn
from fastapi import FastAPI, WebSocket
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import (
    Frame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.runner import PipelineRunner
from pipecat.pipeline.task import PipelineParams, PipelineTask
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.serializers.twilio import TwilioFrameSerializer
from pipecat.services.stt_service import SegmentedSTTService
from pipecat.services.tts_service import TTSService
from pipecat.transports.websocket.fastapi import FastAPIWebsocketParams, FastAPIWebsocketTransport
from pipecat.utils.time import time_now_iso8601

STT_DELAY_S, LLM_FIRST_TOKEN_S, TTS_FIRST_AUDIO_S = 0.100, 0.200, 0.050
RATE = 8000


class FakeSTT(SegmentedSTTService):
    async def run_stt(self, audio: bytes):
        await asyncio.sleep(STT_DELAY_S)
        yield TranscriptionFrame("What is the capital of France?", "caller", time_now_iso8601())


class TurnClock(FrameProcessor):
    """Prints when Pipecat's VAD ends each turn (CLOCK_MONOTONIC, comparable across processes)."""

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        if isinstance(frame, VADUserStoppedSpeakingFrame):
            print(f"VAD_STOP {time.monotonic()}", flush=True)
        await self.push_frame(frame, direction)


class FakeLLM(FrameProcessor):
    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        if isinstance(frame, TranscriptionFrame):
            await asyncio.sleep(LLM_FIRST_TOKEN_S)
            await self.push_frame(LLMFullResponseStartFrame())
            await self.push_frame(LLMTextFrame("The capital of France is Paris."))
            await self.push_frame(LLMFullResponseEndFrame())
        else:
            await self.push_frame(frame, direction)


REPLY_S = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0


class FakeTTS(TTSService):
    def __init__(self, **kwargs):
        super().__init__(sample_rate=RATE, **kwargs)
        t = np.arange(int(RATE * REPLY_S)) / RATE
        self.audio = (0.3 * 32767 * np.sin(2 * math.pi * 440 * t)).astype("<i2").tobytes()

    def can_generate_metrics(self) -> bool:
        return False

    async def run_tts(self, text: str, context_id: str):
        await asyncio.sleep(TTS_FIRST_AUDIO_S)
        yield TTSAudioRawFrame(audio=self.audio, sample_rate=RATE, num_channels=1, context_id=context_id)


app = FastAPI()


@app.websocket("/ws")
async def media(websocket: WebSocket) -> None:
    await websocket.accept()
    start = {}
    while "start" not in start:
        start = json.loads(await websocket.receive_text())
    serializer = TwilioFrameSerializer(
        stream_sid=start["start"]["streamSid"],
        call_sid=start["start"]["callSid"],
        params=TwilioFrameSerializer.InputParams(auto_hang_up=False),
    )
    transport = FastAPIWebsocketTransport(
        websocket=websocket,
        params=FastAPIWebsocketParams(audio_in_enabled=True, audio_out_enabled=True, add_wav_header=False, serializer=serializer),
    )
    vad = VADProcessor(vad_analyzer=SileroVADAnalyzer(params=VADParams(stop_secs=0.5)))
    pipeline = Pipeline([transport.input(), vad, TurnClock(), FakeSTT(), FakeLLM(), FakeTTS(), transport.output()])
    task = PipelineTask(pipeline, params=PipelineParams(audio_in_sample_rate=RATE, audio_out_sample_rate=RATE))
    await PipelineRunner(handle_sigint=False).run(task)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
