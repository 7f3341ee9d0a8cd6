"""The vault: secrets encrypted at rest with AES-256-GCM.

The key never sits in the database. It comes from `ASSISTANT_VAULT_KEY` (urlsafe base64 of 32 bytes)
or from the key file `vault.key` in the data folder, created with mode 0600 on first use.
Each secret's name is bound into the ciphertext as associated data, so moving a ciphertext to
another name fails to decrypt. Each row also records a short id of the key that sealed it, which
lets us tell "wrong key" apart from "tampered data".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant import logs
from assistant.store import Database
from assistant.store.tables import SecretRow, utcnow

KEY_FILE_NAME = "vault.key"
SECRET_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,199}$")


class VaultError(RuntimeError):
    """A secret could not be stored or read; the message says why and what to do."""


def _decode_key(text: str, source: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode() + b"=" * (-len(text.strip()) % 4))
    except (ValueError, TypeError):
        key = b""
    if len(key) != 32:
        raise VaultError(f"The vault key from {source} is not valid: expected urlsafe base64 of 32 bytes.")
    return key


def load_or_create_key(home: Path, env_key: str | None) -> bytes:
    """Return the vault key from the environment, else from the key file (created if missing)."""
    if env_key:
        return _decode_key(env_key, "ASSISTANT_VAULT_KEY")
    path = home / KEY_FILE_NAME
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise VaultError(
                f"The vault key file {path} is readable by other users (mode {mode:o}); run `chmod 600 {path}` and try again."
            )
        return _decode_key(path.read_text(), str(path))
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = AESGCM.generate_key(bit_length=256)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.urlsafe_b64encode(key).decode() + "\n")
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"assistant-vault-key-id:" + key).hexdigest()[:16]


def check_name(name: str) -> str:
    if not SECRET_NAME.match(name):
        raise VaultError(
            f"{name!r} is not a valid secret name: use lowercase letters, digits, '.', '_' or '-' (e.g. voice_call.twilio.auth_token)."
        )
    return name


class Vault:
    def __init__(self, db: Database, key: bytes) -> None:
        self._db = db
        self._aead = AESGCM(key)
        self._key_id = key_id(key)
        self._subkey_seed = hmac.new(key, b"assistant subkeys", hashlib.sha256).digest()

    def subkey(self, purpose: str) -> bytes:
        """A key for `purpose` derived from the vault key (HMAC): per install, never stored."""
        return hmac.new(self._subkey_seed, purpose.encode(), hashlib.sha256).digest()

    def set(self, name: str, value: str, session: Session | None = None) -> None:
        """Store or replace a secret. Pass `session` to make it part of a larger transaction."""
        check_name(name)
        if not value:
            raise VaultError(f"Refusing to store an empty value for {name}.")
        logs.add_secret(value)
        nonce = os.urandom(12)
        ciphertext = self._aead.encrypt(nonce, value.encode(), name.encode())
        if session is None:
            with self._db.transaction() as own:
                self._write(own, name, nonce, ciphertext)
        else:
            self._write(session, name, nonce, ciphertext)

    def _write(self, session: Session, name: str, nonce: bytes, ciphertext: bytes) -> None:
        row = session.get(SecretRow, name)
        if row is None:
            session.add(SecretRow(name=name, key_id=self._key_id, nonce=nonce, ciphertext=ciphertext))
        else:
            row.key_id, row.nonce, row.ciphertext, row.updated_at = self._key_id, nonce, ciphertext, utcnow()

    def get(self, name: str) -> str | None:
        with self._db.reader() as session:
            row = session.get(SecretRow, name)
            if row is None:
                return None
            return self._open(row)

    def _open(self, row: SecretRow) -> str:
        if row.key_id != self._key_id:
            raise VaultError(
                f"Secret {row.name!r} was stored with a different vault key. Restore the original key "
                "(ASSISTANT_VAULT_KEY or vault.key in the data folder) or set the secret again."
            )
        try:
            value = self._aead.decrypt(row.nonce, row.ciphertext, row.name.encode()).decode()
        except InvalidTag:
            raise VaultError(
                f"Secret {row.name!r} failed its integrity check: the stored data was altered. Set it again."
            ) from None
        logs.add_secret(value)
        return value

    def has(self, name: str) -> bool:
        with self._db.reader() as session:
            return session.get(SecretRow, name) is not None

    def names(self) -> list[str]:
        with self._db.reader() as session:
            return list(session.scalars(select(SecretRow.name).order_by(SecretRow.name)))

    def delete(self, name: str, session: Session | None = None) -> bool:
        if session is None:
            with self._db.transaction() as own:
                return self._delete(own, name)
        return self._delete(session, name)

    @staticmethod
    def _delete(session: Session, name: str) -> bool:
        row = session.get(SecretRow, name)
        if row is None:
            return False
        session.delete(row)
        return True

    def readable_values(self) -> list[str]:
        """Every secret value this key can open (for scrubbing text); unreadable rows are skipped."""
        values = []
        with self._db.reader() as session:
            for row in session.scalars(select(SecretRow)):
                try:
                    values.append(self._open(row))
                except VaultError:
                    continue
        return values
