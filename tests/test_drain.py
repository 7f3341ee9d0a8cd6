"""Stopping a gateway with SIGTERM drains it: a balancer is told to send elsewhere (/healthz 503),
no scheduled call is started, and the calls on the line go on until they end (or a limit)."""

from __future__ import annotations

import asyncio
import subprocess

import httpx

from plugins.voice_call.scheduling.scheduler import CallScheduler

from .conftest import FRIEND, OWNER, assistant_cmd
from .voice_harness import CallLab, speak, transcribe_ulaw


def test_a_draining_gateway_serves_the_call_on_the_line_then_is_done(host) -> None:
    with CallLab(host, "twilio") as lab:
        gateway = lab.live.host.gateway
        ring = lab.carrier.ring(FRIEND, OWNER)
        question = speak("What is the capital of France?")

        async def scenario() -> tuple[int, str, int]:
            async with lab.carrier.media_call(ring) as call:
                await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
                draining = asyncio.run_coroutine_threadsafe(gateway.drain(60), lab.live.loop)
                health = await asyncio.to_thread(httpx.get, f"{lab.live.url}/healthz", timeout=10)
                assert (health.status_code, health.json()) == (503, {"status": "draining"})
                start = len(call.heard)
                await call.say(question)  # the call goes on as before
                await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=30)
                await call.wait_for(lambda: not call.playing, timeout=10)
                assert not draining.done()
                answer = transcribe_ulaw(bytes(call.heard[start:]))
            left = await asyncio.wrap_future(draining)  # the caller hung up: nothing is live
            return left, answer, gateway.busy()

        left, answer, busy = asyncio.run(scenario())
        assert "paris" in answer.lower(), answer
        assert left == 0 and busy == 0
        assert CallScheduler.of(lab.host)._task is None, "a draining gateway places no scheduled call"


def test_draining_ends_at_its_limit_with_calls_still_live(host) -> None:
    with CallLab(host, "twilio") as lab:
        ring = lab.carrier.ring(FRIEND, OWNER)

        async def scenario() -> int:
            async with lab.carrier.media_call(ring) as call:
                await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
                draining = asyncio.run_coroutine_threadsafe(lab.live.host.gateway.drain(0.5), lab.live.loop)
                return await asyncio.wrap_future(draining)

        assert asyncio.run(scenario()) == 1


def test_sigterm_drains_then_stops(env, home) -> None:
    server = subprocess.Popen([*assistant_cmd(), "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().startswith("Gateway listening on ")
        server.terminate()
        assert server.stdout.readline().startswith("Draining: 0 calls live")
        assert server.stdout.readline().strip() == "Drained: no calls live"
        assert server.wait(timeout=20) == 0
    finally:
        if server.poll() is None:
            server.kill()
        server.stdout.close()
        server.stderr.close()
    assert not (home / "gateway.json").exists()
