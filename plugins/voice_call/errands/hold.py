"""Waiting on hold on an errand, without the call agent: what the other end says while we are
queued ("your call is important to us", "please hold", music) is recognised by its words and
never sent to a model; the silence that comes with hold music does not end the call; a person's
greeting ends the wait and goes to the agent as their first words. The wait is bounded by the
owner's `holdLimitSeconds` (and, as every call, by `maxDurationSeconds`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: What queues say while you wait.
QUEUE_WORDS = re.compile(
    r"\bplease\s+(?:continue\s+to\s+)?hold\b|\b(?:stay|remain)\s+on\s+the\s+line\b|\byour\s+call\s+is\s+(?:very\s+)?important\b"
    r"|\ball\s+(?:of\s+)?our\s+\w+(?:\s+\w+)?\s+are\s+(?:currently\s+|still\s+)?(?:busy|assisting|helping|with\s+other)"
    r"|\bnext\s+available\b|\b(?:in|from)\s+(?:the\s+)?queue\b|\bestimated\s+wait\b|\bwait(?:ing)?\s+time\s+is\b"
    r"|\bthank\s+you\s+for\s+(?:your\s+)?(?:patience|holding|waiting)\b|\byou\s+are\s+(?:caller\s+)?number\s+\w+\b",
    re.IGNORECASE,
)
#: How Whisper writes music it cannot put words to: "[Music]", "(upbeat music)", "♪ ♪".
MUSIC = re.compile(r"(?:\s*(?:[\[(*]\s*[\w\s]*music[\w\s]*[\])*]|♪+|[.…]+)\s*)+", re.IGNORECASE)


def is_hold(text: str) -> bool:
    """Whether these words (a transcript of the other end) are a queue's, not a person's."""
    return QUEUE_WORDS.search(text) is not None or (bool(text.strip()) and MUSIC.fullmatch(text) is not None)


@dataclass
class OnHold:
    """Whether a call we placed is waiting in a queue, and since when (the call's media clock)."""

    limit_ms: int
    since_ms: int | None = None

    def heard(self, text: str, now_ms: int) -> bool:
        """The other end said `text`: True when it is the queue (not for the agent). A person's
        words end the wait."""
        if is_hold(text):
            if self.since_ms is None:
                self.since_ms = now_ms
            return True
        self.since_ms = None
        return False

    def waiting(self, now_ms: int) -> bool:
        """On hold and within the owner's limit: the line's silence is the queue's, not an end."""
        return self.since_ms is not None and now_ms - self.since_ms < self.limit_ms
