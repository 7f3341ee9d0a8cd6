"""What the owner means, read by closeness to example phrasings, with its values read by rules.

A `Meaning` is one thing an owner may ask for ("let anyone call you"), many ways of saying it,
and how to build the tool calls from the text (`build`), which may instead ask for a value it
could not read (`Ask`). The `Reader` embeds the owner's message (and each clause of it) and
compares it with every example: a clear winner is done, a close call is asked back
("Did you mean ...?"), a missing value is asked for, and anything far from all examples is not
understood. Nothing is ever filled in with a default the owner did not say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.understanding import slots
from assistant.understanding.encoder import SentenceEncoder, Vectors, sentence_encoder

ToolCall = tuple[str, dict[str, Any]]

#: A cosine this close to an example reads as that meaning; between MAYBE and SURE we ask.
SURE = 0.70
MAYBE = 0.50
#: The best meaning must beat the next by this much to be acted on without asking.
MARGIN = 0.04
#: How many of the next best meanings are checked for building the same calls as the best.
RIVALS = 4
#: How much shared words add to the cosine: the sentence model blurs "anyone" and "nobody",
#: "block" and "allow"; the words themselves do not.
WORDS = 0.3
STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "and",
        "or",
        "for",
        "on",
        "in",
        "at",
        "is",
        "are",
        "be",
        "me",
        "my",
        "i",
        "you",
        "your",
        "it",
        "this",
        "that",
        "with",
        "please",
        "can",
        "could",
        "would",
        "will",
        "should",
        "may",
        "might",
        "do",
        "does",
        "did",
        "just",
        "so",
    ]
)


#: Words that turn a request around ("don't let anyone call", "no longer allowed"): the sentence
#: model hardly sees them, so an example that differs from the message in them counts less.
NEGATION = re.compile(
    r"\b(?:don'?t|do\s+not|doesn'?t|can'?t|cannot|shouldn'?t|won'?t|mustn'?t|isn'?t|not|no|nobody|never|none|no\s+longer|stop|cease|pause|block(?:ed)?|(?<!call\s)off|anymore|any\s+more|without|refused?|rejecte?d?|declined?)\b",
    re.IGNORECASE,
)
TURNED = 0.15
#: What a meaning's cue words add.
CUED = 0.1


#: "nobody but X", "no one except X": a list of who may, not a refusal.
ONLY = re.compile(
    r"\b(?:nobody|no\s*one|none)\s+(?:but|except|other\s+than|apart\s+from)\b|\band\s+nobody\s+else\b", re.IGNORECASE
)


def _negated(text: str) -> bool:
    return NEGATION.search(ONLY.sub("only", text)) is not None


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z']+", text.lower()) if w not in STOP)


@dataclass(frozen=True)
class Said:
    """The owner's text and what is needed to read values from it."""

    text: str
    #: The region local phone numbers are read in (from the owner's own number).
    region: str = "US"

    def numbers(self) -> list[str]:
        return slots.phone_numbers(self.text, self.region)

    def duration(self) -> int | None:
        return slots.duration_seconds(self.text)

    def count(self) -> int | None:
        return slots.whole_number(self.text)

    def quoted(self) -> str | None:
        return slots.quoted(self.text)

    def url(self) -> str | None:
        return slots.url(self.text)

    def has(self, pattern: str) -> bool:
        return re.search(pattern, self.text, re.IGNORECASE) is not None


@dataclass(frozen=True)
class Ask:
    """A value the owner did not give (or we could not read): the question that asks for it."""

    question: str


Built = list[ToolCall] | Ask


@dataclass(frozen=True)
class Meaning:
    """One request and its phrasings. `build` returns the calls (an empty list for talk that
    changes nothing), or an `Ask`."""

    name: str
    #: What it does, in the owner's terms, for "Did you mean: <says>?".
    says: str
    examples: tuple[str, ...]
    build: Callable[[Said], Built]
    #: Words that mark this meaning among its neighbours ("only" for an allowlist of just these
    #: numbers, "too" for one more): a message with them leans this way.
    cues: str = ""
    #: Words that mark a neighbour instead ("only" is no request to add one more): they count against.
    unlike: str = ""


