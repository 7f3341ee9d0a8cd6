"""The setup panel in headless Chromium, from an empty store to a completed test call: carrier,
credentials, a Cloudflare quick tunnel (the fake `cloudflared`), the number connected through the
fake Twilio's REST API, who may call, the owner's own number, and the test call the fake Twilio
places to the owner's phone, where the owner's words (Kokoro) come back into the panel.

Set before the page opens, as the test's stand-ins for the internet: the Twilio API's address (the
fake's) and the call capacity (measured otherwise; the machine's load is not what is tested here)."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from assistant.web.auth import WebAuth
from plugins.voice_call.config import voice_config

from .browser import log_in, open_browser, screenshot
from .conftest import FRIEND, OWNER, TWILIO_SID, TWILIO_TOKEN
from .fakes.tunnel_programs import install, runs
from .voice_harness import LiveGateway, make_carrier, speak

pytestmark = pytest.mark.timeout(600)  # the first browser test may install Chromium
MOBILE = "+15550004321"


@pytest.fixture
def programs(tmp_path, monkeypatch):
    for name, value in install(tmp_path / "bin", tmp_path / "runs").items():
        monkeypatch.setenv(name, value)
    return tmp_path / "runs"


def answer_yes(page, question: str) -> None:
    page.wait_for_selector(f"#setup-confirm:not([hidden]) #setup-question:has-text('{question}')", timeout=15000)
    page.click("#setup-yes")


def step_done(page, step: str, text: str, timeout: float = 30000) -> None:
    page.wait_for_selector(f"#setup-steps li.done[data-step='{step}'] .state:has-text('{text}')", timeout=timeout)


def test_setup_from_an_empty_store_to_a_completed_test_call(host, chromium, programs) -> None:
    with LiveGateway(host) as live:
        carrier = make_carrier("twilio", live.url)
        try:
            host.config.update("voice_call", {"twilio.apiBaseUrl": carrier.rest.url, "callCapacity": 4})
            live.restart()
            live.runtime.switchboard.stream_wait_s = 120
            browser = open_browser(chromium)
            try:
                page = log_in(browser, live.url, WebAuth(host.settings.home).token())
                page.wait_for_selector("#setup-steps li[data-step='provider'] .state:has-text('not chosen')")
                page.wait_for_selector("#checks li.group:has-text('What to do next')", timeout=15000)
                assert "null" not in page.inner_text("#side")  # status in words
                screenshot(page, "setup-empty")

                page.select_option("#setup-provider", "twilio")
                page.click("#setup-provider-form button")
                step_done(page, "provider", "Twilio")
                page.wait_for_selector("#setup-account_sid")
                page.fill("#setup-account_sid", TWILIO_SID)
                page.fill("#setup-auth_token", TWILIO_TOKEN)
                page.fill("#setup-phone-number", OWNER)
                page.click("#setup-credentials-form button")
                step_done(page, "credentials", "complete")
                assert host.vault.get("voice_call.twilio.auth_token") == TWILIO_TOKEN
                # Typed into a password field, never shown back, and gone from the page once the step is done
                # (the panel may show "complete" from its own refresh a moment before the step's answer).
                page.wait_for_function("document.querySelector('#setup-auth_token').value === ''", timeout=15000)
                assert TWILIO_TOKEN not in page.content()

                page.select_option("#setup-tunnel", "cloudflare")
                page.click("#setup-tunnel-form button")
                answer_yes(page, "Open a Cloudflare quick tunnel")
                step_done(page, "reach", "Cloudflare quick tunnel up at https://")
                tunnel_url = runs(programs)[-1]["url"]
                assert voice_config(host).public_url == tunnel_url

                page.click("#setup-connect-form button")
                answer_yes(page, f"Point your number {OWNER} at {tunnel_url}/voice/twilio/webhook")
                step_done(page, "connect", "now sends its calls to")
                assert carrier.numbers.voice_url == f"{tunnel_url}/voice/twilio/webhook"

                page.select_option("#setup-policy", "allowlist")
                page.fill("#setup-allow-from", FRIEND)
                page.click("#setup-callers-form button")
                answer_yes(page, f"Let {FRIEND} reach the assistant")
                step_done(page, "callers", "only the listed numbers")

                page.fill("#setup-owner-number", MOBILE)
                page.click("#setup-test-form button")
                answer_yes(page, f"Set your own phone number (where callers asking for you are put through) to {MOBILE}")
                page.wait_for_function(
                    f"document.querySelector('#setup-steps li[data-step=test_call] .state').textContent.includes('{MOBILE}')"
                )
                screenshot(page, "setup-before-test-call")

                words = speak("Testing one two three, the line is clear.")
                heard: list[str] = []

                async def owner_phone() -> None:
                    dial = await asyncio.to_thread(carrier.wait_for_dial, 1, 30)
                    assert dial.to == MOBILE
                    async with carrier.answer_outbound(dial) as call:
                        await call.wait_for(lambda: "greeting" in call.marks_echoed, timeout=60)
                        await call.say(words)
                        await call.wait_for(lambda: call.closed is not None, timeout=60)
                    heard.append("answered")

                phone = threading.Thread(target=asyncio.run, args=(owner_phone(),))
                phone.start()
                page.click("#setup-test-form button")
                page.wait_for_selector("#setup-heard:has-text('testing')", timeout=120000)
                step_done(page, "test_call", "Timings:", timeout=15000)
                phone.join(timeout=60)
                assert heard == ["answered"]
                page.wait_for_selector("#past-calls .call:has-text('test call done')", timeout=15000)
                screenshot(page, "setup-complete")
                # Every step went through the owner's tools; the chat keeps a record of each.
                chat = " ".join(m.text for m in host.conversations.shown(host.conversations.latest()))
                assert "From the setup panel: Saved Twilio settings" in chat and TWILIO_TOKEN not in chat
            finally:
                browser.close()
        finally:
            carrier.close()


def test_setup_steps_need_a_login_and_this_page(host) -> None:
    with LiveGateway(host) as live:
        client = httpx.Client(base_url=live.url)
        assert client.get("/web/api/setup").status_code == 401
        assert client.post("/web/api/setup/tunnel", json={"args": {"tunnel": "cloudflare"}}).status_code == 401
        token = WebAuth(host.settings.home).token()
        client.get("/login", params={"token": token})
        refused = client.post("/web/api/setup/tunnel", json={"args": {}}, headers={"Origin": "http://evil.example"})
        assert refused.status_code == 403
        assert client.post("/web/api/setup/vault", json={"args": {}}).status_code == 404  # only the setup steps
        bad = client.post("/web/api/setup/tunnel", json={"args": {"tunnel": "carrier-pigeon"}})
        assert bad.status_code == 422 and bad.json()["message"].startswith("Nothing was changed: tunnel:")
        refused = client.post("/web/api/setup/connect", json={"args": {}}).json()  # nothing to connect: no question
        assert refused == {"ok": False, "message": refused["message"]} and "no carrier number is set up yet" in refused["message"]
        asked = client.post("/web/api/setup/callers", json={"args": {"policy": "open"}})
        assert asked.json() == {"confirm": "Let anyone who dials your number reach the assistant by phone (inbound policy open)?"}
        assert voice_config(host).inbound.policy == "disabled"  # nothing changes before the yes
