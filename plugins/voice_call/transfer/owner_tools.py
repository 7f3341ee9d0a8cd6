"""The owner's tool for their own number: where callers are put through, and whom "call me" calls."""

from __future__ import annotations

from pydantic_ai import RunContext

from assistant.plugin_api import ToolContext
from plugins.voice_call.owner_tool import Result, apply_change, tool


def set_owner_number(ctx: RunContext[ToolContext], number: str) -> Result:
    """Store the owner's own phone number: for "call me ..." and for putting callers through to the owner.

    Args:
        number: The owner's own phone number, in E.164 (e.g. +15550001234).
    """
    return apply_change(ctx, {"ownerNumber": number}, lambda c: f'Your own number is {c.owner_number}; "call me" calls it.')


TRANSFER_TOOLS = [tool(set_owner_number)]
