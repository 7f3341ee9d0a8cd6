"""The owner's agent: one pydantic-ai Agent, its model, and a turn that keeps history safe."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic_ai import Agent
from pydantic_ai.exceptions import AgentRunError, ModelAPIError, UserError
from pydantic_ai.messages import (
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    PartDeltaEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
    ToolReturnPart,
)
from pydantic_ai.models import Model
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from assistant.chat_secrets import mask, scrub
from assistant.offline_model import Intent, OfflineModel
from assistant.provenance import CALLER_CONTENT, quoted
from assistant.settings import Settings
from assistant.tools import HOST_TOOLS, ToolContext

if TYPE_CHECKING:
    from assistant.host import Host


def host_intents() -> list[Intent]:
    import re

    restart = re.compile(r"(?i)\b(restart|reload)\s+(the\s+)?gateway\b")
    return [
        Intent("restart_gateway", lambda t: [("restart_gateway", {})] if restart.search(t) else None, "restart the gateway"),
    ]


def choose_model(settings: Settings, intents: list[Intent]) -> tuple[Model, str]:
    """OpenAI when OPENAI_API_KEY is set, an OpenAI-compatible server by base URL, else offline."""
    if settings.llm_base_url:
        api_key = settings.llm_api_key or settings.openai_api_key or "not-needed"
        provider = OpenAIProvider(base_url=settings.llm_base_url, api_key=api_key)
        return OpenAIChatModel(settings.llm_model, provider=provider), f"{settings.llm_model} at {settings.llm_base_url}"
    if settings.openai_api_key:
        provider = OpenAIProvider(api_key=settings.openai_api_key)
        return OpenAIChatModel(settings.llm_model, provider=provider), f"OpenAI {settings.llm_model}"
    return OfflineModel(intents).model(), "built-in offline model"


def read_prompt(settings: Settings, name: str) -> str:
    path = settings.prompts_dir / f"{name}.md"
    try:
        return path.read_text()
    except FileNotFoundError:
        raise SystemExit(
            f"The prompt file {path} is missing; set ASSISTANT_PROMPTS_DIR to the folder with the prompts."
        ) from None


def quoted_in(messages: list[ModelMessage]) -> list[str]:
    """Caller content in these messages' tool results, as the owner sees it."""
    found = []
    for message in messages:
        for part in message.parts if isinstance(message, ModelRequest) else ():
            content: Any = part.content if isinstance(part, ToolReturnPart) else None
            if isinstance(content, dict) and isinstance(content.get(CALLER_CONTENT), dict):
                found.append(quoted(content[CALLER_CONTENT]))
    return found


@dataclass(frozen=True)
class Reply:
    text: str
    ok: bool = True
    #: What callers said, from this turn's tool results: shown to the owner quoted, apart from `text`.
    quoted: tuple[str, ...] = ()


class AssistantAgent:
    def __init__(self, host: Host, model: Model | None = None) -> None:
        self.host = host
        intents = host_intents() + [i for p in host.plugins.values() for i in p.intents]
        if model is None:
            model, self.model_description = choose_model(host.settings, intents)
        else:
            self.model_description = getattr(model, "model_name", "custom model")
        tools = list(HOST_TOOLS) + [t for p in host.plugins.values() for t in p.tools]
        self.agent = Agent(
            model,
            deps_type=ToolContext,
            instructions=read_prompt(host.settings, "system"),
            tools=tools,
            name="assistant",
        )

    def _scrubbed(self, messages: list[ModelMessage]) -> list[ModelMessage]:
        values = self.host.secrets.known_values()
        if not values:
            return messages
        dumped = ModelMessagesTypeAdapter.dump_json(messages).decode()
        cleaned = scrub(dumped, [json.dumps(v)[1:-1] for v in values])
        return ModelMessagesTypeAdapter.validate_json(cleaned)

    async def ask(self, conversation_id: int, text: str, on_text: Callable[[str], Awaitable[None]] | None = None) -> Reply:
        """Run one turn. The user's secrets go to the vault first; only placeholders reach the model.
        With `on_text`, the reply's text is passed on piece by piece as the model streams it."""
        safe_text, _ = self.host.secrets.capture(text)
        history = self.host.conversations.load(conversation_id)
        stream_handler = None
        if on_text is not None:
            values = self.host.secrets.known_values()

            async def stream_handler(ctx: Any, events: AsyncIterable[Any]) -> None:
                async for event in events:
                    if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart) and event.part.content:
                        await on_text(mask(event.part.content, values))
                    elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
                        await on_text(mask(event.delta.content_delta, values))

        try:
            result = await self.agent.run(
                safe_text,
                message_history=history,
                deps=ToolContext(self.host, conversation_id),
                event_stream_handler=stream_handler,
            )
        except (ModelAPIError, AgentRunError, UserError) as exc:
            detail = mask(str(exc), self.host.secrets.known_values())
            return Reply(
                f"Sorry, the language model ({self.model_description}) failed: {detail}. Nothing was saved from this turn.",
                ok=False,
            )
        new = self._scrubbed(result.new_messages())
        self.host.conversations.append(conversation_id, new)
        values = self.host.secrets.known_values()
        return Reply(mask(str(result.output), values), quoted=tuple(mask(q, values) for q in quoted_in(new)))
