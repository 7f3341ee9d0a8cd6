"""Voice calls over Twilio, end to end: a fake Twilio rings a real gateway on 127.0.0.1, streams real
speech, and we check what the caller hears by transcribing the audio that comes back."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from plugins.voice_call.calls.records import CallRecords

from .conftest import FRIEND, OWNER, run_cli
from .fakes.twilio_carrier import new_sid
from .helpers import Chat
from .voice_harness import GREETING, LiveGateway, configure_twilio, install_fakes, speak, transcribe, transcribe_ulaw

STRANGER = "+15557770000"


@pytest.fixture
def gateway(host):
    configure_twilio(host)
    with LiveGateway(host) as live:
        install_fakes(live.runtime)
        yield live


def records(host) -> CallRecords:
    return CallRecords(host.db)


def test_call_is_answered_greeted_and_answers_a_spoken_question(gateway, host, env) -> None:
    twilio = gateway.carrier()
    params, response, answer = twilio.ring(FRIEND, OWNER)
    assert response.status_code == 200 and answer.verbs == ["Connect"]
    assert answer.stream_url == "wss://assistant.example.test/voice/twilio/stream"
    assert set(answer.parameters) == {"token"}
    question = speak("What is the capital of France?")

    async def scenario():
        async with twilio.media_call(params, answer) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=20)
            greeting_heard = transcribe(call.heard_audio())
            start = len(call.heard)
            await call.say(question)
            await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=30)
            await call.wait_for(lambda: not call._queue, timeout=10)
            return greeting_heard, transcribe_ulaw(bytes(call.heard[start:])), call

    greeting_heard, answer_heard, call = asyncio.run(scenario())
    assert "test assistant" in greeting_heard.lower()
    assert "paris" in answer_heard.lower()
    assert call.events("clear") == []
    time.sleep(0.5)
    record = records(host).by_carrier_id("twilio", params["CallSid"])
    assert record.state == "completed" and record.end_reason == "caller hung up"
    assert (record.direction, record.from_number, record.to_number) == ("inbound", FRIEND, OWNER)
    roles = [(e["role"], e.get("heard")) for e in record.transcript]
    assert roles[0] == ("assistant", True) and record.transcript[0]["text"] == GREETING
    caller = next(e for e in record.transcript if e["role"] == "caller")
    assert "capital of france" in caller["text"].lower()
    spoken = " ".join(e["text"] for e in record.transcript if e["role"] == "assistant" and e.get("heard"))
    assert "The capital of France is Paris." in spoken
    assert record.answered_at is not None and record.ended_at is not None
    shown = run_cli(env, "calls", "show", record.id, check=True).stdout
    assert "The capital of France is Paris." in shown and "caller hung up" in shown
    assert record.id in run_cli(env, "calls", "list", check=True).stdout


def test_barge_in_clears_playback_and_cancels_the_reply(gateway, host) -> None:
    twilio = gateway.carrier()
    params, _, answer = twilio.ring(FRIEND, OWNER)
    ask = speak("Tell me a story please.")
    interrupt = speak("Wait, stop, stop.")

    async def scenario():
        async with twilio.media_call(params, answer) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=20)
            await call.say(ask)
            await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=30)
            await call.say(interrupt)
            await call.wait_for(lambda: call.clears, timeout=10)
            cleared_at = call.clears[0]
            await asyncio.sleep(1.0)
            after_clear = [m for m in call.events("media") if m["_at"] > cleared_at + 0.2]
            return call, after_clear

    call, after_clear = asyncio.run(scenario())
    assert len(call.clears) >= 1
    story_marks = [m for m in call.marks_echoed if m.startswith("t1")]
    assert 1 <= len(story_marks) < 5, "the reply was cancelled before all five sentences played"
    time.sleep(0.5)
    record = records(host).by_carrier_id("twilio", params["CallSid"])
    assert any(e.get("interrupted") for e in record.transcript), record.transcript
    assert not [e for e in record.transcript if e["role"] == "assistant" and e.get("heard") and "boat arrived" in e["text"]]


def test_caller_says_goodbye_and_the_agent_hangs_up(gateway, host) -> None:
    twilio = gateway.carrier()
    params, _, answer = twilio.ring(FRIEND, OWNER)
    bye = speak("Okay, thank you, bye bye.")

    async def scenario():
        async with twilio.media_call(params, answer) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=20)
            start = len(call.heard)
            await call.say(bye)
            await call.wait_for(lambda: call.closed is not None, timeout=30)
            return call, transcribe_ulaw(bytes(call.heard[start:]))

    call, heard = asyncio.run(scenario())
    assert call.closed[0] == 1000 and "goodbye" in heard.lower()
    record = records(host).by_carrier_id("twilio", params["CallSid"])
    assert (record.state, record.end_reason) == ("completed", "caller said goodbye")


def test_duration_limit_says_goodbye_and_hangs_up(gateway, host) -> None:
    host.config.update("voice_call", {"maxDurationSeconds": 10, "silenceTimeoutSeconds": 60})
    gateway.restart()
    twilio = gateway.carrier()
    params, _, answer = twilio.ring(FRIEND, OWNER)

    async def scenario():
        async with twilio.media_call(params, answer) as call:
            started = time.monotonic()
            await call.wait_for(lambda: call.closed is not None, timeout=25)
            return call, time.monotonic() - started

    call, elapsed = asyncio.run(scenario())
    assert 10 <= elapsed < 20
    assert "time limit" in transcribe(call.heard_audio()[-8000 * 5 :]).lower()
    record = records(host).by_carrier_id("twilio", params["CallSid"])
    assert (record.state, record.end_reason) == ("completed", "max duration reached")


def test_silence_timeout_ends_a_quiet_call(gateway, host) -> None:
    host.config.update("voice_call", {"silenceTimeoutSeconds": 5})
    gateway.restart()
    twilio = gateway.carrier()
    params, _, answer = twilio.ring(FRIEND, OWNER)

    async def scenario():
        async with twilio.media_call(params, answer) as call:
            await call.wait_for(lambda: call.closed is not None, timeout=20)
            return call

    call = asyncio.run(scenario())
    record = records(host).by_carrier_id("twilio", params["CallSid"])
    assert (record.state, record.end_reason) == ("completed", "silence timeout")
    assert "hang up" in transcribe(call.heard_audio()[-8000 * 5 :]).lower()


@pytest.mark.parametrize(
    ("policy", "allow", "caller", "connected"),
    [("disabled", [], FRIEND, False), ("allowlist", [FRIEND], STRANGER, False), ("allowlist", [FRIEND], FRIEND, True),
     ("open", [], STRANGER, True)],
)
def test_inbound_policy(gateway, host, policy, allow, caller, connected) -> None:
    host.config.update("voice_call", {"inbound.allowFrom": allow, "inbound.policy": policy})
    gateway.restart()
    params, response, answer = gateway.carrier().ring(caller, OWNER)
    assert response.status_code == 200
    if connected:
        assert answer.stream_url
    else:
        assert answer.verbs == ["Reject"] and answer.reject_reason == "rejected"
        record = records(host).by_carrier_id("twilio", params["CallSid"])
        assert record.state == "failed" and record.end_reason


def test_pairing_lets_only_the_paired_caller_in(gateway, host) -> None:
    host.config.update("voice_call", {"inbound.policy": "pairing"})
    gateway.restart()
    twilio = gateway.carrier()
    _, _, first = twilio.ring(STRANGER, OWNER)
    assert first.verbs == ["Say", "Hangup"]
    code = "".join(ch for ch in first.say.split("code is")[1].split(".")[0] if ch.isdigit())
    assert len(code) == 4
    _, _, again = twilio.ring(STRANGER, OWNER)
    assert code in "".join(ch for ch in again.say if ch.isdigit()), "redialing must not farm new codes"
    _, _, other = twilio.ring("+15558880000", OWNER)
    other_code = "".join(ch for ch in other.say.split("code is")[1].split(".")[0] if ch.isdigit())
    assert other_code != code

    chat = Chat(host)
    wrong = next(f"{n:04d}" for n in range(10000) if f"{n:04d}" not in (code, other_code))
    assert "No pending pairing" in chat.say(f"approve pairing {wrong}").text
    assert f"Approved {STRANGER}" in chat.say(f"approve pairing {code}").text
    assert "No pending pairing" in chat.say(f"approve pairing {code}").text  # single use
    assert STRANGER in host.config.get("voice_call").inbound.allow_from
    assert "+15558880000" not in host.config.get("voice_call").inbound.allow_from
    gateway.restart()
    _, _, paired = twilio.ring(STRANGER, OWNER)
    assert paired.stream_url
    _, _, still_unknown = twilio.ring("+15558880000", OWNER)
    assert still_unknown.verbs == ["Say", "Hangup"]


def test_unsigned_wrongly_signed_and_replayed_webhooks(gateway, host) -> None:
    twilio = gateway.carrier()
    params = twilio.call_params(FRIEND, OWNER)
    assert twilio.signed_post("/voice/twilio/webhook", params, signature="").status_code == 403
    assert twilio.signed_post("/voice/twilio/webhook", params, signature="bm90IHRoZSBzaWduYXR1cmU=").status_code == 403
    impostor = gateway.carrier(auth_token="0" * 32)
    assert impostor.signed_post("/voice/twilio/webhook", params).status_code == 403
    tampered = twilio.validator.compute_signature(twilio.public_url + "/voice/twilio/webhook", params)
    assert twilio.signed_post("/voice/twilio/webhook", {**params, "From": STRANGER}, signature=tampered).status_code == 403
    assert records(host).by_carrier_id("twilio", params["CallSid"]) is None

    first = twilio.signed_post("/voice/twilio/webhook", params)
    replay = twilio.signed_post("/voice/twilio/webhook", params)
    assert first.status_code == replay.status_code == 200 and first.text == replay.text
    assert len([r for r in records(host).recent(50) if r.carrier_call_id == params["CallSid"]]) == 1
    assert len(gateway.runtime.pending) == 1


def test_bad_webhook_bodies(gateway, host) -> None:
    twilio = gateway.carrier()
    big = {**twilio.call_params(FRIEND, OWNER), "CallerName": "x" * 70_000}
    assert twilio.signed_post("/voice/twilio/webhook", big).status_code == 413
    bad_sid = twilio.call_params(FRIEND, OWNER, call_sid="CA123")
    response = twilio.signed_post("/voice/twilio/webhook", bad_sid)
    assert response.status_code == 400 and "CallSid" in response.text
    other_account = {**twilio.call_params(FRIEND, OWNER), "AccountSid": "AC" + "0" * 32}
    assert twilio.signed_post("/voice/twilio/webhook", other_account).status_code == 400
    unknown = twilio.call_params(FRIEND, OWNER, status="completed")
    assert twilio.signed_post("/voice/twilio/status", unknown).status_code == 404
    assert records(host).recent(50) == []


def test_status_callback_updates_the_record(gateway, host) -> None:
    twilio = gateway.carrier()
    params, _, _ = twilio.ring(FRIEND, OWNER)
    done = {**params, "CallStatus": "no-answer", "CallDuration": "0", "CallbackSource": "call-progress-events"}
    assert twilio.signed_post("/voice/twilio/status", done).status_code == 200
    assert records(host).by_carrier_id("twilio", params["CallSid"]).state == "no-answer"


def test_bad_streams_are_closed_and_other_calls_go_on(gateway, host) -> None:
    import websockets

    twilio = gateway.carrier()
    params, _, answer = twilio.ring(FRIEND, OWNER)
    stream = twilio.local(answer.stream_url)

    async def closed_with(messages: list[str]) -> int:
        async with websockets.connect(stream) as ws:
            for m in messages:
                await ws.send(m)
            with pytest.raises(websockets.ConnectionClosed) as info:
                for _ in range(100):
                    await asyncio.wait_for(ws.recv(), timeout=15)
            return info.value.rcvd.code

    def start(call_sid: str, token: str) -> str:
        import json

        return json.dumps({"event": "start", "streamSid": new_sid("MZ"), "start": {
            "streamSid": "MZ1", "accountSid": "AC", "callSid": call_sid, "customParameters": {"token": token}}})

    async def scenario():
        async with twilio.media_call(params, answer) as good:
            await good.wait_for(lambda: "greeting" in good.marks_echoed, timeout=20)
            codes = [
                await closed_with(["{not json"]),
                await closed_with([start(new_sid("CA"), "whatever")]),
                await closed_with([start(params["CallSid"], "wrong-token")]),
            ]
            await good.send_raw("{broken")
            await good.send_raw('{"event": "media", "media": {"payload": "***not base64***"}}')
            await good.send_raw('{"event": "media"}')
            await good.send_raw(b"\x00\x01binary".decode("latin-1"))
            start_at = len(good.heard)
            await good.say(speak("What is the capital of France?"))
            await good.wait_for(lambda: any(m.startswith("t1") for m in good.marks_echoed), timeout=30)
            await good.wait_for(lambda: not good._queue, timeout=10)
            return codes, transcribe_ulaw(bytes(good.heard[start_at:])), good.closed

    codes, heard, closed = asyncio.run(scenario())
    assert codes == [1007, 1008, 1008]
    assert "paris" in heard.lower() and closed is None


def test_concurrent_call_limit_answers_busy(gateway, host) -> None:
    host.config.update("voice_call", {"maxConcurrentCalls": 1})
    gateway.restart()
    twilio = gateway.carrier()
    _, _, first = twilio.ring(FRIEND, OWNER)
    params, _, second = twilio.ring(FRIEND, OWNER)
    assert first.stream_url and second.verbs == ["Reject"] and second.reject_reason == "busy"
    assert records(host).by_carrier_id("twilio", params["CallSid"]).state == "busy"


def test_gateway_restart_mid_call_keeps_the_call(gateway, host) -> None:
    twilio = gateway.carrier()
    params, _, answer = twilio.ring(FRIEND, OWNER)
    question = speak("What is the capital of France?")

    async def scenario():
        async with twilio.media_call(params, answer) as call:
            await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=20)
            host.config.update("voice_call", {"inbound.greeting": "A different greeting."})
            await asyncio.to_thread(gateway.restart)
            await call.say(question)
            await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=30)
            return call.closed

    assert asyncio.run(scenario()) is None, "the call must survive a gateway restart"


def test_a_new_process_closes_calls_left_active(host, settings) -> None:
    configure_twilio(host)
    stale = records(host).create("twilio", new_sid("CA"), "inbound", FRIEND, OWNER, state="in-progress")
    with LiveGateway(host):
        pass
    record = records(host).get(stale)
    assert record.state == "failed" and "restarted" in record.end_reason


def test_routes_explain_when_calls_are_not_set_up(host) -> None:
    with LiveGateway(host) as live:
        response = httpx.post(f"{live.url}/voice/twilio/webhook", data={})
    assert response.status_code == 503 and "not set up" in response.text
