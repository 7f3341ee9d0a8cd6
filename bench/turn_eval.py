"""When is the caller's turn over? Scored on the labelled turns of `tests/turn_set.py`.

    .venv/bin/python -m bench.turn_eval [--tune] [--all]

Each turn (220: half complete, half with a pause of 300 to 1,200 ms inside) is fed frame by
frame, as a call's media would be, to the real `TurnTaking` with the real models (Silero, Whisper
tiny.en for drafts, Smart Turn v3.2) on a simulated clock: a draft or a verdict is ready as long
after it was asked as it really took on this machine. Printed for each way of deciding: false
cut-offs (the turn ended before the caller's real end, over all turns and over the paused ones)
and the delay after the caller's real end (mean, p95) of the turns not cut off.

By default only the held-out half is scored (its rows were never looked at while choosing the
settings); `--all` adds the tuning half; `--tune` tries settings on the tuning half alone.
The first run renders the set with Kokoro (a few minutes) and keeps it in the data folder.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from assistant.plugin_api import models_dir
from plugins.voice_call.calls.turn_end import CHECK_MS, FINISHED_AT, HOLD_MS, UNSURE_MS, TurnEnd, TurnTaking
from plugins.voice_call.speech.smart_turn import SmartTurn
from plugins.voice_call.speech.stt import LocalWhisper
from tests.turn_set import RATE, Turn, turns
from tests.voice_harness import speak, transcribe

FRAME = RATE // 50  # 20 ms, as carriers send it
CONFIGURED_MS = 600  # the default `endOfUtteranceMs`


class Clock:
    """Simulated time: work that is "ready at" a moment finishes when the feed reaches it."""

    def __init__(self) -> None:
        self.now_ms = 0.0
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def until(self, at_ms: float) -> None:
        if at_ms <= self.now_ms:
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (at_ms, next(self._order), future))
        await future

    def advance(self, ms: float) -> None:
        self.now_ms += ms
        while self._waiting and self._waiting[0][0] <= self.now_ms:
            heapq.heappop(self._waiting)[2].set_result(None)


@dataclass
class Costs:
    """Results and real costs of every transcript and verdict asked for, shared by every way of
    deciding that is scored (the same audio gives the same answer)."""

    drafts: dict[tuple[int, int], tuple[str, float]] = field(default_factory=dict)
    verdicts: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)

    def draft(self, turn: int, audio: np.ndarray) -> tuple[str, float]:
        key = (turn, len(audio))
        if key not in self.drafts:
            began = time.perf_counter()
            text = LocalWhisper.shared().transcribe_sync(audio)
            self.drafts[key] = (text, (time.perf_counter() - began) * 1000)
        return self.drafts[key]

    def verdict(self, turn: int, audio: np.ndarray) -> tuple[float, float]:
        key = (turn, len(audio))
        if key not in self.verdicts:
            model = SmartTurn.shared()
            assert model is not None, "Smart Turn is not installed: run `assistant models install`"
            began = time.perf_counter()
            finished = model.complete_sync(audio)
            self.verdicts[key] = (finished, (time.perf_counter() - began) * 1000)
        return self.verdicts[key]


class TimedWhisper:
    """Whisper for drafts, one transcript at a time, each ready after its real cost."""

    name, drafts = "local", True

    def __init__(self, clock: Clock, costs: Costs, turn: int) -> None:
        self._clock, self._costs, self._turn = clock, costs, turn
        self._free_at = 0.0

    @property
    def busy(self) -> bool:
        return self._clock.now_ms < self._free_at

    async def transcribe(self, audio: np.ndarray, rate: int = RATE) -> str:
        text, cost = self._costs.draft(self._turn, audio)
        self._free_at = self._clock.now_ms + cost
        await self._clock.until(self._free_at)
        return text


@dataclass(frozen=True)
class Way:
    """One way of deciding that a turn is over."""

    name: str
    silence_ms: int = CONFIGURED_MS
    drafts: bool = False
    smart: bool = False
    check_ms: int = CHECK_MS
    finished_at: float = FINISHED_AT
    hold_ms: int = HOLD_MS
    unsure_ms: int = UNSURE_MS


@dataclass(frozen=True)
class Ending:
    """Where (in samples) the turn was taken as over (None: never), and what was known then."""

    at: int | None
    draft: str | None = None
    finished: float | None = None


async def _end_of(turn: Turn, index: int, way: Way, costs: Costs) -> Ending:
    """Where the turn is taken as over, and the draft and the verdict that decided it."""
    clock = Clock()
    worker_free = [0.0]

    async def verdict(audio: np.ndarray) -> float:
        finished, cost = costs.verdict(index, audio)
        worker_free[0] = max(worker_free[0], clock.now_ms) + cost  # one decision at a time
        await clock.until(worker_free[0])
        return finished

    stt = TimedWhisper(clock, costs, index)
    taking = TurnTaking(
        way.silence_ms,
        stt,  # type: ignore[arg-type]
        f"eval-{index}",
        verdict if way.smart else None,
        check_ms=way.check_ms,
        finished_at=way.finished_at,
        hold_ms=way.hold_ms,
        unsure_ms=way.unsure_ms,
        drafts=way.drafts,
    )
    try:
        for at in range(0, len(turn.audio), FRAME):
            for _ in range(4):
                await asyncio.sleep(0)  # what the last frame's time made ready finishes
            draft, finished = taking.draft_text(), taking.finished()
            events = taking.feed(turn.audio[at : at + FRAME], lambda: True)
            if any(isinstance(e, TurnEnd) for e in events):
                return Ending(at + FRAME, draft, finished)
            for _ in range(4):
                await asyncio.sleep(0)  # what this frame started begins (and is timed)
            clock.advance(FRAME * 1000 / RATE)
        return Ending(None)
    finally:
        taking.close()


@dataclass
class Score:
    way: Way
    turns: int = 0
    paused: int = 0
    cut: int = 0
    cut_paused: int = 0
    delays_ms: list[float] = field(default_factory=list)
    #: Cut off / all, by kind of turn.
    kinds: dict[str, list[int]] = field(default_factory=dict)
    #: Each turn cut off: its text, the draft and Smart Turn's verdict when it was taken as over.
    cut_turns: list[tuple[Turn, Ending]] = field(default_factory=list)

    def by_kind(self) -> str:
        return ", ".join(f"{kind} {cut}/{n}" for kind, (cut, n) in sorted(self.kinds.items()))

    def line(self) -> str:
        delays = np.array(self.delays_ms or [0.0])
        return (
            f"{self.way.name:<34} cut off {self.cut:>3}/{self.turns} ({100 * self.cut / self.turns:4.1f}%), "
            f"paused turns {self.cut_paused:>3}/{self.paused} ({100 * self.cut_paused / max(self.paused, 1):4.1f}%); "
            f"delay after the end mean {delays.mean():4.0f} ms, p95 {np.percentile(delays, 95):4.0f} ms"
        )


def score(way: Way, chosen: list[tuple[int, Turn]], costs: Costs) -> Score:
    result = Score(way)
    for index, turn in chosen:
        ending = asyncio.run(_end_of(turn, index, way, costs))
        end = ending.at
        result.turns += 1
        result.paused += turn.paused
        tally = result.kinds.setdefault(turn.kind, [0, 0])
        tally[1] += 1
        if end is not None and end < turn.end:
            result.cut += 1
            result.cut_paused += turn.paused
            tally[0] += 1
            result.cut_turns.append((turn, ending))
        else:
            result.delays_ms.append(((end if end is not None else len(turn.audio)) - turn.end) * 1000 / RATE)
    return result


WAYS = (
    Way("silence 300 ms", silence_ms=300),
    Way("silence 600 ms (configured)", silence_ms=600),
    Way("silence 1000 ms", silence_ms=1000),
    Way("drafts + 600 ms (before)", drafts=True),
    Way("Smart Turn + 600 ms", smart=True),
    Way("Smart Turn + drafts + 600 ms (now)", drafts=True, smart=True),
)


def tune(chosen: list[tuple[int, Turn]], costs: Costs, progress: Callable[[str], None]) -> None:
    for check_ms, finished_at, unsure_ms in itertools.product((128, 192), (0.5, 0.7, 0.9), (700, 1000, 1400)):
        name = f"check {check_ms} at {finished_at} unsure {unsure_ms}"
        way = Way(name, drafts=True, smart=True, check_ms=check_ms, finished_at=finished_at, unsure_ms=unsure_ms)
        result = score(way, chosen, costs)
        progress(f"{result.line()}\n    cut off by kind: {result.by_kind()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", action="store_true", help="try settings on the tuning half")
    parser.add_argument("--all", action="store_true", help="score the tuning half too")
    parser.add_argument("--show", action="store_true", help="list the tuning half's turns cut off now, and why")
    args = parser.parse_args()
    began = time.perf_counter()
    every = list(enumerate(turns(speak, transcribe, models_dir().parent / "bench" / "turn-set.npz")))
    print(f"{len(every)} turns ready in {time.perf_counter() - began:.0f} s", flush=True)
    costs = Costs()
    tuning = [(i, t) for i, t in every if not t.held_out]
    if args.tune:
        tune(tuning, costs, lambda line: print(line, flush=True))
        return
    if args.show:  # the tuning half only: the held-out rows are never looked at
        result = score(WAYS[-1], tuning, costs)
        print(result.line())
        for turn, ending in result.cut_turns:
            verdict = "-" if ending.finished is None else f"{ending.finished:.2f}"
            print(f"  {turn.kind:<10} {turn.text!r}\n      draft {ending.draft!r}, finished {verdict}")
        return
    parts = [("held out", [(i, t) for i, t in every if t.held_out])] + ([("tuning", tuning)] if args.all else [])
    for name, chosen in parts:
        pauses = [(stop - start) * 1000 / RATE for _, t in chosen for start, stop in t.pauses]
        print(
            f"\n{name}: {len(chosen)} turns, {len(pauses)} with a pause inside "
            f"(as heard: {min(pauses):.0f} to {max(pauses):.0f} ms, median {np.median(pauses):.0f} ms)",
            flush=True,
        )
        for way in WAYS:
            result = score(way, chosen, costs)
            print(result.line(), flush=True)
        print(f"    cut off by kind (last): {result.by_kind()}")
    verdict_ms = [cost for _, cost in costs.verdicts.values()] or [0.0]
    draft_ms = [cost for _, cost in costs.drafts.values()] or [0.0]
    print(
        f"\nCPU per Smart Turn decision: p50 {np.median(verdict_ms):.0f} ms, p95 {np.percentile(verdict_ms, 95):.0f} ms "
        f"({len(verdict_ms)}); per draft transcript: p50 {np.median(draft_ms):.0f} ms ({len(draft_ms)})"
    )


if __name__ == "__main__":
    main()
