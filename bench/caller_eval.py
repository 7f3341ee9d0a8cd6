"""How well the offline call model understands callers in their own words.

    .venv/bin/python -m bench.caller_eval              # the held-out part (what we report)
    .venv/bin/python -m bench.caller_eval --tuning     # the part we tune on, with each miss
    .venv/bin/python -m bench.caller_eval --speech     # each question spoken first (a few minutes)

Each question of `bench/caller_phrasings.py` is the caller's first words on a call to a workshop
whose owner shared FACTS, registered an order lookup and takes appointments. The offline call
model's first step is taken as it would be on a call (the same function, the same tools); a
`look_up` is answered from a real store of the facts. Sorted into: right, routed (an honest
message instead of an answer that was there), wrong (a wrong fact, the wrong order, a wrong time,
the wrong action: the worst outcome). With --speech each question is first said by a Kokoro voice
(four voices in turn), sent through 8 kHz mu-law as a carrier sends it, and heard by the call's
own Whisper, so speech errors count; `tests/test_caller_understanding.py` plays a few of them on
whole calls through the fake carriers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic_ai.messages import ModelMessage, ModelRequest, UserPromptPart
from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.models.function import AgentInfo
from pydantic_ai.tools import ToolDefinition

from assistant.host import Host
from assistant.settings import Settings
from bench.caller_phrasings import CALLER_QUESTIONS, FACTS, LOOKUP, MORE_TUNING
from plugins.voice_call.calls.offline_call import first_step
from plugins.voice_call.knowledge.facts import Knowledge
from plugins.voice_call.when import parse_when

#: A Monday morning: "next Tuesday" and "tomorrow" are read from here.
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
ZONE = ZoneInfo("UTC")
TOOLS = [
    "look_up",
    "find_free_slots",
    "book_appointment",
    "cancel_my_appointment",
    "transfer_to_owner",
    "take_message",
    "end_call",
]


def call_tools() -> AgentInfo:
    tools = [ToolDefinition(name=n) for n in TOOLS]
    lookups = [{"name": LOOKUP[0], "parameters": ["order_id"]}]
    tools.append(ToolDefinition(name="query_api", metadata={"lookups": lookups}))
    return AgentInfo(
        function_tools=tools,
        allow_text_output=True,
        output_tools=[],
        model_settings=None,
        model_request_parameters=ModelRequestParameters(),
        instructions=None,
    )


def outcome(step: tuple[str, dict[str, Any]] | None, expected: tuple[Any, ...], knowledge: Knowledge, text: str) -> str:
    kind = expected[0]
    name, args = step or ("", {})
    if name == "look_up":
        found = knowledge.search(str(args.get("question", text)))
        if not found:
            return "right" if kind == "message" else ("routed" if kind == "fact" else "wrong")
        return "right" if kind == "fact" and found[0].text == FACTS[expected[1]] else "wrong"
    if kind == "message":
        return "right" if name == "take_message" else "wrong"
    if kind == "owner":
        return "right" if name == "transfer_to_owner" else "wrong"
    if kind == "goodbye":
        return "right" if name == "end_call" else "wrong"
    if kind == "cancel":
        return "right" if name == "cancel_my_appointment" else "wrong"
    if kind == "lookup":
        got = (args.get("parameters") or {}).get("order_id")
        return "right" if name == "query_api" and got == expected[1] else "wrong"
    if kind == "slots":
        day = str(args.get("day") or "").lower()
        wanted = [w for w in expected[1:] if w]
        return "right" if name == "find_free_slots" and all(w in day for w in wanted) else "wrong"
    if kind == "book":
        moment = parse_when(str(args.get("when", "")), ZONE, NOW) if name == "book_appointment" else None
        if moment is None:
            return "wrong"
        return "right" if (moment.weekday(), moment.strftime("%H:%M")) == (expected[1], expected[2]) else "wrong"
    return "wrong"


VOICES = ["af_heart", "am_adam", "bf_emma", "bm_george"]


def heard(text: str, n: int) -> str:
    """`text` as the call's speech recognition hears it from a caller's phone."""
    from tests.voice_harness import speak, transcribe_ulaw

    return transcribe_ulaw(speak(text, VOICES[n % len(VOICES)])).strip()


def run(tuning: bool, speech: bool = False) -> int:
    rows = [r for n, r in enumerate(CALLER_QUESTIONS) if (n % 2 == 0) == tuning] + (MORE_TUNING if tuning else [])
    info = call_tools()
    with tempfile.TemporaryDirectory() as home:
        host = Host(Settings.from_env({"ASSISTANT_HOME": home}))
        try:
            knowledge = Knowledge(host.db)
            for fact in FACTS:
                knowledge.add(fact)
            knowledge.warm()
            results = []
            for n, (written, expected) in enumerate(rows):
                text = heard(written, n) if speech else written
                if tuning and speech and text.lower().strip(" .?!") != written.lower().strip(" .?!"):
                    print(f"        heard {text!r} for {written!r}")
                messages: list[ModelMessage] = [ModelRequest(parts=[UserPromptPart(text)])]
                started = time.perf_counter()
                step = asyncio.run(first_step(messages, info))
                if step and step[0] == "look_up":
                    knowledge.search(str(step[1].get("question", text)))
                seconds = time.perf_counter() - started
                got = outcome(step, expected, knowledge, text)
                results.append((text, expected, step, got, seconds))
                if tuning and got != "right":
                    print(f"{got:<7} {text!r}\n        got {json.dumps(step)}  want {expected}")
        finally:
            host.close()
    counts = Counter(r[3] for r in results)
    wrong_kinds = Counter(r[1][0] for r in results if r[3] == "wrong")
    total = len(results)
    seconds = sorted(r[4] for r in results)
    part = ("tuning" if tuning else "held-out") + (", spoken" if speech else "")
    print(
        f"\ncaller questions, {part} part: {total}; right {counts['right']} ({counts['right'] / total:.0%}); "
        f"routed to a message {counts['routed']}; right or honestly routed "
        f"{(counts['right'] + counts['routed']) / total:.0%}; WRONG {counts['wrong']} ({counts['wrong'] / total:.0%}: {dict(wrong_kinds)}); "
        f"first step mean {statistics.mean(seconds) * 1000:.1f} ms, p95 {seconds[int(total * 0.95) - 1] * 1000:.1f} ms"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tuning", action="store_true", help="the tuning part, each miss shown")
    parser.add_argument("--speech", action="store_true", help="say each question (Kokoro) and hear it (Whisper) first")
    args = parser.parse_args(argv)
    return run(args.tuning, args.speech)


if __name__ == "__main__":
    sys.exit(main())
