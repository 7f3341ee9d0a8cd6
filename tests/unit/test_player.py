"""The Player's pacing and marks. Pacing is checked as a lower bound (audio never runs more than
LEAD_MS ahead of real time), which load can only make easier to meet."""

from __future__ import annotations

import asyncio
import json
import time

from plugins.voice_call.calls.interruption import heard_words
from plugins.voice_call.calls.player import LEAD_MS, Player
from plugins.voice_call.carriers.twilio import TwilioCodec
from plugins.voice_call.speech.audio import FRAME_MS, FRAME_SAMPLES

SECOND = b"\x7f" * FRAME_SAMPLES * 50  # 1 s of mu-law silence


class Line:
    """What the carrier receives, with the time each message left."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, dict]] = []

    async def send(self, text: str) -> None:
        self.sent.append((time.monotonic(), json.loads(text)))

    def events(self) -> list[str]:
        return [m["event"] if m["event"] != "mark" else "mark:" + m["mark"]["name"] for _, m in self.sent]


def run(scenario) -> None:
    async def main() -> None:
        line = Line()
        heard: list[str] = []
        player = Player(TwilioCodec(), "MZ1", line.send, on_heard=heard.append)
        task = asyncio.create_task(player.run())
        try:
            await scenario(player, line, heard)
        finally:
            task.cancel()

    asyncio.run(main())


def test_frames_never_run_more_than_the_lead_ahead_of_real_time() -> None:
    async def scenario(player: Player, line: Line, heard: list[str]) -> None:
        played = player.enqueue("one", SECOND)
        await asyncio.wait_for(_until(lambda: line.events()[-1:] == ["mark:one"]), timeout=30)
        assert not played.is_set()  # sent is not heard: only the carrier's mark echo says so
        media = [t for t, m in line.sent if m["event"] == "media"]
        assert len(media) == 50
        for index, sent_at in enumerate(media):
            earliest = media[0] + (index * FRAME_MS - LEAD_MS) / 1000
            assert sent_at >= earliest - 0.003, f"frame {index} left {earliest - sent_at:.3f} s early"
        assert media[-1] - media[0] >= (49 * FRAME_MS - LEAD_MS) / 1000 - 0.003

    run(scenario)


def test_marks_follow_their_audio_and_echoes_mean_heard() -> None:
    async def scenario(player: Player, line: Line, heard: list[str]) -> None:
        first = player.enqueue("a", SECOND[: FRAME_SAMPLES * 3])
        second = player.enqueue("b", SECOND[: FRAME_SAMPLES * 2 + 7])  # a partial frame is padded, not dropped
        await asyncio.wait_for(_until(lambda: "mark:b" in line.events()), timeout=10)
        assert line.events() == ["media"] * 3 + ["mark:a"] + ["media"] * 3 + ["mark:b"]
        assert player.busy  # until the carrier echoes the marks
        player.mark_played("a")
        assert first.is_set() and not second.is_set() and heard == ["a"]
        player.mark_played("b")
        assert second.is_set() and heard == ["a", "b"] and not player.busy

    run(scenario)


def test_flush_drops_what_was_not_played_and_tells_the_carrier() -> None:
    async def scenario(player: Player, line: Line, heard: list[str]) -> None:
        long = player.enqueue("long", SECOND * 5)
        queued = player.enqueue("queued", SECOND)
        await asyncio.wait_for(_until(lambda: len(line.sent) >= 3), timeout=10)
        cut = await player.flush()
        assert cut.dropped == ["long", "queued"] and long.is_set() and queued.is_set()
        assert line.events()[-1] == "clear" and heard == []  # dropped is not heard
        await asyncio.sleep(0.1)
        assert "mark:long" not in line.events() and line.events().count("media") < 50

    run(scenario)


def test_flush_says_how_much_of_the_playing_audio_was_heard() -> None:
    async def scenario(player: Player, line: Line, heard: list[str]) -> None:
        player.enqueue("first", SECOND[: FRAME_SAMPLES * 10])  # 200 ms, played out before "long" starts
        player.enqueue("long", SECOND * 5)
        await asyncio.wait_for(_until(lambda: "mark:first" in line.events()), timeout=10)
        player.mark_played("first")
        await asyncio.sleep(0.5)
        cut = await player.flush()
        assert cut.playing == "long" and cut.total_ms == 5000
        # Sent is not heard: what the carrier still holds (at most LEAD_MS) is not counted.
        sent_ms = sum(1 for m in line.events()[line.events().index("mark:first") :] if m == "media") * FRAME_MS
        assert sent_ms - LEAD_MS - FRAME_MS <= cut.heard_ms <= sent_ms
        assert 200 <= cut.heard_ms <= 700

    run(scenario)


def test_heard_words_follow_the_share_of_the_audio_heard() -> None:
    text = "one two three four five six seven eight"
    assert heard_words(text, 0, 4000) == ""
    assert heard_words(text, 1000, 4000) == "one two"
    assert heard_words(text, 4000, 4000) == text
    assert heard_words(text, 500, 0) == ""


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.005)
