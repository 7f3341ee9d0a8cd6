"""The call agent's model when no language model is configured: an honest answering machine. It
answers from what the owner shared for callers, runs a registered lookup the caller names, books,
offers and cancels appointments, puts through a caller who asks for the owner, and otherwise takes
a message; it says goodbye. On a call we placed it runs the errand instead (errands/offline.py):
menus, the errand said to a person, their answers put to the owner. It reads only the other side's
words, with fixed phrase rules."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ToolCallPart, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, FunctionModel

from plugins.voice_call.appointments import caller_tools as appointments
from plugins.voice_call.errands import offline as errands
from plugins.voice_call.knowledge.caller_tools import FOUND
from plugins.voice_call.lookups import caller_tools as lookups
from plugins.voice_call.speech.tts import as_streamed
from plugins.voice_call.transfer.caller_tools import TRANSFERRING, WANTS_OWNER

GOODBYE = re.compile(
    r"\b(bye|goodbye|good bye|that'?s all|that'?s it|that'?s everything|all good|cheers|i'?m done|hang up|no thanks?|nothing else)\b",
    re.I,
)
#: Keys pressed, as the session hands them over ("(The caller pressed 1 on the keypad.)"); 0 never
#: arrives here (the session puts the caller through), so any other choice means: leave a message.
KEYPAD = re.compile(r"\(The caller pressed [0-9*# ]+ on the keypad\.\)")

# What the answering machine says word for word (each a reply, in the chunks it streams).
ANYTHING_ELSE = "Is there anything else?"
THANKS_BYE = "Thank you for calling. Goodbye!"
PUTTING_THROUGH = "Putting you through now, one moment."
NO_TRANSFER = "I can't put you through right now, but I can take a message. What would you like to say?"
NOTED = ("Thank you, I've noted that for my owner. ", ANYTHING_ELSE)
SAY_MESSAGE = "Please say your message now, and I'll pass it on to my owner."
WHICH = "Which would you like?"
#: find_free_slots' answer ("Free 30-minute slots: 9 a.m., 9:30 a.m."), and how a list of them opens
#: (its own first piece: made ahead, so the list starts from memory).
FREE_SLOTS = re.compile(r"Free (?P<minutes>\d+)-minute slots: (?P<times>.+)$", re.S)
SLOTS_OPENING = "I have these free times:"
#: How many of the owner's facts are made ahead as the answers said from them (the first ones).
FACTS_AHEAD = 12
#: Made ahead with the greeting and played from memory (calls/said_ahead.py).
FIXED_REPLIES: tuple[tuple[str, ...], ...] = (
    (THANKS_BYE,),
    (PUTTING_THROUGH,),
    (NO_TRANSFER,),
    NOTED,
    (SAY_MESSAGE,),
    (ANYTHING_ELSE,),
    (WHICH,),
    (SLOTS_OPENING,),
    (errands.ERRAND_BYE,),
    (errands.CALL_BACK,),
)


def fact_answer(fact: str) -> tuple[str, str]:
    """How the answering machine answers from one of the owner's facts, in the chunks it streams."""
    return (fact if fact.endswith((".", "!", "?")) else fact + ".") + " ", ANYTHING_ELSE


def facts_said_ahead(facts: list[str]) -> list[str]:
    """The pieces the answers from these facts are spoken in (the first FACTS_AHEAD facts): the
    owner's words, fixed until they change them, so they are made ahead like the greeting."""
    return list(dict.fromkeys(piece for fact in facts[:FACTS_AHEAD] for piece in as_streamed(*fact_answer(fact))))


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


