"""The call agent's model when no language model is configured: an honest answering machine. It
answers from what the owner shared for callers, runs a registered lookup the caller names, books,
offers and cancels appointments, puts through a caller who asks for the owner, and otherwise takes
a message; it says goodbye. It reads only the caller's words, with fixed phrase rules."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelRequest, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, FunctionModel

from plugins.voice_call.calls.caller_tools import FOUND, TRANSFERRING
from plugins.voice_call.calls.knowledge import STOP_WORDS

GOODBYE = re.compile(r"\b(bye|goodbye|good bye|that'?s all|hang up|no thanks?|nothing else)\b", re.I)
#: Keys pressed, as the session hands them over ("(The caller pressed 1 on the keypad.)"); 0 never
#: arrives here (the session puts the caller through), so any other choice means: leave a message.
KEYPAD = re.compile(r"\(The caller pressed [0-9*# ]+ on the keypad\.\)")
#: A caller asking for the owner (or pressing 0, which the session turns into this request).
WANTS_OWNER = re.compile(
    r"\b(?:(?:speak|talk)\s+(?:to|with)\s+(?:him|her|them|the\s+owner|your\s+(?:owner|boss)|a\s+(?:real\s+)?(?:person|human)|someone)"
    r"|put\s+me\s+through|transfer\s+me|connect\s+me|is\s+(?:he|she|they)\s+(?:there|available|in)|operator)\b",
    re.I,
)


def _last_user_text(messages: list[ModelMessage]) -> str:
    request = messages[-1]
    assert isinstance(request, ModelRequest)
    return " ".join(p.content for p in request.parts if isinstance(p, UserPromptPart) and isinstance(p.content, str))


def _caller_said(messages: list[ModelMessage]) -> str:
    """The caller's words this turn (the latest request that has them)."""
    for message in reversed(messages):
        if isinstance(message, ModelRequest) and any(isinstance(p, UserPromptPart) for p in message.parts):
            return _last_user_text([message])
    return ""


#: A caller who wants an appointment, and the words for a time in what they say.
APPOINTMENT = re.compile(r"\b(?:appointment|booking|book|reserve|schedule|free\s+slots?|available)\b", re.I)
CANCEL = re.compile(r"\b(?:cancel|call\s+off)\b", re.I)
TIME_WORDS = re.compile(
    r"(?:\b(?:today|tomorrow|(?:on\s+|next\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b[ ,]*)?"
    r"(?:\bat\s+)?\b\d{1,2}(?:[:.]\d{2})?\s*(?:a\.?m\.?|p\.?m\.?|o'clock)?",
    re.I,
)
DAY_WORDS = re.compile(r"\b(?:today|tomorrow|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b", re.I)


def _offered_slots(messages: list[ModelMessage]) -> bool:
    """Whether free slots were offered earlier in this call (so "tomorrow at 10" books one)."""
    return any(
        isinstance(p, ToolReturnPart) and p.tool_name == "find_free_slots" for m in messages for p in getattr(m, "parts", [])
    )


def _appointment_call(text: str, messages: list[ModelMessage], info: AgentInfo) -> tuple[str, dict[str, Any]] | None:
    if not any(t.name == "book_appointment" for t in info.function_tools):
        return None
    asked = APPOINTMENT.search(text) is not None
    time_words = next((m.group(0).strip(" ,.") for m in TIME_WORDS.finditer(text) if re.search(r"\d", m.group(0))), "")
    if asked and CANCEL.search(text):
        return "cancel_my_appointment", {}
    if time_words and (asked or _offered_slots(messages)) and (DAY_WORDS.search(time_words) or "at" in time_words.lower()):
        return "book_appointment", {"when": time_words}
    if asked:
        day = DAY_WORDS.search(text)
        return "find_free_slots", {"day": day.group(0)} if day else {}
    return None


