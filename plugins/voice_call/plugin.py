"""The voice-call plugin as the host sees it: one `Plugin` object."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.plugin_api import Plugin, SecretPattern, WebPanel
from plugins.voice_call import runtime
from plugins.voice_call.admission import phrases as admission
from plugins.voice_call.admission import tables as _admission_tables  # noqa: F401 - each import registers its tables
from plugins.voice_call.admission.owner_tools import ADMISSION_TOOLS
from plugins.voice_call.admission.pairing import Pairing
from plugins.voice_call.appointments import tables as _appointments_tables  # noqa: F401
from plugins.voice_call.appointments.owner_tools import APPOINTMENT_TOOLS
from plugins.voice_call.appointments.phrases import APPOINTMENT_INTENTS, APPOINTMENT_MEANINGS
from plugins.voice_call.cluster import tables as _cluster_tables  # noqa: F401
from plugins.voice_call.config import VoiceCallConfig, voice_config
from plugins.voice_call.describe import describe_for_health
from plugins.voice_call.doctor import voice_call_checks
from plugins.voice_call.exposure.owner_tools import EXPOSURE_TOOLS
from plugins.voice_call.exposure.phrases import EXPOSURE_INTENTS, EXPOSURE_MEANINGS
from plugins.voice_call.exposure.service import Exposure
from plugins.voice_call.gates import GATES
from plugins.voice_call.history import tables as _history_tables  # noqa: F401
from plugins.voice_call.history.records import CallRecords
from plugins.voice_call.knowledge import tables as _knowledge_tables  # noqa: F401
from plugins.voice_call.knowledge.owner_tools import KNOWLEDGE_TOOLS
from plugins.voice_call.knowledge.phrases import KNOWLEDGE_INTENTS, KNOWLEDGE_MEANINGS
from plugins.voice_call.lookups import tables as _lookups_tables  # noqa: F401
from plugins.voice_call.lookups.owner_tools import LOOKUP_TOOLS
from plugins.voice_call.lookups.phrases import LOOKUP_INTENTS, LOOKUP_MEANINGS
from plugins.voice_call.node_watch import NodeWatch
from plugins.voice_call.outbound.owner_tools import OUTBOUND_TOOLS
from plugins.voice_call.outbound.phrases import CALL_MEANINGS, PLACE_CALL
from plugins.voice_call.routes import build_routes
from plugins.voice_call.runtime import VoiceCallRuntime
from plugins.voice_call.scheduling import phrases as scheduling
from plugins.voice_call.scheduling import tables as _scheduling_tables  # noqa: F401
from plugins.voice_call.scheduling.owner_tools import SCHEDULING_TOOLS
from plugins.voice_call.scheduling.scheduler import CallScheduler
from plugins.voice_call.setup_meanings import SETUP_MEANINGS
from plugins.voice_call.setup_phrases import SETUP_FIRST, SETUP_REST
from plugins.voice_call.setup_tools import SETUP_TOOLS
from plugins.voice_call.speech.models import install_all
from plugins.voice_call.transfer.owner_tools import TRANSFER_TOOLS
from plugins.voice_call.transfer.phrases import OWNER_MEANINGS, OWNER_NUMBER

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
    scheduler = CallScheduler.of(host)
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
    if config.inbound.policy != "pairing" and not Pairing.of(host).pending():
        idle |= {"approve_pairing", "list_pairing_requests"}
    if not scheduler.list():
        idle.add("cancel_scheduled_call")
    if not scheduler.series.list():
        idle |= {"change_recurring_call"}
    return idle


def startup(host: Any) -> None:
    """Once per process, in the gateway's event loop: stale calls are closed, then the scheduler and
    the tunnel start."""
    runtime.startup(host)
    CallScheduler.of(host).start()
    NodeWatch.of(host).start()
    Exposure.of(host).start(voice_config(host))


def drain(host: Any) -> None:
    """The gateway drains: this node places no more scheduled calls (the other nodes do)."""
    CallScheduler.of(host).stop()


def busy(host: Any) -> int:
    return VoiceCallRuntime.of(host).switchboard.active_count()


async def shutdown(host: Any) -> None:
    """The gateway stopped: calls that can no longer connect are settled, the scheduler and the
    tunnel stop, transcript lines still in memory are written."""
    NodeWatch.of(host).stop()
    runtime.shutdown(host)
    CallScheduler.of(host).stop()
    await Exposure.of(host).stop()
    VoiceCallRuntime.of(host).records.flush()


#: The offline model tries these in order and takes the first that matches: a feature's phrases
#: come before the general setup phrases, and a few setup phrases before who-may-call (a greeting
#: that mentions callers is still a greeting).
INTENTS = [
    *EXPOSURE_INTENTS,
    *KNOWLEDGE_INTENTS,
    *LOOKUP_INTENTS,
    *APPOINTMENT_INTENTS,
    PLACE_CALL,
    scheduling.SCHEDULED_CALLS,
    scheduling.RECURRING_CALLS,
    OWNER_NUMBER,
    scheduling.TEST_CALL,
    admission.PAIRING,
    *SETUP_FIRST,
    admission.INBOUND_POLICY,
    *SETUP_REST,
]

#: What the owner may mean in free phrasing (read after the phrases above fail; order does not matter).
MEANINGS = [
    *SETUP_MEANINGS,
    *admission.MEANINGS,
    *EXPOSURE_MEANINGS,
    *KNOWLEDGE_MEANINGS,
    *LOOKUP_MEANINGS,
    *APPOINTMENT_MEANINGS,
    *CALL_MEANINGS,
    *scheduling.SCHEDULING_MEANINGS,
    *OWNER_MEANINGS,
]

plugin = Plugin(
    name="voice_call",
    config_model=VoiceCallConfig,
    tools=[
        *SETUP_TOOLS,
        *ADMISSION_TOOLS,
        *EXPOSURE_TOOLS,
        *KNOWLEDGE_TOOLS,
        *LOOKUP_TOOLS,
        *APPOINTMENT_TOOLS,
        *OUTBOUND_TOOLS,
        *SCHEDULING_TOOLS,
        *TRANSFER_TOOLS,
    ],
    routes=build_routes,
    intents=INTENTS,
    meanings=MEANINGS,
    owner_number=lambda host: voice_config(host).owner_number or voice_config(host).phone_number,
    secret_patterns=SECRET_PATTERNS,
    doctor=voice_call_checks,
    describe=describe_for_health,
    migrations=HERE / "migrations",
    startup=startup,
    drain=drain,
    busy=busy,
    shutdown=shutdown,
    live_settings=VoiceCallConfig.live_settings(),
    web_panel=WebPanel(HERE / "static", "panel.html", ("setup.js", "calls.js", "softphone.js")),
    install_models=install_all,
    gates=GATES,
    idle_tools=idle_tools,
)
