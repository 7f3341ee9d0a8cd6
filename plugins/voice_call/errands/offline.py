"""An errand with the rules alone (no language model): the offline call model's steps on a call we
placed for the owner.

Before the errand is said: a phone menu gets the key that fits the owner's words (errands/menus.py),
a person who picks up hears what the owner wants, anything else is listened to (menus and
announcements go on). Once it is said, the person's answer is the owner's to decide: it goes to
them in chat word for word (`ask_owner`), their answer is passed on, and the call ends when the
other side is done ("anything else?", "goodbye"). The other side's words are only matched here,
never obeyed: what they say reaches the owner as a quoted question, nothing else.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart
from pydantic_ai.models.function import AgentInfo

from plugins.voice_call.errands.caller_tools import OWNER_SAYS
from plugins.voice_call.errands.menus import menu_options, pick

#: How we say the errand to a person (and how we know, later in the call, that it was said).
OPENING = "Hello! I'm calling on behalf of my owner."
#: A person picking up and offering to help ("Hi, this is Mary, how can I help you?").
PERSON_OFFERS_HELP = re.compile(
    r"\bhow\s+(?:can|may|could)\s+(?:i|we)\s+(?:help|assist)|\bwhat\s+can\s+(?:i|we)\s+do\s+for\s+you|\bspeaking\b[.!?]*$",
    re.IGNORECASE,
)
#: A person checking the line ("Hello?", "Hi, who's this?").
PERSON_ON_THE_LINE = re.compile(r"^\W*(?:hello|hi|hey|yes)\b[^.]{0,30}\?\W*$", re.IGNORECASE)
#: The other side is done with us: "Anything else?", "Have a nice day", "Bye".
THEY_ARE_DONE = re.compile(
    r"\b(?:anything else|is there anything more|something else I can|bye|goodbye|have a (?:nice|good|great) (?:day|one|evening))\b",
    re.IGNORECASE,
)
#: Said once the errand is done, and when the owner did not decide in time.
ERRAND_BYE = "That's everything, thank you very much. Goodbye!"
CALL_BACK = "I'm sorry, I can't confirm that right now. I'll call you back about it. Goodbye!"
#: The reasons end_call is given here (the goodbye that follows is chosen by them).
DONE, UNDECIDED = "the errand is done", "no decision from the owner"
#: What the owner writes around their answer ("tell them Tuesday works") is not said to the callee.
TELL_THEM = re.compile(
    r"^\s*(?:please\s+)?(?:tell|let)\s+(?:them|her|him)(?:\s+know)?\s+(?:that\s+)?|^\s*say\s+(?:that\s+)?", re.I
)


def errand_of(info: AgentInfo) -> str:
    """The owner's words for this call's errand ("" on a call that came in)."""
    tool = next((t for t in info.function_tools if t.name == "press_keys"), None)
    return str((tool.metadata or {}).get("errand", "")) if tool else ""


def _errand_said(messages: list[ModelMessage]) -> bool:
    return any(
        isinstance(m, ModelResponse) and any(isinstance(p, TextPart) and OPENING in p.content for p in m.parts) for m in messages
    )


def offline_errand_step(text: str, messages: list[ModelMessage], info: AgentInfo) -> tuple[str, dict[str, Any]] | str | None:
    """What the rules do with the other side's `text` on an errand: a tool call, words to say, or ""
    (say nothing, listen on); None when this is no errand."""
    errand = errand_of(info)
    if not errand:
        return None
    if _errand_said(messages):
        if THEY_ARE_DONE.search(text):
            return "end_call", {"reason": DONE}
        return "ask_owner", {"question": text}
    if PERSON_OFFERS_HELP.search(text) or PERSON_ON_THE_LINE.match(text):
        return f"{OPENING} {errand}"
    options = menu_options(text)
    key = pick(options, errand) if options else None
    return ("press_keys", {"keys": key}) if key else ""  # none fits (yet): menus repeat, announcements go on


def relayed(result: str) -> str:
    """What the callee hears after `ask_owner` answered `result`: the owner's answer, or ""
    when there was none (the call then ends with CALL_BACK)."""
    if not result.startswith(OWNER_SAYS):
        return ""
    answer = TELL_THEM.sub("", result.removeprefix(OWNER_SAYS).strip()).strip()
    answer = answer[:1].upper() + answer[1:]
    return f"Thank you for waiting. {answer if answer.endswith(('.', '!', '?')) else answer + '.'}"


def errand_goodbye(reason: str) -> str | None:
    """The goodbye for an errand's end_call `reason`; None for an end that is not an errand's."""
    return {DONE: ERRAND_BYE, UNDECIDED: CALL_BACK}.get(reason)
