"""Questions put to the owner while something waits on the answer (a call we placed needs their
decision: "They offer Tuesday 10:00 or Thursday 15:00. Which?").

The question reaches every open chat surface as a notice; the owner's next message in any chat
answers the oldest question still open, before the assistant's agent sees it. A question is open
until it is answered, its wait runs out, or whoever asked closes it; an answer that comes too late
is said to be too late, never passed on. The waiting side may be on another event loop (the
gateway's) than the chat's, so the answer travels in a thread-safe future.
"""

from __future__ import annotations

import concurrent.futures
import re
import threading
import time
from dataclasses import dataclass, field

from assistant.provenance import Notice

#: An owner who cannot or will not decide now ("skip", "I don't know", "call them back later").
NO_ANSWER = re.compile(
    r"^\s*(?:skip|pass|not now|later|no idea|never ?mind|i don'?t know|dunno|not sure|"
    r"(?:just )?(?:say you'?ll |tell them (?:you'?ll|we'?ll|i'?ll) )?call (?:them |back|them back)(?:back)?(?: later)?)\b",
    re.IGNORECASE,
)


@dataclass
class OwnerQuestion:
    """One question: what the owner was told, until when they may answer, and the answer ("" when
    they chose not to answer)."""

    notice: Notice
    deadline: float
    answer: concurrent.futures.Future[str] = field(default_factory=concurrent.futures.Future)

    def is_open(self) -> bool:
        return not self.answer.done() and time.monotonic() < self.deadline

    def close(self) -> None:
        """No answer is wanted any more (it timed out, the call ended)."""
        self.answer.cancel()


class OwnerQuestions:
    """The questions open now, oldest first."""

    def __init__(self) -> None:
        self._questions: list[OwnerQuestion] = []
        self._lock = threading.Lock()

    def add(self, notice: Notice, wait_s: float) -> OwnerQuestion:
        question = OwnerQuestion(notice, time.monotonic() + wait_s)
        with self._lock:
            self._questions = [q for q in self._questions if q.is_open()] + [question]
        return question

    def oldest_open(self) -> OwnerQuestion | None:
        with self._lock:
            self._questions = [q for q in self._questions if q.is_open()]
            return self._questions[0] if self._questions else None


def answer(question: OwnerQuestion, text: str) -> str:
    """Give the owner's message to `question`; what the owner is told back."""
    declined = NO_ANSWER.match(text) is not None
    try:
        question.answer.set_result("" if declined else text.strip())
    except concurrent.futures.InvalidStateError:  # closed between reading it open and answering
        return "Too late: the call went on without your answer, so nothing was passed on."
    if declined:
        return "All right: I'll tell them we'll call back."
    return f'Passed on: "{text.strip()}".'
