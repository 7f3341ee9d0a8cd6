"""The agent with a language model: tools, secrets kept from the model, OpenAI-compatible endpoints."""

from __future__ import annotations

import json

from pydantic_ai.exceptions import ModelAPIError
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.test import TestModel

from assistant.agent import choose_model
from assistant.host import Host
from assistant.settings import Settings

from .conftest import FRIEND, OWNER, TWILIO_SID, TWILIO_TOKEN, assert_nowhere_on_disk
from .fake_openai import FakeOpenAI
from .helpers import Chat


def test_model_never_sees_secrets_and_passes_placeholders(host: Host) -> None:
    seen: list[str] = []

    def model(messages, info: AgentInfo) -> ModelResponse:
        seen.append(repr(messages))
        last = messages[-1]
        if any(isinstance(p, ToolReturnPart) for p in last.parts):
            return ModelResponse(parts=[TextPart("Stored. Who may call?")])
        prompt = last.parts[-1].content
        token = prompt.split("Auth Token is ")[1].split(",")[0]
        return ModelResponse(
            parts=[
                ToolCallPart(
                    "set_voice_call_credentials",
                    {"provider": "twilio", "account_sid": TWILIO_SID, "auth_token": token, "phone_number": OWNER},
                )
            ]
        )

    chat = Chat(host, model=FunctionModel(model))
    reply = chat.say(f"Twilio Account SID is {TWILIO_SID}, Auth Token is {TWILIO_TOKEN}, my number is {OWNER}")
    assert reply.text == "Stored. Who may call?"
    assert all(TWILIO_TOKEN not in s for s in seen)
    assert "<secret:" in seen[0]
    assert host.vault.get("voice_call.twilio.auth_token") == TWILIO_TOKEN
    host.close()
    assert_nowhere_on_disk(host.settings.home, TWILIO_TOKEN)


def test_secret_echoed_by_the_model_is_masked_in_reply_and_history(host: Host) -> None:
    host.vault.set("voice_call.twilio.auth_token", TWILIO_TOKEN)

    def leaky(messages, info) -> ModelResponse:
        return ModelResponse(parts=[TextPart(f"Your token is {TWILIO_TOKEN}")])

    chat = Chat(host, model=FunctionModel(leaky))
    assert TWILIO_TOKEN not in chat.say("what is my token?").text
    assert TWILIO_TOKEN not in json.dumps([m.text for m in host.conversations.shown(chat.conversation_id)])
    host.close()
    assert_nowhere_on_disk(host.settings.home, TWILIO_TOKEN)


def test_every_tool_survives_whatever_arguments_a_model_invents(host: Host) -> None:
    chat = Chat(host, model=TestModel())
    reply = chat.say("set everything up")
    assert reply.ok
    # TestModel called every tool; whatever it stored still validates.
    host.config.get("voice_call")


def test_openai_compatible_endpoint_by_base_url(env: dict[str, str]) -> None:
    script = [[("set_inbound_policy", {"policy": "allowlist", "allow_from": [FRIEND]})], "Only your friend can call now."]
    with FakeOpenAI(script) as fake:
        env.update(ASSISTANT_LLM_BASE_URL=fake.base_url, ASSISTANT_LLM_API_KEY="test-key", ASSISTANT_LLM_MODEL="llama3")
        host = Host(Settings.from_env(env))
        chat = Chat(host)
        assert "at " + fake.base_url in chat.agent.model_description
        asked = chat.say(f"only accept calls from {FRIEND}")
        assert asked.approval == (f"Let {FRIEND} reach the assistant by phone (inbound policy allowlist)?",)
        assert host.config.get("voice_call").inbound.policy == "disabled", "nothing changes before the owner's yes"
        reply = chat.say("yes")
    assert reply.text == "Only your friend can call now."
    assert host.config.get("voice_call").inbound.policy == "allowlist"
    first = fake.requests[0]
    assert first["model"] == "llama3"
    assert any(t["function"]["name"] == "set_inbound_policy" for t in first["tools"])
    assert "answer and place phone calls" in first["messages"][0]["content"]
    host.close()


