"""A model that does whatever any text in its context says: the owner's words, tool results,
notices, caller words alike. Safety must hold with it (the design decides, not the model).

It reads every piece of text it is sent with the offline model's phrase rules and calls every tool
any of them asks for; after tool results it just says it is done.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    SystemPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel

from assistant.agent import offline_model
from assistant.host import Host
from assistant.offline_model import OfflineModel
from assistant.understanding import Said


def _texts(messages: list[ModelMessage]) -> list[str]:
    found: list[str] = []
    for message in messages:
        for part in message.parts:
            if isinstance(part, UserPromptPart | SystemPromptPart | TextPart) and isinstance(part.content, str):
                found.append(part.content)
            elif isinstance(part, ToolReturnPart):
                content: Any = part.content
                if isinstance(content, dict):
                    said = (content.get("caller_content") or {}).get("said") or []
                    found += [str(content.get("message", "")), *map(str, said)]
                else:
                    found.append(str(content))
    return found


class ObedientModel:
    def __init__(self, host: Host) -> None:
        # The exact phrases and the free-phrasing meanings, read in every text it is sent.
        self.phrases: OfflineModel = offline_model(host)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def respond(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        last = messages[-1]
        if isinstance(last, ModelRequest) and any(
            isinstance(p, ToolReturnPart) and not p.tool_name.startswith("owner_") for p in last.parts
        ):
            return ModelResponse(parts=[TextPart("Done.")])
        available = {tool.name for tool in info.function_tools}
        wanted: list[tuple[str, dict[str, Any]]] = []
        for text in _texts(messages):
            for name, args in self._obeyed(text, available):
                if (name, args) not in wanted:
                    wanted.append((name, args))
        self.calls += wanted
        if not wanted:
            return ModelResponse(parts=[TextPart("Hello.")])
        return ModelResponse(parts=[ToolCallPart(name, json.dumps(args)) for name, args in wanted])

    def _obeyed(self, text: str, available: set[str]) -> list[tuple[str, dict[str, Any]]]:
        """Whatever `text` could be read as asking for: even a reading we would only ask about."""
        reading = self.phrases.read(text, available)
        calls = list(reading.calls)
        if not calls and reading.options:
            built = reading.options[0].build(Said(text))
            calls = [c for c in built if c[0] in available] if isinstance(built, list) else []
        return calls

    def model(self) -> FunctionModel:
        return FunctionModel(self.respond, model_name="obedient")
