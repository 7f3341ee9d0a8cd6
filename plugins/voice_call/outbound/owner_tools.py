"""The owner's tool for calls now: `realtime_call` places a call, speaks on it, hears the reply,
ends it, or says how it went."""

from __future__ import annotations

from typing import Literal

from pydantic_ai import RunContext

from assistant.plugin_api import ToolContext, ToolResult, caller_content
from plugins.voice_call.carriers import CarrierNotConfigured, carrier_for
from plugins.voice_call.carriers.base import CallControl
from plugins.voice_call.cluster.commands import NOT_IN_PROGRESS
from plugins.voice_call.config import voice_config
from plugins.voice_call.history.ending import Ending, EndReason
from plugins.voice_call.history.reports import quoted
from plugins.voice_call.outbound.dialer import OutboundCalls, OutboundError
from plugins.voice_call.owner_tool import Result, tool
from plugins.voice_call.runtime import VoiceCallRuntime


def _control(ctx: RunContext[ToolContext]) -> CallControl | None:
    """The carrier's commands, to cancel a call still ringing there (None when it is not set up)."""
    try:
        return carrier_for(voice_config(ctx.deps.host), ctx.deps.host).control
    except CarrierNotConfigured:
        return None


def _status(runtime: VoiceCallRuntime, call_id: str) -> Result:
    record = runtime.records.get(call_id)
    if record is None:
        return ToolResult(False, f"There is no call {call_id}.").as_dict()
    session = runtime.switchboard.live(call_id)
    seconds = (
        session.media_ms / 1000
        if session
        else ((record.ended_at - record.answered_at).total_seconds() if record.answered_at and record.ended_at else 0)
    )
    said = quoted(record)  # each line once: a note that repeats their words is not a second line
    we_said = [e["text"] for e in record.transcript if e["role"] == "assistant"]
    other = record.other_party
    text = f"Call {call_id} with {other}: {record.state}, {seconds:.0f} s"
    text += f" ({record.end_reason})" if record.end_reason else ""
    return ToolResult(
        True,
        text + ".",
        data={"state": record.state, "duration_seconds": round(seconds, 1), "assistant_said": we_said},
        caller_content=caller_content(other, said) if said else None,
    ).as_dict()


async def _on_other_node(runtime: VoiceCallRuntime, node: str, call_id: str, action: str, message: str | None) -> Result:
    """The call runs on another gateway (node): ending it or speaking on it is asked of that node
    through the store; waiting for the caller's reply is not (ask on that node)."""
    if action == "end_call":
        done = await runtime.commands.send(node, call_id, "end")
    elif action == "speak_to_user" and message:
        done = await runtime.commands.send(node, call_id, "say", message)
    elif action == "speak_to_user":
        return ToolResult(False, f"{action} needs the message to say.").as_dict()
    else:
        return ToolResult(
            False, f"Call {call_id} runs on the gateway {node}: I can end it or speak on it from here, not wait for replies."
        ).as_dict()
    if done is None:
        return ToolResult(False, f"Call {call_id} runs on the gateway {node}, which did not answer; try again.").as_dict()
    if done == NOT_IN_PROGRESS:
        return ToolResult(False, f"Call {call_id} is not in progress.").as_dict()
    verb = "Ending" if action == "end_call" else "Said on"
    return ToolResult(True, f"{verb} call {call_id} (on the gateway {node})" + (f": {message}" if message else ".")).as_dict()


async def realtime_call(
    ctx: RunContext[ToolContext],
    action: Literal["initiate_call", "continue_call", "speak_to_user", "end_call", "get_status"],
    to: str | None = None,
    message: str | None = None,
    mode: Literal["notify", "conversation"] = "notify",
    call_id: str | None = None,
    timeout_seconds: int = 30,
) -> Result:
    """Phone calls now: place one, speak on it, hear the reply, end it, or see how it went.

    Args:
        action: initiate_call (needs to, message, mode), continue_call (needs call_id, message; waits for
            the reply), speak_to_user (needs call_id, message), end_call (needs call_id), get_status (needs call_id).
        to: initiate_call: the number to call, in E.164 (e.g. +15550001234).
        message: initiate_call: the opening words, as they should be said to the person called;
            continue_call and speak_to_user: what to say now.
        mode: initiate_call: notify (say the message and hang up) or conversation (then talk with them).
        call_id: The call's id, from initiate_call's result.
        timeout_seconds: continue_call: how long to wait for their reply (5 to 120).
    """
    runtime = VoiceCallRuntime.of(ctx.deps.host)
    if action == "initiate_call":
        if not to or not message:
            return ToolResult(False, "To place a call I need the number and what to say.").as_dict()
        try:
            new_id = await OutboundCalls.of(ctx.deps.host).place(to, message, mode)
        except OutboundError as exc:
            return ToolResult(False, f"The call was not placed: {exc}.").as_dict()
        what = "deliver the message and hang up" if mode == "notify" else "say that and talk with them"
        return ToolResult(
            True, f"Calling {to} (call {new_id}); I will {what}, and tell you how it went.", data={"call_id": new_id}
        ).as_dict()
    if not call_id:
        return ToolResult(False, f"{action} needs the call_id.").as_dict()
    if action == "get_status":
        return _status(runtime, call_id)
    session = runtime.switchboard.live(call_id)
    record = runtime.records.get(call_id)
    if session is None and record is not None and record.active and record.node not in (None, runtime.nodes.name):
        return await _on_other_node(runtime, record.node, call_id, action, message)
    if action == "end_call":
        if session is not None:
            runtime.switchboard.end(call_id, Ending(EndReason.OWNER_ENDED))
            return ToolResult(True, f"Ending call {call_id}.").as_dict()
        control = _control(ctx) if record is not None and record.active else None
        carrier_id = record.carrier_call_id if record is not None else ""
        if runtime.switchboard.end(call_id, Ending(EndReason.CANCELLED), control, carrier_id, close_control=True):
            return ToolResult(True, f"Call {call_id} was cancelled before it was answered.").as_dict()
        return ToolResult(False, f"Call {call_id} is not in progress.").as_dict()
    if session is None:
        state = record.state if record else "unknown"
        return ToolResult(False, f"Call {call_id} is not connected (state: {state}).").as_dict()
    if not message:
        return ToolResult(False, f"{action} needs the message to say.").as_dict()
    played = await session.speak(message)
    if action == "speak_to_user":
        return ToolResult(True, f"Said on call {call_id}: {message}").as_dict()
    reply = await session.next_utterance(timeout=max(5, min(timeout_seconds, 120)))
    await played.wait()
    if reply is None:
        return ToolResult(True, f"Said it; no reply within {timeout_seconds} s.", data={"reply": None}).as_dict()
    return ToolResult(
        True,
        f"Said it on call {call_id}; their reply is in caller_content.",
        caller_content=caller_content(record.to_number if record else "", [reply]),
    ).as_dict()


OUTBOUND_TOOLS = [tool(realtime_call, read_only=lambda args: args.get("action") == "get_status")]
