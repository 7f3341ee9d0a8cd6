"""The owner's tools for HTTP lookups callers may run (lookups/service.py), and their offline phrases:
"let callers look up order status at https://shop.example.com/api/orders/{order_id}, say status
and eta". Callers only run them (the call agent's `query_api`); only the owner registers them."""

from __future__ import annotations

from pydantic_ai import RunContext

from assistant.plugin_api import SecretNotAvailable, ToolContext, ToolResult
from plugins.voice_call.lookups.service import LookupFailed, Lookups
from plugins.voice_call.owner_tool import Result, tool


def _lookups(ctx: RunContext[ToolContext]) -> Lookups:
    return Lookups(ctx.deps.host.db, ctx.deps.host.vault)


def let_callers_look_up(
    ctx: RunContext[ToolContext],
    name: str,
    url: str,
    fields: list[str],
    auth_header: str | None = None,
    auth_value: str | None = None,
) -> Result:
    """Let callers run an HTTP GET lookup (an order's status, a delivery date) during a call.

    Args:
        name: A short name for it, e.g. "order status".
        url: The URL, with {parameter} placeholders for what the caller gives, e.g.
            https://shop.example.com/api/orders/{order_id}. Only its path and query may hold placeholders.
        fields: The fields of the JSON answer callers may hear (e.g. ["status", "eta"]); nothing else is said.
        auth_header: The header that carries a credential, e.g. Authorization or X-Api-Key (optional).
        auth_value: The credential's secret placeholder from the owner's message, copied exactly (optional).
    """
    secret = ""
    if auth_value:
        try:
            secret = ctx.deps.host.secrets.resolve(auth_value.strip())
        except SecretNotAvailable as exc:
            return ToolResult(False, f"Nothing was added: {exc}.").as_dict()
    try:
        added = _lookups(ctx).register(name, url, fields, auth_header or "", secret)
    except LookupFailed as exc:
        return ToolResult(False, f"Nothing was added: {exc}.").as_dict()
    if auth_value:
        ctx.deps.host.secrets.forget(auth_value.strip())
    return ToolResult(True, f"Callers can now ask for {added.summary()}").as_dict()


def list_caller_lookups(ctx: RunContext[ToolContext]) -> Result:
    """List the lookups callers may run."""
    lookups = _lookups(ctx).all()
    if not lookups:
        return ToolResult(True, "Callers can run no lookups.").as_dict()
    return ToolResult(True, "Callers may run:\n" + "\n".join(lk.summary() for lk in lookups)).as_dict()


def remove_caller_lookup(ctx: RunContext[ToolContext], lookup_id: int) -> Result:
    """Stop callers running one lookup (its credential is deleted from the vault too).

    Args:
        lookup_id: The lookup's number, as list_caller_lookups shows it.
    """
    if _lookups(ctx).remove(lookup_id):
        return ToolResult(True, f"Callers can no longer run lookup #{lookup_id}.").as_dict()
    return ToolResult(False, f"There is no lookup #{lookup_id}.").as_dict()


LOOKUP_TOOLS = [tool(let_callers_look_up), tool(list_caller_lookups, read_only=True), tool(remove_caller_lookup)]
