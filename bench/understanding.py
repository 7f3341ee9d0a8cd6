"""Scores the offline understanding on the owner requests of `bench/owner_phrasings.py`.

    .venv/bin/python -m bench.agent_eval --phrasings            # the held-out part (what we report)
    .venv/bin/python -m bench.agent_eval --phrasings --tuning   # the part we tune on, with each miss

Each request is read as the offline model reads the owner's first message, with every tool
available, and sorted into: right (exactly the expected calls), right after one yes (we asked
"Did you mean ...?" and the reading we offered is the expected one), asked (a question back,
nothing done), wrong (a call that is not what was asked: the worst outcome) and not understood.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from assistant.offline_model import OfflineModel, ToolCall
from assistant.understanding import Reading, Said
from bench.owner_phrasings import (
    ASK,
    ELEVENTH,
    FIFTEENTH,
    FOURTEENTH,
    FRESH,
    FRESH_2,
    FRESH_3,
    MORE_TUNING,
    NOTHING,
    OWNER_REQUESTS,
    TENTH,
    THIRTEENTH,
    TWELFTH,
    Expected,
    Has,
)


def _same(wanted: Any, got: Any) -> bool:
    if isinstance(wanted, Has):
        return all(w.lower() in str(got).lower() for w in wanted.words)
    if isinstance(wanted, list):
        return isinstance(got, list) and sorted(map(str, wanted)) == sorted(map(str, got))
    if isinstance(wanted, str):
        return isinstance(got, str) and wanted.lower() == got.lower()
    return bool(wanted == got)


def calls_match(expected: list[tuple[str, dict[str, Any]]], calls: list[ToolCall]) -> bool:
    if len(calls) != len(expected):
        return False
    for tool, args in expected:
        found = [a for name, a in calls if name == tool]
        if not found or not all(_same(v, found[0].get(k)) for k, v in args.items()):
            return False
    return True


@dataclass
class Scored:
    text: str
    expected: Expected
    outcome: str
    reading: Reading
    seconds: float


def score(model: OfflineModel, text: str, expected: Expected) -> Scored:
    started = time.perf_counter()
    reading = model.read(text)
    seconds = time.perf_counter() - started
    asked = model.question(reading)
    if expected == NOTHING:
        outcome = "right" if not reading.calls else "wrong"
    elif expected == ASK:
        outcome = "right" if asked and not reading.calls else ("wrong" if reading.calls else "not understood")
    elif reading.calls:
        outcome = "right" if calls_match(expected, reading.calls) else "wrong"  # type: ignore[arg-type]
    elif asked and len(reading.options) == 1 and not reading.sure:
        built = reading.options[0].build(Said(text, model.region))
        outcome = "right after yes" if isinstance(built, list) and calls_match(expected, built) else "asked"  # type: ignore[arg-type]
    elif asked:
        outcome = "asked"
    else:
        outcome = "not understood"
    return Scored(text, expected, outcome, reading, seconds)


def parts(tuning: bool) -> dict[str, list[tuple[str, Expected]]]:
    """The rows to score: the tuning part (the even rows of those batches, and the batches tuned on
    whole), or the four held-out parts (the odd rows of the first, fifth, seventh and eighth
    batches; the later three written later and never looked at row by row)."""
    batches = {"first": OWNER_REQUESTS, "fifth": FRESH, "seventh": FRESH_2, "eighth": FRESH_3}
    if tuning:
        rows = [r for rows in batches.values() for r in rows[0::2]]
        return {"tuning": rows + MORE_TUNING + TENTH + ELEVENTH + TWELFTH + THIRTEENTH + FOURTEENTH + FIFTEENTH}
    return {f"held-out ({name} batch)": rows[1::2] for name, rows in batches.items()}


def run(model: OfflineModel, tuning: bool) -> int:
    model.read("warm up")  # the sentence model loads on first use
    every: list[Scored] = []
    for part, rows in parts(tuning).items():
        results = [score(model, text, expected) for text, expected in rows]
        every += results
        for r in results:
            if r.outcome != "right" and tuning:  # the held-out parts are only counted: tuning on them would spoil them
                calls = r.reading.calls or (r.reading.ask or [m.name for m in r.reading.options])
                print(f"{r.outcome:<15} {r.text!r}\n{'':15} got {calls}  scores {r.reading.scores}\n{'':15} want {r.expected}")
        _summary(part, results)
    if not tuning:
        _summary("held-out, all", every)
    return 0


def _summary(part: str, results: list[Scored]) -> None:
    counts = Counter(r.outcome for r in results)
    seconds = sorted(r.seconds for r in results)
    p95 = seconds[int(len(seconds) * 0.95) - 1]
    total = len(results)
    print(
        f"\nowner requests, {part}: {total}; right {counts['right']} ({counts['right'] / total:.1%}); "
        f"right after one yes {counts['right after yes']}; asked {counts['asked']}; not understood "
        f"{counts['not understood']}; WRONG {counts['wrong']} ({counts['wrong'] / total:.0%}); "
        f"mean {statistics.mean(seconds) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms per message"
    )
