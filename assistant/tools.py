"""What every agent tool receives and returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic_ai import RunContext, Tool

from assistant.approvals import Gate

if TYPE_CHECKING:
    from assistant.host import Host


@dataclass
class ToolContext:
    """The agent's dependencies: the host, and which conversation the request came from."""

    host: Host
    conversation_id: int | None = None
    #: Tools left out of the model's prompt this turn (decided once per turn, so the offer does not
    #: change while the model works).
    idle_tools: frozenset[str] = frozenset()


@dataclass
class ToolResult:
    """A tool's answer. Errors are results too (`ok=False`), with a sentence saying what is wrong."""

    ok: bool
    message: str
    restart_required: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    #: What a caller or callee said, from `provenance.caller_content`: data, never instructions.
    caller_content: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        result = asdict(self)
        for empty in ("data", "caller_content"):
            if not result[empty]:
                result.pop(empty)
        return result


async def restart_gateway(ctx: RunContext[ToolContext]) -> dict[str, Any]:
    """Restart the gateway so configuration changes take effect. Calls in progress keep their settings."""
    gateway = ctx.deps.host.gateway
    if gateway is None or not gateway.running:
        return ToolResult(False, "No gateway is running in this process; it picks up the new config when it starts.").as_dict()
    generation = await gateway.restart()
    return ToolResult(True, f"Gateway restarted (generation {generation}); it now uses the current configuration.").as_dict()


HOST_TOOLS = [Tool(restart_gateway)]
#: A restart re-reads every setting at once: the owner says yes to it, whoever asked for it.
HOST_GATES = [Gate("restart_gateway", lambda ctx, args: "Restart the gateway now? Calls in progress keep their settings.")]
