"""This gateway as a node among those that share the store.

A node's name is `ASSISTANT_NODE_NAME`, else the machine's name and its data folder (a restarted
gateway is the same node); its own URL, `ASSISTANT_NODE_URL`, is where the carrier sends the media
of the calls it answers and places, and the callbacks of the calls it places. Each node writes a
heartbeat every quarter of `dead_after` while it runs; a node not seen for `dead_after`
(`ASSISTANT_NODE_DEAD_SECONDS`, 20 s; killed, its machine gone) is gone: the first live node to
notice deletes its row (a conditional delete, so exactly one node takes over) and settles what it
left: its calls were cut off, its scheduled calls that were being dialled are not dialled again.
Calls waiting to be placed belong to no node; whichever node's loop comes first places each, once.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError

from assistant.plugin_api import as_utc, utcnow
from plugins.voice_call.cluster.tables import NodeRow

if TYPE_CHECKING:
    from assistant.plugin_api import Database, Host

DEAD_AFTER = timedelta(seconds=20)


def node_url() -> str | None:
    """This node's own public URL (`ASSISTANT_NODE_URL`), where a carrier's media stream for a
    call this node answered must come: behind a balancer, the shared public URL takes webhooks at
    any node, but a call's media lives on the node that answered it. None: one gateway, the public URL."""
    url = os.environ.get("ASSISTANT_NODE_URL", "").strip().rstrip("/")
    return url if url.startswith(("https://", "http://")) else None


def node_name(home: Any) -> str:
    named = os.environ.get("ASSISTANT_NODE_NAME", "").strip()
    if named:
        return named[:128]
    return f"{socket.gethostname()[:100]}:{hashlib.sha256(str(home).encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class Node:
    name: str
    started_at: datetime
    seen_at: datetime
    #: At its last heartbeat: calls on the line, and the most it takes at once.
    calls: int = 0
    capacity: int = 0


class Nodes:
    def __init__(
        self, db: Database, name: str, url: str | None = None, clock: Any = utcnow, dead_after: timedelta = DEAD_AFTER
    ) -> None:
        self._db, self.name, self.url, self.clock = db, name, url, clock
        self.dead_after = dead_after
        #: Four beats fit in `dead_after`: a node is not taken for gone over one late beat.
        self.heartbeat_every = dead_after / 4

    @classmethod
    def of_this_gateway(cls, host: Host) -> Nodes:
        """This gateway's node: its name, its URL and `ASSISTANT_NODE_DEAD_SECONDS` from the settings."""
        return cls(
            host.db, node_name(host.settings.home), node_url(), dead_after=timedelta(seconds=host.settings.node_dead_seconds)
        )

    def join(self) -> None:
        """This node starts (or starts again): its row, started and seen now."""
        self._seen(started=True)

    def heartbeat(self, calls: int = 0, capacity: int = 0) -> None:
        """Seen alive now, with its calls on the line and the most it takes at once."""
        self._seen(calls=calls, capacity=capacity)

    def _seen(self, started: bool = False, calls: int = 0, capacity: int = 0) -> None:
        """Its row updated, or made again (first start, or taken for gone while it was stalled)."""
        now = self.clock()
        values: dict[str, Any] = {"seen_at": now, "calls": calls, "capacity": capacity} | ({"started_at": now} if started else {})
        for _ in range(2):  # a second time if the same name made its row from elsewhere at this instant
            try:
                with self._db.transaction() as session:
                    done = cast(
                        "CursorResult[Any]", session.execute(update(NodeRow).where(NodeRow.name == self.name).values(**values))
                    )
                    if done.rowcount == 0:
                        session.add(NodeRow(name=self.name, started_at=now, seen_at=now, calls=calls, capacity=capacity))
                return
            except IntegrityError:
                continue

    def leave(self) -> None:
        """This node stops cleanly: its work was settled by its own shutdown."""
        with self._db.transaction() as session:
            session.execute(delete(NodeRow).where(NodeRow.name == self.name))

    def all(self) -> list[Node]:
        with self._db.reader() as session:
            rows = session.scalars(select(NodeRow).order_by(NodeRow.name))
            return [Node(r.name, as_utc(r.started_at), as_utc(r.seen_at), r.calls, r.capacity) for r in rows]

    def claim_gone(self) -> list[str]:
        """The nodes not seen for `dead_after` whose work this node now takes over (each claimed by
        exactly one node: the one whose delete removed its row)."""
        cutoff = self.clock() - self.dead_after
        claimed = []
        for node in self.all():
            if node.name == self.name or node.seen_at >= cutoff:
                continue
            with self._db.transaction() as session:
                gone = cast(
                    "CursorResult[Any]",
                    session.execute(delete(NodeRow).where(NodeRow.name == node.name, NodeRow.seen_at < cutoff)),
                )
                if gone.rowcount == 1:
                    claimed.append(node.name)
        return claimed
