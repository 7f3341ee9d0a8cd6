"""What the owner is told when a call ends: one notice per call, in their chat and on the web page.

Our own sentence says what happened; what the other side said (their words, the messages they
left) travels apart from it as quoted caller content (assistant/provenance.py), so it never reads
as the assistant's own text or as an instruction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugins.voice_call.history.ending import EndReason
from plugins.voice_call.history.records import CallInfo, CallRecords

if TYPE_CHECKING:
    from assistant.plugin_api import Host

#: How many of the other side's utterances a notice quotes (the transcript has them all).
MOST_QUOTED = 12


def summary(record: CallInfo) -> str:
    """One sentence about how a call went, from our records only (no caller words)."""
    reason = record.end_reason or "no reason given"
    if record.direction == "outbound":
        return f"Call to {record.to_number} ({record.mode}) ended: {record.state}, {reason}."
    caller = record.from_number or "a withheld number"
    if record.answered_at is None:
        return f"Missed call from {caller}: {reason}."
    seconds = (record.ended_at - record.answered_at).total_seconds() if record.ended_at else 0.0
    text = f"Call from {caller} ended after {seconds:.0f} s: {reason}."
    if reason.startswith(EndReason.PAIRING_CODE_GIVEN.value):
        text += " Their code is approved with approve_pairing once they tell it to the owner."
    messages = sum(1 for e in record.transcript if e.get("role") == "note")
    if messages:
        text += f" They left {'a message' if messages == 1 else f'{messages} messages'} (quoted first)."
    return text


class CallReports:
    def __init__(self, host: Host, records: CallRecords) -> None:
        self.host, self.records = host, records

    def call_ended(self, call_id: str) -> None:
        """Tell the owner how the call went (a switchboard end listener)."""
        record = self.records.get(call_id)
        if record is None:
            return
        messages = [e["text"] for e in record.transcript if e.get("role") == "note"]
        said = [e["text"] for e in record.transcript if e.get("role") == "caller"]
        other = record.other_party
        self.host.tell_owner(summary(record), (messages + said)[:MOST_QUOTED], other or "the caller")
