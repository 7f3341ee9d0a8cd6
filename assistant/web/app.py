"""Routes of the web page: login, the page itself, status, and chat over a WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from assistant.chat_secrets import mask
from assistant.doctor import run_checks
from assistant.web.auth import COOKIE, WebAuth, same_origin
from assistant.web.bodies import BadBody, small_json

if TYPE_CHECKING:
    from assistant.agent import AssistantAgent
    from assistant.host import Host

STATIC = Path(__file__).parent / "static"
MAX_MESSAGE = 8000


LOCKED_OUT = "Too many wrong tokens in the last minute; wait a minute and use the link `assistant web` prints."


class WebApp:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.auth = WebAuth(host.settings.home)
        self._agent: AssistantAgent | None = None
        self._turn_lock = asyncio.Lock()  # one turn at a time, as in the terminal

    @classmethod
    def of(cls, host: Host) -> WebApp:
        """One per process: the agent and the turn lock outlive gateway restarts."""
        web = host.extensions.get("web")
        if web is None:
            web = host.extensions["web"] = cls(host)
        return web

    def routes(self) -> list[BaseRoute]:
        panels = [
            Mount(f"/web/plugins/{name}", StaticFiles(directory=p.web_panel.folder), name=f"plugin-{name}")
            for name, p in self.host.plugins.items()
            if p.web_panel is not None
        ]
        return [
            *panels,
            Route("/", self.page, methods=["GET"]),
            Route("/login", self.login_link, methods=["GET"]),
            Route("/web/login", self.login, methods=["POST"]),
            Route("/web/logout", self.logout, methods=["POST"]),
            Route("/web/api/status", self.status, methods=["GET"]),
            WebSocketRoute("/web/ws/chat", self.chat),
            Mount("/web/static", StaticFiles(directory=STATIC), name="static"),
        ]

    def agent(self) -> AssistantAgent:
        if self._agent is None:
            from assistant.agent import AssistantAgent

            self._agent = AssistantAgent(self.host)
            self._agent.warm_up()
        return self._agent

    # -- login ------------------------------------------------------------------------------------

    def _page_html(self) -> str:
        """index.html with each plugin's panel and scripts put in."""
        html = (STATIC / "index.html").read_text()
        panels, scripts = [], []
        for name, plugin in self.host.plugins.items():
            if plugin.web_panel is None:
                continue
            panel = plugin.web_panel
            panels.append(f'<div class="plugin-panel" data-plugin="{name}">{(panel.folder / panel.html).read_text()}</div>')
            scripts += [f'<script src="/web/plugins/{name}/{script}"></script>' for script in panel.scripts]
        return html.replace("<!-- plugin panels -->", "\n".join(panels)).replace("<!-- plugin scripts -->", "\n".join(scripts))

    async def page(self, request: Request) -> Response:
        return HTMLResponse(self._page_html(), headers={"cache-control": "no-store"})

    async def login_link(self, request: Request) -> Response:
        if self.auth.locked_out():
            return PlainTextResponse(LOCKED_OUT, status_code=429)
        if self.auth.check_token(request.query_params.get("token", "")):
            return self.auth.start_session(request, RedirectResponse("/", status_code=303))
        return PlainTextResponse("That login link is not valid; run `assistant web` for a fresh one.", status_code=403)

    async def login(self, request: Request) -> Response:
        if not same_origin(request):
            return JSONResponse({"error": "cross-origin requests are refused"}, status_code=403)
        try:
            body = await small_json(request)
        except BadBody as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        if self.auth.locked_out():
            return JSONResponse({"error": LOCKED_OUT}, status_code=429)
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not self.auth.check_token(token):
            return JSONResponse({"error": "That token is not valid. `assistant web` prints the current one."}, status_code=403)
        return self.auth.start_session(request, JSONResponse({"ok": True}))

    async def logout(self, request: Request) -> Response:
        if not same_origin(request):
            return JSONResponse({"error": "cross-origin requests are refused"}, status_code=403)
        self.auth.end_session(request)
        response = JSONResponse({"ok": True})
        response.delete_cookie(COOKIE, path="/")
        return response

    # -- status ------------------------------------------------------------------------------------

    async def status(self, request: Request) -> Response:
        if not self.auth.logged_in(request):
            return JSONResponse({"error": "log in first"}, status_code=401)
        plugins = {}
        for name, plugin in self.host.plugins.items():
            plugins[name] = plugin.describe(self.host.config.get(name)) if plugin.describe else {}
        checks = await asyncio.to_thread(run_checks, self.host)
        return JSONResponse(
            {
                "model": self.agent().model_description,
                "generation": self.host.gateway.generation if self.host.gateway else None,
                "plugins": plugins,
                "checks": [{"name": c.name, "status": c.status, "detail": c.detail} for c in checks],
            }
        )

    # -- chat --------------------------------------------------------------------------------------

    async def chat(self, ws: WebSocket) -> None:
        if not self.auth.logged_in(ws):
            await ws.close(code=1008, reason="log in first")
            return
        await ws.accept()
        conversation_id = self.host.conversations.latest_or_create()
        values = self.host.secrets.known_values()
        history = [
            {"role": m.role, "text": mask(m.text, values)} for m in self.host.conversations.shown(conversation_id, limit=50)
        ]
        send_lock = asyncio.Lock()

        async def send(message: dict[str, Any]) -> None:
            async with send_lock:
                with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                    await ws.send_text(json.dumps(message))

        loop = asyncio.get_running_loop()

        def notice(text: str) -> None:
            loop.call_soon_threadsafe(lambda: loop.create_task(send({"type": "notice", "text": text})))

        await send({"type": "history", "messages": history, "model": self.agent().model_description})
        self.host.owner_listeners.append(notice)
        try:
            while True:
                try:
                    message = json.loads(await ws.receive_text())
                    text = str(message.get("text", "")).strip() if message.get("type") == "say" else ""
                except (ValueError, AttributeError):
                    text = ""
                if not text or len(text) > MAX_MESSAGE:
                    await send(
                        {"type": "error", "text": f'Send {{"type": "say", "text": ...}} with 1 to {MAX_MESSAGE} characters.'}
                    )
                    continue
                async with self._turn_lock:
                    shown, _ = self.host.secrets.capture(text)
                    await send({"type": "user", "text": mask(shown, self.host.secrets.known_values())})

                    async def delta(piece: str) -> None:
                        await send({"type": "delta", "text": piece})

                    reply = await self.agent().ask(conversation_id, shown, on_text=delta)
                    await send(
                        {
                            "type": "reply",
                            "text": reply.text,
                            "ok": reply.ok,
                            "quoted": list(reply.quoted),
                            "approval": list(reply.approval),
                        }
                    )
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            with contextlib.suppress(ValueError):
                self.host.owner_listeners.remove(notice)
