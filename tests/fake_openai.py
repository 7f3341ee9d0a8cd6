"""A local stand-in for an OpenAI-compatible chat completions server (OpenAI, Ollama, vLLM).

It speaks the `/v1/chat/completions` wire format the official `openai` SDK expects, records every
request body, and answers from a script: each entry is either a list of tool calls or a text; or
from a function of the request body that returns such an entry (a stand-in model).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


class FakeOpenAI:
    def __init__(self, script: list[Any] | Callable[[dict[str, Any]], Any], api_key: str = "test-key") -> None:
        self.respond = script if callable(script) else None
        self.script = [] if callable(script) else list(script)
        self.requests: list[dict[str, Any]] = []
        self.api_key = api_key
        app = Starlette(routes=[Route("/v1/chat/completions", self._completions, methods=["POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    async def _completions(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse(
                {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}},
                status_code=401,
            )
        body = await request.json()
        self.requests.append(body)
        step = self.respond(body) if self.respond is not None else self.script.pop(0) if self.script else "ok"
        message: dict[str, Any] = {"role": "assistant", "content": None}
        if isinstance(step, str):
            message["content"], finish = step, "stop"
        else:
            message["tool_calls"] = [
                {"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
                for i, (name, args) in enumerate(step)
            ]
            finish = "tool_calls"
        return JSONResponse(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                # About 4 characters per token, as a tokenizer would count this request.
                "usage": {
                    "prompt_tokens": len(json.dumps(body)) // 4,
                    "completion_tokens": 5,
                    "total_tokens": len(json.dumps(body)) // 4 + 5,
                },
            }
        )

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake OpenAI server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    @property
    def base_url(self) -> str:
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"