@dataclass(frozen=True)
class Reading:
    """What the reader made of a message.

    - `calls`: sure, do these (possibly none: talk that changes nothing);
    - `ask`: sure of the meaning, a value is missing: ask this;
    - `options`: unsure between these meanings: ask which (or whether) one is meant;
    - none of them: not understood."""

    calls: list[ToolCall] = field(default_factory=list)
    ask: str | None = None
    options: tuple[Meaning, ...] = ()
    sure: bool = False
    scores: tuple[tuple[str, float], ...] = ()

    @property
    def understood(self) -> bool:
        return self.sure and self.ask is None


_EXAMPLE_VECTORS: dict[str, npt.NDArray[np.float32]] = {}


@dataclass(frozen=True)
class Index:
    """The examples of every meaning, read once: vectors, whose each is, their words, whether each
    is negated, and whether each meaning's examples mostly are."""

    vectors: Vectors
    owners: list[int]
    words: list[frozenset[str]]
    negated: npt.NDArray[np.bool_]
    turned: list[bool]


#: Where a message with several requests splits: commas, "and", "also", "then", semicolons.
CLAUSE = re.compile(r"\s*(?:;|,?\s+and\s+(?:also\s+)?|,\s*(?:also\s+|then\s+)?|\s+then\s+|\.\s+)\s*", re.IGNORECASE)


