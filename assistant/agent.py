"""The owner's agent: one pydantic-ai Agent, its model, and a turn that keeps history safe."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pydantic_ai
from pydantic_ai import Agent, DeferredToolRequests, DeferredToolResults, RunContext, ToolDenied, capture_run_messages
from pydantic_ai.capabilities import PrepareTools, ProcessHistory
from pydantic_ai.exceptions import AgentRunError, ModelAPIError, UserError
from pydantic_ai.messages import (
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    PartDeltaEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
    UserPromptPart,
)
from pydantic_ai.models import Model
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.tools import ToolDefinition
from pydantic_ai.toolsets import FunctionToolset

from assistant import local_llm
from assistant.answers import is_no, picked
from assistant.approvals import Approvals, unanswered
from assistant.chat_secrets import mask, scrub
from assistant.history import bounded, kept_after_failure, ran_before_failing, step_results, tools_called
from assistant.offline_model import Intent, OfflineModel
from assistant.owner_questions import answer
from assistant.paths import models_dir
from assistant.provenance import caller_words_in, quoted, shown_text
from assistant.settings import Settings
from assistant.tool_schemas import compacted
from assistant.tools import HOST_GATES, HOST_TOOLS, ToolContext
from assistant.understanding import Meaning, slots

# The chat owns its terminal: pydantic-ai's first-run banner would land in the owner's conversation.
pydantic_ai.BANNER_ENABLED = False

if TYPE_CHECKING:
    from assistant.host import Host


def host_intents() -> list[Intent]:
    import re

    restart = re.compile(r"(?i)\b(restart|reload)\s+(the\s+)?gateway\b")
    return [
        Intent("restart_gateway", lambda t: [("restart_gateway", {})] if restart.search(t) else None, "restart the gateway"),
    ]


def host_meanings() -> list[Meaning]:
    """The host's own free phrasings: restarting, and talk that asks for nothing."""
    return [
        Meaning(
            "restart",
            "restart the gateway so changes take effect",
            (
                "reload the gateway",
                "restart the server",
                "apply my changes",
                "reboot the phone service",
                "make the new settings live",
            ),
            lambda said: [("restart_gateway", {})],
            cues=r"\b(restart|reload|reboot|apply)\b",
        ),
        Meaning(
            "local model",
            "use a language model on this machine",
            (
                "use a local model",
                "run the language model on this computer",
                "switch to the local llm",
                "I want an offline language model",
                "use qwen locally",
            ),
            lambda said: [("use_language_model", {"model": "local"})],
            cues=r"\b(local|offline|on\s+this\s+(machine|computer|box))\b.*\b(model|llm|ai)\b",
        ),
        Meaning(
            "default model",
            "stop using the local language model",
            ("stop using the local model", "go back to the default model", "no more local llm"),
            lambda said: [("use_language_model", {"model": "default"})],
        ),
        Meaning(
            "talk",
            "just talk",
            (
                "hello there",
                "thank you",
                "how are you",
                "goodbye",
                "what is the weather",
                "tell me something funny",
                "who are you",
                "ok cool",
                "nice",
                "what time is it",
            ),
            lambda said: [],
        ),
    ]


def offline_model(host: Host) -> OfflineModel:
    """The offline model with the host's and every plugin's phrases and meanings; local phone
    numbers are read in the owner's own region."""
    intents = host_intents() + [i for p in host.plugins.values() for i in p.intents]
    meanings = host_meanings() + [m for p in host.plugins.values() for m in p.meanings]
    owner_number = next((n for p in host.plugins.values() if p.owner_number and (n := p.owner_number(host))), None)
    return OfflineModel(intents, meanings, slots.region_of(owner_number))


OFFLINE_DESCRIPTION = "built-in offline model"


def choose_model(settings: Settings, offline: OfflineModel | list[Intent]) -> tuple[Model, str]:
    """An OpenAI-compatible server by base URL, OpenAI when OPENAI_API_KEY is set, the local model
    when the owner chose it ("use a local model"), else the offline model."""
    if settings.llm_base_url:
        api_key = settings.llm_api_key or settings.openai_api_key or "not-needed"
        provider = OpenAIProvider(base_url=settings.llm_base_url, api_key=api_key)
        return OpenAIChatModel(settings.llm_model, provider=provider), f"{settings.llm_model} at {settings.llm_base_url}"
    if settings.openai_api_key:
        provider = OpenAIProvider(api_key=settings.openai_api_key)
        return OpenAIChatModel(settings.llm_model, provider=provider), f"OpenAI {settings.llm_model}"
    if local_llm.chosen(settings.home):
        return local_llm.LocalModel(local_llm.weights_path(models_dir())).model(), local_llm.DESCRIPTION
    model = offline if isinstance(offline, OfflineModel) else OfflineModel(offline)
    return model.model(), OFFLINE_DESCRIPTION


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
    return [quoted(words) for words in caller_words_in(messages) if isinstance(words, dict)]


