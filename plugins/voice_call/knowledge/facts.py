"""What callers may know: facts the owner gave ("our office hours are 9 to 5"), searched with the
store's full text search (SQLite FTS5, or PostgreSQL's `to_tsvector`). Only the owner adds facts;
callers only search them, through the call agent's `look_up` tool."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, text

from assistant.plugin_api import Database
from plugins.voice_call.knowledge.tables import KnowledgeRow

MAX_FACT_CHARS = 500
#: Words that say nothing about what a caller wants to know: left out of the search.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "at",
        "be",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "the",
        "there",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "tell",
        "know",
        "about",
    ]
)


@dataclass(frozen=True)
class Fact:
    id: int
    text: str


def search_words(question: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", question.lower()) if w not in STOP_WORDS][:12]


class Knowledge:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, fact: str) -> Fact:
        fact = " ".join(fact.split())
        if not fact or len(fact) > MAX_FACT_CHARS:
            raise ValueError(f"a fact for callers must be 1 to {MAX_FACT_CHARS} characters")
        with self._db.transaction() as session:
            row = KnowledgeRow(text=fact)
            session.add(row)
            session.flush()
            return Fact(row.id, row.text)

    def all(self) -> list[Fact]:
        with self._db.reader() as session:
            return [Fact(r.id, r.text) for r in session.scalars(select(KnowledgeRow).order_by(KnowledgeRow.id))]

    def remove(self, fact_id: int) -> bool:
        with self._db.transaction() as session:
            row = session.get(KnowledgeRow, fact_id)
            if row is None:
                return False
            session.delete(row)
            return True

    def search(self, question: str, limit: int = 3) -> list[Fact]:
        """The facts that best match `question`, best first (none when no telling word matches)."""
        words = search_words(question)
        if not words:
            return []
        with self._db.reader() as session:
            if self._db.engine.dialect.name == "postgresql":
                query = " | ".join(words)
                rows = session.execute(
                    text(
                        "SELECT id, text FROM knowledge WHERE to_tsvector('english', text) @@ to_tsquery('english', :q) "
                        "ORDER BY ts_rank(to_tsvector('english', text), to_tsquery('english', :q)) DESC LIMIT :n"
                    ),
                    {"q": query, "n": limit},
                )
            else:
                # Each word quoted: FTS5 reads it as a term, never as query syntax.
                query = " OR ".join(f'"{w}"' for w in words)
                rows = session.execute(
                    text(
                        "SELECT rowid, text FROM knowledge_fts WHERE knowledge_fts MATCH :q ORDER BY bm25(knowledge_fts) LIMIT :n"
                    ),
                    {"q": query, "n": limit},
                )
            return [Fact(int(r[0]), str(r[1])) for r in rows]
