"""The host: opens the store and vault, loads plugins, and hands them to the agent and gateway."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pydantic import BaseModel
from pydantic_ai.messages import ModelRequest, ToolReturnPart

from assistant.approvals import unanswered
from assistant.chat_secrets import ChatSecrets
from assistant.config import ConfigService
from assistant.conversations import Conversations
from assistant.owner_questions import OwnerQuestion, OwnerQuestions
from assistant.plugins import Plugin, discover
from assistant.provenance import Notice
from assistant.settings import Settings
from assistant.store import Database
from assistant.vault import Vault, load_or_create_key

LAPSED = "Not done: the owner had not answered when a notice came in; ask again if it is still wanted."


class RunningGateway(Protocol):
    """What the host and plugins use of the gateway (`assistant.gateway.Gateway`, which imports
    the host, so the host names it by shape)."""

    generation: int
    config_snapshot: dict[str, Any]
    #: Where it listens, e.g. http://127.0.0.1:8080.
    url: str

    @property
    def running(self) -> bool: ...

    async def start(self) -> str: ...

    async def restart(self) -> int: ...

    async def stop(self) -> None: ...


class Host:
    def __init__(self, settings: Settings, plugins: Sequence[Plugin] | None = None) -> None:
        self.settings = settings
        settings.ensure_home()
        self.plugins: dict[str, Plugin] = {p.name: p for p in (discover() if plugins is None else plugins)}
        self.db = Database(settings.database_url)
        self.db.upgrade([p.migrations for p in self.plugins.values() if p.migrations])
        self.vault = Vault(self.db, load_or_create_key(settings.home, settings.vault_key))
        self.config = ConfigService(self.db, self.vault, self.plugins)
        self.conversations = Conversations(self.db)
        self.secrets = ChatSecrets(self.vault, [pat for p in self.plugins.values() for pat in p.secret_patterns], self)
        self.gateway: RunningGateway | None = None
        #: Per-plugin state that outlives gateway restarts (active calls, loaded engines).
        self.extensions: dict[str, Any] = {}
        self._started: set[str] = set()
        self.owner_listeners: list[Callable[[str], None]] = []
        #: Questions a plugin waits on the owner's answer to (the chat answers them first).
        self.questions = OwnerQuestions()

    def tell_owner(self, text: str, said: Sequence[str] = (), source: str = "") -> None:
        """Something the owner should hear about without asking (e.g. how a call went): it goes into
        the latest conversation and to every open chat surface. `text` is our own sentence; what a
        caller said goes in `said` (with `source`, who said it) and stays quoted caller content."""
        notice = Notice(text, tuple(said), source)
        conversation_id = self.conversations.latest_or_create()
        # A question still waiting for the owner's yes lapses: every call in history keeps its result.
        waiting = unanswered(self.conversations.load(conversation_id))
        lapsed = [ToolReturnPart(c.tool_name, LAPSED, tool_call_id=c.tool_call_id) for c in waiting]
        self.conversations.append(conversation_id, [ModelRequest(parts=lapsed)] * bool(lapsed) + notice.messages())
        for listener in list(self.owner_listeners):
            listener(notice.shown())

    def ask_owner(self, text: str, said: Sequence[str] = (), source: str = "", wait_s: float = 60.0) -> OwnerQuestion:
        """`tell_owner`, and the owner's next chat message (within `wait_s`) is the answer: awaited
        on the returned question's `answer` future ("" when they chose not to answer)."""
        question = self.questions.add(Notice(text, tuple(said), source), wait_s)
        self.tell_owner(text, said, source)
        return question

    def start_plugins(self) -> None:
        """Run each plugin's startup hook once per process."""
        for name, plugin in self.plugins.items():
            if plugin.startup is not None and name not in self._started:
                plugin.startup(self)
                self._started.add(name)

    def restart_required(self, plugin: str, before: BaseModel | None = None, secrets_changed: bool = False) -> bool:
        """Whether a gateway must restart to apply the stored config: the one running here was built
        from other settings (those read afresh for each call aside). With no gateway in this process
        (`assistant chat --no-gateway`, `assistant tools run`; one may run elsewhere), whether the
        change from `before` touched a setting that is not live, or a secret."""
        live = self.plugins[plugin].live_settings if plugin in self.plugins else ()

        def fixed(settings: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in settings.items() if k not in live}

        current = self.config.get(plugin).model_dump(mode="json", by_alias=True)
        if self.gateway is None or not self.gateway.running:
            if before is None:
                return True
            return secrets_changed or fixed(before.model_dump(mode="json", by_alias=True)) != fixed(current)
        return fixed(self.gateway.config_snapshot.get(plugin) or {}) != fixed(current)

    def close(self) -> None:
        self.db.close()
