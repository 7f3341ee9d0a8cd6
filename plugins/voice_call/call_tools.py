"""The owner's calling tools: `realtime_call` (place and steer calls now) and scheduled calls."""

from __future__ import annotations

from typing import Any, Literal

from pydantic_ai import RunContext, Tool

from assistant.provenance import caller_content
from assistant.tools import ToolContext, ToolResult
from plugins.voice_call.calls.ending import Ending, EndReason
from plugins.voice_call.calls.outbound import OutboundError, check_number
from plugins.voice_call.calls.recurrence import RecurrenceError
from plugins.voice_call.calls.when import local_zone, parse_when
from plugins.voice_call.carriers import CarrierNotConfigured, carrier_for
from plugins.voice_call.carriers.base import CallControl
from plugins.voice_call.config import voice_config
from plugins.voice_call.runtime import VoiceCallRuntime
from plugins.voice_call.tools import apply_change

Result = dict[str, Any]


def _runtime(ctx: RunContext[ToolContext]) -> VoiceCallRuntime:
    return VoiceCallRuntime.of(ctx.deps.host)


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
    said = [e["text"] for e in record.transcript if e["role"] in ("caller", "note")]
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
    runtime = _runtime(ctx)
    if action == "initiate_call":
        if not to or not message:
            return ToolResult(False, "To place a call I need the number and what to say.").as_dict()
        try:
            new_id = await runtime.outbound.place(to, message, mode)
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


async def schedule_call(
    ctx: RunContext[ToolContext],
    to: str,
    message: str,
    when: str,
    mode: Literal["notify", "conversation"] = "notify",
) -> Result:
    """Schedule a call for later.

    Args:
        to: The number to call, in E.164 (e.g. +15550001234).
        message: What to say, as it should be said to the person called.
        when: The owner's own words for the time ("tomorrow at 9", "in 2 hours", "friday 3pm") or an ISO
            time; read in the owner's time zone.
        mode: notify (say the message and hang up) or conversation (then talk with them).
    """
    runtime = _runtime(ctx)
    zone = local_zone(voice_config(ctx.deps.host).timezone)
    moment = parse_when(when, zone, runtime.scheduler.clock())
    if moment is None:
        return ToolResult(False, f'I could not read "{when}" as a time; try "tomorrow at 9:00" or "in 30 minutes".').as_dict()
    try:
        call = runtime.scheduler.schedule(to, message, mode, moment, zone.key)
    except OutboundError as exc:
        return ToolResult(False, f"Nothing was scheduled: {exc}.").as_dict()
    return ToolResult(
        True,
        f"Scheduled call #{call.id} to {call.to_number} for {call.local_time()}.",
        data={"scheduled_id": call.id, "run_at": call.run_at.isoformat()},
    ).as_dict()


def list_scheduled_calls(ctx: RunContext[ToolContext]) -> Result:
    """List calls scheduled for later."""
    calls = _runtime(ctx).scheduler.list()
    if not calls:
        return ToolResult(True, "No calls are scheduled.").as_dict()
    lines = [f"#{c.id} {c.local_time()} to {c.to_number} ({c.mode}): {c.message}" for c in calls]
    return ToolResult(True, "Scheduled calls:\n" + "\n".join(lines)).as_dict()


def cancel_scheduled_call(ctx: RunContext[ToolContext], scheduled_id: int) -> Result:
    """Cancel a scheduled call.

    Args:
        scheduled_id: The scheduled call's number, as list_scheduled_calls shows it.
    """
    if _runtime(ctx).scheduler.cancel(scheduled_id):
        return ToolResult(True, f"Cancelled scheduled call #{scheduled_id}.").as_dict()
    return ToolResult(False, f"There is no pending scheduled call #{scheduled_id}.").as_dict()


