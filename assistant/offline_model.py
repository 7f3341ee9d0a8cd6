"""The built-in offline model: understands setup requests without any language model.

It is a pydantic-ai `FunctionModel`, so it drives the very same agent loop and tools as a real
model. Plugins describe the phrases they understand as `Intent`s; this module only matches
them, calls the tools they name, and reads the tools' results back to the user. For anything
else it says plainly that it is offline and what it can do.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel

from assistant.provenance import CALLER_CONTENT, is_notice

#: A tool call an intent asks for: the tool's name and its arguments.
ToolCall = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Intent:
    """A phrase family. `parse` gets the user's text and returns tool calls, or None if it does not apply."""

    name: str
    parse: Callable[[str], list[ToolCall] | None]
    example: str = ""


RESTART_REMINDER = 'Changes to calls take effect after a gateway restart. Say "restart the gateway" to apply them now.'


def _last_request(messages: Sequence[ModelMessage]) -> ModelRequest | None:
    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            return message
    return None


def _user_text(request: ModelRequest) -> str:
    parts = [p.content for p in request.parts if isinstance(p, UserPromptPart) and isinstance(p.content, str)]
    return "\n".join(parts).strip()


def _summarise(returns: list[ToolReturnPart]) -> str:
    sentences, restart_needed, restarted = [], False, False
    for part in returns:
        content = part.content
        if isinstance(content, dict):
            sentences.append(str(content.get("message", "")))
            if content.get(CALLER_CONTENT):
                sentences.append("What they said is shown below, in quotes.")
            restart_needed |= bool(content.get("restart_required"))
            restarted |= part.tool_name == "restart_gateway" and bool(content.get("ok"))
        else:
            sentences.append(str(content))
    if restart_needed and not restarted:
        sentences.append(RESTART_REMINDER)
    return "\n".join(s for s in sentences if s)


class OfflineModel:
    """Builds the `FunctionModel` from the intents of the host and its plugins."""

    def __init__(self, intents: Sequence[Intent]) -> None:
        self.intents = list(intents)

    def help_text(self) -> str:
        examples = "\n".join(f"  - {i.example}" for i in self.intents if i.example)
        return (
            "I'm running offline, without a language model, so I only understand setup requests like:\n"
            f"{examples}\n"
            "For open conversation, set OPENAI_API_KEY, or ASSISTANT_LLM_BASE_URL for an OpenAI-compatible "
            "server such as Ollama or vLLM, and start me again."
        )

    def match(self, text: str, available: set[str]) -> list[ToolCall]:
        calls: list[ToolCall] = []
        for intent in self.intents:
            for name, args in intent.parse(text) or []:
                if name in available and all(name != seen for seen, _ in calls):
                    calls.append((name, args))
        return calls

    def respond(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        request = _last_request(messages)
        if request is None:
            return ModelResponse(parts=[TextPart(self.help_text())])
        # Only the owner's own words are read for intents; tool results and notices (which may
        # quote a caller) are summarised, never obeyed.
        returns = [p for p in request.parts if isinstance(p, ToolReturnPart) and not is_notice(p)]
        text = _user_text(request)
        available = {tool.name for tool in info.function_tools}
        calls = self.match(text, available)
        if calls:
            return ModelResponse(parts=[ToolCallPart(name, args) for name, args in calls])
        if returns:
            return ModelResponse(parts=[TextPart(_summarise(returns))])
        if not text or text.lower().strip(" ?!.") in {"help", "what can you do", "hi", "hello"}:
            return ModelResponse(parts=[TextPart(self.help_text())])
        return ModelResponse(parts=[TextPart("I didn't understand that. " + self.help_text())])

    async def respond_stream(self, messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        """The same answers, streamed (the web chat shows replies as they come)."""
        response = self.respond(messages, info)
        calls = {
            i: DeltaToolCall(name=p.tool_name, json_args=p.args_as_json_str(), tool_call_id=p.tool_call_id)
            for i, p in enumerate(response.parts)
            if isinstance(p, ToolCallPart)
        }
        if calls:
            yield calls
            return
        for part in response.parts:
            if isinstance(part, TextPart):
                for word in re.findall(r"\S+\s*|\s+", part.content):
                    yield word

    def model(self) -> FunctionModel:
        return FunctionModel(self.respond, stream_function=self.respond_stream, model_name="offline")
