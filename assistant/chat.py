"""The terminal chat: read a line, run a turn, print the reply. The gateway runs alongside."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from assistant.agent import AssistantAgent
from assistant.chat_secrets import mask
from assistant.gateway import Gateway
from assistant.host import Host

QUIT = {"/quit", "/exit", "quit", "exit"}


async def _read_line(prompt: str) -> str | None:
    def read() -> str | None:
        try:
            return input(prompt) if sys.stdin.isatty() else _read_piped(prompt)
        except EOFError:
            return None

    return await asyncio.to_thread(read)


def _read_piped(prompt: str) -> str | None:
    print(prompt, end="", flush=True)
    line = sys.stdin.readline()
    return None if line == "" else line.rstrip("\n")


async def run_chat(host: Host, *, new: bool = False, with_gateway: bool = True, out: TextIO = sys.stdout) -> None:
    agent = AssistantAgent(host)
    conversation_id = host.conversations.create() if new else host.conversations.latest_or_create()
    if with_gateway:
        host.gateway = Gateway(host)
        try:
            url = await host.gateway.start()
        except (RuntimeError, OSError, SystemExit) as exc:
            print(f"Gateway not started: {exc}", file=out)
            host.gateway = None
        else:
            print(f"Gateway listening on {url}", file=out)
    print(f"Assistant ready ({agent.model_description}). Type /quit to leave.", file=out)
    previous = host.conversations.shown(conversation_id, limit=4)
    if previous:
        values = host.secrets.known_values()
        print("-- earlier in this conversation --", file=out)
        for message in previous:
            who = "You" if message.role == "user" else "Assistant"
            print(f"{who}: {mask(message.text, values)}", file=out)
        print("--", file=out)
    try:
        while True:
            line = await _read_line("You: ")
            if line is None or line.strip() in QUIT:
                break
            if not line.strip():
                continue
            reply = await agent.ask(conversation_id, line)
            print(f"Assistant: {reply.text}", file=out, flush=True)
    finally:
        if host.gateway is not None:
            await host.gateway.stop()
        print("Bye.", file=out)