async def _answering_machine(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | dict[int, DeltaToolCall]]:
    """Offline call model: answers from what the owner shared for callers when it matches, else
    takes a message; says goodbye; honest that it cannot converse."""
    last = messages[-1]
    returns = {p.tool_name: p for p in last.parts if isinstance(p, ToolReturnPart)}
    if "end_call" in returns:
        yield errands.errand_goodbye(_end_reason(messages)) or THANKS_BYE
    elif "press_keys" in returns:
        yield ""  # a menu is listened to, not answered
    elif "ask_owner" in returns:  # the owner's decision, passed on; none: we will call back
        said = errands.relayed(str(returns["ask_owner"].content))
        yield said or {0: DeltaToolCall(name="end_call", json_args=json.dumps({"reason": errands.UNDECIDED}))}
    elif "transfer_to_owner" in returns and TRANSFERRING in str(returns["transfer_to_owner"].content):
        yield PUTTING_THROUGH
    elif "transfer_to_owner" in returns:
        yield NO_TRANSFER
    elif "look_up" in returns and str(returns["look_up"].content).startswith(FOUND):
        facts = str(returns["look_up"].content).removeprefix(FOUND).strip().splitlines()
        for chunk in fact_answer(facts[0]):
            yield chunk
    elif "look_up" in returns and (lookup := lookups.offline_request(_caller_said(messages), info)) is not None:
        yield {0: DeltaToolCall(name="query_api", json_args=json.dumps(lookup))}
    elif "look_up" in returns:
        yield {0: DeltaToolCall(name="take_message", json_args=json.dumps({"message": _caller_said(messages)}))}
    elif "book_appointment" in returns or "cancel_my_appointment" in returns:
        said = str((returns.get("book_appointment") or returns["cancel_my_appointment"]).content)
        yield (
            said.replace("Booked:", "Your appointment is booked for").replace("Cancelled:", "I've cancelled your appointment on")
            + " "
        )
        yield ANYTHING_ELSE
    elif "find_free_slots" in returns:
        said = str(returns["find_free_slots"].content)
        if (slots := FREE_SLOTS.match(said)) is not None:  # the times first: a short opening is heard sooner
            said = f"{SLOTS_OPENING} {slots['times']} Each is {slots['minutes']} minutes."
        yield said + " "
        yield WHICH if said.startswith("Free ") else ANYTHING_ELSE
    elif "query_api" in returns:
        yield str(returns["query_api"].content).split(". Lookups you can run")[0].rstrip(".") + ". "
        yield ANYTHING_ELSE
    elif returns:
        for chunk in NOTED:
            yield chunk
    else:
        step = decide(messages, info)
        if isinstance(step, str):
            yield step
        else:
            yield {0: DeltaToolCall(name=step[0], json_args=json.dumps(step[1]))}


def _end_reason(messages: list[ModelMessage]) -> str:
    """The reason end_call was given, in the response that called it."""
    for message in reversed(messages):
        for part in message.parts if isinstance(message, ModelResponse) else ():
            if isinstance(part, ToolCallPart) and part.tool_name == "end_call":
                return str(part.args_as_dict().get("reason", ""))
    return ""


def decide(messages: list[ModelMessage], info: AgentInfo) -> tuple[str, dict[str, Any]] | str:
    """What the answering machine does with the caller's words, before any tool has answered: a
    tool call, or words to say. The caller's words are only ever matched, never obeyed."""
    text = _last_user_text(messages)
    if (errand_step := errands.offline_errand_step(text, messages, info)) is not None:  # on a call we placed
        return errand_step
    if GOODBYE.search(text):
        return "end_call", {"reason": "caller said goodbye"}
    if KEYPAD.fullmatch(text.strip()):
        return SAY_MESSAGE
    if WANTS_OWNER.search(text):
        # The owner hears what they want in their own words (only the owner's ears get this, no model).
        return "transfer_to_owner", {"reason": f"They said: {text.strip()[:160]}"}
    if (booking := appointments.offline_request(text, messages, info)) is not None:
        return booking
    if (lookup := lookups.offline_request(text, info)) is not None:
        return "query_api", lookup
    return "look_up", {"question": text}


async def first_step(messages: list[ModelMessage], info: AgentInfo) -> tuple[str, dict[str, Any]] | None:
    """The first tool the answering machine calls for these words (None when it only speaks), for
    `bench/caller_eval.py`; after a `look_up` that finds nothing, what it does next."""
    step = decide(messages, info)
    return None if isinstance(step, str) else step


def offline_call_model() -> FunctionModel:
    return FunctionModel(stream_function=_answering_machine, model_name="offline-call")
