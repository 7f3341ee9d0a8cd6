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

    def confirmed(self, text: str) -> Reply:
        """Say `text`, see the assistant ask for the owner's yes, and say yes."""
        asked = self.say(text)
        assert asked.approval, f"expected a question for the owner's yes, got: {asked.text}"
        return self.say("yes")

    def config(self):
        return self.host.config.get("voice_call")
