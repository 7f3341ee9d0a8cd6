"""The owner's commands for a call that runs on another node, sent through the store.

The owner may chat with any node; a call's media lives on the node that answered or placed it
(`calls.node`). A command for a call elsewhere is a row for that node; each node polls for its own
every `POLL_S` (on SQLite and PostgreSQL alike), does it, and writes the result, which the sender
waits for up to `WAIT_S`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from assistant.plugin_api import utcnow
from plugins.voice_call.cluster.tables import CallCommandRow

if TYPE_CHECKING:
    from assistant.plugin_api import Database

POLL_S = 0.3
WAIT_S = 5.0
#: What may be asked: end the call, or say words on it.
ACTIONS = ("end", "say")
#: The result when the call has ended (or never ran) on that node.
NOT_IN_PROGRESS = "the call is not in progress"


@dataclass(frozen=True)
class CallCommand:
    id: int
    call_id: str
    action: str
    text: str


class CallCommands:
    def __init__(self, db: Database, node: str) -> None:
        self._db, self.node = db, node

    async def send(self, node: str, call_id: str, action: str, text: str = "", wait_s: float = WAIT_S) -> str | None:
        """Ask `node` to do `action` on its call; its result, or None if it did not answer in time."""
        assert action in ACTIONS
        with self._db.transaction() as session:
            row = CallCommandRow(node=node, call_id=call_id, action=action, text=text, created_at=utcnow(), result="")
            session.add(row)
            session.flush()
            command_id = row.id
        deadline = asyncio.get_running_loop().time() + wait_s
        while asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(POLL_S / 3)
            with self._db.reader() as session:
                done = session.get(CallCommandRow, command_id)
                if done is not None and done.done_at is not None:
                    return done.result
        return None

    def waiting(self) -> list[CallCommand]:
        """The commands for this node not yet done, oldest first."""
        with self._db.reader() as session:
            rows = session.scalars(
                select(CallCommandRow)
                .where(CallCommandRow.node == self.node, CallCommandRow.done_at.is_(None))
                .order_by(CallCommandRow.id)
            )
            return [CallCommand(r.id, r.call_id, r.action, r.text) for r in rows]

    def done(self, command_id: int, result: str) -> None:
        with self._db.transaction() as session:
            row = session.get(CallCommandRow, command_id)
            if row is not None:
                row.done_at, row.result = utcnow(), result[:200]
