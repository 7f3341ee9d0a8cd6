"""The built-in offline model: understands the owner without any language model.

It is a pydantic-ai `FunctionModel`, so it drives the very same agent loop and tools as a real
model. Plugins describe what they understand twice: exact phrases as `Intent`s (rules, tried
first), and free phrasing as `Meaning`s (read by closeness to examples, `assistant.understanding`).
When a reading is unsure it asks ("Did you mean ...?"), when a value is missing it asks for it,
and the owner's next message answers: the question is worked out again from the message it was
about, so no hidden state is kept between turns.
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

from assistant.answers import is_no, is_yes, picked
from assistant.provenance import CALLER_CONTENT, is_notice
from assistant.understanding import Meaning, Reader, Reading, Said, clauses, slots

#: A tool call an intent asks for: the tool's name and its arguments.
ToolCall = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Intent:
    """A phrase family. `parse` gets the user's text and returns tool calls, or None if it does not apply."""

    name: str
    parse: Callable[[str], list[ToolCall] | None]
    example: str = ""


def _talk_reply(text: str, declined: bool) -> str:
    if declined:
        return "OK, I left everything as it was."
    if re.search(r"(?i)\b(thanks?|thank you|cheers)\b", text):
        return "You're welcome."
    if re.search(r"(?i)\b(bye|good\s*night|see you)\b", text):
        return "Goodbye!"
    return 'I\'m running offline, so I only help with calls and their settings. Say "help" for examples.'


#: Not the whole list of examples: people do not speak our README ("help" shows examples).
NOT_UNDERSTOOD = (
    "I didn't understand that. I'm running offline, without a language model: try other words, or say "
    '"help" for examples. For open conversation, set OPENAI_API_KEY (or ASSISTANT_LLM_BASE_URL), '
    'or say "use a local model".'
)

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


def _owner_turns(messages: Sequence[ModelMessage]) -> list[tuple[str, str]]:
    """(what the owner typed, the text we answered with) for each turn, oldest first."""
    turns: list[tuple[str, str]] = []
    for message in messages:
        if isinstance(message, ModelRequest):
            typed = _user_text(message)
            if typed:
                turns.append((typed, ""))
        elif turns:
            said = "".join(p.content for p in message.parts if isinstance(p, TextPart))
            if said:
                turns[-1] = (turns[-1][0], said)
    return turns


async def streamed(response: ModelResponse) -> AsyncIterator[str | DeltaToolCalls]:
    """A whole response as a `FunctionModel` stream: its tool calls at once, or its text word by word."""
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


def _in_region(args: dict[str, Any], region: str) -> dict[str, Any]:
    """A rule's arguments with phone numbers written without their country code read in the
    owner's region ("555-000-4321" is +15550004321 in the US); one that does not read as a
    number there is left for the tool to refuse, with its reason."""

    def read(value: Any) -> Any:
        if isinstance(value, list):
            return [read(v) for v in value]
        if isinstance(value, str) and re.fullmatch(r"\d{7,15}", value):
            found = slots.phone_numbers(value, region)
            return found[0] if len(found) == 1 else value
        return value

    return {key: read(value) for key, value in args.items()}


