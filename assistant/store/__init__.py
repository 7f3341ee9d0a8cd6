"""Persistent state: plugin config, vault secrets, conversations."""

from assistant.store.database import Database, StoreError

__all__ = ["Database", "StoreError"]
