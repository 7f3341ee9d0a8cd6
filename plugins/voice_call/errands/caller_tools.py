"""The call agent's tool on calls we placed for the owner: pressing keys for a phone menu.

Offered only on a call we placed with something to do (a conversation: the owner's message says
what), never to someone who called in; its description carries the owner's words for the errand,
so the offline call model can pick a menu's key by them (errands/menus.py)."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from pydantic_ai import RunContext, Tool
from pydantic_ai.models.function import AgentInfo
from pydantic_ai.tools import ToolDefinition

from plugins.voice_call.caller_tool import CallDeps
from plugins.voice_call.carriers.events import CarrierError
from plugins.voice_call.errands.menus import menu_options, pick

log = logging.getLogger(__name__)
KEYS = re.compile(r"[0-9*#]{1,20}")


async def press_keys(ctx: RunContext[CallDeps], keys: str) -> str:
    """Press keys on the phone, for a menu at the other end ("for appointments, press 2").

    Args:
        keys: The keys to press: digits, * and #.
    """
    if not ctx.deps.errand:  # the Realtime model is offered every tool: refused on calls that came in
        return "Keys are pressed only on calls placed for the owner; nothing was pressed."
    keys = keys.replace(" ", "")
    if not KEYS.fullmatch(keys):
        return "Keys are 1 to 20 of 0-9, * and #; nothing was pressed."
    try:
        await ctx.deps.call.press(keys)
    except CarrierError:  # its text is the carrier's own: not for the model
        log.warning("the carrier refused keys on this call", exc_info=True)
        return "The keys could not be sent just now; say what you need instead, or try again."
    return f"Pressed {keys}. Listen to what comes next."


async def _on_errands(ctx: RunContext[CallDeps], tool_def: ToolDefinition) -> ToolDefinition | None:
    if not ctx.deps.errand:
        return None
    return replace(tool_def, metadata={**(tool_def.metadata or {}), "errand": ctx.deps.errand})


CALLER_TOOLS: list[Tool[CallDeps]] = [Tool(press_keys, prepare=_on_errands)]


#: A person picking up and offering to help ("Hi, this is Mary, how can I help you?").
PERSON_OFFERS_HELP = re.compile(
    r"\bhow\s+(?:can|may|could)\s+(?:i|we)\s+(?:help|assist)|\bwhat\s+can\s+(?:i|we)\s+do\s+for\s+you|\bspeaking\b[.!?]*$",
    re.IGNORECASE,
)


def _errand(info: AgentInfo) -> str:
    tool = next((t for t in info.function_tools if t.name == "press_keys"), None)
    return str((tool.metadata or {}).get("errand", "")) if tool else ""


def offline_menu_step(text: str, info: AgentInfo) -> tuple[str, dict[str, str]] | str | None:
    """Offline, on a call we placed (press_keys is offered with the errand): when the other end
    reads out a menu, press the key whose option fits the owner's words, or "" (say nothing, listen
    on: menus repeat) when none fits yet; when a person picks up and offers help (after a menu or
    a wait on hold), say what the owner wants. None when neither is so, or this is no errand."""
    errand = _errand(info)
    if not errand:
        return None
    if PERSON_OFFERS_HELP.search(text):
        return f"Hello! I'm calling on behalf of my owner. {errand}"
    options = menu_options(text)
    if not options:
        return None
    key = pick(options, errand)
    return ("press_keys", {"keys": key}) if key else ""
