"""The web page: login, chat, status, calls and the softphone, in headless Chromium against a real
gateway on 127.0.0.1. Screenshots land in test-artifacts/screenshots/ for review."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import wave

import httpx
import numpy as np
import pytest
import websockets
import websockets.sync.client

from assistant.web.app import WebApp
from assistant.web.auth import WebAuth
from plugins.voice_call.speech.audio import resample, ulaw_to_float

from .browser import log_in, open_browser, screenshot
from .conftest import FRIEND, OWNER
from .test_call_conformance import record_of, settle
from .voice_harness import CallLab, LiveGateway, speak, transcribe_ulaw

pytestmark = pytest.mark.timeout(600)  # the first test may install Chromium


def test_nothing_without_the_token(host) -> None:
    with LiveGateway(host) as live:
        client = httpx.Client(base_url=live.url)
        assert client.get("/web/api/status").status_code == 401
        assert client.get("/web/api/calls").status_code == 401
        assert client.post("/web/api/softphone").status_code == 401
        assert client.post("/web/login", json={"token": "guess"}).status_code == 403
        assert client.get("/login", params={"token": "guess"}).status_code == 403
        token = WebAuth(host.settings.home).token()
        assert client.get("/login", params={"token": token}).headers["location"] == "/"
        cookie = client.cookies["assistant_session"]
        assert token not in cookie and client.get("/web/api/status").status_code == 200
        ws_url = live.url.replace("http", "ws") + "/web/ws/chat"

        async def handshake(headers):
            async with websockets.connect(ws_url, additional_headers=headers) as ws:
                return json.loads(await ws.recv())["type"]

        async def refused(headers):
            async with websockets.connect(ws_url, additional_headers=headers) as ws:
                await ws.recv()

        host_header = live.url.split("//")[1]
        assert asyncio.run(handshake({"Cookie": f"assistant_session={cookie}", "Origin": live.url})) == "history"
        for headers in (
            {"Origin": live.url},
            {"Cookie": f"assistant_session={cookie}", "Origin": "http://evil.example"},
            {"Cookie": "assistant_session=forged", "Origin": f"http://{host_header}"},
        ):
            with pytest.raises(websockets.InvalidStatus) as refusal:  # closed before accept: the handshake fails
                asyncio.run(refused(headers))
            assert refusal.value.response.status_code == 403
    assert (host.settings.home / "web.token").stat().st_mode & 0o777 == 0o600


def test_chat_in_the_browser_changes_the_config(host, chromium) -> None:
    with LiveGateway(host) as live:
        browser = open_browser(chromium)
        try:
            page = log_in(browser, live.url, WebAuth(host.settings.home).token())
            page.wait_for_selector("#model:has-text('built-in offline model')")
            page.fill("#chat-input", "accept calls from anyone")
            page.press("#chat-input", "Enter")
            # Widening who may call waits for the owner's yes: the page shows the question with two buttons.
            page.wait_for_selector(".approval button.yes", timeout=20000)
            assert "reach the assistant by phone" in page.inner_text(".approval")
            assert host.config.get("voice_call").inbound.policy == "disabled"
            screenshot(page, "chat-asks-for-yes")
            page.click(".approval button.yes")
            page.wait_for_selector(".msg.assistant:has-text('accepted from anyone')", timeout=20000)
            page.wait_for_selector("dd[data-key='voice_call.inbound_policy']:has-text('open')", timeout=15000)
            screenshot(page, "chat-config-changed")
            # The same conversation as the terminal: a reload shows it again.
            page.reload()
            page.wait_for_selector(".msg.user:has-text('accept calls from anyone')")
        finally:
            browser.close()
    assert host.config.get("voice_call").inbound.policy == "open"


def test_a_fake_carrier_call_appears_with_its_transcript_and_its_recording_plays(host, chromium) -> None:
    """The owner turns recording on in chat; the caller hears that first; the live call and then
    the past call show on the page, and its recording (stored encrypted) plays in the browser,
    the caller's channel speaking where the transcript says they spoke."""
    from plugins.voice_call.history.recordings import Recordings

    with CallLab(host, "twilio") as lab:
        told = lab.say("record my calls and keep them for a week")
        assert "recorded" in told and "7 days" in told, told
        assert host.config.get("voice_call").recording.retention_days == 7
        browser = open_browser(chromium)
        try:
            page = log_in(browser, lab.live.url, WebAuth(host.settings.home).token())
            ring = lab.carrier.ring(FRIEND, OWNER)
            question = speak("What is the capital of France?")
            seen = threading.Event()
            first_words: list[bytes] = []

            async def scenario():
                async with lab.carrier.media_call(ring) as call:
                    await call.wait_for(lambda: "recorded" in call.marks_echoed, timeout=30)
                    first_words.append(bytes(call.heard))
                    await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=30)
                    await call.say(question)
                    await call.wait_for(lambda: any(m.startswith("t1") for m in call.marks_echoed), timeout=30)
                    await asyncio.to_thread(seen.wait, 30)  # stay on the line while the page is checked

            # Playwright's sync API owns this thread's event loop; the phone runs in its own thread.
            phone = threading.Thread(target=asyncio.run, args=(scenario(),))
            phone.start()
            try:
                page.wait_for_selector("#active-calls .call:has-text('Paris')", timeout=60000)
                active = page.inner_text("#active-calls")
            finally:
                seen.set()
            assert "in-progress" in active and FRIEND in active and "capital of France" in active
            screenshot(page, "call-live")
            phone.join(timeout=30)
            lab.carrier.report_hangup(ring)
            page.wait_for_selector("#past-calls .call:has-text('completed') audio.recording", timeout=15000)
            screenshot(page, "call-history")
            played = page.evaluate(
                """async () => {
                    const audio = document.querySelector("#past-calls audio.recording");
                    if (!(audio.duration > 0)) await new Promise((ok) => audio.addEventListener("loadedmetadata", ok, { once: true }));
                    await audio.play();
                    await new Promise((ok) => setTimeout(ok, 700));
                    return { duration: audio.duration, at: audio.currentTime, error: audio.error && audio.error.code };
                }"""
            )
        finally:
            browser.close()
        record = record_of(lab, ring)
        assert httpx.get(f"{lab.live.url}/web/api/calls/{record.id}/recording").status_code == 401  # the owner's only
    assert "recorded" in transcribe_ulaw(first_words[0]).lower()
    assert record.state == "completed"
    assert played["error"] is None and played["duration"] > 3 and played["at"] > 0.2, played
    with wave.open(io.BytesIO(Recordings(host).read(record.id) or b"")) as read:
        samples = np.frombuffer(read.readframes(read.getnframes()), dtype="<i2").reshape(-1, 2)
    spoke_until = record.turns[0]["speech_end_ms"]  # where the call's clock says their question ended
    theirs = np.abs(samples[:, 0].astype(float))
    speech_ms = np.flatnonzero(theirs > 2000) // 8
    assert speech_ms.size and abs(spoke_until - speech_ms[-1]) < 300, (spoke_until, speech_ms[-1] if speech_ms.size else None)
    ours = np.abs(samples[:, 1].astype(float))
    assert np.count_nonzero(ours > 2000) > 8000, "our side is in the right channel"


