"""The owner's tools for how carriers reach the gateway: a tunnel the gateway runs ("expose the
gateway with cloudflare", "use ngrok, my authtoken is ..."), and "connect my number" (the carrier's
number pointed at the public URL through its REST API). Their offline phrases are here too."""

from __future__ import annotations

import asyncio
import re
from typing import Any, Literal

from pydantic_ai import RunContext

from assistant.plugin_api import SecretNotAvailable, ToolContext, ToolResult
from plugins.voice_call.config import VoiceCallConfig, voice_config
from plugins.voice_call.exposure.service import Exposure
from plugins.voice_call.exposure.tunnels.kinds import NGROK_AUTHTOKEN_SECRET, TITLES
from plugins.voice_call.owner_tool import Result, apply_change, tool

#: How long the chat waits for a new tunnel's address before answering (it keeps trying after).
FIRST_ADDRESS_WAIT = 40.0


async def expose_gateway(
    ctx: RunContext[ToolContext],
    tunnel: Literal["cloudflare", "ngrok", "tailscale", "none"],
    ngrok_authtoken: str | None = None,
) -> Result:
    """Make the gateway reachable from the internet through a tunnel it runs (its address becomes the
    public URL), or stop the tunnel ("none": the owner's own reverse proxy and public URL).

    Args:
        tunnel: cloudflare (a Cloudflare quick tunnel; needs `cloudflared`), ngrok (needs an authtoken),
            tailscale (Tailscale Funnel; needs `tailscale`), or none.
        ngrok_authtoken: For ngrok: the secret placeholder from the owner's message, copied exactly.
    """
    host = ctx.deps.host
    changes: dict[str, Any] = {"tunnel.kind": tunnel}
    secrets: dict[str, str] = {}
    if ngrok_authtoken:
        try:
            token = host.secrets.resolve(ngrok_authtoken.strip()).strip()
        except SecretNotAvailable as exc:
            return ToolResult(False, f"Nothing was changed: {exc}.").as_dict()
        if not re.fullmatch(r"[A-Za-z0-9_\-]{20,100}", token):
            return ToolResult(False, "Nothing was changed: that does not look like an ngrok authtoken.").as_dict()
        secrets[NGROK_AUTHTOKEN_SECRET] = token
        changes["tunnel.ngrokAuthtokenRef"] = NGROK_AUTHTOKEN_SECRET
    elif tunnel == "ngrok" and not host.vault.has(NGROK_AUTHTOKEN_SECRET):
        return ToolResult(
            False, 'Nothing was changed: ngrok needs your authtoken (dashboard.ngrok.com); say "use ngrok, my authtoken is ...".'
        ).as_dict()
    elif tunnel == "ngrok":
        changes["tunnel.ngrokAuthtokenRef"] = NGROK_AUTHTOKEN_SECRET
    exposure = Exposure.of(host)
    if tunnel == "none" and exposure.keeper.state.url and voice_config(host).public_url == exposure.keeper.state.url:
        changes["publicUrl"] = None  # the tunnel's address goes with it

    def done(after: VoiceCallConfig) -> str:
        if tunnel == "none":
            return f"No tunnel runs now; carriers reach the gateway at {after.public_url or 'no public URL yet'}."
        return f"The {TITLES[tunnel]} is chosen."

    result = apply_change(ctx, changes, done, secrets=secrets)
    if not result["ok"]:
        return result
    if ngrok_authtoken:
        host.secrets.forget(ngrok_authtoken.strip())
    gateway = host.gateway
    if gateway is None or not gateway.running:
        result["message"] += " It starts with the gateway."
        return result
    exposure.quiet = True
    try:
        await exposure.follow(voice_config(host))
        if tunnel == "none":
            return result
        url = await exposure.keeper.first_address(FIRST_ADDRESS_WAIT)
        if url is None:
            problem = (exposure.keeper.state.problem or "it is still starting").rstrip(".")
            return ToolResult(False, f"The {TITLES[tunnel]} is not up yet: {problem}. It keeps trying.").as_dict()
        for _ in range(200):  # the address is handed on (public URL stored, gateway rebuilt, wiring) just after
            if voice_config(host).public_url == url and exposure.handed_on == url:
                break
            await asyncio.sleep(0.05)
    finally:
        exposure.quiet = False
    text = f"The gateway is reachable at {url} through the {TITLES[tunnel]}; that is now the public URL."
    if voice_config(host).connect_number:
        text += f" {exposure.wiring_note or ''}"
    else:
        text += ' Say "connect my number" to point your carrier number at it.'
    return ToolResult(True, text.strip()).as_dict()


def connect_number(ctx: RunContext[ToolContext]) -> Result:
    """Point the carrier's phone number at this gateway through the carrier's API (Twilio number
    voice URLs, the Telnyx Call Control application and number, a Plivo application), and keep it
    pointed there when the public URL changes."""
    host = ctx.deps.host
    before = voice_config(host)
    if not before.provider or not before.phone_number:
        return ToolResult(
            False, 'Nothing was changed: no carrier number is set up yet. Say "I want to receive phone calls" first.'
        ).as_dict()
    if not before.public_url:
        return ToolResult(
            False, 'Nothing was changed: there is no public URL yet. Say "expose the gateway with cloudflare" or give one.'
        ).as_dict()
    result = apply_change(ctx, {"connectNumber": True}, lambda c: "")
    if not result["ok"]:
        return result
    ok, note = Exposure.of(host).connect(voice_config(host))
    return ToolResult(ok, note).as_dict()


EXPOSURE_TOOLS = [tool(expose_gateway), tool(connect_number)]


# -- offline phrases ---------------------------------------------------------------------------------