def test_model_failure_is_reported_truthfully(env: dict[str, str]) -> None:
    with FakeOpenAI([], api_key="the-right-key") as fake:
        env.update(ASSISTANT_LLM_BASE_URL=fake.base_url, ASSISTANT_LLM_API_KEY="a-wrong-key")
        host = Host(Settings.from_env(env))
        chat = Chat(host)
        reply = chat.say("hello")
    assert not reply.ok and "failed" in reply.text and "No tool ran, so nothing was changed" in reply.text
    assert [m.role for m in host.conversations.shown(chat.conversation_id)] == ["user", "assistant"]
    host.close()


def test_a_model_failing_after_a_tool_ran_says_what_ran_and_keeps_it(host: Host) -> None:
    def model(messages, info: AgentInfo) -> ModelResponse:
        if any(isinstance(p, ToolReturnPart) for p in messages[-1].parts):
            raise ModelAPIError("fake-model", "the server went away")
        return ModelResponse(parts=[ToolCallPart("set_voice_call_limits", {"max_duration_seconds": 600})])

    chat = Chat(host, model=FunctionModel(model))
    reply = chat.say("let calls last 10 minutes")
    assert not reply.ok and "the server went away" in reply.text
    assert "these already ran" in reply.text and "set_voice_call_limits" in reply.text and "600 s" in reply.text
    assert chat.config().max_duration_seconds == 600
    # The tool call and its result stay in history, so the model knows the change was made.
    history = host.conversations.load(chat.conversation_id)
    assert any(isinstance(p, ToolReturnPart) and p.tool_name == "set_voice_call_limits" for m in history for p in m.parts)
    assert isinstance(history[-1], ModelResponse) and "these already ran" in history[-1].parts[0].content


def test_model_choice(env: dict[str, str]) -> None:
    assert choose_model(Settings.from_env(env), [])[1] == "built-in offline model"
    env["OPENAI_API_KEY"] = "sk-test"
    assert choose_model(Settings.from_env(env), [])[1].startswith("OpenAI ")
    env["ASSISTANT_LLM_BASE_URL"] = "http://127.0.0.1:11434/v1"
    assert "127.0.0.1:11434" in choose_model(Settings.from_env(env), [])[1]


def test_after_results_the_model_is_offered_only_what_is_unfinished(host: Host) -> None:
    """A small model reads every tool definition on every step: after changes that all worked it
    is offered none (it writes the reply), after a refused value only that tool (to try again),
    after a read-only look the tools the owner's words point to (to act on what it read)."""
    offered: list[list[str]] = []
    plan = {
        "set the greeting to Hello there": ("set_voice_call_greeting", {"greeting": "Hello there"}),
        "let calls last up to a day": ("set_voice_call_limits", {"max_duration_seconds": 86_400}),
        "show my settings and change the greeting": ("show_voice_call_config", {}),
    }

    def model(messages, info: AgentInfo) -> ModelResponse:
        offered.append(sorted(t.name for t in info.function_tools))
        last = messages[-1]
        if any(isinstance(p, ToolReturnPart) for p in last.parts):
            return ModelResponse(parts=[TextPart("done")])
        name, args = plan[last.parts[-1].content]
        return ModelResponse(parts=[ToolCallPart(name, args)])

    chat = Chat(host, model=FunctionModel(model))
    chat.say("set the greeting to Hello there")
    assert "set_voice_call_greeting" in offered[0] and offered[1] == [], "a change that worked: nothing more offered"
    chat.say("let calls last up to a day")
    assert offered[3] == ["set_voice_call_limits"], "a refused value: only that tool, to try again"
    chat.say("show my settings and change the greeting")
    assert "set_voice_call_greeting" in offered[5], "after a look, what the owner's words point to"
    assert host.config.get("voice_call").inbound.greeting == "Hello there"
