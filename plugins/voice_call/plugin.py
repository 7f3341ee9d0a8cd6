"""The voice-call plugin as the host sees it: one `Plugin` object."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.plugins import Plugin, SecretPattern, WebPanel
from plugins.voice_call.appointment_tools import APPOINTMENT_INTENTS, APPOINTMENT_TOOLS
from plugins.voice_call.call_intents import CALL_INTENTS
from plugins.voice_call.call_tools import CALL_TOOLS
from plugins.voice_call.calls import tables as _tables  # noqa: F401 - registers the tables
from plugins.voice_call.calls.records import CallRecords
from plugins.voice_call.config import VoiceCallConfig, voice_config
from plugins.voice_call.describe import describe_for_health
from plugins.voice_call.doctor import voice_call_checks
from plugins.voice_call.exposure_tools import EXPOSURE_INTENTS, EXPOSURE_TOOLS
from plugins.voice_call.gates import GATES
from plugins.voice_call.intents import INTENTS
from plugins.voice_call.knowledge_tools import KNOWLEDGE_INTENTS, KNOWLEDGE_TOOLS
from plugins.voice_call.lookup_tools import LOOKUP_INTENTS, LOOKUP_TOOLS
from plugins.voice_call.pairing_tools import PAIRING_TOOLS
from plugins.voice_call.routes import build_routes
from plugins.voice_call.runtime import VoiceCallRuntime, shutdown, startup
from plugins.voice_call.speech.models import install_all
from plugins.voice_call.tools import TOOLS

HERE = Path(__file__).resolve().parent

SECRET_PATTERNS = [
    # 32 hex characters, like our own call ids: an id of a call we know is not a secret.
    SecretPattern(
        "Twilio Auth Token",
        re.compile(r"(?<![0-9A-Za-z])([0-9a-fA-F]{32})(?![0-9A-Za-z])"),
        unless=lambda host, value: host is not None and CallRecords(host.db).get(value.lower()) is not None,
    ),
    SecretPattern("Telnyx API key", re.compile(r"\b(KEY[0-9A-Za-z_\-]{16,200})")),
    SecretPattern("ngrok authtoken", re.compile(r"(?i)ngrok.*?auth\s*token\s*(?:is|=|:)?\s*([A-Za-z0-9_\-]{20,100})")),
    SecretPattern("Plivo Auth Token", re.compile(r"(?i)plivo.*?auth\s*token\s*(?:is|=|:)?\s*([A-Za-z0-9_\-]{30,64})")),
]


def idle_tools(host: Any) -> set[str]:
    """Tools a language model need not see now: calling before a carrier is set up, pairing when
    nobody is pairing, cancelling when nothing is scheduled."""
    config = voice_config(host)
    runtime = VoiceCallRuntime.of(host)
    idle = set()
    if config.provider is None:
        idle |= {
            "realtime_call",
            "schedule_call",
            "list_scheduled_calls",
            "cancel_scheduled_call",
            "schedule_recurring_call",
            "test_call",
            "connect_number",
        }
    if config.inbound.policy != "pairing" and not runtime.pairing.pending():
        idle |= {"approve_pairing", "list_pairing_requests"}
    if not runtime.scheduler.list():
        idle.add("cancel_scheduled_call")
    if not runtime.scheduler.series.list():
        idle |= {"change_recurring_call"}
    return idle


plugin = Plugin(
    name="voice_call",
    config_model=VoiceCallConfig,
    tools=[*TOOLS, *EXPOSURE_TOOLS, *PAIRING_TOOLS, *KNOWLEDGE_TOOLS, *LOOKUP_TOOLS, *APPOINTMENT_TOOLS, *CALL_TOOLS],
    routes=build_routes,
    intents=[*EXPOSURE_INTENTS, *KNOWLEDGE_INTENTS, *LOOKUP_INTENTS, *APPOINTMENT_INTENTS, *CALL_INTENTS, *INTENTS],
    secret_patterns=SECRET_PATTERNS,
    doctor=voice_call_checks,
    describe=describe_for_health,
    migrations=HERE / "migrations",
    startup=startup,
    shutdown=shutdown,
    # Who may call and what they hear first, the owner's own number (transfers, "call me") and
    # appointment hours apply to the next call: approving a pairing code needs no restart.
    # The tunnel is followed at once (its address then rebuilds the gateway), and so is the wiring.
    live_settings=("inbound", "ownerNumber", "appointments", "tunnel", "connectNumber"),
    web_panel=WebPanel(HERE / "static", "panel.html", ("setup.js", "calls.js", "softphone.js")),
    install_models=install_all,
    gates=GATES,
    idle_tools=idle_tools,
)
