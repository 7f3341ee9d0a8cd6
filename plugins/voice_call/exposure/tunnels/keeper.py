"""Keeps one tunnel up while the gateway runs: opens it, hands its address on, reopens it when it stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from plugins.voice_call.exposure.tunnels.tunnel import Tunnel, TunnelFailed

log = logging.getLogger(__name__)


@dataclass
class TunnelState:
    """What the doctor and the setup panel say about the tunnel."""

    kind: str = "none"
    title: str = ""
    url: str | None = None
    up: bool = False
    #: How many times it stopped by itself and was opened again.
    restarts: int = 0
    #: Why it is not up (or why it last stopped), in words.
    problem: str | None = None
    up_since: float | None = None
    #: It keeps stopping soon after it opens: reopened with growing waits, and the owner told once.
    flapping: bool = False


class TunnelKeeper:
    #: Seconds to wait before each new try after a failure (the last one repeats).
    retry_delays: tuple[float, ...] = (1, 2, 5, 10, 30, 60)
    #: A tunnel that stopped sooner than this after opening counts as a failure (its waits grow).
    stable_s: float = 30.0

    def __init__(
        self,
        on_address: Callable[[str], Awaitable[None]],
        on_problem: Callable[[str], None] = lambda problem: None,
        on_change: Callable[[TunnelState], None] = lambda state: None,
    ) -> None:
        self._on_address, self._on_problem, self._on_change = on_address, on_problem, on_change
        self.state = TunnelState()
        self._task: asyncio.Task[None] | None = None
        self._first_address: asyncio.Future[str | None] | None = None

    async def follow(self, kind: str, title: str, make: Callable[[], Tunnel], local_url: str) -> None:
        """Run the tunnel `kind` (a new one replaces the old; "none" only stops it)."""
        if kind == self.state.kind and self._task is not None and not self._task.done():
            return
        await self.stop()
        self.state = TunnelState(kind=kind, title=title)
        self._on_change(self.state)
        if kind == "none":
            return
        self._first_address = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._keep(make, local_url), name=f"tunnel-{kind}")

    async def first_address(self, timeout: float) -> str | None:
        """The address once the tunnel is first up; None when the first try failed or `timeout`
        passed (state.problem says why; it keeps trying)."""
        if self._first_address is None:
            return self.state.url
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(asyncio.shield(self._first_address), timeout)
        return None

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.state.up = False
        self._on_change(self.state)

    async def _keep(self, make: Callable[[], Tunnel], local_url: str) -> None:
        failures = 0
        while True:
            tunnel: Tunnel | None = None
            try:
                try:
                    tunnel = make()
                    url = await tunnel.open(local_url)
                except TunnelFailed as exc:
                    self._trouble(str(exc))
                    if self._first_address is not None and not self._first_address.done():
                        self._first_address.set_result(None)
                    await asyncio.sleep(self.retry_delays[min(failures, len(self.retry_delays) - 1)])
                    failures += 1
                    continue
                self.state.url, self.state.up = url, True
                if not self.state.flapping:
                    self.state.problem = None
                self.state.up_since = time.time()
                log.info("%s up at %s", self.state.title, url)
                if self._first_address is not None and not self._first_address.done():
                    self._first_address.set_result(url)
                self._on_change(self.state)
                try:
                    await self._on_address(url)
                except Exception:
                    log.exception("handing on the tunnel's address failed")
                reason = await tunnel.closed()
                self.state.up = False
                self.state.restarts += 1
                if time.time() - self.state.up_since < self.stable_s:
                    # Up for moments only (a new address each time): wait longer before each
                    # reopening, and say so once rather than once per address.
                    failures += 1
                    self.state.flapping = failures >= 2
                    what = "it keeps stopping soon after it opens" if self.state.flapping else str(reason)
                    self._trouble(f"{what}; reopening it, waiting longer each time")
                else:
                    failures = 0
                    self.state.flapping = False
                    self._trouble(f"{reason}; opening it again")
                await asyncio.sleep(self.retry_delays[min(failures, len(self.retry_delays) - 1)])
            finally:
                if tunnel is not None:
                    await tunnel.close()

    def _trouble(self, problem: str) -> None:
        changed = problem != self.state.problem
        # Said once: the same problem on every retry would fill the log (and the terminal chat).
        log.log(logging.WARNING if changed else logging.DEBUG, "%s: %s", self.state.title, problem)
        self.state.problem = problem
        self._on_change(self.state)
        if changed:
            self._on_problem(problem)