def _question_wav(path) -> None:
    """What the fake microphone says: seven seconds of quiet (the greeting plays, however slowly a
    busy machine starts the browser's audio), then a question."""
    speech = resample(ulaw_to_float(speak("What is the capital of France?")), 8000, 48000)
    samples = np.concatenate([np.zeros(48000 * 7, np.float32), speech, np.zeros(48000 * 6, np.float32)])
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48000)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def test_softphone_test_call_from_the_page(host, chromium, tmp_path) -> None:
    wav = tmp_path / "caller.wav"
    _question_wav(wav)
    with CallLab(host, "twilio") as lab:
        lab.live.run(lab.runtime.prompts.ready(), timeout=120)  # the greeting plays from memory
        browser = open_browser(
            chromium,
            [
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={wav}%noloop",
            ],
        )
        try:
            page = log_in(browser, lab.live.url, WebAuth(host.settings.home).token())
            page.click("#softphone")
            page.wait_for_selector("#softphone-state:has-text('connected')", timeout=15000)
            page.wait_for_selector("#active-calls .call:has-text('Paris')", timeout=60000)
            screenshot(page, "softphone-call")
            page.click("#softphone")  # hang up
            page.wait_for_selector("#past-calls .call:has-text('softphone')", timeout=15000)
        finally:
            browser.close()
    records = lab.runtime.records.recent(5)
    call = next(r for r in records if r.provider == "softphone")
    settle(lambda: lab.runtime.records.get(call.id).state == "completed")
    transcript = lab.runtime.records.get(call.id).transcript
    assert any(e["role"] == "caller" and "capital of france" in e["text"].lower() for e in transcript)
    assert any(e["role"] == "assistant" and e.get("heard") and "Paris" in e["text"] for e in transcript), (
        "the page played the answer and echoed its marks"
    )


