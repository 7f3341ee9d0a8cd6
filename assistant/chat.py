"""The terminal chat: read a line, run a turn, print the reply. The gateway runs alongside."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from typing import TextIO

from assistant.agent import AssistantAgent
from assistant.chat_secrets import mask
from assistant.gateway import Gateway, GatewayError
from assistant.host import Host

QUIT = {"/quit", "/exit", "quit", "exit"}


async def _read_line(prompt: str) -> str | None:
    """Read one line without blocking the event loop (the gateway runs on it).

    A daemon thread, not the default executor: a thread stuck in input() must not keep the
    process alive after /quit, Ctrl+C or SIGTERM.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str | None] = loop.create_future()

    def read() -> None:
        try:
            line = input(prompt) if sys.stdin.isatty() else _read_piped(prompt)
        except (EOFError, OSError, ValueError):
            line = None

        def deliver() -> None:
            if not future.done():
                future.set_result(line)

        loop.call_soon_threadsafe(deliver)

    threading.Thread(target=read, name="chat-input", daemon=True).start()
    return await future


def _read_piped(prompt: str) -> str | None:
    print(prompt, end="", flush=True)
    line = sys.stdin.readline()
    return None if line == "" else line.rstrip("\n")


async def run_chat(host: Host, *, new: bool = False, with_gateway: bool = True, out: TextIO = sys.stdout) -> None:
    agent = AssistantAgent(host)
    agent.warm_up()
    conversation_id = host.conversations.create() if new else host.conversations.latest_or_create()
    if with_gateway:
        host.gateway = Gateway(host)
        try:
            url = await host.gateway.start()
        except GatewayError as exc:
            print(f"Gateway not started: {exc}", file=out)
            host.gateway = None
        else:
            print(f"Gateway listening on {url}; web page at {url}/ (login link: `assistant web`)", file=out)
    print(f"Assistant ready ({agent.model_description}). Type /quit to leave.", file=out)
    host.owner_listeners.append(lambda text: print(f"\n[notice] {text}\nYou: ", end="", file=out, flush=True))
    previous = host.conversations.shown(conversation_id, limit=4)
    if previous:
        values = host.secrets.known_values()
        print("-- earlier in this conversation --", file=out)
        for message in previous:
            who = {"user": "You", "notice": "[notice]"}.get(message.role, "Assistant")
            print(f"{who}: {mask(message.text, values)}", file=out)
        print("--", file=out)
    # SIGTERM ends the chat like /quit, so the gateway shuts down and removes its state file.
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    assert main_task is not None
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, main_task.cancel)
    try:
        while True:
            line = await _read_line("You: ")
            if line is None or line.strip() in QUIT:
                break
            if not line.strip():
                continue
            reply = await agent.ask(conversation_id, line)
            print(f"Assistant: {reply.text}", file=out, flush=True)
            for words in reply.quoted:  # callers' words, apart from the assistant's own
                print(f"[caller words]\n{words}", file=out, flush=True)
    except asyncio.CancelledError:
        pass
    finally:
        if host.gateway is not None:
            await host.gateway.stop()
        print("Bye.", file=out)
