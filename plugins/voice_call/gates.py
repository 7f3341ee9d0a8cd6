"""Which voice-call tool calls wait for the owner's yes (assistant/approvals.py): those that widen
who may call, change the carrier or where it reaches us, or dial, unless the owner's own message
plainly asks for that call (read by the offline phrase rules) or the number is on the owner's
outbound list. Decided from the arguments, the stored config and the owner's words, never by the model."""

from __future__ import annotations

from typing import Any

from assistant.plugin_api import Gate, GateContext
from plugins.voice_call import validation
from plugins.voice_call.config import VoiceCallConfig, voice_config

#: Who each policy admits, widest last (allowlist and pairing also admit their list).
_REACH = {"disabled": 0, "allowlist": 1, "pairing": 2, "open": 3}


def _widens(before: VoiceCallConfig, policy: str, allow_from: list[str]) -> bool:
    """Whether `policy` with `allow_from` lets in anyone `before` did not."""
    was = before.inbound.policy
    listed_before = set(before.inbound.allow_from) if was in ("allowlist", "pairing") else set()
    if was == "open" or policy == "disabled":
        return False  # nothing lets in more than open does; disabled lets in no one
    if policy == "open" or (policy == "pairing" and was != "pairing"):
        return True  # anyone, or anyone the owner will approve
    return not set(allow_from) <= listed_before


def _numbers(values: list[str] | None) -> list[str]:
    found = []
    for value in values or []:
        try:
            found.append(validation.phone_number(value))
        except ValueError:
            found.append(value)  # the tool refuses it; the question shows it as given
    return found


def _inbound_policy(ctx: GateContext, args: dict[str, Any]) -> str | None:
    config = voice_config(ctx.host)
    policy = str(args.get("policy", ""))
    if policy not in _REACH:
        return None  # the tool refuses it
    given = args.get("allow_from")
    allow_from = _numbers(given) if given is not None else list(config.inbound.allow_from)
    if not _widens(config, policy, allow_from):
        return None
    who = {
        "open": "anyone who dials your number",
        "pairing": "new callers who get a pairing code you approve",
        "allowlist": ", ".join(allow_from) or "nobody",
    }[policy]
    listed_before = set(config.inbound.allow_from) if config.inbound.policy in ("allowlist", "pairing") else set()
    added = [n for n in allow_from if n not in listed_before]
    if policy == "pairing" and added:
        who += f", and {', '.join(added)} without a code"  # every number the question's yes lets in is named
    return f"Let {who} reach the assistant by phone (inbound policy {policy})?{_untyped(ctx, added)}"


def _untyped(ctx: GateContext, numbers: list[str]) -> str:
    """A warning for numbers the owner never typed in this conversation (a model's or a caller's)."""
    strange = [n for n in numbers if not ctx.owner_typed(n)]
    return f" You did not type {', '.join(strange)} in this conversation." if strange else ""


def _allowlist(ctx: GateContext, args: dict[str, Any]) -> str | None:
    config = voice_config(ctx.host)
    new = [n for n in _numbers(args.get("add")) if n not in config.inbound.allow_from]
    return f"Let {', '.join(new)} call the assistant?{_untyped(ctx, new)}" if new else None


def _pairing(ctx: GateContext, args: dict[str, Any]) -> str | None:
    code = str(args.get("code", "")).strip()
    return None if code and ctx.owner_typed(code) else f"Approve pairing code {code} (that caller may then call)?"


def _public_url(ctx: GateContext, args: dict[str, Any]) -> str | None:
    current = voice_config(ctx.host).public_url
    url = str(args.get("url", "")).strip().rstrip("/")
    if current is None or url == current:
        return None if ctx.owner_typed(url) else f"Set the public URL, where carriers send your calls, to {url}?"
    return f"Move where carriers send your calls from {current} to {url}?"


def _provider(ctx: GateContext, args: dict[str, Any]) -> str | None:
    current = voice_config(ctx.host).provider
    provider = args.get("provider")
    if provider and current and provider != current:
        return f"Switch your phone carrier from {current} to {provider}?"
    return None