def test_sessions_origins_and_bodies(host) -> None:
    auth = WebApp.of(host).auth
    with LiveGateway(host) as live:
        token = auth.token()
        first = httpx.Client(base_url=live.url)
        assert first.post("/web/login", json={"token": token}).status_code == 200
        old = first.cookies["assistant_session"]
        assert first.post("/web/login", json={"token": token}).status_code == 200
        assert first.cookies["assistant_session"] != old, "a login starts a new session"
        stale = httpx.Client(base_url=live.url, cookies={"assistant_session": old})
        assert stale.get("/web/api/status").status_code == 401, "the session it replaced is over"
        # Another local port in the same browser is another origin: refused on every state change.
        other = {"Origin": "http://127.0.0.1:1"}
        assert first.post("/web/api/softphone", headers=other).status_code == 403
        assert first.post("/web/login", json={"token": token}, headers=other).status_code == 403
        assert first.post("/web/logout", headers=other).status_code == 403
        assert first.get("/web/api/status").status_code == 200
        # Bodies: too big, too deep, not an object: 4xx, never 5xx.
        assert first.post("/web/login", content=b"x" * (5 * 1024 * 1024)).status_code == 413
        assert first.post("/web/login", content=b"[" * 100_000 + b"]" * 100_000).status_code in (400, 413)
        assert first.post("/web/login", content=b"[" * 2000 + b"]" * 2000).status_code == 400  # deeper than json goes
        assert first.post("/web/login", json=["token"]).status_code == 403
        # Behind HTTPS the cookie is Secure; every cookie expires.
        secure = httpx.post(f"{live.url}/web/login", json={"token": token}, headers={"X-Forwarded-Proto": "https"})
        assert "secure" in secure.headers["set-cookie"].lower() and "max-age=" in secure.headers["set-cookie"].lower()
        # Logging out ends the session on the server, not only in the browser.
        kept = first.cookies["assistant_session"]
        assert first.post("/web/logout").status_code == 200
        assert httpx.get(f"{live.url}/web/api/status", cookies={"assistant_session": kept}).status_code == 401
        # Sessions expire.
        assert first.post("/web/login", json={"token": token}).status_code == 200
        for session in auth._sessions.values():
            session.until = 0.0
        assert first.get("/web/api/status").status_code == 401


def test_a_new_token_ends_the_sessions_made_with_the_old_one(host) -> None:
    """`assistant web --new-token` (another process) left old sessions with full access."""
    from click.testing import CliRunner

    from assistant.cli import main

    auth = WebApp.of(host).auth
    with LiveGateway(host) as live:
        old = httpx.Client(base_url=live.url)
        assert old.post("/web/login", json={"token": auth.token()}).status_code == 200
        assert old.get("/web/api/status").status_code == 200
        env = {"ASSISTANT_HOME": str(host.settings.home)}
        link = CliRunner().invoke(main, ["web", "--new-token"], env=env).output.strip().splitlines()[-1]
        assert old.get("/web/api/status").status_code == 401, "the old token's session is over"
        ws_url = live.url.replace("http", "ws") + "/web/ws/chat"
        headers = {"Cookie": f"assistant_session={old.cookies['assistant_session']}", "Origin": live.url}
        # The sync client: the browser tests before this one leave an event loop in this thread.
        with pytest.raises(websockets.InvalidStatus), websockets.sync.client.connect(ws_url, additional_headers=headers) as ws:
            ws.recv(timeout=5)
        fresh = httpx.Client(base_url=live.url)
        assert fresh.get("/login", params={"token": link.split("token=")[1]}).status_code == 303
        assert fresh.get("/web/api/status").status_code == 200


def test_wrong_tokens_are_limited(host) -> None:
    auth = WebApp.of(host).auth
    with LiveGateway(host) as live:
        client = httpx.Client(base_url=live.url)
        codes = [client.post("/web/login", json={"token": f"guess-{n}"}).status_code for n in range(12)]
        assert codes[:10] == [403] * 10 and codes[10:] == [429, 429]
        assert client.post("/web/login", json={"token": auth.token()}).status_code == 429, "even the right one waits"
        auth._failures = []  # the minute passed
        assert client.post("/web/login", json={"token": auth.token()}).status_code == 200


def test_an_empty_token_file_never_lets_anyone_in(host) -> None:
    auth = WebApp.of(host).auth
    auth.path.parent.mkdir(parents=True, exist_ok=True)
    auth.path.write_text("\n")
    with LiveGateway(host) as live:
        assert httpx.post(f"{live.url}/web/login", json={"token": ""}).status_code == 403
        assert httpx.get(f"{live.url}/login", params={"token": ""}).status_code == 403
    assert len(auth.token()) >= 16 and auth.path.stat().st_mode & 0o777 == 0o600
