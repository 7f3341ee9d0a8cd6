"""A tunnel: something that gives the local gateway a public https address.

Two kinds. A `ProcessTunnel` runs the vendor's own program (cloudflared, tailscale) and reads the
address it prints; the program's exit is the tunnel's end. `NgrokTunnel` uses ngrok's official
Python SDK (no program; it reconnects its session by itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from typing import Any

#: How long a tunnel may take to print its address (cloudflared takes a few seconds to register).
OPEN_TIMEOUT = 30.0


class TunnelFailed(RuntimeError):
    """The tunnel could not start or stopped; the message says why and what to do."""


class Tunnel(ABC):
    #: As the owner would say it, e.g. "Cloudflare quick tunnel".
    title: str

    @abstractmethod
    async def open(self, local_url: str) -> str:
        """Start forwarding the public address to `local_url`; returns the public https URL."""

    @abstractmethod
    async def closed(self) -> str:
        """Returns, with the reason, when the tunnel has stopped by itself."""

    @abstractmethod
    async def close(self) -> None:
        """Stop it (idempotent)."""


class ProcessTunnel(Tunnel):
    """A vendor program that prints the public URL on its output and forwards until it exits."""

    def __init__(
        self,
        title: str,
        program: str,
        arguments: Callable[[str], list[str]],
        url_pattern: str,
        install_hint: str,
        refusals: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.title, self.program, self._arguments = title, program, arguments
        self._url = re.compile(url_pattern)
        self._install_hint = install_hint
        #: (pattern in the program's output, what it means for the owner): fail at once with it.
        self._refusals = [(re.compile(p), meaning) for p, meaning in refusals]
        self._process: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[None] | None = None
        #: The program's last lines, for the reason when it fails.
        self.output: deque[str] = deque(maxlen=20)

    async def open(self, local_url: str) -> str:
        path = shutil.which(self.program)
        if path is None:
            raise TunnelFailed(f"`{self.program}` is not installed (not on PATH). {self._install_hint}")
        # A session of its own: Ctrl+C in the chat's terminal is the chat's, not the tunnel's.
        self._process = await asyncio.create_subprocess_exec(
            path,
            *self._arguments(local_url),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            url = await asyncio.wait_for(self._read_url(), OPEN_TIMEOUT)
        except TimeoutError:
            await self.close()
            raise TunnelFailed(
                f"{self.program} printed no public address within {OPEN_TIMEOUT:.0f} s{self._last_words()}"
            ) from None
        except TunnelFailed:
            await self.close()
            raise
        self._drain = asyncio.create_task(self._keep_reading(), name=f"{self.program}-output")
        return url

    async def _read_url(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        while True:
            raw = await self._process.stdout.readline()
            if not raw:
                code = await self._process.wait()
                raise TunnelFailed(f"{self.program} exited with status {code} before giving an address{self._last_words()}")
            line = raw.decode(errors="replace").strip()
            self.output.append(line)
            for pattern, meaning in self._refusals:
                if found := pattern.search(line):
                    raise TunnelFailed(meaning.format(*found.groups()))
            if found := self._url.search(line):
                return found.group(0).rstrip("/")

    async def _keep_reading(self) -> None:
        """Read on after the address, so the program never blocks on a full pipe."""
        assert self._process is not None and self._process.stdout is not None
        while raw := await self._process.stdout.readline():
            self.output.append(raw.decode(errors="replace").strip())

    def _last_words(self) -> str:
        said = [line for line in self.output if line][-3:]
        return (": " + " / ".join(said)) if said else ""

    async def closed(self) -> str:
        assert self._process is not None
        code = await self._process.wait()
        if self._drain is not None:
            await asyncio.gather(self._drain, return_exceptions=True)
        how = f"was killed (signal {-code})" if code < 0 else f"exited with status {code}"
        return f"{self.program} {how}"

    async def close(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        if self._drain is not None:
            self._drain.cancel()
        self._process = process  # `closed()` still answers


class NgrokTunnel(Tunnel):
    """ngrok through its official SDK (`ngrok.forward`), with the authtoken from the vault."""

    title = "ngrok tunnel"

    def __init__(self, authtoken: str, sdk: Any = None) -> None:
        self._authtoken = authtoken
        self._sdk = sdk  # tests hand in a stand-in with the SDK's shape
        self._url: str | None = None
        self._stopped = asyncio.Event()

    def _module(self) -> Any:
        if self._sdk is None:
            import ngrok

            self._sdk = ngrok
        return self._sdk

    async def open(self, local_url: str) -> str:
        sdk = self._module()
        try:
            # In a thread: outside a running event loop the SDK returns the listener itself.
            listener = await asyncio.to_thread(sdk.forward, local_url, authtoken=self._authtoken)
        except ValueError as exc:  # the SDK's errors: ("failed to connect session", "why")
            reason = ", ".join(str(part) for part in exc.args) or "no reason given"
            raise TunnelFailed(f"ngrok refused the tunnel ({reason}); check the authtoken.") from None
        self._url = str(listener.url()).rstrip("/")
        if not self._url.startswith("https://"):
            raise TunnelFailed(f"ngrok gave {self._url}, not an https address")
        return self._url

    async def closed(self) -> str:
        # The SDK keeps its session up by itself and reports no death to wait on.
        await self._stopped.wait()
        return "ngrok tunnel closed"

    async def close(self) -> None:
        url, self._url = self._url, None
        if url is not None:
            await asyncio.to_thread(self._module().disconnect, url)
        self._stopped.set()
