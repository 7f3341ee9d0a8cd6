"""The node's own loops (`cluster/`): its heartbeat, taking over what a node that is gone left
behind, and doing the owner's commands for its calls sent from other nodes."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from plugins.voice_call.cluster.commands import NOT_IN_PROGRESS, POLL_S
from plugins.voice_call.config import voice_config
from plugins.voice_call.history.ending import Ending, EndReason
from plugins.voice_call.process import one_per_process
from plugins.voice_call.runtime import VoiceCallRuntime, tell_cut_off
from plugins.voice_call.scheduling.scheduler import CallScheduler

if TYPE_CHECKING:
    from assistant.plugin_api import Host

log = logging.getLogger(__name__)


class NodeWatch:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.runtime = VoiceCallRuntime.of(host)
        self._task: asyncio.Task[None] | None = None
        self._commands: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, host: Host) -> NodeWatch:
        return one_per_process(host, cls, lambda: cls(host))

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run(), name="node-watch")
            self._commands = asyncio.get_running_loop().create_task(self.serve_commands(), name="node-commands")

    def stop(self) -> None:
        for task in (self._task, self._commands):
            if task is not None:
                task.cancel()
        self._task = self._commands = None

    async def serve_commands(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            try:
                await self.do_commands()
            except Exception:  # the store was unreachable a moment: try again
                log.exception("the owner's commands from other nodes failed")

    async def do_commands(self) -> int:
        """Do what the owner asked (on another node) of this node's calls. Returns how many."""
        commands = self.runtime.commands.waiting()
        for command in commands:
            session = self.runtime.switchboard.live(command.call_id)
            if session is None:
                result = NOT_IN_PROGRESS
            elif command.action == "end":
                self.runtime.switchboard.end(command.call_id, Ending(EndReason.OWNER_ENDED))
                result = "ended"
            else:
                await session.speak(command.text)
                result = "said"
            self.runtime.commands.done(command.id, result)
        return len(commands)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.runtime.nodes.heartbeat_every.total_seconds())
            try:
                self.check()
            except Exception:  # the store was unreachable a moment: try again at the next beat
                log.exception("the node heartbeat failed")

    def check(self) -> list[str]:
        """One beat: seen alive, and the nodes found gone taken over (each by one node). Returns those."""
        nodes, switchboard = self.runtime.nodes, self.runtime.switchboard
        nodes.heartbeat(switchboard.active_count(), self.runtime.capacity.limit(voice_config(self.host)))
        gone = nodes.claim_gone()
        for node in gone:
            cut_off = switchboard.close_left_by(node)
            undialled = CallScheduler.of(self.host).take_over(node)
            log.warning("node %s is gone: %d calls cut off, %d scheduled calls not dialled again", node, len(cut_off), undialled)
            tell_cut_off(self.host, cut_off, f"the gateway on node {node} stopped")
            if undialled:
                calls = "1 scheduled call was" if undialled == 1 else f"{undialled} scheduled calls were"
                self.host.tell_owner(
                    f"{calls} being placed by node {node} when it stopped; not dialled again (`assistant calls list` shows them)."
                )
        return gone
