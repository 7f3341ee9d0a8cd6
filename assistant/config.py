"""Plugin configuration: validated JSON in the store, changed only through each plugin's model."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.plugins import Plugin
from assistant.store import Database
from assistant.store.tables import PluginConfigRow, utcnow
from assistant.vault import Vault

M = TypeVar("M", bound=BaseModel)


class ConfigError(ValueError):
    """A change was refused. The message is a sentence that can be read to the user."""


def explain(error: ValidationError) -> str:
    """Turn a pydantic error into sentences a person can act on."""
    sentences = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"] if part != "__root__")
        message = item["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if item["type"] == "extra_forbidden":
            message = "is not a setting this plugin knows"
        sentences.append(f"{where}: {message}" if where else message)
    return "; ".join(sentences) + "."


def parse_value(text: str) -> Any:
    """Read a CLI value: JSON lists, objects and null are parsed; anything else stays a string.

    Scalars stay strings so that "+15550001234" or "0123" keep their form; the config model turns
    "600" into a number or "false" into a boolean where the setting is one.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return value if value is None or isinstance(value, (list, dict)) else text


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ConfigError(f"{path}: {part} is not a group of settings.")
        node = child
    node[parts[-1]] = value


class ConfigService:
    def __init__(self, db: Database, vault: Vault, plugins: Mapping[str, Plugin]) -> None:
        self._db = db
        self._vault = vault
        self._plugins = plugins

    def plugin(self, name: str) -> Plugin:
        try:
            return self._plugins[name]
        except KeyError:
            known = ", ".join(sorted(self._plugins)) or "none"
            raise ConfigError(f"There is no plugin called {name!r} (installed: {known}).") from None

    def get(self, name: str) -> BaseModel:
        """The plugin's stored config, validated (its defaults when nothing is stored)."""
        plugin = self.plugin(name)
        with self._db.reader() as session:
            row = session.get(PluginConfigRow, name)
            data = dict(row.data) if row else {}
        return plugin.config_model.model_validate(data)

    def typed(self, name: str, model: type[M]) -> M:
        """`get`, as the plugin's own config class (a plugin reads its config through this)."""
        config = self.get(name)
        if not isinstance(config, model):
            raise ConfigError(f"The {name} config is a {type(config).__name__}, not a {model.__name__}.")
        return config

    def update_typed(
        self,
        name: str,
        model: type[M],
        change: Mapping[str, Any] | Callable[[dict[str, Any]], None],
        secrets: Mapping[str, str] | None = None,
    ) -> tuple[M, M]:
        """`update`, with the plugin's own config class for before and after."""
        before, after = self.update(name, change, secrets)
        assert isinstance(before, model) and isinstance(after, model)
        return before, after

    def revision(self, name: str) -> int:
        with self._db.reader() as session:
            row = session.get(PluginConfigRow, name)
            return row.revision if row else 0

    def update(
        self,
        name: str,
        change: Mapping[str, Any] | Callable[[dict[str, Any]], None],
        secrets: Mapping[str, str] | None = None,
        after_write: Callable[[Session], None] | None = None,
    ) -> tuple[BaseModel, BaseModel]:
        """Apply dotted-path changes (or a function editing the JSON), validate, and write.

        Config and secrets are written in one transaction: both land or neither does.
        Returns (before, after). Raises ConfigError, and writes nothing, if the result is invalid.
        """
        plugin = self.plugin(name)
        for attempt in range(3):
            try:
                return self._update_once(plugin, change, secrets, after_write)
            except IntegrityError:
                # Two first-ever writes raced to insert the row (PostgreSQL); the next try updates it.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _update_once(
        self,
        plugin: Plugin,
        change: Mapping[str, Any] | Callable[[dict[str, Any]], None],
        secrets: Mapping[str, str] | None,
        after_write: Callable[[Session], None] | None,
    ) -> tuple[BaseModel, BaseModel]:
        name = plugin.name
        with self._db.transaction() as session:
            row = session.get(PluginConfigRow, name, with_for_update=True)
            before = plugin.config_model.model_validate(dict(row.data) if row else {})
            data = before.model_dump(mode="json", by_alias=True)
            if callable(change):
                change(data)
            else:
                for path, value in change.items():
                    _set_path(data, path, value)
            try:
                after = plugin.config_model.model_validate(data)
            except ValidationError as exc:
                raise ConfigError(explain(exc)) from None
            stored = after.model_dump(mode="json", by_alias=True)
            if row is None:
                session.add(PluginConfigRow(plugin=name, data=stored, revision=1, updated_at=utcnow()))
            elif row.data != stored:
                row.data, row.revision, row.updated_at = stored, row.revision + 1, utcnow()
            for secret_name, value in (secrets or {}).items():
                self._vault.set(secret_name, value, session=session)
            if after_write is not None:
                after_write(session)
        return before, after

    def reset(self, name: str) -> BaseModel:
        return self.update(name, lambda data: data.clear())[1]
