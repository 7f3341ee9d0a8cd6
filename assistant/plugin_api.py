"""Everything a plugin may use of the host, and nothing else.

A plugin imports from `assistant` only through this module (tests/unit/test_plugin_api.py holds
it to that), so the host's insides can change without breaking a plugin, and a reader sees in one
place what the host promises. Each name is loaded on first use: a plugin's CLI module can import
from here without pulling in the agent or the web app (`assistant --help` loads no plugin).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.agent import choose_model, read_prompt
    from assistant.approvals import Gate, GateContext
    from assistant.chat_secrets import PLACEHOLDER, SecretNotAvailable
    from assistant.config import ConfigError
    from assistant.doctor import format_checks
    from assistant.gateway import admin_headers
    from assistant.host import Host
    from assistant.logs import call_context
    from assistant.offline_model import Intent, ToolCall
    from assistant.owner_questions import OwnerQuestion
    from assistant.paths import models_dir
    from assistant.plugins import Check, Plugin, SecretPattern, SetupError, WebPanel, open_host
    from assistant.provenance import caller_content
    from assistant.store import Database
    from assistant.store.tables import Base, as_utc, utcnow
    from assistant.tools import ToolContext, ToolResult
    from assistant.understanding import Ask, Built, Meaning, Said, SentenceEncoder, sentence_encoder, slots
    from assistant.vault import Vault, VaultError
    from assistant.web.app import WebApp
    from assistant.web.auth import same_origin
    from assistant.web.bodies import BadBody, small_json

#: Where each name lives in the host.
_HOME: dict[str, str] = {
    # What a plugin is, and how the host finds and runs it.
    "Plugin": "assistant.plugins",
    "WebPanel": "assistant.plugins",
    "SecretPattern": "assistant.plugins",
    "Check": "assistant.plugins",
    "SetupError": "assistant.plugins",
    "open_host": "assistant.plugins",
    "Host": "assistant.host",
    # Owner tools: their context, their result, the approvals they pass, the offline phrases.
    "ToolContext": "assistant.tools",
    "ToolResult": "assistant.tools",
    "Gate": "assistant.approvals",
    "GateContext": "assistant.approvals",
    "Intent": "assistant.offline_model",
    "ToolCall": "assistant.offline_model",
    # Free phrasing: meanings read by closeness to examples, values read by rules, the encoder.
    "Meaning": "assistant.understanding",
    "Said": "assistant.understanding",
    "Ask": "assistant.understanding",
    "Built": "assistant.understanding",
    "slots": "assistant.understanding",
    "SentenceEncoder": "assistant.understanding",
    "sentence_encoder": "assistant.understanding",
    "PLACEHOLDER": "assistant.chat_secrets",
    "SecretNotAvailable": "assistant.chat_secrets",
    "ConfigError": "assistant.config",
    "format_checks": "assistant.doctor",
    # Words from outside (callers) marked as such, wherever they travel.
    "caller_content": "assistant.provenance",
    # A question to the owner that something waits on (`Host.ask_owner`).
    "OwnerQuestion": "assistant.owner_questions",
    # Models and prompts.
    "choose_model": "assistant.agent",
    "read_prompt": "assistant.agent",
    # Storage: the database, its table base and time helpers, the vault.
    "Database": "assistant.store",
    "Base": "assistant.store.tables",
    "as_utc": "assistant.store.tables",
    "utcnow": "assistant.store.tables",
    "Vault": "assistant.vault",
    "VaultError": "assistant.vault",
    # The gateway and the web page.
    "admin_headers": "assistant.gateway",
    "WebApp": "assistant.web.app",
    "same_origin": "assistant.web.auth",
    "BadBody": "assistant.web.bodies",
    "small_json": "assistant.web.bodies",
    # Logging with the call's id on every line.
    "call_context": "assistant.logs",
    # Where offline models are kept.
    "models_dir": "assistant.paths",
}

__all__ = [
    "PLACEHOLDER",
    "Ask",
    "Built",
    "Meaning",
    "Said",
    "SentenceEncoder",
    "sentence_encoder",
    "slots",
    "BadBody",
    "Base",
    "Check",
    "ConfigError",
    "Database",
    "Gate",
    "GateContext",
    "Host",
    "Intent",
    "Plugin",
    "SecretNotAvailable",
    "SecretPattern",
    "SetupError",
    "ToolCall",
    "ToolContext",
    "ToolResult",
    "Vault",
    "VaultError",
    "WebApp",
    "WebPanel",
    "admin_headers",
    "as_utc",
    "call_context",
    "caller_content",
    "OwnerQuestion",
    "choose_model",
    "format_checks",
    "models_dir",
    "open_host",
    "read_prompt",
    "same_origin",
    "small_json",
    "utcnow",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"assistant.plugin_api has no {name!r}; a plugin may use only {', '.join(__all__)}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
