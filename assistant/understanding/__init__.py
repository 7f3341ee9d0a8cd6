"""Understanding people in their own words, offline: meanings read by closeness to example
phrasings (a small sentence model), values read by rules (`slots`)."""

from assistant.understanding import slots
from assistant.understanding.encoder import SentenceEncoder, sentence_encoder
from assistant.understanding.meanings import Ask, Built, Meaning, Reader, Reading, Said, clauses

__all__ = ["Ask", "Built", "Meaning", "Reader", "Reading", "Said", "SentenceEncoder", "clauses", "sentence_encoder", "slots"]
