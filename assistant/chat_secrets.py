"""Secrets typed in chat never reach the model, the history, or the screen.

Before a user message goes to the agent, anything shaped like a secret is moved into the vault
under a temporary name and replaced in the text by a placeholder such as `<secret:3f9a1c2e>`.
The model passes placeholders to tools unchanged; tools resolve them from the vault and store the
value under its real name. Stored and displayed history only ever holds placeholders, and any
vault value that still shows up in text is masked before it is written or shown.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.plugins import SecretPattern
from assistant.vault import Vault, VaultError

PLACEHOLDER = re.compile(r"<secret:([0-9a-f]{8})>")
TEMP_PREFIX = "chat.secret."
MASK = "••••••"

#: Shapes of secrets that are not specific to a plugin. Group 1 is the secret.
GENERIC_PATTERNS: tuple[SecretPattern, ...] = (
    SecretPattern("OpenAI API key", re.compile(r"\b(sk-[A-Za-z0-9_\-]{20,})")),
    SecretPattern("ElevenLabs API key", re.compile(r"\b(sk_[A-Za-z0-9]{20,})")),
    # "password / token / key / secret is X": X whatever its characters (one word, 6 or more).
    SecretPattern(
        "secret",
        re.compile(
            r"(?i)(?<!<)(?<!public )\b(?:api[ _-]?key|key|auth(?:entication)?[ _-]?token|access[ _-]?token|token|pass(?:word|phrase|code)?"
            r"|secret)\s*(?:is|=|:)\s*[\"']?([^\s<>\"']{6,})"
        ),
    ),
    # The same without "is" (", token abc123..."): only when the value has a digit, so prose is left alone.
    SecretPattern(
        "secret",
        re.compile(
            r"(?i)(?<!<)\b(?:api[ _-]?key|auth(?:entication)?[ _-]?token|access[ _-]?token|token|password|secret)"
            r"\s+[\"']?((?=[A-Za-z_\-./+=]*\d)[A-Za-z0-9_\-./+=]{12,})"
        ),
    ),
)


class SecretNotAvailable(ValueError):
    pass


@dataclass(frozen=True)
class CapturedSecret:
    label: str
    placeholder: str


class ChatSecrets:
    def __init__(self, vault: Vault, patterns: Sequence[SecretPattern], host: Any = None) -> None:
        self._vault = vault
        self._patterns = [*patterns, *GENERIC_PATTERNS]
        self._host = host

    def _placeholder_key(self) -> bytes:
        """A per-install key for placeholders: a placeholder says nothing about its secret to anyone
        who can guess candidates (a bare hash prefix would confirm a guess)."""
        return self._vault.subkey("chat placeholders")

    def _secret_match(self, pattern: SecretPattern, text: str) -> re.Match[str] | None:
        placeholders = [m.span() for m in PLACEHOLDER.finditer(text)]
        for match in pattern.regex.finditer(text):
            value = match.group(1).rstrip(".,;")
            start = match.start(1)
            if PLACEHOLDER.fullmatch(value) or any(a <= start < b for a, b in placeholders):
                continue  # already captured: never capture a placeholder or a piece of one
            if pattern.unless is not None and pattern.unless(self._host, value):
                continue
            return match
        return None

    def capture(self, text: str) -> tuple[str, list[CapturedSecret]]:
        """Store every secret found in `text` in the vault; return the text with placeholders."""
        captured: list[CapturedSecret] = []
        for pattern in self._patterns:
            while True:
                match = self._secret_match(pattern, text)
                if match is None:
                    break
                value = match.group(1).rstrip(".,;")
                token = hmac.new(self._placeholder_key(), value.encode(), hashlib.sha256).hexdigest()[:8]
                self._vault.set(TEMP_PREFIX + token, value)
                placeholder = f"<secret:{token}>"
                start, _ = match.span(1)
                text = text[:start] + placeholder + text[start + len(value) :]
                captured.append(CapturedSecret(pattern.label, placeholder))
        return text, captured

    def resolve(self, value: str) -> str:
        """The real value behind a placeholder, or `value` itself when it is not one."""
        match = PLACEHOLDER.fullmatch(value.strip())
        if match is None:
            return value
        secret = self._vault.get(TEMP_PREFIX + match.group(1))
        if secret is None:
            raise SecretNotAvailable("That secret is no longer available; please type it again.")
        return secret

    def forget(self, value: str) -> None:
        """Drop the temporary copy once a tool stored the secret under its real name."""
        match = PLACEHOLDER.fullmatch(value.strip())
        if match:
            self._vault.delete(TEMP_PREFIX + match.group(1))

    def known_values(self) -> list[str]:
        try:
            return [v for v in self._vault.readable_values() if len(v) >= 6]
        except VaultError:
            return []


def mask(text: str, values: Iterable[str]) -> str:
    """Replace every secret value, and every placeholder, with a mask fit for display."""
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, MASK)
    return PLACEHOLDER.sub(MASK, text)


def scrub(text: str, values: Iterable[str]) -> str:
    """Replace secret values with a mask but keep placeholders (they are safe and the model needs them)."""
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text
