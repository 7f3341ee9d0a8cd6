"""Transcript lines and timings: seen by every reader at once, written by one writer a moment later."""

from __future__ import annotations

import asyncio

from plugins.voice_call.history import records as records_module
from plugins.voice_call.history.records import CallRecords
from tests.conftest import BACKENDS

#: On SQLite and on a real PostgreSQL (tests/postgres.py).
pytestmark = BACKENDS


def test_lines_are_read_at_once_and_written_together(host) -> None:
    records = CallRecords(host.db)
    first = records.create("twilio", "CA1", "inbound", "+15550001111", "+15550002222")
    second = records.create("twilio", "CA2", "inbound", "+15550003333", "+15550002222")

    async def call() -> None:
        records.append_transcript(first, [{"role": "caller", "text": "hello", "at_ms": 1}])
        records.add_turn(first, {"turn": 1, "silence_ms": 500})
        records.append_transcript(second, [{"role": "caller", "text": "hi", "at_ms": 2}])
        # Another CallRecords on the same database (a CLI read, a report) sees them before the write...
        assert CallRecords(host.db).get(first).transcript[0]["text"] == "hello"
        with host.db.reader() as session:  # ...which has not happened yet
            from plugins.voice_call.history.tables import CallRow

            assert session.get(CallRow, first).transcript == []
        await asyncio.sleep(records_module.FLUSH_S + 0.3)

    asyncio.run(call())
    with host.db.reader() as session:
        from plugins.voice_call.history.tables import CallRow

        assert session.get(CallRow, first).transcript == [{"role": "caller", "text": "hello", "at_ms": 1}]
        assert session.get(CallRow, first).turns == [{"turn": 1, "silence_ms": 500}]
        assert session.get(CallRow, second).transcript[0]["text"] == "hi"
    assert records.get(first).transcript == [{"role": "caller", "text": "hello", "at_ms": 1}]  # not twice


def test_a_failed_write_keeps_the_lines(host, monkeypatch) -> None:
    records = CallRecords(host.db)
    call_id = records.create("twilio", "CA1", "inbound", "+15550001111", "+15550002222")
    real = host.db.transaction

    def broken():
        raise RuntimeError("disk full")

    monkeypatch.setattr(host.db, "transaction", broken)
    records.append_transcript(call_id, [{"role": "caller", "text": "kept", "at_ms": 1}])  # no loop: written now, fails
    assert records.get(call_id).transcript[0]["text"] == "kept"
    monkeypatch.setattr(host.db, "transaction", real)
    records.flush()
    with host.db.reader() as session:
        from plugins.voice_call.history.tables import CallRow

        assert session.get(CallRow, call_id).transcript[0]["text"] == "kept"
