"""What a plugin hands the host, and how plugins are found.

A plugin is a `Plugin` object published under the `assistant.plugins` entry-point group. It gives
the host a pydantic config model, agent tools, gateway routes, and (for the offline model) the
phrases it understands. The host knows nothing else about what a plugin does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from pydantic_ai import Tool
    from starlette.routing import BaseRoute

    from assistant.doctor import Check
    from assistant.host import Host
    from assistant.offline_model import Intent

ENTRY_POINT_GROUP = "assistant.plugins"


@dataclass(frozen=True)
class SecretPattern:
    """A shape of secret a user may type in chat. Group 1 of `regex` is the secret itself."""

    label: str
    regex: re.Pattern[str]


@dataclass
class Plugin:
    name: str
    config_model: type[BaseModel]
    tools: Sequence["Tool"] = ()
    #: Builds the plugin's routes from its config at each gateway (re)start.
    routes: Callable[["Host", BaseModel], list["BaseRoute"]] | None = None
    #: Phrases the offline model maps to this plugin's tools.
    intents: Sequence["Intent"] = ()
    secret_patterns: Sequence[SecretPattern] = ()
    #: Checks for `assistant doctor`.
    doctor: Callable[["Host"], list["Check"]] | None = None
    #: A short, secret-free summary of the config for /healthz and the chat.
    describe: Callable[[BaseModel], dict[str, Any]] | None = None
    #: A folder of Alembic revisions for the plugin's own tables (a branch of its own).
    migrations: Path | None = None
    #: Runs once when the gateway first starts in this process (e.g. to close stale calls).
    startup: Callable[["Host"], None] | None = None
    #: Runs when the gateway stops (e.g. to settle calls that can no longer connect).
    shutdown: Callable[["Host"], None] | None = None
    #: Extra `assistant` subcommands (a click command or group).
    cli: Any = None


class PluginError(RuntimeError):
    pass


def discover() -> list[Plugin]:
    """Load every installed plugin, in name order."""
    plugins = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        plugin = ep.load()
        if not isinstance(plugin, Plugin):
            raise PluginError(f"Entry point {ep.value} is not an assistant Plugin.")
        plugins.append(plugin)
    return plugins
