"""Process-wide settings, read from the environment.

Everything a user changes by talking to the assistant lives in the store (plugin config, vault).
These settings only say where the store is and how to reach a language model, so they come
from environment variables and have offline defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "phone-assistant"


#: Files the assistant keeps in its data folder (besides assistant.db and its journal files).
OWN_FILES = ("vault.key", "web.token", "gateway.json")


def _choice(env: dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = env.get(name) or choices[0]
    if value not in choices:
        raise SystemExit(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _seconds(env: dict[str, str], name: str, default: str) -> float:
    text = env.get(name, default)
    try:
        return float(text)
    except ValueError:
        raise SystemExit(f"{name} must be a number of seconds, not {text!r}") from None


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    vault_key: str | None = field(default=None, repr=False)
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8787
    openai_api_key: str | None = field(default=None, repr=False)
    llm_base_url: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    llm_model: str = "gpt-4.1-mini"
    #: Which tools a language model is offered each step: "likely" (those the owner's message is
    #: closest to: a small prompt for small models) or "all" (every tool that fits the state).
    llm_tools: str = "likely"
    timezone: str | None = None
    #: How long `assistant serve` lets live calls go on after SIGTERM before it stops.
    drain_seconds: float = 600.0
    #: How long a gateway sharing the store may go unseen before another takes over its work
    #: (it beats every quarter of this).
    node_dead_seconds: float = 20.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        home = Path(env.get("ASSISTANT_HOME") or _default_home()).expanduser()
        database_url = env.get("ASSISTANT_DATABASE_URL") or f"sqlite:///{home / 'assistant.db'}"
        port_text = env.get("ASSISTANT_GATEWAY_PORT", "8787")
        try:
            port = int(port_text)
        except ValueError:
            raise SystemExit(f"ASSISTANT_GATEWAY_PORT must be a port number, not {port_text!r}") from None
        return cls(
            home=home,
            database_url=database_url,
            vault_key=env.get("ASSISTANT_VAULT_KEY") or None,
            prompts_dir=Path(env.get("ASSISTANT_PROMPTS_DIR") or PROJECT_ROOT / "prompts"),
            gateway_host=env.get("ASSISTANT_GATEWAY_HOST", "127.0.0.1"),
            gateway_port=port,
            drain_seconds=max(0.0, _seconds(env, "ASSISTANT_DRAIN_SECONDS", "600")),
            node_dead_seconds=max(2.0, _seconds(env, "ASSISTANT_NODE_DEAD_SECONDS", "20")),
            openai_api_key=env.get("OPENAI_API_KEY") or None,
            llm_base_url=env.get("ASSISTANT_LLM_BASE_URL") or env.get("OPENAI_BASE_URL") or None,
            llm_api_key=env.get("ASSISTANT_LLM_API_KEY") or None,
            llm_model=env.get("ASSISTANT_LLM_MODEL", "gpt-4.1-mini"),
            llm_tools=_choice(env, "ASSISTANT_LLM_TOOLS", ("likely", "all")),
            timezone=env.get("ASSISTANT_TIMEZONE") or None,
        )

    def ensure_home(self) -> Path:
        """Create the data folder, and at every start put it (0700) and the files in it (0600) back
        to owner-only: a copy, an unzip or a umask may have widened them."""
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.home, 0o700)
        for path in self.home.iterdir():  # only our own files, should the folder hold others
            if path.is_file() and not path.is_symlink() and (path.name in OWN_FILES or path.name.startswith("assistant.db")):
                os.chmod(path, 0o600)
        return self.home