def _credentials(ctx: GateContext, args: dict[str, Any]) -> str | None:
    config = voice_config(ctx.host)
    switch = _provider(ctx, args)
    if switch:
        return switch
    number = args.get("phone_number")
    if number and config.phone_number and _numbers([number])[0] != config.phone_number:
        return f"Change the assistant's phone number from {config.phone_number} to {number}?"
    replaced = [name for name in ("account_sid", "api_key", "auth_id", "connection_id") if args.get(name)]
    stored = config.provider is not None and not _missing_any(ctx, config)
    if replaced and stored:
        return f"Replace your {config.provider} account details ({', '.join(replaced)})?"
    return None


def _missing_any(ctx: GateContext, config: VoiceCallConfig) -> bool:
    from plugins.voice_call.setup_flow import missing_credentials

    return bool(missing_credentials(config, ctx.host))


def _dial(ctx: GateContext, to: object, message: object, when: str = "") -> str | None:
    if not isinstance(to, str) or not to:
        return None  # the tool asks for the number
    config = voice_config(ctx.host)
    number = config.owner_number if to.strip().lower() in validation.OWNER_WORDS else _numbers([to])[0]
    if number is None:
        return None  # the tool says the owner's number is not known
    if ctx.vouched or number in config.outbound.allow_to or number == config.owner_number:
        return None  # the owner's own words ask for this call, or they listed the number themselves
    typed = "" if ctx.owner_typed(to) else " You did not type that number in this conversation."
    return f'Call {number}{when} and say: "{message}"?{typed}'


def _realtime_call(ctx: GateContext, args: dict[str, Any]) -> str | None:
    if args.get("action") != "initiate_call":
        return None
    return _dial(ctx, args.get("to"), args.get("message"))


def _schedule_call(ctx: GateContext, args: dict[str, Any]) -> str | None:
    return _dial(ctx, args.get("to"), args.get("message"), f" {args.get('when', 'later')}")


def _invite(ctx: GateContext, args: dict[str, Any]) -> str | None:
    return None if ctx.vouched else "Make an invite code that lets one new caller in?"


def _recurring(ctx: GateContext, args: dict[str, Any]) -> str | None:
    return _dial(ctx, args.get("to"), args.get("message"), f" {args.get('every', 'repeatedly')}")


def _owner_number(ctx: GateContext, args: dict[str, Any]) -> str | None:
    current = voice_config(ctx.host).owner_number
    number = str(args.get("number", "")).strip()
    if current is None and ctx.owner_typed(number):
        return None
    return f"Set your own phone number (where callers asking for you are put through) to {number}?"


def _tunnel(ctx: GateContext, args: dict[str, Any]) -> str | None:
    from plugins.voice_call.exposure.tunnels.kinds import TITLES

    kind = str(args.get("tunnel", ""))
    if ctx.vouched:
        return None  # the owner's own message asks for exactly this
    if kind in TITLES:
        return f"Open a {TITLES[kind]}, so the gateway can be reached from the internet?"
    return "Close the tunnel? Carriers cannot reach the gateway through it after that."


def _connect_number(ctx: GateContext, args: dict[str, Any]) -> str | None:
    config = voice_config(ctx.host)
    if not (config.provider and config.phone_number and config.public_url):
        return None  # the tool refuses: nothing to point, or nowhere to point it
    where = f"{config.public_url}/voice/{config.provider}/webhook" if config.public_url else "this gateway"
    return f"Point your number {config.phone_number or ''} at {where} through {config.provider or 'the carrier'}'s API?"


GATES = [
    Gate("expose_gateway", _tunnel),
    Gate("connect_number", _connect_number),
    Gate("set_inbound_policy", _inbound_policy),
    Gate("update_allowlist", _allowlist),
    Gate("approve_pairing", _pairing),
    Gate("set_voice_call_public_url", _public_url),
    Gate("voice_call_setup", _provider),
    Gate("set_voice_call_credentials", _credentials),
    Gate("realtime_call", _realtime_call),
    Gate("schedule_call", _schedule_call),
    Gate("schedule_recurring_call", _recurring),
    Gate("set_owner_number", _owner_number),
    Gate("create_invite_code", _invite),
]
