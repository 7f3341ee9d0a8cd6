"""The web page's setup panel: the same steps as setup in chat (carrier, credentials, tunnel,
number, who may call, test call), through the same tools and the same questions for the owner's
yes (the gates), and where setup stands, in words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_ai import RunContext
from pydantic_ai.models.test import TestModel
from pydantic_ai.usage import RunUsage
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from assistant.plugin_api import BadBody, GateContext, ToolContext, WebApp, same_origin, small_json
from plugins.voice_call.carriers import SETUPS
from plugins.voice_call.config import PLUGIN, VoiceCallConfig, voice_config
from plugins.voice_call.exposure.service import Exposure
from plugins.voice_call.exposure.tunnels.kinds import TITLES
from plugins.voice_call.scheduling.phone_check import PhoneCheck
from plugins.voice_call.setup_flow import missing_credentials

if TYPE_CHECKING:
    from assistant.plugin_api import Host

#: The panel's steps and the owner's tool each one runs (nothing else can be run from here).
STEPS = {
    "provider": "voice_call_setup",
    "credentials": "set_voice_call_credentials",
    "tunnel": "expose_gateway",
    "public_url": "set_voice_call_public_url",
    "connect": "connect_number",
    "callers": "set_inbound_policy",
    "owner": "set_owner_number",
    "test_call": "test_call",
}
POLICY_WORDS = {
    "disabled": "nobody (inbound calls are refused)",
    "open": "anyone who dials the number",
    "allowlist": "only the listed numbers",
    "pairing": "new callers get a code you approve",
}


class SetupPanel:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.auth = WebApp.of(host).auth
        self.plugin = host.plugins[PLUGIN]

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/web/api/setup", self.state, methods=["GET"]),
            Route("/web/api/setup/{step}", self.run_step, methods=["POST"]),
        ]

    async def state(self, request: Request) -> Response:
        if not self.auth.logged_in(request):
            return JSONResponse({"error": "log in first"}, status_code=401)
        config = voice_config(self.host)
        return JSONResponse(
            {
                "steps": self._steps(config),
                "provider": config.provider,
                "owner_number": config.owner_number,
                "credentials": [
                    {"arg": c.arg, "label": c.label, "secret": c.secret is not None}
                    for c in (SETUPS[config.provider].credentials if config.provider else ())
                ],
            }
        )

    def _steps(self, config: VoiceCallConfig) -> list[dict[str, Any]]:
        exposure = Exposure.of(self.host)
        missing = missing_credentials(config, self.host)
        tunnel = exposure.keeper.state
        if config.tunnel.kind != "none":
            reach = (
                f"{TITLES[config.tunnel.kind]} up at {tunnel.url}"
                if tunnel.up
                else f"{TITLES[config.tunnel.kind]} not up: {tunnel.problem or 'starting'}"
            )
        else:
            reach = (
                f"your own address, {config.public_url}" if config.public_url else "not yet: choose a tunnel or give an address"
            )
        latest = PhoneCheck.of(self.host).latest
        return [
            {
                "step": "provider",
                "done": config.provider is not None,
                "text": SETUPS[config.provider].title if config.provider else "not chosen",
            },
            {
                "step": "credentials",
                "done": config.provider is not None and not missing,
                "text": f"still needs {', '.join(missing)}"
                if missing
                else ("complete" if config.provider else "choose a carrier first"),
            },
            {"step": "reach", "done": bool(config.public_url) and (config.tunnel.kind == "none" or tunnel.up), "text": reach},
            {
                "step": "connect",
                "done": config.connect_number and exposure.wiring_ok,
                "text": exposure.wiring_note or ("kept pointed here" if config.connect_number else "not connected from here yet"),
            },
            {"step": "callers", "done": config.inbound.policy != "disabled", "text": POLICY_WORDS[config.inbound.policy]},
            {
                "step": "test_call",
                "done": latest is not None and latest.state == "done" and bool(latest.heard),
                "text": latest.summary
                if latest
                else (f"calls {config.owner_number}" if config.owner_number else "your own number is not set"),
                # What the owner said on the test call: caller content, shown as a quote.
                "heard": latest.heard if latest else "",
            },
        ]

    async def run_step(self, request: Request) -> Response:
        if not self.auth.logged_in(request):
            return JSONResponse({"error": "log in first"}, status_code=401)
        if not same_origin(request):
            return JSONResponse({"error": "cross-origin requests are refused"}, status_code=403)
        name = STEPS.get(request.path_params["step"])
        if name is None:
            return JSONResponse({"error": f"no such setup step; steps: {', '.join(STEPS)}"}, status_code=404)
        try:
            body = await small_json(request)
        except BadBody as exc:
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        if not isinstance(body, dict) or not isinstance(body.get("args", {}), dict):
            return JSONResponse({"error": 'send {"args": {...}, "confirmed": false}'}, status_code=400)
        tool = next(t for t in self.plugin.tools if t.name == name)
        args = {k: v for k, v in body.get("args", {}).items() if v not in (None, "")}
        try:
            validated = tool.function_schema.validator.validate_python(args)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
            return JSONResponse({"ok": False, "message": f"Nothing was changed: {problems}."}, status_code=422)
        # The same questions the chat asks; the panel shows one and sends the step again with the owner's yes.
        for gate in self.plugin.gates:
            question = gate.ask(GateContext(self.host, owner_text=""), args) if gate.tool == name else None
            if question and body.get("confirmed") is not True:
                return JSONResponse({"confirm": question})
        ctx = RunContext(deps=ToolContext(self.host), model=TestModel(), usage=RunUsage())  # our tools call no model
        result = await tool.function_schema.call(validated, ctx)
        message = str(result.get("message", ""))
        if result.get("restart_required") and self.host.gateway is not None and self.host.gateway.running:
            await self.host.gateway.restart()  # as "restart the gateway" in chat; the owner asked for this change
            message += " The gateway now runs with it."
        # The chat keeps a record of what was set up here (tool messages never hold secrets).
        self.host.tell_owner(f"From the setup panel: {message}")
        return JSONResponse({"ok": bool(result.get("ok")), "message": message})


def setup_routes(host: Host) -> list[BaseRoute]:
    return SetupPanel(host).routes()
