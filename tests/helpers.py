"""Helpers for driving the agent in tests."""

from __future__ import annotations

import asyncio

from assistant.agent import AssistantAgent, Reply
from assistant.host import Host


class Chat:
    """A conversation with the assistant, as the terminal would hold it."""

    def __init__(self, host: Host, model=None) -> None:
        self.host = host
        self.agent = AssistantAgent(host, model=model)
        self.conversation_id = host.conversations.create()

    def say(self, text: str) -> Reply:
        return asyncio.run(self.agent.ask(self.conversation_id, text))

    def config(self):
        return self.host.config.get("voice_call")
