"""What the owner is told when a call ends: one notice per call, in their chat and on the web page.

Our own sentence says what happened; what the other side said (their words, the messages they
left) travels apart from it as quoted caller content (assistant/provenance.py), so it never reads
as the assistant's own text or as an instruction.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from plugins.voice_call.history.ending import EndReason
from plugins.voice_call.history.records import CallInfo, CallRecords

if TYPE_CHECKING:
    from assistant.plugin_api import Host

#: How many of the other side's utterances a notice quotes (the transcript has them all).
MOST_QUOTED = 12


def summary(record: CallInfo) -> str:
    """How a call went, from our records only (no caller words): who and how it ended, what we
    did for them, and what is left for the owner (their messages and questions, quoted first)."""
    reason = record.end_reason or "no reason given"
    caller = record.from_number or "a withheld number"
    if record.direction == "outbound":
        text = f"Call to {record.to_number} ({record.mode}) ended: {record.state}, {reason}."
    elif record.answered_at is None:
        return f"Missed call from {caller}: {reason}."
    else:
        seconds = (record.ended_at - record.answered_at).total_seconds() if record.ended_at else 0.0
        text = f"Call from {caller} ended after {seconds:.0f} s: {reason}."
    if reason.startswith(EndReason.PAIRING_CODE_GIVEN.value):
        text += " Their code is approved with approve_pairing once they tell it to the owner."
    if done := done_for_them(record):
        text += f" Done: {'; '.join(done)}."
    notes = [e["text"] for e in record.transcript if e.get("role") == "note"]
    questions = sum(1 for note in notes if is_question(note))
    messages = len(notes) - questions
    left = []
    if messages:
        left.append(f"left {'a message' if messages == 1 else f'{messages} messages'}")
    if questions:
        left.append(f"asked {'a question' if questions == 1 else f'{questions} questions'} we could not answer")
    if left:
        text += f" They {' and '.join(left)} (quoted first)."
    return text


def done_for_them(record: CallInfo) -> list[str]:
    """What we did on the call, in our words, each kind once ("answered 2 questions from your
    facts"), in the order it was first done."""
    counts: dict[str, int] = {}
    if pressed := [e["text"] for e in record.transcript if e.get("role") == "pressed"]:
        counts[f"Pressed {', '.join(pressed)} in their phone menu."] = 1
    for entry in record.transcript:
        if entry.get("role") == "done":
            counts[entry["text"]] = counts.get(entry["text"], 0) + 1
    said = []
    for text, count in counts.items():
        line = text.rstrip(".")
        line = line[:1].lower() + line[1:]
        if count > 1:
            line = re.sub(r"^answered a question", f"answered {count} questions", line)
            line += "" if line.startswith(f"answered {count}") else f" ({count} times)"
        said.append(line)
    return said


QUESTION_START = re.compile(
    r"^(what|when|where|who|whom|whose|which|why|how|do|does|did|can|could|is|are|was|were|will|would|should|have|has)\b", re.I
)


def is_question(note: str) -> bool:
    """A note that asks something (the answering machine passes on what it could not answer)."""
    note = note.strip()
    return note.endswith("?") or bool(QUESTION_START.match(note))


def quoted(record: CallInfo) -> list[str]:
    """What the other side left and said, each line once: a note that repeats their words (the
    answering machine notes what they said) is not quoted again among them, nor a queue's
    announcements; past MOST_QUOTED, their last words are kept (on an errand: what was agreed)."""
    notes = [e["text"] for e in record.transcript if e.get("role") == "note"]
    seen = {_same(note) for note in notes}
    said = [
        e["text"]
        for e in record.transcript
        if e.get("role") == "caller" and not e.get("hold") and _same(e["text"]) not in seen  # a queue's words: not news
    ]
    notes = notes[:MOST_QUOTED]
    return notes + said[len(said) - (MOST_QUOTED - len(notes)) :]  # their last words: how it ended


def _same(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


class CallReports:
    def __init__(self, host: Host, records: CallRecords) -> None:
        self.host, self.records = host, records

    def call_ended(self, call_id: str) -> None:
        """Tell the owner how the call went (a switchboard end listener)."""
        record = self.records.get(call_id)
        if record is None:
            return
        self.host.tell_owner(summary(record), quoted(record), record.other_party or "the caller")