NOT_APPROVED = "Not done: the owner did not approve it."


def last_response(messages: list[ModelMessage]) -> ModelResponse:
    return next(m for m in reversed(messages) if isinstance(m, ModelResponse))


def with_question(messages: list[ModelMessage], questions: list[str]) -> tuple[list[ModelMessage], str]:
    """The turn that stopped for the owner's yes, with our question as the assistant's words (next
    to the waiting tool calls, so the history shows what was asked), and those words."""
    response = last_response(messages)
    said = "".join(p.content for p in response.parts if isinstance(p, TextPart)).strip()
    if len(questions) == 1:
        ask = f"I need your yes before I do this:\n- {questions[0]}\nReply yes or no."
    else:
        listed = "\n".join(f"{n}. {q}" for n, q in enumerate(questions, start=1))
        ask = f"I need your yes before I do these:\n{listed}\nReply yes (all), yes and the numbers to do (yes 1 3), or no."
    text = f"{said}\n{ask}" if said else ask
    asked = replace(response, parts=[TextPart(text), *(p for p in response.parts if not isinstance(p, TextPart))])
    return [asked if m is response else m for m in messages], text


@dataclass(frozen=True)
class Reply:
    text: str
    ok: bool = True
    #: What callers said, from this turn's tool results: shown to the owner quoted, apart from `text`.
    quoted: tuple[str, ...] = ()
    #: Questions waiting for the owner's yes or no (the surfaces show the two answers).
    approval: tuple[str, ...] = ()
    #: Tokens the model was sent this turn, as its server counted them (0 offline).
    prompt_tokens: int = 0


