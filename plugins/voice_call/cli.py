"""`assistant calls ...`: call records from the command line. Published under the
`assistant.commands` entry point; everything heavy is imported when a command runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from assistant.plugin_api import open_host

if TYPE_CHECKING:
    from assistant.plugin_api import Host
    from plugins.voice_call.history.records import CallRecords


@click.group(help="Phone calls: recent calls and their transcripts.")
def calls() -> None:
    pass


def _records() -> tuple[Host, CallRecords]:
    from plugins.voice_call.history.records import CallRecords

    host: Host = open_host()
    return host, CallRecords(host.db)


@calls.command("list", help="Scheduled calls, then recent calls, newest first.")
@click.option("--limit", default=20, show_default=True)
def calls_list(limit: int) -> None:
    from plugins.voice_call.scheduling.scheduler import CallScheduler

    host, records = _records()
    try:
        rows = records.recent(limit)
        scheduled = CallScheduler.of(host).list()
        repeating = CallScheduler.of(host).series.list()
    finally:
        host.close()
    for series in repeating:
        click.echo(f"repeating {series.summary()}")
    for call in scheduled:
        click.echo(f"#{call.id}  scheduled {call.local_time()}  to {call.to_number} ({call.mode}, {call.status}): {call.message}")
    if not rows:
        click.echo("No calls yet.")
    for record in rows:
        click.echo(
            f"{record.id}  {record.created_at:%Y-%m-%d %H:%M}  {record.direction:8} {record.from_number:>13} -> "
            f"{record.to_number:<13} {record.state:11} {record.end_reason}"
        )


@calls.command("show", help="One call with its transcript.")
@click.argument("call_id")
def calls_show(call_id: str) -> None:
    host, records = _records()
    try:
        call = records.get(call_id)
    finally:
        host.close()
    if call is None:
        raise click.ClickException(f"There is no call {call_id}; see `assistant calls list`.")
    click.echo(f"{call.direction} call {call.from_number} -> {call.to_number} via {call.provider} ({call.carrier_call_id})")
    click.echo(f"state {call.state}; {call.end_reason or 'no end reason'}")
    for entry in call.transcript:
        flag = ""
        if entry.get("role") == "assistant" and not entry.get("heard"):
            flag = " (not heard)"
            if entry.get("heard_words"):
                flag = f" (cut off after {entry['heard_words']!r}, {entry.get('heard_ms', 0) / 1000:.1f} s heard)"
        click.echo(f"  [{entry.get('at_ms', 0) / 1000:7.1f}s] {entry['role']}: {entry['text']}{flag}")
    if call.turns:
        from plugins.voice_call.history.timings import describe_turn

        click.echo("timings, after the end of each turn:")
        for turn in call.turns:
            click.echo(f"  {describe_turn(turn)}{' (the caller cut in)' if turn.get('cut') else ''}")


@calls.command("latency", help="How fast calls were answered: p50/p95 of each step over recent calls.")
@click.option("--calls", "count", default=50, show_default=True, help="How many recent calls to count.")
def calls_latency(count: int) -> None:
    from plugins.voice_call.history.timings import latency_summary

    host, records = _records()
    try:
        turns = [t for call in records.recent(count) for t in call.turns if not t.get("cut")]
    finally:
        host.close()
    if not turns:
        click.echo("No timed turns yet: they are recorded for calls answered by the local pipeline.")
        return
    click.echo(f"Over {len(turns)} answered turns of the last {count} calls (ms after the end of the caller's turn):")
    for line in latency_summary(turns):
        click.echo(line)


@calls.command("cancel", help="Cancel a scheduled call by its number.")
@click.argument("scheduled_id", type=int)
def calls_cancel(scheduled_id: int) -> None:
    from plugins.voice_call.scheduling.scheduler import CallScheduler

    host, _ = _records()
    try:
        cancelled = CallScheduler.of(host).cancel(scheduled_id)
    finally:
        host.close()
    if not cancelled:
        raise click.ClickException(f"There is no pending scheduled call #{scheduled_id}.")
    click.echo(f"Cancelled scheduled call #{scheduled_id}.")


@calls.command("place", help="Call a number: now (the running gateway dials within a second) or --at a time.")
@click.argument("to")
@click.option("--message", required=True, help="What to say when they answer.")
@click.option("--mode", type=click.Choice(["notify", "conversation"]), default="notify", show_default=True)
@click.option("--at", "when", default="now", show_default=True, help='e.g. "tomorrow at 9", "in 10 minutes".')
def calls_place(to: str, message: str, mode: str, when: str) -> None:
    from plugins.voice_call.config import voice_config
    from plugins.voice_call.outbound.dialer import OutboundError
    from plugins.voice_call.scheduling.scheduler import CallScheduler
    from plugins.voice_call.when import local_zone, parse_when

    host, _ = _records()
    try:
        scheduler = CallScheduler.of(host)
        zone = local_zone(voice_config(host).timezone)
        now = scheduler.clock()
        moment = now if when.strip().lower() == "now" else parse_when(when, zone, now)
        if moment is None:
            raise click.ClickException(f'Could not read "{when}" as a time; try "tomorrow at 9:00" or "in 30 minutes".')
        try:
            call = scheduler.schedule(to, message, mode, moment, zone.key)
        except OutboundError as exc:
            raise click.ClickException(str(exc)) from None
    finally:
        host.close()
    click.echo(f"Scheduled call #{call.id} to {call.to_number} for {call.local_time()}.")


@calls.command("repeat", help='Call a number again and again: --every "weekday at 8" (TO may be "me").')
@click.argument("to")
@click.option("--message", required=True, help="What to say when they answer.")
@click.option("--every", "every", required=True, help='e.g. "every weekday at 8", "every monday at 18:30", or an RRULE.')
@click.option("--mode", type=click.Choice(["notify", "conversation"]), default="notify", show_default=True)
def calls_repeat(to: str, message: str, every: str, mode: str) -> None:
    from plugins.voice_call.config import voice_config
    from plugins.voice_call.outbound.dialer import OutboundError, check_number
    from plugins.voice_call.scheduling.recurrence import RecurrenceError
    from plugins.voice_call.scheduling.scheduler import CallScheduler
    from plugins.voice_call.when import local_zone

    host, _ = _records()
    try:
        config = voice_config(host)
        number = check_number(config, to)
        series = CallScheduler.of(host).series.add(number, message, mode, every, local_zone(config.timezone))
    except (OutboundError, RecurrenceError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        host.close()
    click.echo(f"Repeating call {series.summary()}")


@calls.command("series", help="Pause, resume or cancel a repeating call by its number.")
@click.argument("series_id", type=int)
@click.argument("action", type=click.Choice(["pause", "resume", "cancel"]))
def calls_series(series_id: int, action: str) -> None:
    from plugins.voice_call.scheduling.scheduler import CallScheduler

    status = {"pause": "paused", "resume": "active", "cancel": "cancelled"}[action]
    host, _ = _records()
    try:
        series = CallScheduler.of(host).series.set_status(series_id, status)
    finally:
        host.close()
    if series is None:
        raise click.ClickException(f"Repeating call #{series_id} does not exist, is cancelled, or is already {status}.")
    click.echo(f"Repeating call {series.summary()}")
