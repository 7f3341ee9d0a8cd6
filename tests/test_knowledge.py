"""What callers may know: the owner adds facts in chat, callers' questions find them (SQLite FTS5, PostgreSQL to_tsvector),
and the offline call agent answers from them on a real call."""

from __future__ import annotations

from plugins.voice_call.calls.offline_call import offline_call_model
from plugins.voice_call.knowledge.facts import Knowledge

from .conftest import BACKENDS
from .helpers import Chat
from .voice_harness import CallLab, ask

#: On SQLite and on a real PostgreSQL (tests/postgres.py).
pytestmark = BACKENDS


def test_the_owner_tells_callers_facts_in_chat(host) -> None:
    chat = Chat(host)
    reply = chat.say("tell callers our office hours are 9 to 5, Monday to Friday").text
    assert "Callers who ask can now be told" in reply and not chat.say("hello").approval
    chat.say("tell callers that parking is free behind the building")
    knowledge = Knowledge(host.db)
    assert [f.text for f in knowledge.search("What are your office hours?")] == ["our office hours are 9 to 5, Monday to Friday"]
    assert [f.text for f in knowledge.search("Is there parking?")] == ["parking is free behind the building"]
    assert knowledge.search("Do you sell bicycles?") == []
    # Quotes, operators and stars in a question are words to look for, never FTS5 query syntax.
    assert [f.id for f in knowledge.search('office" OR NEAR(* hours) AND -')] == [1]
    listed = chat.say("what do callers know").text
    assert "#1 our office hours" in listed and "#2 parking is free" in listed
    assert "no longer" in chat.say("forget caller fact 2").text
    assert [f.id for f in knowledge.all()] == [1] and knowledge.search("parking") == []


def test_a_caller_is_answered_from_what_the_owner_shared(host) -> None:
    Knowledge(host.db).add("Our office hours are nine to five, Monday to Friday.")
    with CallLab(host, "twilio") as lab:
        lab.runtime.call_model = offline_call_model()  # no language model: the answering machine answers
        _, heard, _ = ask(lab, "What are your office hours?", greeting_timeout=30)
    heard = heard.lower()
    assert "nine to five" in heard or "9 to 5" in heard, heard
