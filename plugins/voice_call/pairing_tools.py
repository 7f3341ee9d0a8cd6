"""The owner's pairing tools: approve a caller who heard a code, list who is waiting."""

from __future__ import annotations

from typing import Any

from pydantic_ai import RunContext

from assistant.tools import ToolContext, ToolResult
from plugins.voice_call.tools import Result, apply_change, tool


def approve_pairing(ctx: RunContext[ToolContext], code: str) -> Result:
    """Approve a caller who heard a pairing code on the phone; their number may call from now on.

    Args:
        code: The 4-digit code, as the owner typed it.
    """
    from plugins.voice_call.runtime import VoiceCallRuntime

    approval = VoiceCallRuntime.of(ctx.deps.host).pairing.approve(code)
    if not approval.ok or approval.number is None:
        return ToolResult(False, approval.message).as_dict()
    number = approval.number

    def change(data: dict[str, Any]) -> None:
        if number not in data["inbound"]["allowFrom"]:
            data["inbound"]["allowFrom"].append(number)

    return apply_change(ctx, change, lambda c: approval.message)


def list_pairing_requests(ctx: RunContext[ToolContext]) -> Result:
    """Show callers waiting for pairing approval."""
    from plugins.voice_call.runtime import VoiceCallRuntime

    pending = VoiceCallRuntime.of(ctx.deps.host).pairing.pending()
    if not pending:
        return ToolResult(True, "No callers are waiting for pairing.").as_dict()
    lines = [f"{number} (code {code})" for number, code in pending]
    return ToolResult(True, "Waiting for approval: " + ", ".join(lines)).as_dict()


def create_invite_code(ctx: RunContext[ToolContext]) -> Result:
    """Make a one-use invite code for someone new: when they first call, they type it on the keypad
    after the pairing prompt and their number is approved (valid for 24 hours, pairing policy)."""
    from plugins.voice_call.config import voice_config
    from plugins.voice_call.runtime import VoiceCallRuntime

    code = VoiceCallRuntime.of(ctx.deps.host).pairing.invite()
    text = (
        f"Invite code {code}: give it to the person. When they call, they type it on the keypad after the "
        "pairing prompt, and their number is approved (once, within 24 hours)."
    )
    policy = voice_config(ctx.deps.host).inbound.policy
    if policy != "pairing":
        text += f' Invite codes are asked for under the pairing policy; yours is "{policy}" (say "use pairing").'
    return ToolResult(True, text).as_dict()


PAIRING_TOOLS = [tool(approve_pairing), tool(list_pairing_requests), tool(create_invite_code)]
