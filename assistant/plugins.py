"""What a plugin hands the host, and how plugins are found.

A plugin is a `Plugin` object published under the `assistant.plugins` entry-point group. It gives
the host a pydantic config model, agent tools, gateway routes, (for the offline model) the phrases
it understands, and optionally a panel on the web page and offline models to install. Its CLI
commands are published apart, under `assistant.commands`, so `assistant --help` loads no plugin;
a command gets the host from `open_host()` (the click context's `obj`). The host knows nothing
else about what a plugin does.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click
from pydantic import BaseModel

if TYPE_CHECKING:
    from pydantic_ai import Tool
    from starlette.routing import BaseRoute

    from assistant.approvals import Gate
    from assistant.offline_model import Intent
    from assistant.understanding import Meaning

ENTRY_POINT_GROUP = "assistant.plugins"
COMMANDS_GROUP = "assistant.commands"


class SetupError(RuntimeError):
    """Something a plugin needs is not installed; the message says which command installs it."""


@dataclass(frozen=True)
class WebPanel:
    """A plugin's part of the web page: `html` (a fragment, put in the side column) and `scripts`,
    files in `folder`, served at /web/plugins/<plugin name>/. Scripts load after the page's own
    and reach it through `window.assistantPage` ($, el, api, refresh, onRefresh, visible)."""

    folder: Path
    html: str
    scripts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    """One line of `assistant doctor`: what was checked, how it went, and what to do."""

    name: str
    status: Literal["ok", "warn", "fail"]
    detail: str


@dataclass(frozen=True)
class SecretPattern:
    """A shape of secret a user may type in chat. Group 1 of `regex` is the secret itself.
    `unless(host, value)` says a match is something known not to be secret (e.g. a call id)."""

    label: str
    regex: re.Pattern[str]
    unless: Callable[[Any, str], bool] | None = None


@dataclass
class Plugin:
    """What a plugin hands the host. Hooks that take a `host` get the `assistant.host.Host` (typed
    `Any` here because the host holds the plugins: the contract must not import it back)."""

    name: str
    config_model: type[BaseModel]
    tools: Sequence[Tool] = ()
    #: Builds the plugin's routes from its config at each gateway (re)start.
    routes: Callable[[Any, BaseModel], list[BaseRoute]] | None = None
    #: Phrases the offline model maps to this plugin's tools.
    intents: Sequence[Intent] = ()
    #: What the owner may mean in free phrasing, read by closeness to examples (after the phrases).
    meanings: Sequence[Meaning] = ()
    #: The owner's own phone number, if the plugin knows it: numbers the owner types without a
    #: country code are read in its region.
    owner_number: Callable[[Any], str | None] | None = None
    secret_patterns: Sequence[SecretPattern] = ()
    #: Checks for `assistant doctor`.
    doctor: Callable[[Any], list[Check]] | None = None
    #: A short, secret-free summary of the config for /healthz and the chat.
    describe: Callable[[BaseModel], dict[str, Any]] | None = None
    #: A folder of Alembic revisions for the plugin's own tables (a branch of its own).
    migrations: Path | None = None
    #: Runs once when the gateway first starts in this process (e.g. to close stale calls).
    startup: Callable[[Any], None] | None = None
    #: Runs when the gateway stops (e.g. to settle calls that can no longer connect); may be async.
    shutdown: Callable[[Any], Awaitable[None] | None] | None = None
    #: How much live work it has now (calls on the line): a draining gateway waits for none.
    busy: Callable[[Any], int] | None = None
    #: The gateway drains (it is being stopped with SIGTERM): take on no new work of its own.
    drain: Callable[[Any], None] | None = None
    #: Top-level config sections the plugin reads afresh for every request: changing them needs no restart.
    live_settings: tuple[str, ...] = ()
    #: Its part of the web page.
    web_panel: WebPanel | None = None
    #: Prepares offline models (`assistant models install`); returns what is ready, raises SetupError.
    install_models: Callable[[], Iterable[Path]] | None = None
    #: Which of its tools' calls wait for the owner's yes (outside effects; see assistant/approvals.py).
    gates: Sequence[Gate] = ()
    #: Names of its tools that are no use in the current state (left out of a language model's
    #: prompt to keep it short; the offline model always has them all).
    idle_tools: Callable[[Any], Iterable[str]] | None = None


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


def commands() -> list[click.Command]:
    """The CLI commands plugins publish (loaded without loading the plugins themselves)."""
    found = []
    for ep in sorted(entry_points(group=COMMANDS_GROUP), key=lambda e: e.name):
        command = ep.load()
        if not isinstance(command, click.Command):
            raise PluginError(f"Entry point {ep.value} is not a click command.")
        found.append(command)
    return found


def open_host() -> Any:
    """The `assistant.host.Host`, for a plugin's CLI command: opened by the `assistant` group,
    closed by the caller."""
    opener = click.get_current_context().obj
    if not callable(opener):
        raise click.ClickException("This command runs under `assistant`.")
    return opener()
