"""Two gateways, each `assistant serve` in a process of its own, on one PostgreSQL store behind a
balancer. Node A is killed with -9 in the middle of a burst: calls on both nodes' lines, and
scheduled calls falling due, one of them being dialled by A at that instant. Node B takes over
within `ASSISTANT_NODE_DEAD_SECONDS` and a beat: A's calls are marked cut off and the owner is told
once, the call A was dialling is not dialled again, every other scheduled call is dialled once,
and B's own calls go on."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import secrets
import signal
import subprocess
import threading
import time
from contextlib import AsyncExitStack
from urllib.parse import parse_qs, urlsplit

import pytest

from assistant.host import Host
from assistant.plugin_api import utcnow
from assistant.settings import Settings
from plugins.voice_call.history.records import CallRecords
from plugins.voice_call.scheduling.scheduler import CallScheduler

from .conftest import FRIEND, OWNER, assistant_cmd
from .fakes.twilio_carrier import FakeTwilio
from .values import TWILIO_SID, TWILIO_TOKEN
from .voice_harness import PUBLIC_URL, configure

DEAD_S = 6.0  # ASSISTANT_NODE_DEAD_SECONDS for the nodes here: beats every 1.5 s
BURST = 10  # scheduled calls falling due at once


class HeldTwilio(FakeTwilio):
    """The fake Twilio, with node A's first dial held until the test has killed A. Other dials are
    answered after 0.2 s (a carrier's REST answer takes a moment), so A's scheduler loop, ticking
    beside B's, gets to claim one of the burst."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.holding, self.release = threading.Event(), threading.Event()
        #: The number of every call asked for, as the request arrived (the held one's handler is
        #: cancelled when A dies; the callee may have been rung all the same).
        self.asked: list[str] = []

    async def handle_rest(self, call, request):
        if request.method == "POST" and call.path.endswith("/Calls.json"):
            form = parse_qs(call.body.decode())
            self.asked.append(form["To"][0])
            callback = form.get("StatusCallback", [""])[0]
            if urlsplit(callback).netloc == "node-a.example.test" and not self.holding.is_set():
                self.holding.set()
                while not self.release.is_set():
                    await asyncio.sleep(0.05)
            else:
                await asyncio.sleep(0.2)
        return await super().handle_rest(call, request)


class NodeProcess:
    """`assistant serve` as node `name`, its own data folder, the shared store and vault key."""

    def __init__(self, env: dict[str, str], name: str, home) -> None:
        home.mkdir()
        node_env = env | {
            "ASSISTANT_HOME": str(home),
            "ASSISTANT_NODE_NAME": name,
            "ASSISTANT_NODE_URL": f"https://{name}.example.test",
            "ASSISTANT_NODE_DEAD_SECONDS": str(DEAD_S),
        }
        self.process = subprocess.Popen(
            [*assistant_cmd(), "serve"], env=node_env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.match(r"Gateway listening on (http://\S+)", line)
        assert found, f"node {name} did not start: {line!r}"
        self.url = found.group(1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_node_killed_mid_burst_is_taken_over_once(env, home, backend, tmp_path) -> None:
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    env = env | {"ASSISTANT_VAULT_KEY": key}
    host = Host(Settings.from_env(env))  # the test's view of the store: config, the schedule, the results
    carrier = HeldTwilio("http://127.0.0.1:9", PUBLIC_URL, TWILIO_SID, TWILIO_TOKEN)
    nodes: dict[str, NodeProcess] = {}
    try:
        configure(host, carrier, maxConcurrentCalls=16)
        for name in ("node-a", "node-b"):
            nodes[name] = NodeProcess(env, name, tmp_path / name)
        turn = iter(range(1000))

        def local(public: str) -> str:
            """The balancer at the public URL (each request to the next node), each node at its own."""
            parts = urlsplit(public)
            if parts.netloc == urlsplit(PUBLIC_URL).netloc:
                target = list(nodes.values())[next(turn) % 2].url
            else:
                target = nodes[parts.netloc.split(".")[0]].url
            scheme = "ws" if parts.scheme in ("wss", "ws") else "http"
            return f"{scheme}://{urlsplit(target).netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")

        carrier.local = local  # type: ignore[method-assign]
        scheduler = CallScheduler(host, CallRecords(host.db), outbound=None)  # type: ignore[arg-type]

        async def burst() -> tuple[float, list[str]]:
            rings = [carrier.ring(f"{FRIEND[:-1]}{n}", OWNER) for n in range(4)]
            assert [urlsplit(r.stream_url or "").netloc.split(".")[0] for r in rings] == ["node-a", "node-b"] * 2, rings
            async with AsyncExitStack() as stack:
                calls = [await stack.enter_async_context(carrier.media_call(ring)) for ring in rings]
                for call in calls:  # every call answered and greeted on its node
                    await call.wait_for(lambda call=call: "greeting" in call.marks_echoed, timeout=90)
                scheduled = [
                    scheduler.schedule(f"+1555040{n:04d}", f"reminder {n}", "notify", utcnow(), "UTC").id for n in range(BURST)
                ]
                assert await asyncio.to_thread(carrier.holding.wait, 30), "node A never dialled"
                os.kill(nodes["node-a"].process.pid, signal.SIGKILL)
                killed = time.monotonic()
                carrier.release.set()
                records = CallRecords(host.db)
                a_calls = [records.by_carrier_id("twilio", ring.call_id) for ring in rings[0::2]]
                while any(records.get(c.id).state == "in-progress" for c in a_calls if c):
                    assert time.monotonic() - killed < DEAD_S * 2 + 10, "node A was not taken over"
                    await asyncio.sleep(0.1)
                taken_over = time.monotonic() - killed
                while len(carrier.asked) < BURST:
                    assert time.monotonic() - killed < 30, (
                        f"{len(carrier.asked)} of {BURST} dialled: {[(c.status, c.outcome) for c in scheduler.list(False)]}"
                    )
                    await asyncio.sleep(0.1)
                await asyncio.sleep(DEAD_S / 4 * 2)  # two more beats: nothing more happens
                for call in calls[1::2]:
                    assert call.closed is None, "node B's calls go on"
                b_states = [records.by_carrier_id("twilio", ring.call_id) for ring in rings[1::2]]
                assert all(r is not None and r.state == "in-progress" for r in b_states), b_states
            return taken_over, [str(s) for s in scheduled]

        taken_over, scheduled = asyncio.run(burst())
        assert taken_over < DEAD_S + DEAD_S / 4 + 3, taken_over
        dialled = list(carrier.asked)
        assert len(dialled) == len(set(dialled)) == BURST, dialled  # each once, none twice
        outcomes = {call.to_number: call for call in scheduler.list(upcoming_only=False)}
        held = [c for c in outcomes.values() if c.status == "failed"]
        assert len(held) == 1 and "node node-a stopped" in held[0].outcome, outcomes
        assert all(c.status == "dialing" for c in outcomes.values() if c not in held), outcomes
        records = CallRecords(host.db)
        cut_off = [r for r in records.recent(50) if r.node == "node-a"]
        assert cut_off and all(r.state != "in-progress" for r in cut_off), cut_off
        told = [text for text in notices(host) if "node-a" in text]
        assert len(told) == 2, told  # once for the calls cut off, once for the call being dialled
        assert re.search(r"\d calls were cut off when the gateway on node node-a stopped", told[0]), told
        assert "1 scheduled call was being placed by node node-a" in told[1], told
    finally:
        carrier.release.set()
        for node in nodes.values():
            node.stop()
        carrier.close()
        host.close()


def notices(host: Host) -> list[str]:
    """The owner's notices in the store's latest conversation, as text."""
    conversation = host.conversations.latest_or_create()
    texts = []
    for message in host.conversations.load(conversation):
        for part in message.parts:
            if getattr(part, "tool_name", "") == "owner_notice" and hasattr(part, "model_response_str"):
                texts.append(part.model_response_str())
    return texts
