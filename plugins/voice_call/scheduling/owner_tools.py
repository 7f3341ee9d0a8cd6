"""The owner's tools for calls later: scheduled calls, repeating calls, and the test call."""

from __future__ import annotations

from typing import Literal

from pydantic_ai import RunContext

from assistant.plugin_api import ToolContext, ToolResult
from plugins.voice_call.config import voice_config
from plugins.voice_call.outbound.dialer import OutboundError, check_number
from plugins.voice_call.owner_tool import Result, tool
from plugins.voice_call.scheduling.phone_check import PhoneCheck
from plugins.voice_call.scheduling.recurrence import RecurrenceError
from plugins.voice_call.scheduling.scheduler import CallScheduler
from plugins.voice_call.when import local_zone, parse_when


def _scheduler(ctx: RunContext[ToolContext]) -> CallScheduler:
    return CallScheduler.of(ctx.deps.host)


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
    scheduler = _scheduler(ctx)
    zone = local_zone(voice_config(ctx.deps.host).timezone)
    moment = parse_when(when, zone, scheduler.clock())
    if moment is None:
        return ToolResult(False, f'I could not read "{when}" as a time; try "tomorrow at 9:00" or "in 30 minutes".').as_dict()
    try:
        call = scheduler.schedule(to, message, mode, moment, zone.key)
    except OutboundError as exc:
        return ToolResult(False, f"Nothing was scheduled: {exc}.").as_dict()
    return ToolResult(
        True,
        f"Scheduled call #{call.id} to {call.to_number} for {call.local_time()}.",
        data={"scheduled_id": call.id, "run_at": call.run_at.isoformat()},
    ).as_dict()


def list_scheduled_calls(ctx: RunContext[ToolContext]) -> Result:
    """List calls scheduled for later."""
    calls = _scheduler(ctx).list()
    if not calls:
        return ToolResult(True, "No calls are scheduled.").as_dict()
    lines = [f"#{c.id} {c.local_time()} to {c.to_number} ({c.mode}): {c.message}" for c in calls]
    return ToolResult(True, "Scheduled calls:\n" + "\n".join(lines)).as_dict()


def cancel_scheduled_call(ctx: RunContext[ToolContext], scheduled_id: int) -> Result:
    """Cancel a scheduled call.

    Args:
        scheduled_id: The scheduled call's number, as list_scheduled_calls shows it.
    """
    if _scheduler(ctx).cancel(scheduled_id):
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
    config = voice_config(ctx.deps.host)
    try:
        number = check_number(config, to)
        series = _scheduler(ctx).series.add(number, message, mode, every, local_zone(config.timezone))
    except (OutboundError, RecurrenceError) as exc:
        return ToolResult(False, f"Nothing was scheduled: {exc}.").as_dict()
    return ToolResult(True, f"Repeating call {series.summary()}", data={"series_id": series.id}).as_dict()


def list_recurring_calls(ctx: RunContext[ToolContext]) -> Result:
    """List calls that repeat on a schedule, with when each is next placed."""
    series = _scheduler(ctx).series.list()
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
    series = _scheduler(ctx).series.set_status(series_id, status)
    if series is None:
        return ToolResult(False, f"Repeating call #{series_id} does not exist, is cancelled, or is already {status}.").as_dict()
    return ToolResult(
        True, f"Repeating call {series.summary()}" if status != "cancelled" else f"Cancelled repeating call #{series_id}."
    ).as_dict()


async def test_call(ctx: RunContext[ToolContext]) -> Result:
    """Call the owner's own phone to test the whole setup: it says a check sentence, listens, and
    reports here what it understood and how long each step took."""
    try:
        call_id = await PhoneCheck.of(ctx.deps.host).start()
    except OutboundError as exc:
        return ToolResult(False, f"The test call was not placed: {exc}.").as_dict()
    return ToolResult(
        True,
        "Calling your phone now: answer and say a few words; I will tell you here what I heard and how long each step took.",
        data={"call_id": call_id},
    ).as_dict()


SCHEDULING_TOOLS = [
    tool(schedule_call),
    tool(list_scheduled_calls, read_only=True),
    tool(cancel_scheduled_call),
    tool(schedule_recurring_call),
    tool(list_recurring_calls, read_only=True),
    tool(change_recurring_call),
    tool(test_call),
]
