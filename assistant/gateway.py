"""The gateway: an embedded Starlette app, served by uvicorn inside the assistant's process.

uvicorn keeps its socket for the life of the process; a restart builds a fresh Starlette app
from the current config and swaps it in. New requests see the new app at once, while requests
and media sockets already in flight finish on the app (and config) they started with.

While it runs, the gateway writes `gateway.json` (mode 0600) to the data folder with its address
and an admin token, so `assistant gateway restart` in another terminal can reach it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import inspect
import json
import logging
import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from assistant.web.app import WebApp

if TYPE_CHECKING:
    from assistant.host import Host

log = logging.getLogger(__name__)
STATE_FILE = "gateway.json"
#: The largest WebSocket message any socket may send (see `start`).
WS_MAX_BYTES = 64 * 1024


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: Ctrl+C belongs to the chat, not to the server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Gateway:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.generation = 0
        #: Being stopped with SIGTERM: serving what comes, taking on nothing new (`drain`).
        self.draining = False
        self.config_snapshot: dict[str, dict[str, Any]] = {}
        self._app: Starlette | None = None
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._admin_token = secrets.token_urlsafe(32)
        self.url = ""

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # -- building -------------------------------------------------------------------------------

    def _build(self) -> Starlette:
        routes: list[Any] = [
            Route("/healthz", self._healthz, methods=["GET"]),
            Route("/admin/restart", self._admin_restart, methods=["POST"]),
            *WebApp.of(self.host).routes(),
        ]
        snapshot = {}
        for name, plugin in self.host.plugins.items():
            config = self.host.config.get(name)
            snapshot[name] = config.model_dump(mode="json", by_alias=True)
            if plugin.routes is not None:
                routes.extend(plugin.routes(self.host, config))
        self.config_snapshot = snapshot
        return Starlette(routes=routes)

    async def _healthz(self, request: Request) -> JSONResponse:
        """ "ok" to anyone (a carrier, a tunnel's check), or 503 "draining" so a balancer sends no
        more; the generation and each plugin's summary only with the admin token (`gateway.json`)
        or a logged-in web session."""
        if self.draining:
            return JSONResponse({"status": "draining"}, status_code=503)
        if not (self._admin(request) or WebApp.of(self.host).auth.logged_in(request)):
            return JSONResponse({"status": "ok"})
        plugins = {}
        for name, plugin in self.host.plugins.items():
            config = self.host.plugins[name].config_model.model_validate(self.config_snapshot.get(name, {}))
            plugins[name] = plugin.describe(config) if plugin.describe else {}
        return JSONResponse({"status": "ok", "generation": self.generation, "plugins": plugins})

    def _admin(self, request: Request) -> bool:
        supplied = request.headers.get("authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(supplied.encode(), self._admin_token.encode())

    async def _admin_restart(self, request: Request) -> JSONResponse:
        if not self._admin(request):
            return JSONResponse({"error": "a valid admin token is required"}, status_code=401)
        generation = await self.restart()
        return JSONResponse({"status": "restarted", "generation": generation})

    # -- ASGI entry point -----------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        app = self._app
        assert app is not None, "gateway app used before start()"
        await app(scope, receive, send)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, host: str | None = None, port: int | None = None) -> str:
        """Bind and serve. Port 0 picks a free port. Returns the base URL."""
        bind_host = host or self.host.settings.gateway_host
        bind_port = self.host.settings.gateway_port if port is None else port
        # Bind here rather than in uvicorn: uvicorn answers a busy port with sys.exit().
        sock = socket.socket(socket.AF_INET6 if ":" in bind_host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((bind_host, bind_port))
        except OSError as exc:
            sock.close()
            raise GatewayError(
                f"The gateway could not listen on {bind_host}:{bind_port} ({exc.strerror}); is another assistant "
                "running? Set ASSISTANT_GATEWAY_PORT to use another port."
            ) from None
        self.host.start_plugins()
        self._app = self._build()
        self.generation = 1
        # log_config=None: uvicorn logs through the process's one handler (assistant.logs), not its own.
        # WebSocket messages: a media frame is under 1 KiB and a chat message under 32 KiB, so 64 KiB
        # with no compression (a small compressed message can inflate to megabytes) is the most any
        # socket may send at once; a larger one closes that socket (1009) and costs no other call.
        config = uvicorn.Config(
            self,
            log_level="warning",
            log_config=None,
            lifespan="on",
            ws="websockets-sansio",
            ws_max_size=WS_MAX_BYTES,
            ws_per_message_deflate=False,
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="gateway")
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise GatewayError("The gateway stopped while starting; see the log above.")
            await asyncio.sleep(0.02)
        bound_host, bound_port = sock.getsockname()[:2]
        self.url = f"http://{bound_host}:{bound_port}"
        self._write_state()
        log.info("gateway listening on %s", self.url)
        return self.url

    async def restart(self) -> int:
        """Rebuild the app from the current config and swap it in."""
        self._app = self._build()
        self.generation += 1
        return self.generation

    def busy(self) -> int:
        """The plugins' live work (calls on the line)."""
        return sum(plugin.busy(self.host) for plugin in self.host.plugins.values() if plugin.busy is not None)

    async def drain(self, limit_s: float) -> int:
        """Stop taking on work and wait, up to `limit_s`, for the live work to end: /healthz says
        "draining" (503) so a balancer sends elsewhere, the plugins start nothing of their own; what
        still arrives is served. Returns the work still live at the end (0: it all ended)."""
        self.draining = True
        for plugin in self.host.plugins.values():
            if plugin.drain is not None:
                plugin.drain(self.host)
        deadline = asyncio.get_running_loop().time() + limit_s
        while (left := self.busy()) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.2)
        return left

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=10)
            except (TimeoutError, SystemExit):
                self._task.cancel()
        self._task = None
        for plugin in self.host.plugins.values():
            if plugin.shutdown is not None:
                done = plugin.shutdown(self.host)
                if inspect.isawaitable(done):
                    await done
        self._remove_state()

    # -- state file for other processes ---------------------------------------------------------

    def _state_path(self) -> Path:
        return self.host.settings.home / STATE_FILE

    def _write_state(self) -> None:
        path = self._state_path()
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({"pid": os.getpid(), "url": self.url, "admin_token": self._admin_token}, handle)
        os.replace(tmp, path)

    def _remove_state(self) -> None:
        try:
            state = json.loads(self._state_path().read_text())
            if state.get("pid") == os.getpid():
                self._state_path().unlink()
        except (FileNotFoundError, ValueError):
            pass


class GatewayError(RuntimeError):
    """The gateway could not start; the message says why and what to do."""


class GatewayNotRunning(RuntimeError):
    pass


def admin_headers(home: Path) -> dict[str, str]:
    """The Authorization header of the gateway running for this data folder (none when none runs):
    with it, /healthz answers in full and /admin/restart restarts."""
    try:
        state = json.loads((home / STATE_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return {"Authorization": f"Bearer {state.get('admin_token', '')}"}


def request_restart(home: Path, timeout: float = 10.0) -> dict[str, Any]:
    """Ask a gateway running in another process to restart (used by `assistant gateway restart`)."""
    import httpx

    try:
        state = json.loads((home / STATE_FILE).read_text())
    except (FileNotFoundError, ValueError):
        raise GatewayNotRunning("No gateway is running. Start one with `assistant chat` or `assistant serve`.") from None
    try:
        response = httpx.post(
            f"{state['url']}/admin/restart",
            headers={"Authorization": f"Bearer {state['admin_token']}"},
            timeout=timeout,
        )
    except httpx.TransportError:
        raise GatewayNotRunning(
            f"The gateway recorded at {state['url']} is not answering; start it with `assistant chat` or `assistant serve`."
        ) from None
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer
