"""Request bodies read with limits: a size cap (checked while reading, not after) and JSON that is
refused, not crashed on, when it nests too deep. Every bad body is a 4xx with a sentence."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

MAX_JSON_BYTES = 4096


class BadBody(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def small_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BadBody(f"the body must be at most {limit} bytes", 413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BadBody(f"the body must be at most {limit} bytes", 413)
    return body


async def small_json(request: Request, limit: int = MAX_JSON_BYTES) -> Any:
    body = await small_body(request, limit)
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise BadBody("the body is not JSON this page sends") from None