class Reader:
    """Nearest examples over all meanings. The examples are embedded once, on first use."""

    def __init__(self, meanings: Sequence[Meaning], encoder: Callable[[], SentenceEncoder] = sentence_encoder) -> None:
        self.meanings = list(meanings)
        self._encoder = encoder
        self._index: Index | None = None
        self._tools: dict[str, frozenset[str]] = {}

    def _examples(self) -> Index:
        if self._index is None:
            owners = [n for n, m in enumerate(self.meanings) for _ in m.examples]
            texts = [slots.masked(slots.unabbreviated(e)) for m in self.meanings for e in m.examples]
            negated = np.array([_negated(t) for t in texts])
            # Whether most of each meaning's examples are negated ("don't answer any calls").
            turned = [
                sum(negated[i] for i, o in enumerate(owners) if o == n) * 2 > len(m.examples) for n, m in enumerate(self.meanings)
            ]
            self._index = Index(self._vectors(texts), owners, [_words(t) for t in texts], negated, turned)
        return self._index

    def _vectors(self, texts: list[str]) -> Vectors:
        """The examples' vectors, each computed once per process (every agent builds a reader)."""
        missing = [t for t in dict.fromkeys(texts) if t not in _EXAMPLE_VECTORS]
        if missing:
            _EXAMPLE_VECTORS.update(zip(missing, self._encoder().encode(missing), strict=True))
        return np.stack([_EXAMPLE_VECTORS[t] for t in texts])

    def tools_of(self, meaning: Meaning) -> frozenset[str]:
        """The tools `meaning` calls: read from what its own examples build."""
        if meaning.name not in self._tools:
            built = [meaning.build(Said(e)) for e in meaning.examples]
            self._tools[meaning.name] = frozenset(name for b in built if isinstance(b, list) for name, _ in b)
        return self._tools[meaning.name]

    def likely_tools(self, text: str, meanings: int = 3, within: float = 0.2) -> set[str]:
        """The tools of the meanings closest to `text` (the closest, and up to `meanings` in all
        within `within` of it): what a language model is offered for it."""
        found: set[str] = set()
        ranked = [(m, s) for m, s in self.scores(text) if self.tools_of(m)]
        for meaning, score in ranked[:meanings]:
            if score < ranked[0][1] - within:
                break
            found |= self.tools_of(meaning)
        return found

    def scores(self, text: str) -> list[tuple[Meaning, float]]:
        """Every meaning with its closest example's cosine to `text`, best first."""
        index = self._examples()
        text = slots.masked(slots.unabbreviated(text))
        turned = _negated(text)
        similarity = index.vectors @ self._encoder().encode([text])[0]
        said = _words(text)
        shared = np.array([len(said & w) / max(len(said | w), 1) for w in index.words])
        similarity = similarity + WORDS * shared - TURNED * (index.negated != turned)
        best = np.full(len(self.meanings), -1.0)
        np.maximum.at(best, index.owners, similarity)
        for n, meaning in enumerate(self.meanings):
            # A cue counts only when the message is turned the way the meaning's examples mostly
            # are: "anyone" is no cue for "let anyone call" in "don't let anyone call".
            if meaning.cues and re.search(meaning.cues, text, re.IGNORECASE) and index.turned[n] == turned:
                best[n] += CUED
            if meaning.unlike and re.search(meaning.unlike, text, re.IGNORECASE):
                best[n] -= CUED
        order = np.argsort(-best)
        return [(self.meanings[i], float(best[i])) for i in order]

    def read_one(self, said: Said) -> Reading:
        ranked = self.scores(said.text)
        # Meanings read the same way (one reading, split only for the tools a model is offered)
        # are one meaning here: the runner-up is the best that reads differently.
        ranked = [pair for n, pair in enumerate(ranked) if all(pair[0].build is not m.build for m, _ in ranked[:n])]
        # So is a close rival that makes the very same calls of this message: "make the assistant
        # sound like bm_george" sets that voice whether it is read as the voice or the speech.
        built = ranked[0][0].build(said)
        if isinstance(built, list) and built:
            ranked = ranked[:1] + [p for p in ranked[1:RIVALS] if p[0].build(said) != built] + ranked[RIVALS:]
        (top, s1), (_, s2) = ranked[0], ranked[1]
        scores = tuple((m.name, round(s, 3)) for m, s in ranked[:3])
        if s1 >= SURE and s1 - s2 >= MARGIN:
            if isinstance(built, Ask):
                return Reading(ask=built.question, options=(top,), sure=True, scores=scores)
            return Reading(calls=built, options=(top,), sure=True, scores=scores)
        if s1 >= MAYBE:
            close = [m for m, s in ranked[:2] if s >= MAYBE and s1 - s < MARGIN * 2]
            # Of two close readings, one that finds every value it needs in the message is the
            # likelier: "a pairing code" with no code in it is not a code to approve.
            complete = [m for m in close if not isinstance(m.build(said), Ask)]
            return Reading(options=tuple(complete or close), scores=scores)
        return Reading(scores=scores)

    def read(self, said: Said) -> Reading:
        """The whole message, and when it holds several requests, each clause of it."""
        whole = self.read_one(said)
        readings: dict[str, Reading] = {}  # a short clause weighed as a request is not read again

        def read_clause(clause: str) -> Reading:
            if clause not in readings:
                readings[clause] = self.read_one(Said(clause, said.region))
            return readings[clause]

        def request(fragment: str) -> bool:
            """A short clause that asks for something alone ("record calls"), not a value ("30 minutes")."""
            if re.search(r"\d", slots.with_digits(fragment)):
                return False
            reading = read_clause(fragment)
            return reading.understood and bool(reading.calls)

        parts_of = clauses(said.text, request)
        if len(parts_of) < 2:
            return whole
        parts = [read_clause(c) for c in parts_of]
        if not all(p.sure for p in parts):
            return whole
        calls: list[ToolCall] = []
        overridden = False
        for part in parts:
            if part.ask:
                return whole if whole.understood else part
            # A later clause about the same setting wins: "no calls from strangers, switch to pairing".
            kept = [c for c in calls if all(c[0] != name for name, _ in part.calls)]
            overridden |= len(kept) < len(calls)
            calls = kept + part.calls
        if not overridden and whole.understood and len({c[0] for c in calls}) <= len({c[0] for c in whole.calls}):
            return whole
        return Reading(calls=calls, options=tuple(m for p in parts for m in p.options), sure=True, scores=whole.scores)


def _a_length(clause: str) -> bool:
    """A clause that is a length and a word at most: "45 minutes each", "an hour long"."""
    text = slots.with_digits(clause)
    return slots.DURATION.search(text) is not None and len(slots.DURATION.sub("", text).split()) <= 1


def clauses(text: str, request: Callable[[str], bool] = lambda fragment: False) -> list[str]:
    """The requests in one message: split at "and", commas, "then" and full stops, with a fragment
    ("30 minutes") kept with the request before it, unless `request` says it asks for something
    alone ("use twilio, and record calls")."""
    found: list[str] = []
    for clause in CLAUSE.split(text):
        if found and (len(clause.split()) < 3 or _a_length(clause)) and not request(clause):
            found[-1] += ", " + clause
        elif clause.strip():
            found.append(clause)
    return found
