"""The embedded gateway: health, restart from current config, and restart from another terminal."""

from __future__ import annotations

import asyncio
import json
import subprocess

import httpx
import pytest

from assistant.gateway import Gateway, GatewayError, GatewayNotRunning, admin_headers, request_restart
from assistant.host import Host

from .conftest import FRIEND, assistant_cmd, run_cli
from .helpers import Chat


def test_healthz_and_restart_pick_up_the_current_config(host: Host) -> None:
    async def scenario() -> None:
        host.gateway = Gateway(host)
        url = await host.gateway.start(port=0)
        try:
            async with httpx.AsyncClient(base_url=url) as anyone:
                assert (await anyone.get("/healthz")).json() == {"status": "ok"}, "details only with the admin token"
            async with httpx.AsyncClient(base_url=url, headers=admin_headers(host.settings.home)) as client:
                health = (await client.get("/healthz")).json()
                assert health["status"] == "ok" and health["generation"] == 1
                assert health["plugins"]["voice_call"]["mode"] == "voice"

                host.config.update("voice_call", {"inbound.policy": "open"})
                assert not host.restart_required("voice_call"), "who may call applies to the next call"
                host.config.update("voice_call", {"mode": "realtime"})
                assert host.restart_required("voice_call")
                still_old = (await client.get("/healthz")).json()
                assert still_old["plugins"]["voice_call"]["mode"] == "voice"

                assert await host.gateway.restart() == 2
                assert not host.restart_required("voice_call")
                fresh = (await client.get("/healthz")).json()
                assert fresh["generation"] == 2 and fresh["plugins"]["voice_call"]["mode"] == "realtime"

                refused = await client.post("/admin/restart", headers={"Authorization": "Bearer wrong"})
                assert refused.status_code == 401
                assert (await client.get("/healthz")).json()["generation"] == 2
        finally:
            await host.gateway.stop()
        assert not (host.settings.home / "gateway.json").exists()

    asyncio.run(scenario())


def test_restart_tool_through_chat_keeps_the_conversation(host: Host) -> None:
    chat = Chat(host)

    async def scenario() -> None:
        host.gateway = Gateway(host)
        url = await host.gateway.start(port=0)
        try:
            asked = await chat.agent.ask(chat.conversation_id, "accept calls from anyone")
            assert asked.approval, "widening who may call waits for the owner's yes"
            reply = await chat.agent.ask(chat.conversation_id, "yes")
            assert "restart" not in reply.text.lower()  # who may call applies to the next call
            reply = await chat.agent.ask(chat.conversation_id, "set the max call duration to 10 minutes")
            assert "restart" in reply.text.lower()
            asked = await chat.agent.ask(chat.conversation_id, "restart the gateway")
            assert asked.approval and host.gateway.generation == 1
            reply = await chat.agent.ask(chat.conversation_id, "yes")
            assert "Gateway restarted (generation 2)" in reply.text
            async with httpx.AsyncClient(headers=admin_headers(host.settings.home)) as client:
                health = (await client.get(f"{url}/healthz")).json()
            assert health["plugins"]["voice_call"]["inbound_policy"] == "open"
            reply = await chat.agent.ask(chat.conversation_id, "disable inbound calls")
            assert "Nothing" not in reply.text
        finally:
            await host.gateway.stop()

    asyncio.run(scenario())
    assert len(host.conversations.shown(chat.conversation_id)) == 12


def test_port_in_use_is_a_clear_error(host: Host) -> None:
    async def scenario() -> None:
        first = Gateway(host)
        url = await first.start(port=0)
        port = int(url.rsplit(":", 1)[1])
        try:
            with pytest.raises(GatewayError, match="ASSISTANT_GATEWAY_PORT"):
                await Gateway(host).start(port=port)
        finally:
            await first.stop()

    asyncio.run(scenario())


def test_cli_restarts_a_gateway_running_in_another_process(env, home) -> None:
    with pytest.raises(GatewayNotRunning):
        request_restart(home)
    assert "No gateway is running" in run_cli(env, "gateway", "restart").stderr
    server = subprocess.Popen([*assistant_cmd(), "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("Gateway listening on "), line + server.stderr.read()
        url = line.split()[-1]
        run_cli(env, "config", "set", "voice_call", "inbound.allowFrom", json.dumps([FRIEND]), check=True)
        run_cli(env, "config", "set", "voice_call", "inbound.policy", "allowlist", check=True)
        assert (
            httpx.get(f"{url}/healthz", headers=admin_headers(home)).json()["plugins"]["voice_call"]["inbound_policy"]
            == "disabled"
        )
        assert "generation 2" in run_cli(env, "gateway", "restart", check=True).stdout
        assert (
            httpx.get(f"{url}/healthz", headers=admin_headers(home)).json()["plugins"]["voice_call"]["inbound_policy"]
            == "allowlist"
        )
        status = json.loads(run_cli(env, "gateway", "status", check=True).stdout)
        assert status["generation"] == 2
    finally:
        server.terminate()
        server.wait(timeout=15)
        server.stdout.close()
        server.stderr.close()
    assert not (home / "gateway.json").exists()
