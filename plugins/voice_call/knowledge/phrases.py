"""The owner's words for what callers may know, for the offline model: each mapped to a tool call."""

from __future__ import annotations

import re

from assistant.plugin_api import Ask, Built, Intent, Meaning, Said, ToolCall


def _tell(text: str) -> list[ToolCall] | None:
    match = re.search(r"\b(?:tell\s+callers|let\s+callers\s+know)\s+(?:that\s+)?(.+)$", text, re.I)
    return [("tell_callers", {"fact": match.group(1).strip()})] if match else None


def _list(text: str) -> list[ToolCall] | None:
    if re.search(
        r"\bwhat\s+(?:do|can|may)\s+callers\s+(?:know|be\s+told)\b|\b(?:show|list)\s+(?:the\s+)?caller\s+facts\b", text, re.I
    ):
        return [("list_caller_facts", {})]
    return None


def _forget(text: str) -> list[ToolCall] | None:
    match = re.search(r"\b(?:forget|remove|delete)\s+caller\s+fact\s+#?(\d+)\b", text, re.I)
    return [("forget_caller_fact", {"fact_id": int(match.group(1))})] if match else None


KNOWLEDGE_INTENTS = [
    Intent("tell_callers", _tell, "tell callers our office hours are 9 to 5"),
    Intent("list_caller_facts", _list, "what do callers know / forget caller fact 2"),
    Intent("forget_caller_fact", _forget, ""),
]


#: Who the owner's callers are, in a business's words.
WHO = r"customers?|clients?|patients?|guests?|visitors?"

#: Where the owner's lead-in ends and the fact begins: "tell them ...", "callers should know ...".
LEAD_IN = re.compile(
    r"^.*?(?:\b(?:tell|inform)\s+(?:the\s+)?(?:them|callers|people|anyone|anybody|everyone|everybody|those|whoever|" + WHO + r")"
    r"(?:\s+(?:who\s+)?(?:asks?|calls?|rings?|phones?))?"
    r"|\b(?:should|can|may|must)\s+(?:be\s+told|know|hear)|\b(?:to\s+)?be\s+told|\bknow"
    r"|\b(?:if|when(?:ever)?)\s+(?:anyone|someone|somebody|they|people|callers|asked|"
    + WHO
    + r")(?:\s+(?:asks?|calls?|rings?|phones?))?(?:\s+about\s+[^,]+,)?,?"
    r"|\bsay)\s*:?\s*(?:that\s+)?",
    re.IGNORECASE | re.S,
)


def _fact(said: Said) -> Built:
    text = said.text.strip()
    if ":" in text:
        fact = text.split(":", 1)[1]
    else:
        match = LEAD_IN.match(text)
        fact = text[match.end() :] if match else ""
    fact = fact.strip().strip("\"'“”").strip()
    if len(fact.split()) < 2:
        return Ask("What should callers be told? Write it as you want it said.")
    return [("tell_callers", {"fact": fact})]


def _fact_id(said: Said) -> Built:
    number = said.count()
    return (
        [("forget_caller_fact", {"fact_id": number})]
        if number
        else Ask('Which fact number? Say "what do callers know" to see them.')
    )


KNOWLEDGE_MEANINGS = [
    Meaning(
        "tell callers",
        "add something callers may be told",
        (
            "let whoever rings know we close early on Fridays",
            "anyone calling should be told parking is free",
            "when asked, say we open at 8",
            "tell people who phone that the shop has moved",
            "let people know we open at 10",
            "anyone who calls can be told we're closed in August",
            "tell the callers the price is 30 euros",
            "if someone asks, we're at 5 High Street",
            "tell callers: we open at 9 on weekdays",
            "people who ring should hear: the office is closed today",
            "if asked, say we are closed on Mondays",
            "when someone rings, tell them we close at 5",
            "tell anyone who asks that a haircut is 20 dollars",
            "tell callers that we open at 9",
            "when someone calls, tell them the shop is closed on Sunday",
            "callers should know the price is 20 pounds",
            "if people ask, our address is 1 Main Street",
            "you can tell people who call that delivery is free",
            "let anyone who calls know we moved to a new office",
            "inform callers that we are on holiday in August",
            "callers may hear that parking is free",
            "if people ask about parking, it's behind the shop",
        ),
        _fact,
        cues="\\b(callers?|people|anyone|whoever|someone|asks?)\\b.*\\b(tell|know|told|say|hear)|\\b(tell|know|told|say|hear)\\b.*\\b(callers?|people|anyone|whoever|asks?)\\b",
    ),
    Meaning(
        "list facts",
        "show what callers may be told",
        (
            "what do you tell callers",
            "show caller facts",
            "what will you tell callers",
            "show the facts for callers",
            "which facts do callers get",
            "what do people hear when they ask",
            "list what callers know",
            "what can you tell people who call",
            "caller facts?",
        ),
        lambda said: [("list_caller_facts", {})],
        # A question about what callers hear, not something for them to hear.
        cues="^\\s*(?:what|which|show|list)\\b[^.:]*\\??\\s*$",
    ),
    Meaning(
        "forget fact",
        "stop telling callers one fact",
        (
            "forget fact 2",
            "remove caller fact number 1",
            "don't tell callers fact 3 anymore",
            "drop the second fact",
            "fact 5 is wrong now, delete it",
        ),
        _fact_id,
        cues=r"\b(?:forget|remove|delete|drop|go|wrong|out\s+of\s+date)\b",
    ),
]
