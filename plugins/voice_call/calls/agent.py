"""The call agent: the same agent machinery as the owner's, with the call prompt and a toolset
that cannot touch config, the vault or dialing, whatever the caller says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from pydantic_ai import Agent
from pydantic_ai.messages import ModelMessage, ModelRequest, UserPromptPart
from pydantic_ai.models import Model

from assistant.plugin_api import choose_model, read_prompt
from plugins.voice_call.caller_tool import CallDeps
from plugins.voice_call.calls.caller_tools import CALL_TOOLS
from plugins.voice_call.calls.offline_call import offline_call_model

if TYPE_CHECKING:
    from assistant.plugin_api import Host


class CallAgent:
    """The model that answers callers on the local pipeline (Realtime has its own), with the call's
    tools; what the tools reach comes with each turn's `CallDeps`."""

    def __init__(self, host: Host, model: Model | None = None) -> None:
        if model is None:
            model, description = choose_model(host.settings, [])
            if description == "built-in offline model":
                model = offline_call_model()
        self.agent = Agent(
            model, deps_type=CallDeps, instructions=read_prompt(host.settings, "call"), tools=CALL_TOOLS, name="call"
        )

    async def reply(
        self, text: str, history: list[ModelMessage], deps: CallDeps, context: str | None = None
    ) -> AsyncIterator[str]:
        """Stream the reply's text; `history` is extended with the turn's messages when it completes."""
        recent = recent_turns(history)
        async with self.agent.run_stream(text, message_history=recent, deps=deps, instructions=context) as result:
            async for delta in result.stream_text(delta=True, debounce_by=None):
                yield delta
        history.extend(result.new_messages())


#: How much of a call the model is sent each turn: the latest exchanges, whole. A phone call's
#: recent turns are what the next answer needs; the cost of each model request (and pydantic-ai's
#: work before it) then stays flat however long the call goes on.
MAX_MESSAGES = 40


def recent_turns(history: list[ModelMessage], limit: int = MAX_MESSAGES) -> list[ModelMessage]:
    """The last messages of `history`, at most `limit`, starting where a caller's turn starts."""
    if len(history) <= limit:
        return history
    for start in range(len(history) - limit, len(history)):
        message = history[start]
        if isinstance(message, ModelRequest) and any(isinstance(p, UserPromptPart) for p in message.parts):
            return history[start:]
    return []
