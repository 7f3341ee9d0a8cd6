"""A carrier's REST API as a small local server: records every request, answers from a handler."""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class RestCall:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)


class FakeRest:
    def __init__(self, handler: Callable[[RestCall, Request], Awaitable[Response]]) -> None:
        self.calls: list[RestCall] = []
        self._handler = handler
        app = Starlette(routes=[Route("/{path:path}", self._any, methods=["GET", "POST", "PATCH", "DELETE"])])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    async def _any(self, request: Request) -> Response:
        call = RestCall(request.method, request.url.path, dict(request.headers), await request.body())
        self.calls.append(call)
        return await self._handler(call, request)

    def start(self) -> FakeRest:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake REST server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.servers[0].sockets[0].getsockname()[1]}"
