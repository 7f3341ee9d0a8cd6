"""Tunnels the gateway runs, with fake `cloudflared` and `tailscale` programs that print what the
real ones print (tests/fakes/tunnel_programs.py), and ngrok through a stand-in with the SDK's shape
(the real SDK checked for that shape and its errors below). The tunnel's address becomes the
public URL, a dead tunnel is reopened, a connected number follows the new address, and an inbound
call signed over the new address gets through."""

from __future__ import annotations

import os
import signal
import sys
import types

import httpx
import pytest

from assistant.gateway import admin_headers
from plugins.voice_call.config import voice_config
from plugins.voice_call.exposure.service import Exposure
from plugins.voice_call.exposure.tunnels.kinds import NGROK_AUTHTOKEN_SECRET
from plugins.voice_call.exposure.tunnels.tunnel import NgrokTunnel, TunnelFailed

from .conftest import FRIEND, OWNER
from .fakes.tunnel_programs import install, runs
from .voice_harness import CallLab, settle


@pytest.fixture
def programs(tmp_path, monkeypatch):
    for name, value in install(tmp_path / "bin", tmp_path / "runs").items():
        monkeypatch.setenv(name, value)
    return tmp_path / "runs"


@pytest.fixture
def lab(host, programs):
    with CallLab(host, "twilio") as lab:
        Exposure.of(lab.host).keeper.retry_delays = (0.2,)
        yield lab


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def shown(lab) -> str:
    return "\n".join(m.text for m in lab.host.conversations.shown(lab.host.conversations.latest()))


def test_cloudflare_tunnel_is_the_public_url_is_reopened_when_it_dies_and_the_number_follows(lab, programs) -> None:
    reply = lab.say("expose the gateway with cloudflare")
    first = runs(programs)[-1]
    assert first["url"] in reply and "is reachable at" in reply, reply
    assert voice_config(lab.host).public_url == first["url"]
    assert first["args"] == ["tunnel", "--no-autoupdate", "--url", lab.live.url]
    # A request through the tunnel reaches this very gateway (only it answers the admin token with its generation).
    through = httpx.get(f"http://127.0.0.1:{first['port']}/healthz", headers=admin_headers(lab.host.settings.home))
    assert through.json()["generation"] == lab.host.gateway.generation

    assert "yes" in lab.say("connect my number").lower()  # the owner confirms before the carrier is changed
    reply = lab.say("yes")
    assert f"now sends its calls to {first['url']}/voice/twilio/webhook" in reply, reply
    number = lab.carrier.numbers.number
    assert number["voice_url"] == f"{first['url']}/voice/twilio/webhook"
    assert number["status_callback"] == f"{first['url']}/voice/twilio/status"
    assert number["voice_method"] == number["status_callback_method"] == "POST"

    os.kill(first["pid"], signal.SIGKILL)  # the tunnel dies: a new one, with a new address
    settle(lambda: len(runs(programs)) == 2, timeout=20)
    second = runs(programs)[-1]
    assert second["url"] != first["url"]
    settle(lambda: lab.carrier.numbers.voice_url == f"{second['url']}/voice/twilio/webhook", timeout=20)
    assert voice_config(lab.host).public_url == second["url"]
    settle(lambda: f"now reachable at {second['url']}" in shown(lab))

    lab.carrier.public_url = second["url"]  # the carrier now signs over the address the number points at
    ring = lab.carrier.ring(FRIEND, OWNER)
    assert ring.connected, ring.body
    lab.carrier.report_hangup(ring)

    doctor = lab.say("check the voice call configuration")
    assert f"Cloudflare quick tunnel up at {second['url']}, reopened 1 time(s)" in doctor, doctor
    assert f"{OWNER} sends its calls to this gateway" in doctor, doctor

    reply = lab.say("stop the tunnel")
    settle(lambda: not alive(second["pid"]), timeout=10)
    assert voice_config(lab.host).tunnel.kind == "none"
    assert voice_config(lab.host).public_url is None and "no public URL yet" in reply, reply  # its address went with it


def test_the_tunnel_stops_with_the_gateway(host, programs) -> None:
    with CallLab(host, "twilio") as lab:
        lab.say("expose the gateway with cloudflare")
        pid = runs(programs)[-1]["pid"]
        assert alive(pid)
    settle(lambda: not alive(pid), timeout=10)


def test_a_chosen_tunnel_starts_with_the_gateway(host, programs) -> None:
    host.config.update("voice_call", {"tunnel.kind": "tailscale"})
    with CallLab(host, "twilio") as lab:
        settle(lambda: voice_config(host).public_url == "https://assistant-box.tail4c0ffee.ts.net", timeout=20)
        run = runs(programs)[-1]
        assert run["args"] == ["funnel", lab.live.url]
        settle(lambda: Exposure.of(lab.host).keeper.state.up)
        # `assistant doctor` runs in another process: it names the tunnel from the state the gateway saved.
        from click.testing import CliRunner

        from assistant.cli import main

        env = {"ASSISTANT_HOME": str(host.settings.home), "ASSISTANT_DATABASE_URL": host.settings.database_url}
        doctor = CliRunner().invoke(main, ["doctor"], env=env).output
        assert "voice: tunnel: Tailscale Funnel up at https://assistant-box.tail4c0ffee.ts.net" in doctor, doctor
    assert not (host.settings.home / "tunnel.json").exists(), "gone with the gateway"


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("expose the gateway with cloudflare", 'Cloudflare gave no quick tunnel (Post "https://api.trycloudflare.com/tunnel"'),
        (
            "use tailscale funnel",
            "Funnel is not enabled for this machine; enable it at https://login.tailscale.com/f/funnel?node=",
        ),
    ],
)
def test_a_tunnel_that_cannot_start_says_why(lab, monkeypatch, phrase, expected) -> None:
    monkeypatch.setenv("FAKE_TUNNEL_MODE", "fail")
    Exposure.of(lab.host).keeper.retry_delays = (30,)  # the first failure only
    before = voice_config(lab.host).public_url
    reply = lab.say(phrase)
    assert "is not up yet" in reply and expected in reply, reply
    assert voice_config(lab.host).public_url == before  # nothing it cannot reach replaces the working address


