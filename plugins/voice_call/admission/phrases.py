"""The owner's words for who may call (the policy, the allowlist, pairing and invite codes), for
the offline model: each mapped to a tool call."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assistant.plugin_api import Ask, Built, Intent, Meaning, Said, ToolCall
from plugins.voice_call.phrasing import IS, I, first, numbers_in


def inbound_policy(text: str) -> list[ToolCall] | None:
    if re.search(
        r"\b(accept|allow|take)\b.*\bcalls?\b.*\b(anyone|anybody|everyone|everybody|all\s+callers|any\s+number)\b", text, I
    ):
        return [("set_inbound_policy", {"policy": "open"})]
    more = r"\b(also|add|too|as\s+well|in\s+addition|another|include)\b"
    if re.search(more, text, I) and re.search(r"\b(accept|allow|allowlist|take|let)\b", text, I) and numbers_in(text):
        return [("update_allowlist", {"add": numbers_in(text)})]
    if re.search(r"\b(remove|stop\s+accepting\s+calls\s+from)\b", text, I) and numbers_in(text):
        return [("update_allowlist", {"remove": numbers_in(text)})]
    # Replacing the whole list needs "only" (or "just", "nobody else"): without it, a number is added.
    only = re.search(r"\b(only|just|exclusively|nobody\s+else|no\s*one\s+else)\b", text, I)
    if re.search(r"\b(accept|allow|take)\b.*\bcalls?\s+from\b", text, I) and numbers_in(text):
        if only:
            return [("set_inbound_policy", {"policy": "allowlist", "allow_from": numbers_in(text)})]
        return [("update_allowlist", {"add": numbers_in(text)})]
    if re.search(
        # The verb on the calls themselves: "stop using realtime for calls" is about something else.
        r"\b(disable|turn\s+off|stop)\s+(?:all\s+|any\s+|the\s+|my\s+)?(?:inbound\s+|incoming\s+)?calls\b|\b(reject|block)\s+all\s+calls\b|don'?t\s+accept\s+(any\s+)?calls",
        text,
        I,
    ):
        return [("set_inbound_policy", {"policy": "disabled"})]
    if re.search(r"\b(use|enable|turn\s+on)\s+pairing\b|\bpairing\s+mode\b", text, I):
        return [("set_inbound_policy", {"policy": "pairing"})]
    policy = first(r"\bpolicy" + IS + r"(disabled|open|allowlist|pairing)\b", text)
    if policy:
        args: dict[str, Any] = {"policy": policy.lower()}
        if policy.lower() == "allowlist" and numbers_in(text):
            args["allow_from"] = numbers_in(text)
        return [("set_inbound_policy", args)]
    return None


def pairing(text: str) -> list[ToolCall] | None:
    code = first(r"\b(?:approve|accept|allow)\s+(?:the\s+)?pairing(?:\s+code)?\s*:?\s*(\d{4})\b", text)
    if code:
        return [("approve_pairing", {"code": code})]
    if re.search(r"\b(pending|waiting)\b.*\bpairing|\bpairing\s+requests\b", text, I):
        return [("list_pairing_requests", {})]
    if re.search(r"\b(?:give|make|create|new|generate)\b.*\binvite\s+code\b|\binvite\s+code\s+for\b", text, I):
        return [("create_invite_code", {})]
    return None


PAIRING = Intent("pairing", pairing, "approve pairing 4821 / give me an invite code for a new caller")
INBOUND_POLICY = Intent("inbound_policy", inbound_policy, "accept calls from anyone / only accept calls from +15559876543")


def _numbers_or_ask(said: Said, build: Callable[[list[str]], list[ToolCall]], question: str) -> Built:
    numbers = said.numbers()
    return build(numbers) if numbers else Ask(question)


def _pairing_code(said: Said) -> Built:
    code = re.search(r"\b(\d{4})\b", said.text)
    return [("approve_pairing", {"code": code.group(1)})] if code else Ask("What is the 4-digit code the caller heard?")


MEANINGS = [
    Meaning(
        "open inbound",
        "let anyone call you",
        (
            "anyone is welcome to ring",
            "I'm fine with anyone at all phoning in",
            "make it so anyone can get through",
            "I think anyone should be allowed to phone now",
            "take calls from any caller",
            "I'm fine with strangers calling",
            "make my line public",
            "open to all",
            "public line, anyone can dial in",
            "i dont care who calls",
            "let evry caller in",
            "allow calls from everybody please",
            "make the number open to the public",
            "anyone at all may call",
            "calls from strangers are fine",
            "let everyone call",
            "open it to all callers",
            "everybody may ring me",
            "allow anyone to call",
            "everyone may phone me",
            "let all callers through",
            "accept every caller",
            "I want calls from any number",
            "anybody can ring",
            "open the line to the public",
            "let the whole world call me",
            "calls from anybody are fine",
            "no limits on callers",
            "accept calls from all numbers",
            "every person may call me",
            "open up the calls",
            "set the inbound policy to open",
            "calls from numbers I don't know are fine",
        ),
        lambda said: [("set_inbound_policy", {"policy": "open"})],
        cues="\\b(any\\s*one|any\\s*body|every\\s*one|every\\s*body|every\\s+(?:person|caller|number)|all\\s+(?:callers|numbers)|strangers|public)\\b",
    ),
    Meaning(
        "disable inbound",
        "stop answering all incoming calls",
        (
            "I don't want to be called",
            "nobody should ring me",
            "make sure nobody gets through",
            "shut the phone off for now",
            "don't take any calls",
            "no calls today",
            "switch incoming calls off",
            "i dont want calls",
            "block every caller",
            "turn the phone off",
            "reject all incoming calls",
            "close the line",
            "nobody can call me now",
            "I want no calls at all",
            "stop all calls coming in",
            "turn off inbound calls",
            "don't answer any calls",
            "I don't want any phone calls",
            "refuse all calls",
            "stop answering the phone",
            "no more calls please",
            "shut off incoming calls",
            "nobody may call",
            "decline every call",
            "I'd rather nobody rang me",
            "I'd prefer not to get calls this week",
            "I don't want to be rung",
            "disable incoming calls",
            "cease accepting calls until further notice",
            "no more calling from anyone",
            "nobody should be able to reach me",
            "set the inbound policy to disabled",
            "keep the phone line shut",
            "too many calls, turn it all off",
        ),
        lambda said: [("set_inbound_policy", {"policy": "disabled"})],
        cues="\\b(no|none|nobody|off|stop|cease|block|reject|refuse|decline|pause|don'?t)\\b.*\\b(calls?|calling|callers?|incoming|inbound)\\b",
        # How long a call may go on, or a silence in it, is a call limit: "don't keep silent calls open";
        # "I don't want calls recorded" is about recording, "stop scheduled call 7" about one call.
        unlike="\\b(?:longer|minutes?|seconds?|hours?|silent|silence|quiet|at\\s+once|simultaneous\\w*|record\\w*"
        "|scheduled|planned|series|reminders?|lookups?|facts?|appointments?|bookings?)\\b",
    ),
    Meaning(
        "only these numbers",
        "let only the numbers you gave call you",
        (
            "only my mum on +15550000000 may ring",
            "just +15550000000 is allowed",
            "nobody except +15550000000",
            "limit it to +15550000000 only",
            "restrict calling to +15550000000",
            "only +15550000000 and +15550000001 may ring",
            "accept nobody but +15550000000",
            "the allowlist is just +15550000000",
            "just my wife on +15550000000",
            "only +15550000000 can call",
            "accept calls only from +15550000000",
            "just let +15550000000 through and nobody else",
            "limit callers to +15550000000",
            "the only person allowed to call is +15550000000",
            "nobody but +15550000000",
            "I only want calls from +15550000000",
            "only want +15550000000 ringing me",
            "allowlist only +15550000000",
            "only +15550000000 from now on",
        ),
        lambda said: _numbers_or_ask(
            said,
            lambda n: [("set_inbound_policy", {"policy": "allowlist", "allow_from": n})],
            "Which phone number (or numbers) may call you?",
        ),
        cues="\\bonly\\b|\\bexcept\\b|\\bnobody\\s+but\\b|\\bjust\\b|\\brestrict",
        unlike="\\b(too|as\\s+well|also|another|in\\s+addition)\\b",
    ),
    Meaning(
        "add to allowlist",
        "add a number to the callers you accept",
        (
            "let my friend +15550000000 call me",
            "+15550000000 can ring me too",
            "allow +15550000000 to reach me",
            "I want +15550000000 to be able to phone",
            "add +15550000000",
            "my brother +15550000000 may ring too",
            "let +15550000000 through as well",
            "also accept +15550000000",
            "+15550000000 should be allowed",
            "unblock +15550000000",
            "+15550000000 can phone me as well",
            "+15550000000 is allowed to call",
            "it's fine for +15550000000 to ring me",
            "allow +15550000000 as well",
            "+15550000000 may call me too",
            "add +15550000000 to my callers",
            "my mum on +15550000000 can call",
            "whitelist +15550000000",
            "put +15550000000 on the list",
            "accept calls from +15550000000 too",
            "add a number to the allowed callers",
            "let another number call me",
            "+15550000000 is allowed too",
            "and +15550000000 may call as well",
        ),
        lambda said: _numbers_or_ask(said, lambda n: [("update_allowlist", {"add": n})], "Which phone number may call you?"),
        cues="\\b(too|as\\s+well|also|add|another|include|unblock)\\b",
        unlike="\\b(only|just|exclusively|nobody\\s+else|no\\s*one\\s+else)\\b",
    ),
    Meaning(
        "remove from allowlist",
        "take a number off the callers you accept",
        (
            "+15550000000 shouldn't be able to ring",
            "take +15550000000 off my callers",
            "stop letting +15550000000 through",
            "+15550000000 is not allowed anymore",
            "take +15550000000 off",
            "+15550000000 can't call anymore",
            "no more calls from +15550000000",
            "stop +15550000000 calling me",
            "remove +15550000000",
            "remove +15550000000 from my callers",
            "+15550000000 may not call anymore",
            "block +15550000000",
            "delete +15550000000 from the allowlist",
            "don't let +15550000000 call me again",
            "drop +15550000000 from the list",
            "+15550000000 must not get through any more",
        ),
        lambda said: _numbers_or_ask(
            said, lambda n: [("update_allowlist", {"remove": n})], "Which phone number should I take off?"
        ),
        cues="\\b(remove[ds]?|off\\s+the|no\\s+longer|anymore|block(?:ed)?|delete[ds]?|drop(?:ped)?)\\b",
    ),
    Meaning(
        "pairing policy",
        "let new callers pair with a code you approve",
        (
            "strangers must pair before talking to you",
            "use approval codes for unknown numbers",
            "callers I don't know should get a code first",
            "give unknown callers a pairing code",
            "turn on pairing",
            "unknown callers have to pair with a code",
            "strangers get a code and I approve them",
            "new people must be approved by me first",
            "pairing mode please",
            "make new callers ask for approval",
            "new people should pair with a code instead",
            "can callers I don't know pair with a code",
            "unknown people should get a code to tell me",
        ),
        lambda said: [("set_inbound_policy", {"policy": "pairing"})],
        cues="\\bpair(ing)?\\b|\\bnew\\s+(?:callers?|people|numbers?)\\b",
    ),
    Meaning(
        "approve pairing",
        "approve the caller who heard a pairing code",
        (
            "approve code 1234",
            "let the caller with code 1234 in",
            "pairing code 1234 is fine",
            "accept pairing 1234",
            "yes approve 1234",
            "let 1234 through",
            "the code 1234 can come in",
            "1234 is ok, let them in",
            "the caller said 1234, approve it",
            "they read me the code 1234, it's fine",
            "the person waiting gave code 1234, let them in",
            "he read out 1234, ok him",
        ),
        _pairing_code,
        cues="\\b\\d{4}\\b|\\bapprove\\b",
    ),
    Meaning(
        "pairing requests",
        "show callers waiting for pairing",
        (
            "any pairing requests",
            "anyone waiting for a code approval",
            "show pairing requests",
            "is anyone waiting for approval",
            "pending pairings",
            "who wants to be paired",
            "is anybody waiting to pair",
            "has anyone asked to pair",
        ),
        lambda said: [("list_pairing_requests", {})],
        cues="\\b(waiting|pending|requests?|asked|wants?)\\b",
    ),
    Meaning(
        "invite code",
        "make a one-use invite code for someone new",
        (
            "invite code please",
            "code for a new caller",
            "I need a code for my new babysitter so she can call",
            "let a new person in with a code",
            "a code for someone new so they can phone me",
            "create an invite code",
            "I need a new invite code",
            "generate a code so my friend can call",
            "new caller code please",
            "a one-time code for a new person",
        ),
        lambda said: [("create_invite_code", {})],
    ),
]