class OfflineModel:
    """Builds the `FunctionModel` from the intents and meanings of the host and its plugins."""

    def __init__(self, intents: Sequence[Intent], meanings: Sequence[Meaning] = (), region: str = "US") -> None:
        self.intents = list(intents)
        self.reader = Reader(meanings) if meanings else None
        self.region = region

    def help_text(self) -> str:
        examples = "\n".join(f"  - {i.example}" for i in self.intents if i.example)
        return (
            "I'm running offline, without a language model. Say what you want in your own words; for example:\n"
            f"{examples}\n"
            "For open conversation, set OPENAI_API_KEY, or ASSISTANT_LLM_BASE_URL for an OpenAI-compatible "
            "server such as Ollama or vLLM, and start me again."
        )

    def match(self, text: str, available: set[str] | None = None) -> list[ToolCall]:
        """The calls the exact phrases ask for (of the `available` tools; None: any), with phone
        numbers read in the owner's region."""
        calls: list[ToolCall] = []
        for intent in self.intents:
            for name, args in intent.parse(text) or []:
                if (available is None or name in available) and all(name != seen for seen, _ in calls):
                    calls.append((name, _in_region(args, self.region)))
        return calls

    def read(self, text: str, available: set[str] | None = None) -> Reading:
        """What `text` asks for: the exact phrases first, then the meanings. In a message of several
        requests where the phrases read some clauses, the other clauses are read by meaning
        ("turn on pairing and limit calls to 20 minutes")."""
        calls = self.match(text, available)
        if calls and self.reader is not None:
            calls += self._other_clauses(text, calls, available)
        if calls or self.reader is None or not text.strip():
            return Reading(calls=calls, sure=bool(calls))
        reading = self.reader.read(Said(text, self.region))
        kept = [c for c in reading.calls if available is None or c[0] in available]
        return Reading(kept, reading.ask, reading.options, reading.sure, reading.scores)

    def _other_clauses(self, text: str, calls: list[ToolCall], available: set[str] | None) -> list[ToolCall]:
        """Calls for the clauses no phrase read, when the phrases' reading lies wholly in clauses of
        its own (a call's "and say the gate is open" is part of the call, not a request)."""
        parts = clauses(text)
        by_rule = [self.match(c, available) for c in parts]
        if len(parts) < 2 or sorted(map(str, (c for found in by_rule for c in found))) != sorted(map(str, calls)):
            return []
        extra: list[ToolCall] = []
        assert self.reader is not None
        for part, found in zip(parts, by_rule, strict=True):
            if found:
                continue
            reading = self.reader.read_one(Said(part, self.region))
            if not reading.sure or not reading.calls:
                return []  # a clause we cannot read: the phrases' reading alone, as before
            extra += [
                c for c in reading.calls if (available is None or c[0] in available) and all(c[0] != n for n, _ in calls + extra)
            ]
        return extra

    def warm(self) -> None:
        """Load the sentence model and the examples' vectors now (about a second), so the owner's
        first message does not wait for them. Safe from any thread."""
        if self.reader is not None:
            self.reader.scores("hello")

    def likely_tools(self, text: str) -> set[str]:
        """The tools `text` most likely needs: those its exact phrases call, and those of the closest
        meanings (a language model is offered only these, so its prompt stays small)."""
        tools = {name for name, _ in self.match(text)}
        if self.reader is not None and text.strip():
            tools |= self.reader.likely_tools(text)
        return tools

    def question(self, reading: Reading) -> str | None:
        """What we ask back about `reading`, or None when there is nothing to ask."""
        if reading.ask:
            return reading.ask
        if reading.sure or not reading.options:
            return None
        if len(reading.options) == 1:
            return f"Did you mean: {reading.options[0].says}? (yes/no)"
        listed = "\n".join(f"  {n}. {m.says}" for n, m in enumerate(reading.options, start=1))
        return f"Did you mean:\n{listed}\nSay the number, or no."

    def answered(self, messages: Sequence[ModelMessage], available: set[str] | None = None) -> Reading | None:
        """When our last reply asked about the owner's message before, what their latest message
        settles: the calls (possibly none, for a no), or a new question. None when it is no answer."""
        turns = _owner_turns(messages)
        if len(turns) < 2:
            return None
        (before, we_said), (answer, _) = turns[-2], turns[-1]
        reading = self.read(before)  # with every tool, as when the question was asked
        asked = self.question(reading)
        if not asked or asked not in we_said:
            return None
        if reading.ask:  # a value was missing: read the request again with the answer added
            combined = self.read(f"{before} {answer}", available)
            if combined.ask == reading.ask:  # not settled at the end ("... to say hi" + "at 2pm"): in front
                combined = self.read(f"{answer} {before}", available)
            if combined.sure and (combined.calls or combined.ask):
                return combined
            return None
        if is_no(answer):
            return Reading(sure=True)
        chosen = sorted(picked(answer, len(reading.options)))
        if len(chosen) != 1 and not (len(reading.options) == 1 and is_yes(answer)):
            return None
        meaning = reading.options[chosen[0] - 1] if chosen else reading.options[0]
        built = meaning.build(Said(before, self.region))
        if isinstance(built, list):
            return Reading(calls=[c for c in built if available is None or c[0] in available], sure=True)
        return Reading(ask=built.question, options=(meaning,), sure=True)

    def vouched(self, messages: Sequence[ModelMessage], prompt: str, tool: str) -> list[dict[str, Any]]:
        """The arguments the owner's own words ask `tool` to be called with this turn: read from
        their message, or from their answer to our question about the message before."""
        settled = self.answered(messages)
        reading = settled if settled is not None else self.read(prompt)
        return [args for name, args in reading.calls if name == tool] if reading.sure else []

    def respond(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        request = _last_request(messages)
        if request is None:
            return ModelResponse(parts=[TextPart(self.help_text())])
        # Only the owner's own words are read for intents; tool results and notices (which may
        # quote a caller) are summarised, never obeyed.
        returns = [p for p in request.parts if isinstance(p, ToolReturnPart) and not is_notice(p)]
        text = _user_text(request)
        available = {tool.name for tool in info.function_tools}
        if returns:
            return ModelResponse(parts=[TextPart(_summarise(returns))])
        if text.lower().strip(" ?!.") in {"help", "what can you do", "hi", "hello"}:
            return ModelResponse(parts=[TextPart(self.help_text())])
        settled = self.answered(messages, available)
        reading = settled if settled is not None else self.read(text, available)
        if reading.calls:
            return ModelResponse(parts=[ToolCallPart(name, args) for name, args in reading.calls])
        asked = self.question(reading)
        if asked:
            return ModelResponse(parts=[TextPart(asked)])
        if settled is not None or (reading.sure and not reading.calls and reading.options):
            return ModelResponse(parts=[TextPart(_talk_reply(text, settled is not None))])
        if not text:
            return ModelResponse(parts=[TextPart(self.help_text())])
        if is_yes(text) or is_no(text):
            return ModelResponse(parts=[TextPart("Nothing is waiting for your yes or no just now.")])
        return ModelResponse(parts=[TextPart(NOT_UNDERSTOOD)])

    async def respond_stream(self, messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        """The same answers, streamed (the web chat shows replies as they come)."""
        async for piece in streamed(self.respond(messages, info)):
            yield piece

    def model(self) -> FunctionModel:
        return FunctionModel(self.respond, stream_function=self.respond_stream, model_name="offline")
