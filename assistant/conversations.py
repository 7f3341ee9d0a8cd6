"""Conversation history: pydantic-ai messages persisted row by row, secrets already removed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic_ai.messages import (
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolReturnPart,
    UserPromptPart,
)
from sqlalchemy import func, select

from assistant.provenance import is_notice, shown_text
from assistant.store import Database
from assistant.store.tables import ConversationRow, MessageRow, utcnow


@dataclass(frozen=True)
class ShownMessage:
    role: str
    text: str
    at: datetime


def _role_and_text(message: ModelMessage) -> tuple[str, str]:
    if isinstance(message, ModelResponse):
        return "assistant", "".join(p.content for p in message.parts if isinstance(p, TextPart))
    assert isinstance(message, ModelRequest)
    prompts = [p.content for p in message.parts if isinstance(p, UserPromptPart) and isinstance(p.content, str)]
    if prompts:
        return "user", "\n".join(prompts)
    returns = [p for p in message.parts if isinstance(p, ToolReturnPart)]
    texts = [shown_text(p.content) for p in returns]
    return ("notice" if returns and all(is_notice(p) for p in returns) else "tool"), "\n".join(texts)


class Conversations:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, title: str = "") -> int:
        with self._db.transaction() as session:
            row = ConversationRow(title=title)
            session.add(row)
            session.flush()
            return row.id

    def latest(self) -> int | None:
        with self._db.reader() as session:
            return session.scalar(
                select(ConversationRow.id).order_by(ConversationRow.updated_at.desc(), ConversationRow.id.desc())
            )

    def latest_or_create(self) -> int:
        return self.latest() or self.create()

    def exists(self, conversation_id: int) -> bool:
        with self._db.reader() as session:
            return session.get(ConversationRow, conversation_id) is not None

    def load(self, conversation_id: int) -> list[ModelMessage]:
        with self._db.reader() as session:
            payloads = list(
                session.scalars(
                    select(MessageRow.payload).where(MessageRow.conversation_id == conversation_id).order_by(MessageRow.seq)
                )
            )
        return ModelMessagesTypeAdapter.validate_python(payloads)

    def append(self, conversation_id: int, messages: Sequence[ModelMessage]) -> None:
        """Add the messages of one turn, all in one transaction."""
        if not messages:
            return
        payloads = ModelMessagesTypeAdapter.dump_python(list(messages), mode="json")
        with self._db.transaction() as session:
            # Locked (PostgreSQL; SQLite's write transaction is one at a time already): two appends
            # at once (two gateways telling the owner) would both take the same next seq.
            conversation = session.get(ConversationRow, conversation_id, with_for_update=True)
            if conversation is None:
                raise LookupError(f"Conversation {conversation_id} does not exist.")
            seq = (
                session.scalar(
                    select(func.coalesce(func.max(MessageRow.seq), 0)).where(MessageRow.conversation_id == conversation_id)
                )
                or 0
            )
            for offset, (message, payload) in enumerate(zip(messages, payloads, strict=True), start=1):
                role, text = _role_and_text(message)
                if not conversation.title and role == "user":
                    conversation.title = text[:200]
                session.add(MessageRow(conversation_id=conversation_id, seq=seq + offset, role=role, text=text, payload=payload))
            conversation.updated_at = utcnow()

    def shown(self, conversation_id: int, limit: int | None = None) -> list[ShownMessage]:
        """The owner's, the assistant's and notices (caller words quoted), oldest first, as stored
        (placeholders, never secrets)."""
        with self._db.reader() as session:
            query = (
                select(MessageRow)
                .where(
                    MessageRow.conversation_id == conversation_id,
                    MessageRow.role.in_(["user", "assistant", "notice"]),
                    MessageRow.text != "",
                )
                .order_by(MessageRow.seq.desc())
            )
            if limit:
                query = query.limit(limit)
            rows = list(session.scalars(query))
        return [ShownMessage(r.role, r.text, r.created_at) for r in reversed(rows)]