async def schedule_recurring_call(
    ctx: RunContext[ToolContext],
    to: str,
    message: str,
    every: str,
    mode: Literal["notify", "conversation"] = "notify",
) -> Result:
    """Call someone again and again on a schedule (a daily reminder, a weekly check-in).

    Args:
        to: The number to call, in E.164, or "me" for the owner's own phone.
        message: What to say, as it should be said to the person called.
        every: How often, in the owner's words ("every weekday at 8", "every monday and thursday at 18:30",
            "every month on the 1st at 9") or an RFC 5545 RRULE without DTSTART; read in the owner's time zone.
        mode: notify (say the message and hang up) or conversation (then talk with them).
    """
    runtime = _runtime(ctx)
    config = voice_config(ctx.deps.host)
    try:
        number = check_number(config, to)
        series = runtime.scheduler.series.add(number, message, mode, every, local_zone(config.timezone))
    except (OutboundError, RecurrenceError) as exc:
        return ToolResult(False, f"Nothing was scheduled: {exc}.").as_dict()
    return ToolResult(True, f"Repeating call {series.summary()}", data={"series_id": series.id}).as_dict()


def list_recurring_calls(ctx: RunContext[ToolContext]) -> Result:
    """List calls that repeat on a schedule, with when each is next placed."""
    series = _runtime(ctx).scheduler.series.list()
    if not series:
        return ToolResult(True, "No calls repeat on a schedule.").as_dict()
    return ToolResult(True, "Repeating calls:\n" + "\n".join(s.summary() for s in series)).as_dict()


def change_recurring_call(ctx: RunContext[ToolContext], series_id: int, action: Literal["pause", "resume", "cancel"]) -> Result:
    """Pause, resume or cancel a repeating call.

    Args:
        series_id: The repeating call's number, as list_recurring_calls shows it.
        action: pause (no calls until resumed), resume, or cancel (for good).
    """
    status = {"pause": "paused", "resume": "active", "cancel": "cancelled"}[action]
    series = _runtime(ctx).scheduler.series.set_status(series_id, status)
    if series is None:
        return ToolResult(False, f"Repeating call #{series_id} does not exist, is cancelled, or is already {status}.").as_dict()
    return ToolResult(
        True, f"Repeating call {series.summary()}" if status != "cancelled" else f"Cancelled repeating call #{series_id}."
    ).as_dict()


async def test_call(ctx: RunContext[ToolContext]) -> Result:
    """Call the owner's own phone to test the whole setup: it says a check sentence, listens, and
    reports here what it understood and how long each step took."""
    try:
        call_id = await _runtime(ctx).phone_check.start()
    except OutboundError as exc:
        return ToolResult(False, f"The test call was not placed: {exc}.").as_dict()
    return ToolResult(
        True,
        "Calling your phone now: answer and say a few words; I will tell you here what I heard and how long each step took.",
        data={"call_id": call_id},
    ).as_dict()


def set_owner_number(ctx: RunContext[ToolContext], number: str) -> Result:
    """Store the owner's own phone number: for "call me ..." and for putting callers through to the owner.

    Args:
        number: The owner's own phone number, in E.164 (e.g. +15550001234).
    """
    return apply_change(ctx, {"ownerNumber": number}, lambda c: f'Your own number is {c.owner_number}; "call me" calls it.')


CALL_TOOLS = [
    Tool(realtime_call, require_parameter_descriptions=True, metadata={"read_only": lambda a: a.get("action") == "get_status"}),
    Tool(schedule_call, require_parameter_descriptions=True),
    Tool(list_scheduled_calls, metadata={"read_only": True}),
    Tool(cancel_scheduled_call, require_parameter_descriptions=True),
    Tool(schedule_recurring_call, require_parameter_descriptions=True),
    Tool(list_recurring_calls, metadata={"read_only": True}),
    Tool(change_recurring_call, require_parameter_descriptions=True),
    Tool(set_owner_number, require_parameter_descriptions=True),
    Tool(test_call),
]
