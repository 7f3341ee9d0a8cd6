"""The tunnels the gateway can run, and how each vendor's program is asked and answers.

- cloudflared quick tunnel: `cloudflared tunnel --no-autoupdate --url http://127.0.0.1:PORT`. It
  logs (on stderr) a box whose middle line is the address, e.g.
  `INF |  https://four-dashed-word-url.trycloudflare.com   |`; a failure to get one is logged as
  `failed to request quick Tunnel: ...` and it exits. (developers.cloudflare.com, TryCloudflare;
  the address is only in the log: cloudflare/cloudflared#1256.)
- Tailscale Funnel: `tailscale funnel http://127.0.0.1:PORT` runs in the foreground (1.52 and
  later; `--bg` would leave it configured after we stop) and prints "Available on the internet:"
  then the node's `https://<machine>.<tailnet>.ts.net/`; Ctrl+C (here SIGTERM) turns it off. When
  Funnel is not allowed for the node it prints a login.tailscale.com link to enable it and waits.
  (tailscale.com/kb/1311/tailscale-funnel)
- ngrok: the official SDK (`ngrok.forward(addr, authtoken=...)`, `listener.url()`, `ngrok.disconnect(url)`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plugins.voice_call.exposure.tunnels.tunnel import NgrokTunnel, ProcessTunnel, Tunnel, TunnelFailed

if TYPE_CHECKING:
    from assistant.plugin_api import Host
    from plugins.voice_call.config import TunnelSettings

NGROK_AUTHTOKEN_SECRET = "voice_call.ngrok.authtoken"
TITLES = {"cloudflare": "Cloudflare quick tunnel", "ngrok": "ngrok tunnel", "tailscale": "Tailscale Funnel"}


def cloudflared() -> ProcessTunnel:
    return ProcessTunnel(
        TITLES["cloudflare"],
        "cloudflared",
        lambda local: ["tunnel", "--no-autoupdate", "--url", local],
        r"https://[a-z0-9-]+\.trycloudflare\.com",
        "Install it from Cloudflare's package repository (pkg.cloudflare.com) or its GitHub releases.",
        refusals=((r"failed to request quick Tunnel: (.*)", "Cloudflare gave no quick tunnel ({0})"),),
    )


def tailscale_funnel() -> ProcessTunnel:
    return ProcessTunnel(
        TITLES["tailscale"],
        "tailscale",
        lambda local: ["funnel", local],
        r"https://[A-Za-z0-9.-]+\.ts\.net",
        "Install Tailscale (tailscale.com/download), then `tailscale up`.",
        refusals=(
            (
                r"(https://login\.tailscale\.com/f/funnel\S*)",
                "Funnel is not enabled for this machine; enable it at {0} and try again.",
            ),
        ),
    )


def make_tunnel(settings: TunnelSettings, host: Host) -> Tunnel:
    """The tunnel `settings` name, built with its secret from the vault."""
    if settings.kind == "cloudflare":
        return cloudflared()
    if settings.kind == "tailscale":
        return tailscale_funnel()
    if settings.kind == "ngrok":
        token = host.vault.get(settings.ngrok_authtoken_ref or "")
        if not token:
            raise TunnelFailed('ngrok needs an authtoken; say "use ngrok, my authtoken is ..."')
        return NgrokTunnel(token)
    raise TunnelFailed("no tunnel is chosen")