class AssistantAgent:
    def __init__(self, host: Host, model: Model | None = None) -> None:
        self.host = host
        owner_words = self._owner_words = offline_model(host)
        if model is None:
            model, self.model_description = choose_model(host.settings, owner_words)
        else:
            self.model_description = getattr(model, "model_name", "custom model")
        offline = self.model_description == OFFLINE_DESCRIPTION
        tools = list(HOST_TOOLS) + [t for p in host.plugins.values() for t in p.tools]
        self.approvals = Approvals(host, [*HOST_GATES, *(g for p in host.plugins.values() for g in p.gates)], owner_words)
        self._tool_defs = {t.name: t.tool_def for t in tools}
        self.agent = Agent(
            model,
            deps_type=ToolContext,
            instructions=read_prompt(host.settings, "system"),
            toolsets=[FunctionToolset(tools).approval_required(self.approvals.required)],
            output_type=[str, DeferredToolRequests],
            capabilities=[ProcessHistory(bounded)] + ([PrepareTools(self._offered)] if not offline else []),
            name="assistant",
        )

    def warm_up(self) -> None:
        """Read the examples in a background thread while the owner types their first message."""
        threading.Thread(target=self._owner_words.warm, name="understanding-warm-up", daemon=True).start()

    async def _offered(self, ctx: RunContext[ToolContext], tools: list[ToolDefinition]) -> list[ToolDefinition]:
        """Only the tools that fit the state and what the owner asked: a small model reads every
        tool definition on every step. What the owner asked is read by the offline understanding
        (the closest meanings' tools), with the tools called in this turn or the one before, so a
        follow-up or an answered question can go on. After tool results, the step only needs what
        is not finished: a tool that refused a value (to try again), and after a read-only look the
        owner's likely tools (to act on what was read); after changes that all worked, none (the
        model writes its reply)."""
        fitting = [t for t in tools if t.name not in ctx.deps.idle_tools]
        if self.host.settings.llm_tools == "all":
            return [compacted(t) for t in fitting]
        prompt = ctx.prompt if isinstance(ctx.prompt, str) else ""
        results = step_results(ctx.messages)
        if results:
            refused = {r.tool_name for r in results if isinstance(r.content, dict) and r.content.get("ok") is False}
            looked = any(
                (self._tool_defs[r.tool_name].metadata or {}).get("read_only") is True
                for r in results
                if r.tool_name in self._tool_defs
            )
            wanted = refused | (self._owner_words.likely_tools(prompt) if looked else set())
        else:
            wanted = self._owner_words.likely_tools(prompt) | tools_called(ctx.messages, turns=2)
        return [compacted(t) for t in fitting if t.name in wanted]

    def _idle_tools(self) -> frozenset[str]:
        plugins = self.host.plugins.values()
        return frozenset(name for p in plugins if p.idle_tools for name in p.idle_tools(self.host))

    def _scrubbed(self, messages: list[ModelMessage]) -> list[ModelMessage]:
        values = self.host.secrets.known_values()
        if not values:
            return messages
        dumped = ModelMessagesTypeAdapter.dump_json(messages).decode()
        cleaned = scrub(dumped, [json.dumps(v)[1:-1] for v in values])
        return ModelMessagesTypeAdapter.validate_json(cleaned)

    async def ask(self, conversation_id: int, text: str, on_text: Callable[[str], Awaitable[None]] | None = None) -> Reply:
        """Run one turn. The user's secrets go to the vault first; only placeholders reach the model.
        With `on_text`, the reply's text is passed on piece by piece as the model streams it. When
        the last turn stopped at a question, this message is the owner's answer: only a plain yes
        lets those calls run. While a call waits on the owner's decision (`Host.ask_owner`), this
        message is that answer, passed on as written, and no model runs."""
        safe_text, _ = self.host.secrets.capture(text)
        if (question := self.host.questions.oldest_open()) is not None:  # a call waits on this answer
            told = answer(question, safe_text)
            exchange: list[ModelMessage] = [
                ModelRequest(parts=[UserPromptPart(safe_text)]),
                ModelResponse(parts=[TextPart(told)]),
            ]
            self.host.conversations.append(conversation_id, exchange)
            return Reply(mask(told, self.host.secrets.known_values()))
        history = self.host.conversations.load(conversation_id)
        waiting = unanswered(history)
        answers, undone = None, ""
        if waiting:
            chosen = picked(safe_text, len(waiting))
            answers = DeferredToolResults(
                approvals={
                    c.tool_call_id: True if n in chosen else ToolDenied(NOT_APPROVED) for n, c in enumerate(waiting, start=1)
                }
            )
            if not chosen and not is_no(safe_text):  # the owner moved on: say what was left undone
                undone = (
                    "Not done, as you did not say yes: "
                    + " ".join(self.approvals.questions(history, waiting, self._tool_defs))
                    + "\n"
                )
        stream_handler = None
        if on_text is not None:
            values = self.host.secrets.known_values()

            async def stream_handler(ctx: Any, events: AsyncIterable[Any]) -> None:
                async for event in events:
                    if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart) and event.part.content:
                        await on_text(mask(event.part.content, values))
                    elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
                        await on_text(mask(event.delta.content_delta, values))

        with capture_run_messages() as exchanged:
            try:
                result = await self.agent.run(
                    safe_text,
                    message_history=history,
                    deferred_tool_results=answers,
                    deps=ToolContext(self.host, conversation_id, self._idle_tools()),
                    event_stream_handler=stream_handler,
                )
            except (ModelAPIError, AgentRunError, UserError) as exc:
                return self._failed(conversation_id, exchanged[len(history) :], exc)
        new = result.new_messages()
        output = result.output
        questions: list[str] = []
        if isinstance(output, DeferredToolRequests):
            questions = self.approvals.questions(result.all_messages(), output.approvals, self._tool_defs)
            new, output = with_question(new, questions)
        new = self._scrubbed(new)
        self.host.conversations.append(conversation_id, new)
        values = self.host.secrets.known_values()
        quotes = tuple(mask(q, values) for q in quoted_in(new))
        tokens = result.usage.input_tokens
        asked = tuple(mask(q, values) for q in questions)
        return Reply(mask(undone + str(output), values), quoted=quotes, approval=asked, prompt_tokens=tokens)

    def _failed(self, conversation_id: int, new: list[ModelMessage], exc: Exception) -> Reply:
        """The model failed mid-turn: say so, with what already ran, and keep that in history."""
        values = self.host.secrets.known_values()
        ran = ran_before_failing(new)
        text = f"Sorry, the language model ({self.model_description}) failed: {mask(str(exc), values)}."
        if ran:
            done = "\n".join(f"- {p.tool_name}: {shown_text(p.content).strip()}" for p in ran)
            text += f" Before it failed, these already ran:\n{done}"
        else:
            text += " No tool ran, so nothing was changed."
        if new:
            self.host.conversations.append(conversation_id, self._scrubbed(kept_after_failure(new, text)))
        return Reply(mask(text, values), ok=False)
