"""The call agent's tools: all a caller can get done on a call. None of them can reach config, the
vault, dialling or the owner's own tools, whatever the caller says: they end the call, take a
message, read what the owner shared, run the owner's registered lookups, book appointments, or
put the caller through to the owner's own phone."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError
from pydantic_ai import RunContext, Tool
from pydantic_ai.models.test import TestModel
from pydantic_ai.tools import ToolDefinition
from pydantic_ai.usage import RunUsage

from plugins.voice_call.calls.appointments import AppointmentError, Appointments, spoken_time
from plugins.voice_call.calls.calendar import CalendarUnavailable
from plugins.voice_call.calls.knowledge import Knowledge
from plugins.voice_call.calls.lookups import LookupFailed, Lookups
from plugins.voice_call.calls.when import parse_when


class CallControl(Protocol):
    """What the call agent's tools may do to the call they run in."""

    def request_hangup(self, reason: str) -> None: ...

    def note(self, text: str) -> None: ...

    def request_transfer(self, reason: str) -> str | None:
        """Put the caller through to the owner once the reply is spoken; None when it will be
        done, else why it cannot be."""
        ...


@dataclass
class CallDeps:
    call: CallControl
    notes: list[str] = field(default_factory=list)
    #: What the owner lets callers know (read only).
    knowledge: Knowledge | None = None
    #: The HTTP lookups the owner lets callers run.
    lookups: Lookups | None = None
    #: Booking appointments in the owner's hours (callers book and cancel only their own).
    appointments: Appointments | None = None
    #: The caller's number: whose bookings these are.
    caller: str = ""
    #: What the tools offered on this call depend on, read once per call (not once per turn):
    #: changes the owner makes apply from the next call, like every other call setting.
    _offer: dict[str, Any] = field(default_factory=dict, repr=False)

    def booking_open(self) -> bool:
        if "booking_open" not in self._offer:
            self._offer["booking_open"] = self.appointments is not None and self.appointments.open()
        return bool(self._offer["booking_open"])

    def registered_lookups(self) -> list[Any]:
        if "lookups" not in self._offer:
            self._offer["lookups"] = self.lookups.all() if self.lookups is not None else []
        return list(self._offer["lookups"])


def end_call(ctx: RunContext[CallDeps], reason: str = "caller said goodbye") -> str:
    """End the call after your goodbye has been spoken."""
    ctx.deps.call.request_hangup(reason)
    return "The call will end after your reply is spoken."


def take_message(ctx: RunContext[CallDeps], message: str) -> str:
    """Record a message from the caller for the owner."""
    ctx.deps.call.note(message)
    return "Message recorded for the owner."


TRANSFERRING = "The caller will be put through to the owner as soon as your reply is spoken."


def transfer_to_owner(ctx: RunContext[CallDeps], reason: str) -> str:
    """Put the caller through to the owner's own phone, when the caller asks for the owner or a person.

    Args:
        reason: In a few words, who is calling and why (the owner hears it before the call is connected).
    """
    refusal = ctx.deps.call.request_transfer(reason)
    if refusal is not None:
        return f"The caller cannot be put through ({refusal}); offer to take a message."
    return TRANSFERRING + " Tell them so in one short sentence."


FOUND = "What the owner shared for callers:"
NOTHING_FOUND = "The owner shared nothing on that; offer to take a message."


def look_up(ctx: RunContext[CallDeps], question: str) -> str:
    """Look up what the owner lets callers know (opening hours, address, prices, ...).

    Args:
        question: The caller's question, in a few words.
    """
    facts = ctx.deps.knowledge.search(question) if ctx.deps.knowledge is not None else []
    if not facts:
        return NOTHING_FOUND
    return FOUND + "\n" + "\n".join(f.text for f in facts)


async def query_api(ctx: RunContext[CallDeps], name: str, parameters: dict[str, str]) -> str:
    """Run one of the lookups the owner registered for callers (an order's status, a booking), by name.

    Args:
        name: The lookup's name, as listed in this tool's description.
        parameters: The values the lookup needs, by parameter name, as the caller gave them.
    """
    lookups = ctx.deps.lookups
    if lookups is None:
        return "There are no lookups on this call."
    try:
        return await lookups.run(name, parameters)
    except LookupFailed as exc:
        known = "; ".join(f"{lk.name} (needs {', '.join(lk.parameters) or 'nothing'})" for lk in lookups.all())
        return f"The lookup did not work: {exc}. Lookups you can run: {known or 'none'}."


