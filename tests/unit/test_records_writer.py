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


def test_every_read_sees_lines_once_while_the_writer_runs(host) -> None:
    """By id, by the carrier's id and in the recent list; a read racing a write neither loses the
    lines being written nor counts them twice (CI once read a call by its carrier id after it ended
    and found the answer missing)."""
    import threading

    records = CallRecords(host.db)
    call_id = records.create("twilio", "CA9", "inbound", "+15550001111", "+15550002222")
    stop = threading.Event()

    def write_all_the_time() -> None:
        while not stop.is_set():
            records.flush()

    async def call() -> None:  # lines kept in a running loop stay in memory until a write takes them
        for n in range(1, 41):
            records.append_transcript(call_id, [{"role": "caller", "text": f"line {n}", "at_ms": n}])
            reads = (
                records.get(call_id),
                records.by_carrier_id("twilio", "CA9"),
                next(r for r in records.recent() if r.id == call_id),
            )
            for read in reads:
                assert [e["text"] for e in read.transcript] == [f"line {i}" for i in range(1, n + 1)]
            await asyncio.sleep(0.002)

    writer = threading.Thread(target=write_all_the_time)
    writer.start()
    try:
        asyncio.run(call())
    finally:
        stop.set()
        writer.join(timeout=10)
