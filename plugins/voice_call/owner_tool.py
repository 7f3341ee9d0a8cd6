"""How the plugin's owner tools are made: one decorator, one result shape, one way to change config.

Every feature folder's `owner_tools.py` builds its tools with `tool(...)` and changes settings
with `apply_change(...)`, so a change is validated by `VoiceCallConfig` and reports whether it
needs a gateway restart the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic_ai import RunContext, Tool

from assistant.plugin_api import ConfigError, ToolContext, ToolResult
from plugins.voice_call.config import PLUGIN, VoiceCallConfig, voice_config

Result = dict[str, Any]
#: Whether a call changes nothing (see assistant/approvals.read_only): True, or a function of the arguments.
ReadOnly = bool | Callable[[dict[str, Any]], bool]


def tool(fn: Callable[..., Any], *, read_only: ReadOnly = False) -> Tool[Any]:
    """An owner tool: every parameter described; `read_only` tools need no approval after caller content."""
    return Tool(fn, require_parameter_descriptions=True, metadata={"read_only": read_only} if read_only else None)


def config_of(ctx: RunContext[ToolContext]) -> VoiceCallConfig:
    return voice_config(ctx.deps.host)


def apply_change(
    ctx: RunContext[ToolContext],
    change: Mapping[str, Any] | Callable[[dict[str, Any]], None],
    done: Callable[[VoiceCallConfig], str],
    secrets: Mapping[str, str] | None = None,
) -> Result:
    """Change the plugin's settings (validated whole, nothing stored on a bad value); `done` words the result."""
    host = ctx.deps.host
    try:
        before, after = host.config.update_typed(PLUGIN, VoiceCallConfig, change, secrets=secrets)
    except ConfigError as exc:
        return ToolResult(False, f"Nothing was changed: {exc}").as_dict()
    restart = host.restart_required(PLUGIN, before=before, secrets_changed=bool(secrets))
    return ToolResult(True, done(after), restart_required=restart).as_dict()
