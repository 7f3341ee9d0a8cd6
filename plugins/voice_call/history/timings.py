"""Per-turn timings: how long each step of answering the caller took, from the end of their turn
(the moment the silence wait ended it, or the last key) to our answer being heard.

Kept in each call record (`CallInfo.turns`), shown by `assistant calls show` and on the web page;
`assistant calls latency` sums them up over recent calls.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

#: The steps, in the order they happen, as stored (milliseconds after the end of the turn).
STEPS = ("transcript_ms", "first_token_ms", "first_audio_ms", "heard_ms")
LABELS = {
    "silence_ms": "silence wait",
    "transcript_ms": "transcript",
    "first_token_ms": "first model token",
    "first_audio_ms": "first audio sent",
    "heard_ms": "heard",
}


@dataclass
class TurnTimer:
    """One turn's clock. `mark(step)` keeps the first time each step happens."""

    turn: int
    #: How long the caller had been quiet when their turn was declared over (the silence wait).
    silence_ms: int
    started: float = field(default_factory=time.monotonic)
    at: dict[str, float] = field(default_factory=dict)
    #: Where the caller's speech ended, on the call's media clock.
    speech_end_ms: int = 0

    def mark(self, step: str) -> None:
        self.at.setdefault(step, time.monotonic())

    def entry(self) -> dict[str, Any]:
        """As stored: the silence wait, then each step's time after the end of the turn."""
        found: dict[str, Any] = {"turn": self.turn, "speech_end_ms": self.speech_end_ms, "silence_ms": self.silence_ms}
        for step in STEPS:
            if step in self.at:
                found[step] = round((self.at[step] - self.started) * 1000)
        return found


def describe_turn(entry: dict[str, Any]) -> str:
    """One line, e.g. "turn 1: silence wait 600 ms, transcript 380 ms, ... heard 1020 ms"."""
    parts = [f"{LABELS[key]} {entry[key]} ms" for key in ("silence_ms", *STEPS) if key in entry]
    return f"turn {entry.get('turn', '?')}: " + ", ".join(parts)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def latency_summary(turns: list[dict[str, Any]]) -> list[str]:
    """p50/p95 of each step over `turns`, and of the whole wait the caller has (silence + heard)."""
    lines = []
    for key in ("silence_ms", *STEPS):
        values = [float(t[key]) for t in turns if key in t]
        if values:
            lines.append(
                f"{LABELS[key]:>18}: p50 {percentile(values, 50):6.0f} ms  p95 {percentile(values, 95):6.0f} ms  ({len(values)} turns)"
            )
    whole = [float(t["silence_ms"] + t["first_audio_ms"]) for t in turns if "first_audio_ms" in t]
    if whole:
        lines.append(
            f"{'voice to voice':>18}: p50 {percentile(whole, 50):6.0f} ms  p95 {percentile(whole, 95):6.0f} ms  "
            "(end of speech -> first reply audio sent, the silence wait included)"
        )
    return lines
