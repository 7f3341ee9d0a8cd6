"""Pairing: an unknown caller hears a short code; the owner approves it in chat; that number is allowed.

A code is bound to the number that received it, expires after `CODE_TTL`, and the same number
calling again within that time hears the same code (so redialing cannot farm codes). Wrong codes
typed by the owner count against a small budget; once spent, pending codes are voided.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from assistant.plugin_api import Database, as_utc, utcnow
from plugins.voice_call.admission.tables import PairingRow
from plugins.voice_call.process import one_per_process

if TYPE_CHECKING:
    from assistant.plugin_api import Host

CODE_TTL = timedelta(minutes=10)
#: How long an invite code the owner hands out stays good (one caller, one use).
INVITE_TTL = timedelta(hours=24)
#: Wrong invite codes typed on keypads, across all calls, before every open invite is voided.
MAX_WRONG_INVITES = 20
log = logging.getLogger(__name__)
MAX_PENDING = 20
MAX_WRONG_APPROVALS = 5


@dataclass(frozen=True)
class Approval:
    ok: bool
    message: str
    number: str | None = None


class Pairing:
    """Pairing codes and invite codes. One per process (`Pairing.of`): it counts wrong codes."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._wrong_approvals = 0
        self._wrong_invites = 0

    @classmethod
    def of(cls, host: Host) -> Pairing:
        return one_per_process(host, cls, lambda: cls(host.db))

    def code_for(self, number: str) -> str:
        """The caller's pending code (new if needed): one per number. When MAX_PENDING are pending,
        the oldest gives way, so callers from many (spoofed) numbers cannot lock a real one out."""
        now = utcnow()
        with self._db.transaction() as session:
            session.execute(
                update(PairingRow).where(PairingRow.status == "pending", PairingRow.expires_at < now).values(status="expired")
            )
            pending = list(session.scalars(select(PairingRow).where(PairingRow.status == "pending")))
            for row in pending:
                if row.number == number and as_utc(row.expires_at) > now:
                    return row.code
            for row in sorted(pending, key=lambda r: as_utc(r.created_at))[: max(0, len(pending) - MAX_PENDING + 1)]:
                row.status = "expired"
                log.warning("pairing codes are full: the oldest one (for %s) gave way to a new caller", row.number)
                pending.remove(row)
            taken = {row.code for row in pending}
            code = f"{secrets.randbelow(10_000):04d}"
            while code in taken:
                code = f"{secrets.randbelow(10_000):04d}"
            session.add(PairingRow(number=number, code=code, status="pending", created_at=now, expires_at=now + CODE_TTL))
            return code

    def approve(self, code: str) -> Approval:
        now = utcnow()
        code = code.strip()
        with self._db.transaction() as session:
            row = session.scalar(select(PairingRow).where(PairingRow.status == "pending", PairingRow.code == code))
            if row is not None and as_utc(row.expires_at) <= now:
                row.status = "expired"
                return Approval(False, f"Pairing code {code} has expired; ask the caller to call again for a new one.")
            if row is None:
                self._wrong_approvals += 1
                if self._wrong_approvals >= MAX_WRONG_APPROVALS:
                    session.execute(update(PairingRow).where(PairingRow.status == "pending").values(status="expired"))
                    self._wrong_approvals = 0
                    return Approval(
                        False, f"No pending pairing has code {code}. Too many wrong codes: all pending codes were voided."
                    )
                return Approval(False, f"No pending pairing has code {code}.")
            row.status = "approved"
            self._wrong_approvals = 0
            return Approval(True, f"Approved {row.number}: calls from this number are now accepted.", row.number)

    def invite(self) -> str:
        """A 6-digit code the owner gives someone, who types it on the keypad when they first call
        (any number, once, within INVITE_TTL): their number is then approved."""
        now = utcnow()
        with self._db.transaction() as session:
            taken = set(session.scalars(select(PairingRow.code).where(PairingRow.status == "invite")))
            code = f"{secrets.randbelow(1_000_000):06d}"
            while code in taken:
                code = f"{secrets.randbelow(1_000_000):06d}"
            session.add(PairingRow(number="", code=code, status="invite", created_at=now, expires_at=now + INVITE_TTL))
            return code

    def redeem(self, number: str, code: str) -> bool:
        """A caller typed an invite code: True (and the invite is used up, bound to `number`) when
        it is open. Wrong codes count against a budget shared by all calls; once spent, every
        open invite is voided (guessing 6 digits from many numbers gets nowhere)."""
        now = utcnow()
        with self._db.transaction() as session:
            row = session.scalar(select(PairingRow).where(PairingRow.status == "invite", PairingRow.code == code.strip()))
            if row is None or as_utc(row.expires_at) <= now:
                self._wrong_invites += 1
                if self._wrong_invites >= MAX_WRONG_INVITES:
                    session.execute(update(PairingRow).where(PairingRow.status == "invite").values(status="expired"))
                    self._wrong_invites = 0
                    log.warning("too many wrong invite codes typed: every open invite was voided")
                return False
            row.status, row.number = "approved", number
            return True

    def pending(self) -> list[tuple[str, str]]:
        now = utcnow()
        with self._db.reader() as session:
            rows = session.scalars(select(PairingRow).where(PairingRow.status == "pending"))
            return [(r.number, r.code) for r in rows if as_utc(r.expires_at) > now]
