"""What callers may know: facts the owner gave ("our office hours are 9 to 5"), searched by meaning
(the sentence model of `assistant.understanding`, with a nudge for the kind of question: where,
when, how much) beside the store's full text search (SQLite FTS5, or PostgreSQL's `to_tsvector`).
Only the owner adds facts; callers only search them, through the call agent's `look_up` tool."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select, text

from assistant.plugin_api import Database, sentence_encoder
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


#: A fact this close in meaning to the question answers it (tuned on bench/caller_phrasings.py's
#: tuning part); a word the full text search also found adds MATCHED.
CLOSE = 0.45
MATCHED = 0.15
#: Kinds of question, and the facts that answer that kind: "where are you?" is answered by an
#: address even though they share no word.
KINDS = [
    (
        re.compile(r"\b(where|located|location|address|find\s+you|directions|get\s+to\s+you|based)\b", re.I),
        re.compile(
            r"\b\d+\w*\s+(?:\w+\s+){0,2}(street|st|road|rd|lane|avenue|ave|way|square|place|drive|close)\b|\b(address|located|is\s+at|are\s+at)\b",
            re.I,
        ),
    ),
    (
        re.compile(r"\b(when|what\s+time|open|close|closing|opening|hours)\b", re.I),
        re.compile(
            r"\b(open|closed?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekdays?|weekends?|until|hours)\b", re.I
        ),
    ),
    (
        re.compile(r"\b(how\s+much|cost|costs|price|prices|charge|fee|fees|expensive|cheap)\b", re.I),
        re.compile(r"[£$€]|\b(pounds?|dollars?|euros?|quid|bucks|free|costs?|price)\b", re.I),
    ),
]
KIND = 0.3
#: The best fact must beat the next by this much, or neither is sure enough to say.
AHEAD = 0.05
#: Fact vectors by text, for the process: facts change rarely, questions come on every call.
_vectors: dict[str, np.ndarray] = {}


def _fact_vectors(facts: list[str]) -> np.ndarray:
    missing = [f for f in facts if f not in _vectors]
    if missing:
        for fact, vector in zip(missing, sentence_encoder().encode(missing), strict=True):
            _vectors[fact] = vector
    return np.stack([_vectors[f] for f in facts])


def closeness(question: str, facts: list[str], matched: set[int] | None = None) -> list[float]:
    """How well each fact answers `question`: meaning, the kind of question, shared words."""
    if not facts:
        return []
    scores = _fact_vectors(facts) @ sentence_encoder().encode([question])[0]
    for asks, answers in KINDS:
        if asks.search(question):
            scores = scores + KIND * np.array([answers.search(f) is not None for f in facts])
    if matched:
        scores = scores + MATCHED * np.array([n in matched for n in range(len(facts))])
    return [float(s) for s in scores]


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
        """The facts that answer `question`, best first: close in meaning, or found by the full text
        search and not far in meaning. None when nothing is close enough: a message is better
        than a wrong answer."""
        facts = self.all()
        if not facts or not question.strip():
            return []
        found = {f.id for f in self._words_search(question, limit)}
        scores = closeness(question, [f.text for f in facts], {n for n, f in enumerate(facts) if f.id in found})
        ranked = sorted(zip(scores, facts, strict=True), key=lambda pair: -pair[0])
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < AHEAD and ranked[1][0] < CLOSE:
            return []
        return [fact for score, fact in ranked if score >= CLOSE][:limit]

    def warm(self) -> None:
        """Load the sentence model and the facts' vectors now, not in a caller's first question."""
        facts = self.all()
        if facts:
            _fact_vectors([f.text for f in facts])

    def _words_search(self, question: str, limit: int) -> list[Fact]:
        """The facts sharing telling words with `question` (full text search)."""
        words = search_words(question)
        if not words:
            return []
        with self._db.reader() as session:
            if self._db.engine.dialect.name == "postgresql":
                # The 'simple' configuration (lower case, no stemming), as SQLite's FTS5 tokenizer:
                # with 'english', "close" found "we're closed on bank holidays" for "what time do
                # you close", and the caller was told the wrong fact. The facts are few: no index needed.
                query = " | ".join(words)
                rows = session.execute(
                    text(
                        "SELECT id, text FROM knowledge WHERE to_tsvector('simple', text) @@ to_tsquery('simple', :q) "
                        "ORDER BY ts_rank(to_tsvector('simple', text), to_tsquery('simple', :q)) DESC LIMIT :n"
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