def test_a_missing_program_is_named_with_where_to_get_it(lab, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    Exposure.of(lab.host).keeper.retry_delays = (30,)
    reply = lab.say("expose the gateway with cloudflare")
    assert "`cloudflared` is not installed (not on PATH)" in reply and "GitHub releases. It keeps trying." in reply, reply
    doctor = lab.say("check the voice call configuration")
    assert "Cloudflare quick tunnel is not up: `cloudflared` is not installed" in doctor, doctor


class NgrokStandIn(types.ModuleType):
    """The SDK's surface we use (ngrok.pyi: forward(addr, **options) -> Listener; Listener.url();
    disconnect(url)), recording what it was given."""

    def __init__(self, refuse: bool = False) -> None:
        super().__init__("ngrok")
        self.forwarded: list[tuple[str, dict]] = []
        self.disconnected: list[str] = []
        self.refuse = refuse

    def forward(self, addr, **options):
        if self.refuse:
            raise ValueError("failed to connect session", "authentication failed: The authtoken you specified is invalid")
        self.forwarded.append((addr, options))
        return types.SimpleNamespace(url=lambda: "https://1a2b-203-0-113-7.ngrok-free.app")

    def disconnect(self, url=None):
        self.disconnected.append(url)


NGROK_TOKEN = "2bQ9nY3kWmX7pLr4Tz8vHc1aJd_5fGhKsN2uVwXyZq3Rt6EoPi"


def test_ngrok_with_an_authtoken_from_the_chat(lab, monkeypatch) -> None:
    sdk = NgrokStandIn()
    monkeypatch.setitem(sys.modules, "ngrok", sdk)
    reply = lab.say(f"use ngrok, my authtoken is {NGROK_TOKEN}")
    assert "https://1a2b-203-0-113-7.ngrok-free.app" in reply, reply
    assert sdk.forwarded == [(lab.live.url, {"authtoken": NGROK_TOKEN})]
    assert lab.host.vault.get(NGROK_AUTHTOKEN_SECRET) == NGROK_TOKEN
    assert NGROK_TOKEN not in shown(lab)  # the chat shows a placeholder, never the token
    assert voice_config(lab.host).public_url == "https://1a2b-203-0-113-7.ngrok-free.app"
    lab.say("stop the tunnel")
    assert sdk.disconnected == ["https://1a2b-203-0-113-7.ngrok-free.app"]


def test_ngrok_refusing_the_token_is_said_plainly(lab, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ngrok", NgrokStandIn(refuse=True))
    Exposure.of(lab.host).keeper.retry_delays = (30,)
    reply = lab.say(f"use ngrok, my authtoken is {NGROK_TOKEN}")
    assert "ngrok refused the tunnel (failed to connect session, authentication failed" in reply, reply


def test_ngrok_without_a_token_asks_for_one(lab) -> None:
    reply = lab.say("expose the gateway with ngrok")
    assert "ngrok needs your authtoken" in reply, reply
    assert voice_config(lab.host).tunnel.kind == "none"


def test_the_real_ngrok_sdk_has_the_shape_and_errors_we_rely_on() -> None:
    """The installed SDK, pointed at a closed local port: `forward` takes our call and fails with
    the ValueError our message is made from; `disconnect` exists."""
    import asyncio

    import ngrok

    class Closed(types.ModuleType):
        def forward(self, addr, **options):
            return ngrok.forward(addr, server_addr="127.0.0.1:1", **options)

        disconnect = staticmethod(ngrok.disconnect)

    tunnel = NgrokTunnel("2abc_not_a_real_token_000000", sdk=Closed("ngrok"))
    with pytest.raises(TunnelFailed, match=r"ngrok refused the tunnel \(failed to connect session"):
        asyncio.run(tunnel.open("http://127.0.0.1:9"))
    assert callable(ngrok.disconnect)


def test_a_tunnel_that_keeps_dying_is_reopened_less_and_less_often_and_told_once(lab, programs, monkeypatch) -> None:
    """A tunnel that printed a new address and died over and over made 20 relaunches, 21 gateway
    rebuilds and 20 chat notices in 30 s."""
    keeper = Exposure.of(lab.host).keeper
    keeper.retry_delays = (0.2, 0.5, 1.0, 2.0, 4.0)
    monkeypatch.setenv("FAKE_TUNNEL_MODE", "flap")
    generation = lab.host.gateway.generation
    lab.say("expose the gateway with cloudflare")
    settle(lambda: len(runs(programs)) >= 5, timeout=30)
    started = sorted(r["started"] for r in runs(programs))
    gaps = [b - a for a, b in zip(started, started[1:], strict=False)]
    assert gaps[-1] > gaps[0] + 1.0, gaps  # the waits grow
    text = shown(lab)
    assert text.count("keeps stopping soon after it opens") == 1, text
    assert text.count("now reachable at") <= 2, text
    assert lab.host.gateway.generation - generation <= len(started) + 1
    doctor = lab.say("check the voice call configuration")
    assert "[FAIL] voice: tunnel: Cloudflare quick tunnel keeps stopping soon after it opens" in doctor, doctor
