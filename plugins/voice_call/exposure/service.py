"""How the carrier reaches this gateway: the tunnel the gateway runs, and the carrier's number
pointed at the public URL. A tunnel's address becomes `publicUrl` (the gateway is rebuilt with it,
as webhook signatures are checked against it), and a connected number follows it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from typing import TYPE_CHECKING, Any

from assistant.plugin_api import Check
from plugins.voice_call.carriers import CarrierNotConfigured, number_wiring
from plugins.voice_call.carriers.wiring.base import WiringError
from plugins.voice_call.config import PLUGIN, VoiceCallConfig, voice_config
from plugins.voice_call.exposure.tunnels.keeper import TunnelKeeper, TunnelState
from plugins.voice_call.exposure.tunnels.kinds import TITLES, make_tunnel
from plugins.voice_call.process import one_per_process

if TYPE_CHECKING:
    from assistant.plugin_api import Host

log = logging.getLogger(__name__)
#: The tunnel's state as the gateway's process sees it, for `assistant doctor` in another process.
STATE_FILE = "tunnel.json"


def local_url(host: Host) -> str:
    """The gateway's own address, as a tunnel on this machine reaches it."""
    url = getattr(host.gateway, "url", "") or f"http://127.0.0.1:{host.settings.gateway_port}"
    return url.replace("://0.0.0.0:", "://127.0.0.1:").replace("://[::]:", "://[::1]:")


class Exposure:
    """The tunnel and the number's wiring; one per process (`Exposure.of`)."""

    @classmethod
    def of(cls, host: Host) -> Exposure:
        return one_per_process(host, cls, lambda: cls(host))

    def __init__(self, host: Host) -> None:
        self.host = host
        self.keeper = TunnelKeeper(self._address, self._problem, self._save_state)
        #: The latest result of following a new address with the number's wiring, in words.
        self.wiring_note: str | None = None
        #: Whether that left the number pointed at this gateway.
        self.wiring_ok = False
        #: While the owner's own request waits for the tunnel, its answer says what happened:
        #: no notices then (they would land in the middle of that turn).
        self.quiet = False
        #: The latest address fully handed on (stored, gateway rebuilt, number rewired).
        self.handed_on: str | None = None
        self._starting: asyncio.Task[None] | None = None

    def start(self, config: VoiceCallConfig) -> None:
        """At gateway start, in its event loop: run the tunnel the config names, in the background."""
        self._starting = asyncio.get_running_loop().create_task(self.follow(config), name="tunnel-start")

    async def follow(self, config: VoiceCallConfig) -> None:
        """Run the tunnel the config names (called at gateway start and when the owner picks one)."""
        kind = config.tunnel.kind
        settings = config.tunnel
        for _ in range(500):  # at gateway start, this runs before the gateway knows its address
            if kind == "none" or self.host.gateway is None or self.host.gateway.url:
                break
            await asyncio.sleep(0.02)
        await self.keeper.follow(kind, TITLES.get(kind, ""), lambda: make_tunnel(settings, self.host), local_url(self.host))

    async def stop(self) -> None:
        await self.keeper.stop()
        with contextlib.suppress(FileNotFoundError):
            (self.host.settings.home / STATE_FILE).unlink()

    def _save_state(self, state: TunnelState) -> None:
        path = self.host.settings.home / STATE_FILE
        try:
            path.write_text(json.dumps(dataclasses.asdict(state)))
        except OSError as exc:  # the doctor in another process only loses its tunnel line
            log.debug("could not save the tunnel's state: %s", exc)

    async def _address(self, url: str) -> None:
        config = voice_config(self.host)
        if config.public_url != url:
            self.host.config.update_typed(PLUGIN, VoiceCallConfig, {"publicUrl": url})
            gateway = self.host.gateway
            if gateway is not None and gateway.running:
                await gateway.restart()  # webhooks are signed over the public URL: the routes must know it
            config = voice_config(self.host)
            note = f"The gateway is now reachable at {url} through the {self.keeper.state.title}."
            if config.connect_number:
                note += " " + (await asyncio.to_thread(self.connect, config))[1]
            if not self.quiet and not self.keeper.state.flapping:  # a flapping tunnel is told once, as a problem
                self.host.tell_owner(note)
        self.handed_on = url

    def _problem(self, problem: str) -> None:
        if not self.quiet:
            self.host.tell_owner(f"The {self.keeper.state.title} is not up: {problem}")

    def connect(self, config: VoiceCallConfig) -> tuple[bool, str]:
        """Point the number at the public URL: whether it now points here, and what happened, in
        words (synchronous: REST calls)."""
        if not config.public_url:
            return False, "The number cannot be connected yet: there is no public URL (choose a tunnel or give one)."
        try:
            wiring = number_wiring(config, self.host)
            after = wiring.point_at(config.public_url)
            left = wiring.differences(config.public_url, after)
        except (CarrierNotConfigured, WiringError) as exc:
            self.wiring_ok, self.wiring_note = False, f"Connecting {config.phone_number} failed: {exc}"
            return False, self.wiring_note
        if left:
            self.wiring_note = f"{config.phone_number} was changed, but still: {'; '.join(left)}."
        else:
            self.wiring_note = f"{config.phone_number} now sends its calls to {after.calls_to}."
        self.wiring_ok = not left
        return self.wiring_ok, self.wiring_note

    def checks(self, config: VoiceCallConfig) -> list[Check]:
        """The doctor's lines about the tunnel and the number's wiring."""
        checks = [c for c in [tunnel_check(config, self.keeper.state)] if c is not None]
        if config.public_url and config.provider:
            checks.append(wiring_check(config, self.host))
        return checks

    def describe(self) -> dict[str, Any]:
        state = self.keeper.state
        return {"kind": state.kind, "title": state.title, "url": state.url, "up": state.up, "problem": state.problem}


