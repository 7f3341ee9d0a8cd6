"""The owner's tools for who may call: the inbound policy, the allowlist, pairing approvals and invite codes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic_ai import RunContext

from assistant.plugin_api import ToolContext, ToolResult
from plugins.voice_call import validation
from plugins.voice_call.admission.pairing import Pairing
from plugins.voice_call.config import VoiceCallConfig, voice_config
from plugins.voice_call.owner_tool import Result, apply_change, tool
from plugins.voice_call.setup_flow import next_step


def set_inbound_policy(
    ctx: RunContext[ToolContext],
    policy: Literal["disabled", "open", "allowlist", "pairing"],
    allow_from: list[str] | None = None,
) -> Result:
    """Set who may call in.

    Args:
        policy: disabled (nobody, the default), open (anyone), allowlist (only allow_from), or pairing
            (unknown callers hear a code the owner approves).
        allow_from: For allowlist or pairing: the numbers (E.164) that may call; replaces the list.
    """
    changes: dict[str, Any] = {"inbound.policy": policy}
    if allow_from is not None:
        changes["inbound.allowFrom"] = allow_from

    def done(after: VoiceCallConfig) -> str:
        text = {
            "disabled": "Inbound calls are now disabled: every call is rejected.",
            "open": "Inbound calls are now accepted from anyone.",
            "allowlist": f"Inbound calls are now accepted only from {', '.join(after.inbound.allow_from)}.",
            "pairing": "Unknown callers will now hear a pairing code; the owner approves a code with approve_pairing.",
        }[after.inbound.policy]
        return text if after.public_url else text + " " + next_step(after, ctx.deps.host)

    return apply_change(ctx, changes, done)


def update_allowlist(ctx: RunContext[ToolContext], add: list[str] | None = None, remove: list[str] | None = None) -> Result:
    """Add numbers to, or remove numbers from, the callers that may call in.

    Args:
        add: Numbers (E.164) to let call in.
        remove: Numbers (E.164) to take off the list.
    """
    try:
        to_add = [validation.phone_number(n) for n in add or []]
        to_remove = {validation.phone_number(n) for n in remove or []}
    except ValueError as exc:
        return ToolResult(False, f"Nothing was changed: {exc}.").as_dict()

    def change(data: dict[str, Any]) -> None:
        inbound = data["inbound"]
        inbound["allowFrom"] = [n for n in inbound["allowFrom"] + to_add if n not in to_remove]
        if to_add and inbound["policy"] == "disabled":
            inbound["policy"] = "allowlist"

    return apply_change(
        ctx, change, lambda c: f"Callers allowed: {', '.join(c.inbound.allow_from) or 'none'} (policy {c.inbound.policy})."
    )


def approve_pairing(ctx: RunContext[ToolContext], code: str) -> Result:
    """Approve a caller who heard a pairing code on the phone; their number may call from now on.

    Args:
        code: The 4-digit code, as the owner typed it.
    """
    approval = Pairing.of(ctx.deps.host).approve(code)
    if not approval.ok or approval.number is None:
        return ToolResult(False, approval.message).as_dict()
    number = approval.number

    def change(data: dict[str, Any]) -> None:
        if number not in data["inbound"]["allowFrom"]:
            data["inbound"]["allowFrom"].append(number)

    return apply_change(ctx, change, lambda c: approval.message)


def list_pairing_requests(ctx: RunContext[ToolContext]) -> Result:
    """Show callers waiting for pairing approval."""
    pending = Pairing.of(ctx.deps.host).pending()
    if not pending:
        return ToolResult(True, "No callers are waiting for pairing.").as_dict()
    lines = [f"{number} (code {code})" for number, code in pending]
    return ToolResult(True, "Waiting for approval: " + ", ".join(lines)).as_dict()


def create_invite_code(ctx: RunContext[ToolContext]) -> Result:
    """Make a one-use invite code for someone new: when they first call, they type it on the keypad
    after the pairing prompt and their number is approved (valid for 24 hours, pairing policy)."""
    code = Pairing.of(ctx.deps.host).invite()
    text = (
        f"Invite code {code}: give it to the person. When they call, they type it on the keypad after the "
        "pairing prompt, and their number is approved (once, within 24 hours)."
    )
    policy = voice_config(ctx.deps.host).inbound.policy
    if policy != "pairing":
        text += f' Invite codes are asked for under the pairing policy; yours is "{policy}" (say "use pairing").'
    return ToolResult(True, text).as_dict()


ADMISSION_TOOLS = [
    tool(set_inbound_policy),
    tool(update_allowlist),
    tool(approve_pairing),
    tool(list_pairing_requests, read_only=True),
    tool(create_invite_code),
]