def _lookup_for(text: str, info: AgentInfo) -> dict[str, Any] | None:
    """A registered lookup whose name the caller's words contain, with its one parameter taken from
    the first word of theirs that has a digit in it ("the status of order 4815" -> order_id 4815)."""
    tool = next((t for t in info.function_tools if t.name == "query_api"), None)
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    for lookup in (tool.metadata or {}).get("lookups", []) if tool else []:
        name_words = [w for w in re.findall(r"[a-z0-9]+", lookup["name"]) if w not in STOP_WORDS]
        if not name_words or not all(w in words or w + "s" in words for w in name_words):
            continue
        values = re.findall(r"\b(?=[A-Za-z0-9\-]*\d)[A-Za-z0-9\-]{1,32}\b", text)
        if not lookup["parameters"]:
            return {"name": lookup["name"], "parameters": {}}
        if len(lookup["parameters"]) == 1 and values:
            return {"name": lookup["name"], "parameters": {lookup["parameters"][0]: values[0]}}
    return None


async def _answering_machine(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | dict[int, DeltaToolCall]]:
    """Offline call model: answers from what the owner shared for callers when it matches, else
    takes a message; says goodbye; honest that it cannot converse."""
    last = messages[-1]
    returns = {p.tool_name: p for p in last.parts if isinstance(p, ToolReturnPart)}
    if "end_call" in returns:
        yield "Thank you for calling. Goodbye!"
    elif "transfer_to_owner" in returns and TRANSFERRING in str(returns["transfer_to_owner"].content):
        yield "Putting you through now, one moment."
    elif "transfer_to_owner" in returns:
        yield "I can't put you through right now, but I can take a message. What would you like to say?"
    elif "look_up" in returns and str(returns["look_up"].content).startswith(FOUND):
        facts = str(returns["look_up"].content).removeprefix(FOUND).strip().splitlines()
        yield " ".join(f if f.endswith((".", "!", "?")) else f + "." for f in facts[:1]) + " "
        yield "Is there anything else?"
    elif "look_up" in returns and (lookup := _lookup_for(_caller_said(messages), info)) is not None:
        yield {0: DeltaToolCall(name="query_api", json_args=json.dumps(lookup))}
    elif "look_up" in returns:
        yield {0: DeltaToolCall(name="take_message", json_args=json.dumps({"message": _caller_said(messages)}))}
    elif "book_appointment" in returns or "cancel_my_appointment" in returns:
        said = str((returns.get("book_appointment") or returns["cancel_my_appointment"]).content)
        yield (
            said.replace("Booked:", "Your appointment is booked for").replace("Cancelled:", "I've cancelled your appointment on")
            + " "
        )
        yield "Is there anything else?"
    elif "find_free_slots" in returns:
        said = str(returns["find_free_slots"].content)
        yield said.replace("Free ", "I have these free ", 1) + " "
        yield "Which would you like?" if said.startswith("Free ") else "Is there anything else?"
    elif "query_api" in returns:
        yield str(returns["query_api"].content).split(". Lookups you can run")[0].rstrip(".") + ". "
        yield "Is there anything else?"
    elif returns:
        yield "Thank you, I've noted that for my owner. "
        yield "Is there anything else?"
    elif GOODBYE.search(text := _last_user_text(messages)):
        yield {0: DeltaToolCall(name="end_call", json_args='{"reason": "caller said goodbye"}')}
    elif KEYPAD.fullmatch(text.strip()):
        yield "Please say your message now, and I'll pass it on to my owner."
    elif WANTS_OWNER.search(text):
        yield {0: DeltaToolCall(name="transfer_to_owner", json_args=json.dumps({"reason": "the caller asked for you"}))}
    elif (booking := _appointment_call(text, messages, info)) is not None:
        yield {0: DeltaToolCall(name=booking[0], json_args=json.dumps(booking[1]))}
    else:
        yield {0: DeltaToolCall(name="look_up", json_args=json.dumps({"question": text}))}


def offline_call_model() -> FunctionModel:
    return FunctionModel(stream_function=_answering_machine, model_name="offline-call")