def tunnel_check(config: VoiceCallConfig, state: TunnelState) -> Check | None:
    """The doctor's line about the chosen tunnel, from its state (None: no tunnel chosen)."""
    if config.tunnel.kind == "none":
        return None
    title = TITLES[config.tunnel.kind]
    if state.kind != config.tunnel.kind:
        return Check("voice: tunnel", "warn", f"{title} chosen; it starts with the gateway")
    if state.flapping:
        problem = f"{title} keeps stopping soon after it opens (reopened {state.restarts} time(s), waiting longer each time)"
        return Check("voice: tunnel", "fail", problem)
    if state.up:
        again = f", reopened {state.restarts} time(s)" if state.restarts else ""
        return Check("voice: tunnel", "ok", f"{title} up at {state.url}{again}")
    return Check("voice: tunnel", "fail", f"{title} is not up: {state.problem or 'starting'}")


def saved_tunnel_check(config: VoiceCallConfig, host: Host) -> Check | None:
    """The tunnel's line for a doctor outside the gateway's process, from the state it saved."""
    try:
        state = TunnelState(**json.loads((host.settings.home / STATE_FILE).read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None
    return tunnel_check(config, state)


def wiring_check(config: VoiceCallConfig, host: Host) -> Check:
    """Read the number's settings back from the carrier and compare them with the public URL."""
    assert config.public_url
    try:
        wiring = number_wiring(config, host)
        differences = wiring.differences(config.public_url)
    except CarrierNotConfigured:
        return Check("voice: number wiring", "warn", "not checked until the carrier's credentials are complete")
    except WiringError as exc:
        return Check("voice: number wiring", "fail", f"could not be read: {exc}")
    if differences:
        return Check(
            "voice: number wiring",
            "fail",
            f'{config.phone_number} does not point at this gateway: {"; ".join(differences)}. Say "connect my number" to fix it.',
        )
    return Check("voice: number wiring", "ok", f"{config.phone_number} sends its calls to this gateway")
