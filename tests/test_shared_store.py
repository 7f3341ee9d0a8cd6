"""Two gateways on one store (on SQLite and on PostgreSQL): each scheduled call and each repeating
call's occurrence is placed by exactly one of them, however their loops interleave."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from assistant.host import Host
from plugins.voice_call.history.records import CallRecords
from plugins.voice_call.scheduling.scheduler import CallScheduler

from .conftest import BACKENDS, FRIEND, OWNER
from .test_outbound import Clock

pytestmark = BACKENDS

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class Dialer:
    """Stands in for the carrier: records every call placed, and by which gateway."""

    def __init__(self, name: str, placed: list[tuple[str, str, str]], lock: threading.Lock) -> None:
        self.name, self.placed, self.lock = name, placed, lock

    #: Lines free at this gateway (None: always one).
    lines: int | None = None

    def line_free(self) -> bool:
        return self.lines is None or self.lines > 0

    async def place(self, to: str, message: str, mode: str) -> str:
        await asyncio.sleep(0.001)  # the carrier's answer takes a moment: the other gateway runs meanwhile
        with self.lock:
            self.placed.append((self.name, to, message))
            if self.lines is not None:
                self.lines -= 1
            return f"CA{len(self.placed)}"


def test_each_due_call_is_placed_by_one_gateway(settings) -> None:
    first, second = Host(settings), Host(settings)  # two processes' worth: own engines, own sessions
    try:
        first.config.update("voice_call", {"phoneNumber": "+15550002222"})
        clock = Clock(NOW)
        placed: list[tuple[str, str, str]] = []
        lock = threading.Lock()
        schedulers = [
            CallScheduler(host, CallRecords(host.db), Dialer(name, placed, lock), clock=clock)  # type: ignore[arg-type]
            for name, host in (("first", first), ("second", second))
        ]
        zone = "America/New_York"
        for n in range(30):
            schedulers[n % 2].schedule(f"+1555010{n:04d}", f"reminder {n}", "notify", NOW + timedelta(minutes=1), zone)
        for n in range(4):
            schedulers[n % 2].series.add(f"+1555020{n:04d}", f"daily {n}", "notify", "every day at 8", ZoneInfo(zone))
        clock.now = NOW + timedelta(days=1)  # all 30 are due, and each series' first occurrence (8:00 New York)

        def run(scheduler: CallScheduler) -> None:
            async def ticks() -> None:
                for _ in range(5):
                    await scheduler.tick()

            asyncio.run(ticks())

        threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        messages = [message for _, _, message in placed]
        assert sorted(messages) == sorted([f"reminder {n}" for n in range(30)] + [f"daily {n}" for n in range(4)]), messages
        assert {name for name, _, _ in placed} == {"first", "second"}, "one gateway did all the work"
        # One row per occurrence, whichever gateway made it (the next is made when this one ends).
        occurrences = [c for c in schedulers[1].list(upcoming_only=False) if c.to_number.startswith("+1555020")]
        assert sorted(c.to_number for c in occurrences) == [f"+1555020{n:04d}" for n in range(4)], occurrences
        assert all(c.status == "dialing" and c.attempts == 1 for c in schedulers[0].list(upcoming_only=False))
    finally:
        first.close()
        second.close()


def test_due_calls_wait_while_every_line_is_busy(settings) -> None:
    """A burst larger than the gateway's free lines: the rest wait (pending, not failed) and are
    placed when a line is free again (here, or by another node with one)."""
    host = Host(settings)
    try:
        host.config.update("voice_call", {"phoneNumber": "+15550002222"})
        clock, placed = Clock(NOW), []
        dialer = Dialer("only", placed, threading.Lock())
        dialer.lines = 2
        scheduler = CallScheduler(host, CallRecords(host.db), dialer, clock=clock)  # type: ignore[arg-type]
        for n in range(4):
            scheduler.schedule(f"+1555030{n:04d}", f"reminder {n}", "notify", NOW, "UTC")
        assert asyncio.run(scheduler.tick()) == 2
        assert sorted(c.status for c in scheduler.list(upcoming_only=False)) == ["dialing", "dialing", "pending", "pending"]
        assert asyncio.run(scheduler.tick()) == 0  # still busy: nothing is failed, nothing placed
        dialer.lines = 5  # the first two calls ended
        assert asyncio.run(scheduler.tick()) == 2
        assert sorted(m for _, _, m in placed) == [f"reminder {n}" for n in range(4)]
        assert all(c.status == "dialing" and c.attempts == 1 for c in scheduler.list(upcoming_only=False))
    finally:
        host.close()


def test_a_gateway_that_is_gone_is_taken_over_once(settings, monkeypatch) -> None:
    """Node A dies (killed: no clean stop) in the middle of a call and of dialling a scheduled one.
    Node B, which started meanwhile, leaves A's work alone while A beats; once A has not been seen
    for DEAD_AFTER, one beat of B settles it: the call cut off, the scheduled call not dialled
    again, the owner told once. Node C, beating too, finds nothing left to do."""
    from plugins.voice_call.cluster.nodes import DEAD_AFTER
    from plugins.voice_call.history.ending import EndReason
    from plugins.voice_call.node_watch import NodeWatch

    hosts, clock = [], Clock(NOW)
    for name in ("node-a", "node-b", "node-c"):
        monkeypatch.setenv("ASSISTANT_NODE_NAME", name)
        hosts.append(Host(settings))
        NodeWatch.of(hosts[-1])  # its runtime takes the node name now
    try:
        heard: list[str] = []
        hosts[1].owner_listeners.append(heard.append)
        watches = [NodeWatch.of(host) for host in hosts]
        for watch in watches:
            watch.runtime.nodes.clock = clock
            watch.runtime.nodes.join()
        a, b, c = (CallScheduler.of(host) for host in hosts)
        for scheduler in (a, b, c):
            scheduler.clock = clock
        assert a.node == "node-a" and b.node == "node-b"
        call_id = watches[0].runtime.records.create(
            "twilio", "CA-a", "inbound", "+15550001111", "+15550002222", state="in-progress"
        )
        due = a.schedule("+15550103333", "the parcel came", "notify", NOW, "UTC")
        assert a._claim(due.id)
        b.recover()  # B starts: A's call being dialled is A's, not a leftover of B's
        assert b.get(due.id).status == "dialing"
        clock.now = NOW + DEAD_AFTER / 2
        for watch in watches:
            assert watch.check() == []  # everyone alive
        clock.now += DEAD_AFTER + timedelta(seconds=1)  # A's last beat was at NOW + DEAD_AFTER / 2
        watches[2].runtime.nodes.heartbeat()  # C beats on
        assert watches[1].check() == ["node-a"]
        assert watches[2].check() == [] and watches[1].check() == []  # taken over once
        record = watches[1].runtime.records.get(call_id)
        assert record.state == "failed" and record.end_reason.startswith(EndReason.NODE_GONE.value), record
        assert b.get(due.id).status == "failed" and "node-a stopped" in b.get(due.id).outcome
        told = [line for line in heard if "node-a" in line]
        assert len(told) == 2 and "1 call was cut off" in told[0] and "1 scheduled call" in told[1], heard
        assert sorted(n.name for n in watches[1].runtime.nodes.all()) == ["node-b", "node-c"]
    finally:
        for host in hosts:
            host.close()


def test_the_doctor_shows_the_gateways_on_the_store(settings, monkeypatch) -> None:
    from plugins.voice_call.cluster.nodes import DEAD_AFTER
    from plugins.voice_call.doctor import voice_call_checks
    from plugins.voice_call.runtime import VoiceCallRuntime

    hosts = []
    for name in ("node-a", "node-b"):
        monkeypatch.setenv("ASSISTANT_NODE_NAME", name)
        hosts.append(Host(settings))
        VoiceCallRuntime.of(hosts[-1]).nodes.join()
    try:
        VoiceCallRuntime.of(hosts[1]).nodes.heartbeat(calls=1, capacity=8)
        (line,) = [c for c in voice_call_checks(hosts[1]) if c.name == "voice: gateways"]
        assert line.status == "ok" and "2 on this store" in line.detail, line
        assert "node-b (this one): 1 of 8 calls" in line.detail and "node-a: 0 of 0 calls" in line.detail, line
        VoiceCallRuntime.of(hosts[0]).nodes.clock = lambda: datetime.now(UTC) - DEAD_AFTER * 2  # A's last beat, long ago
        VoiceCallRuntime.of(hosts[0]).nodes.heartbeat()
        (line,) = [c for c in voice_call_checks(hosts[1]) if c.name == "voice: gateways"]
        assert line.status == "warn" and "not seen lately: node-a" in line.detail, line
    finally:
        for host in hosts:
            host.close()


def test_two_gateways_behind_a_balancer_each_carry_the_calls_they_answer(settings, monkeypatch) -> None:
    """A balancer sends the carrier's requests to either gateway in turn. Each call's media stream
    is sent to the node that answered its webhook (its own URL), never through the balancer,
    so both calls are carried whole, one by each node. The owner, chatting with node B, speaks on
    node A's call and ends it: the commands reach node A through the store."""
    from urllib.parse import urlsplit

    from pydantic_ai.models.function import FunctionModel

    from plugins.voice_call.outbound.owner_tools import _on_other_node

    from .voice_harness import PUBLIC_URL, LiveGateway, configure, make_carrier, scripted_call_model, transcribe_ulaw

    gateways = []
    for name in ("node-a", "node-b"):
        monkeypatch.setenv("ASSISTANT_NODE_NAME", name)
        monkeypatch.setenv("ASSISTANT_NODE_URL", f"https://{name}.example.test")
        host = Host(settings)
        gateways.append(LiveGateway(host).__enter__())
        assert gateways[-1].runtime.nodes.url == f"https://{name}.example.test"
    carrier = make_carrier("twilio", gateways[0].url)
    try:
        configure(gateways[0].host, carrier)
        for gateway in gateways:
            gateway.restart()
            gateway.runtime.call_model = FunctionModel(stream_function=scripted_call_model)
            gateway.runtime.switchboard.stream_wait_s = 120
        nodes = {f"node-{n}.example.test": g.url for n, g in zip("ab", gateways, strict=True)}
        turn = iter(range(100))

        def local(public: str) -> str:
            """The balancer at the public URL (each request to the next gateway), the nodes at theirs."""
            parts = urlsplit(public)
            balanced = parts.netloc == urlsplit(PUBLIC_URL).netloc
            target = gateways[next(turn) % 2].url if balanced else nodes[parts.netloc]
            scheme = "ws" if parts.scheme in ("wss", "ws") else "http"
            return f"{scheme}://{urlsplit(target).netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")

        carrier.local = local  # type: ignore[method-assign]
        rings = [carrier.ring(FRIEND, OWNER) for _ in range(2)]
        assert [urlsplit(r.stream_url).netloc for r in rings] == ["node-a.example.test", "node-b.example.test"], rings

        def on_b(coroutine):
            """Run on node B's loop (the owner chats with node B)."""
            return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, gateways[1].loop))

        async def both() -> tuple[str, str, str]:
            async with carrier.media_call(rings[0]) as on_a, carrier.media_call(rings[1]) as on_b_call:
                for call in (on_a, on_b_call):
                    await call.wait_for(lambda call=call: "greeting" in call.marks_echoed, timeout=60)
                for ring, gateway in zip(rings, gateways, strict=True):
                    record = gateway.runtime.records.by_carrier_id("twilio", ring.call_id)
                    assert record is not None and record.node == gateway.runtime.nodes.name, record
                a_call = gateways[0].runtime.records.by_carrier_id("twilio", rings[0].call_id).id
                await on_a.wait_for(lambda: not on_a.playing, timeout=30)
                start = len(on_a.heard)
                # The owner, chatting with node B, speaks on the call node A carries, then ends it.
                said = await on_b(_on_other_node(gateways[1].runtime, "node-a", a_call, "speak_to_user", "Your table is ready."))
                await on_a.wait_for(lambda: on_a.playing, timeout=30)  # made with Kokoro on node A, then played
                await on_a.wait_for(lambda: not on_a.playing, timeout=30)
                heard = transcribe_ulaw(bytes(on_a.heard[start:]))
                ended = await on_b(_on_other_node(gateways[1].runtime, "node-a", a_call, "end_call", None))
                await on_a.wait_for(lambda: on_a.closed is not None, timeout=30)
                assert on_b_call.closed is None  # node B's own call goes on
            return said["message"], heard, ended["message"]

        said, heard, ended = asyncio.run(both())
        assert "(on the gateway node-a)" in said and "table is ready" in heard.lower(), (said, heard)
        assert ended.startswith("Ending call") and "node-a" in ended, ended
    finally:
        for gateway in gateways:
            gateway.__exit__(None, None, None)
            gateway.host.close()
        carrier.close()
