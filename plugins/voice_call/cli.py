"""`assistant calls ...`: call records from the command line."""

from __future__ import annotations

import click


@click.group(help="Phone calls: recent calls and their transcripts.")
def calls() -> None:
    pass


def _records():
    from assistant.cli import _host
    from plugins.voice_call.calls.records import CallRecords

    host = _host()
    return host, CallRecords(host.db)


@calls.command("list", help="Recent calls, newest first.")
@click.option("--limit", default=20, show_default=True)
def calls_list(limit: int) -> None:
    host, records = _records()
    try:
        rows = records.recent(limit)
    finally:
        host.close()
    if not rows:
        click.echo("No calls yet.")
    for call in rows:
        click.echo(f"{call.id}  {call.created_at:%Y-%m-%d %H:%M}  {call.direction:8} {call.from_number:>13} -> "
                   f"{call.to_number:<13} {call.state:11} {call.end_reason}")


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
        flag = " (not heard)" if entry.get("role") == "assistant" and not entry.get("heard") else ""
        click.echo(f"  [{entry.get('at_ms', 0) / 1000:7.1f}s] {entry['role']}: {entry['text']}{flag}")