async def _describe_lookups(ctx: RunContext[CallDeps], tool_def: ToolDefinition) -> ToolDefinition | None:
    """query_api lists the registered lookups, and is not offered when there are none."""
    registered = ctx.deps.registered_lookups()
    if not registered:
        return None
    listed = "; ".join(f"{lk.name} (needs {', '.join(lk.parameters) or 'nothing'})" for lk in registered)
    return replace(
        tool_def,
        description=f"{tool_def.description}\nLookups: {listed}.",
        metadata={**(tool_def.metadata or {}), "lookups": [{"name": lk.name, "parameters": lk.parameters} for lk in registered]},
    )


async def _when_booking_open(ctx: RunContext[CallDeps], tool_def: ToolDefinition) -> ToolDefinition | None:
    """The appointment tools are offered only while the owner takes appointments."""
    return tool_def if ctx.deps.booking_open() else None


def _when(deps: CallDeps, words: str) -> datetime | None:
    assert deps.appointments is not None
    _, zone = deps.appointments.settings()
    return parse_when(words, zone, deps.appointments.clock())


async def find_free_slots(ctx: RunContext[CallDeps], day: str | None = None) -> str:
    """The next free appointment slots the caller could book.

    Args:
        day: A day in the caller's words ("tomorrow", "friday"); leave it out for the next free slots.
    """
    appointments = ctx.deps.appointments
    if appointments is None or not appointments.open():
        return "The owner does not take appointments by phone; offer to take a message."
    settings, zone = appointments.settings()
    moment = _when(ctx.deps, day) if day else None
    if day and moment is None:
        return f'"{day}" is not a day I can read; ask which day they mean.'
    try:
        slots = await appointments.free_slots(moment.astimezone(zone).date() if moment else None)
    except CalendarUnavailable:
        return "The calendar cannot be read just now; offer to take a message."
    if not slots:
        return f"No free {settings.slot_minutes}-minute slots {('on ' + day) if day else 'soon'}."
    return f"Free {settings.slot_minutes}-minute slots: " + ", ".join(spoken_time(s, zone) for s in slots) + "."


async def book_appointment(ctx: RunContext[CallDeps], when: str, name: str = "") -> str:
    """Book an appointment for the caller at a free slot.

    Args:
        when: The slot's start in the caller's words ("tomorrow at 10", "friday 14:30").
        name: The caller's name, if they gave it.
    """
    appointments = ctx.deps.appointments
    if appointments is None or not appointments.open():
        return "The owner does not take appointments by phone; offer to take a message."
    moment = _when(ctx.deps, when)
    if moment is None:
        return f'"{when}" is not a time I can read; ask for a day and a time.'
    try:
        booking = await appointments.book(ctx.deps.caller, moment, name)
    except (AppointmentError, CalendarUnavailable) as exc:
        return f"Not booked: {exc}. " + await find_free_slots(ctx)
    return f"Booked: {booking.local(appointments.settings()[1])}."


async def cancel_my_appointment(ctx: RunContext[CallDeps], when: str | None = None) -> str:
    """Cancel an appointment the caller booked from this number.

    Args:
        when: Which one, in the caller's words, if they have several; leave it out for their next one.
    """
    appointments = ctx.deps.appointments
    if appointments is None:
        return "There are no appointments to cancel."
    moment = _when(ctx.deps, when) if when else None
    try:
        booking = await appointments.cancel_for_caller(ctx.deps.caller, moment)
    except AppointmentError as exc:
        return f"Nothing was cancelled: {exc}."
    return f"Cancelled: {booking.local(appointments.settings()[1])}."


CALL_TOOLS: list[Tool[CallDeps]] = [
    Tool(end_call),
    Tool(take_message),
    Tool(look_up),
    Tool(transfer_to_owner),
    Tool(query_api, prepare=_describe_lookups),
    Tool(find_free_slots, prepare=_when_booking_open),
    Tool(book_appointment, prepare=_when_booking_open),
    Tool(cancel_my_appointment, prepare=_when_booking_open),
]


def realtime_tool_schemas() -> list[dict[str, Any]]:
    """The call toolset as Realtime API function definitions (the same tools, nothing more)."""
    return [
        {
            "type": "function",
            "name": t.tool_def.name,
            "description": t.tool_def.description or "",
            "parameters": t.tool_def.parameters_json_schema,
        }
        for t in CALL_TOOLS
    ]


async def run_call_tool(name: str, arguments: str, deps: CallDeps) -> str:
    """Run one call tool the Realtime model asked for; any problem comes back as text for the model."""
    tool = next((t for t in CALL_TOOLS if t.name == name), None)
    if tool is None:
        return f"There is no tool named {name!r} on this call."
    try:
        args = tool.function_schema.validator.validate_json(arguments or "{}")
    except ValidationError as exc:
        return f"Invalid arguments for {name}: {exc.errors(include_url=False)}"
    ctx = RunContext(deps=deps, model=TestModel(), usage=RunUsage())  # our tools never call a model
    return str(await tool.function_schema.call(args, ctx))
