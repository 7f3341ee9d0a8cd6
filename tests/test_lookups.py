"""HTTP lookups callers may run, against a local shop API: registered in chat (the credential goes to
the vault), run with checked and URL-encoded parameters on the registered host only, within a
time-out and a size cap, saying only the allowed fields and never the credential; and a call
where a caller asks for an order's status and hears it."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.responses import JSONResponse, Response, StreamingResponse

from plugins.voice_call.calls.offline_call import offline_call_model
from plugins.voice_call.lookups import service as lookups_module
from plugins.voice_call.lookups.service import LookupFailed, Lookups

from .fakes.rest import FakeRest
from .voice_harness import CallLab, ask

TOKEN = "shop-s3cret-Tok3n-123"


class Shop:
    """A shop's order API: GET /api/orders/{id} with X-Api-Key; some answers misbehave on purpose."""

    def __init__(self) -> None:
        self.rest = FakeRest(self.handle).start()

    async def handle(self, call, request) -> Response:
        if request.headers.get("x-api-key") != TOKEN:
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        order = call.path.rsplit("/", 1)[-1]
        if order == "4815":
            return JSONResponse(
                {"status": "shipped", "eta": "Friday", "customer": {"email": "sam@example.com"}, "internal_note": "VIP"}
            )
        if order == "echo":
            return JSONResponse({"status": f"key {TOKEN}", "eta": "soon"})
        if order == "echo-upper":
            return JSONResponse({"status": f"key {TOKEN.upper()}", "eta": "soon"})
        if order == "echo-split":
            return JSONResponse({"status": " ".join(TOKEN.replace("-", "")), "eta": TOKEN[:10]})
        if order == "drip":
            return StreamingResponse(self.drip(), media_type="application/json")
        if order == "deep":
            return Response(b"[" * 30_000 + b"]" * 30_000, media_type="application/json")  # under the size cap
        if call.path.endswith("/api/orders") or call.path.endswith("/api"):
            return JSONResponse({"status": "the whole order list", "eta": "now"})
        if order == "2040":  # slow, within the lookup's limit: the caller hears a filler meanwhile
            await asyncio.sleep(2)
            return JSONResponse({"status": "packed", "eta": "Monday"})
        if order == "slow":
            await asyncio.sleep(3)
            return JSONResponse({"status": "late"})
        if order == "huge":
            return JSONResponse({"status": "x" * (200 * 1024)})
        if order == "html":
            return Response("<html>oops</html>", media_type="text/html")
        return JSONResponse({"error": "no such order"}, status_code=404)

    async def drip(self):
        """A byte every half second: each read is quick, the whole answer is not."""
        for piece in '{"status": "dripped"}':
            yield piece.encode()
            await asyncio.sleep(0.5)

    def close(self) -> None:
        self.rest.stop()


@pytest.fixture
def shop():
    shop = Shop()
    yield shop
    shop.close()


def register_in_chat(lab, shop) -> str:
    return lab.say(
        f"Let callers look up order status at {shop.rest.url}/api/orders/{{order_id}}, say status and eta, "
        f"using the X-Api-Key header, token is {TOKEN}"
    )


def test_registered_in_chat_and_run_within_bounds(host, shop, monkeypatch) -> None:
    monkeypatch.setattr(lookups_module, "TIMEOUT_S", 1.0)
    with CallLab(host, "twilio") as lab:
        reply = register_in_chat(lab, shop)
        assert "Callers can now ask for #1 order status" in reply and TOKEN not in reply, reply
        assert TOKEN not in json.dumps([m.text for m in host.conversations.shown(host.conversations.latest())])
        assert host.vault.get("voice_call.lookup.order_status") == TOKEN
        assert "X-Api-Key header from the vault" in lab.say("show caller lookups")
    lookups = Lookups(host.db, host.vault)

    def run(order: str) -> str:
        return asyncio.run(lookups.run("order status", {"order_id": order}))

    assert run("4815") == "order status: status is shipped; eta is Friday"  # not the email, not the note
    assert "s3cret" not in run("echo")  # a service that echoes its key does not get it said
    for echo in ("echo-upper", "echo-split"):  # nor in other case, split up or cut short
        assert "3" not in run(echo).split(":", 1)[1], run(echo)
    for order, problem in [
        ("slow", "did not answer in time"),
        ("huge", "too large"),
        ("html", "not answer with JSON"),
        ("0000", "found nothing"),
        ("../admin", "not a usable order_id"),
        ("1?x=2", "not a usable order_id"),
        (".", "not a usable order_id"),
        ("..", "not a usable order_id"),
        ("drip", "did not answer in time"),
        ("deep", "nested too deeply"),
    ]:
        with pytest.raises(LookupFailed, match=problem):
            run(order)
    # Values are URL-encoded into the path: a caller cannot reach another path or host.
    lookup = lookups.get("order status")
    assert lookups.url_for(lookup, {"order_id": "a b@c"}).endswith("/api/orders/a%20b%40c")
    with pytest.raises(LookupFailed, match="needs order_id"):
        asyncio.run(lookups.run("order status", {}))
    with pytest.raises(LookupFailed, match="takes no path"):
        asyncio.run(lookups.run("order status", {"order_id": "1", "path": "/etc"}))
    for url, problem in [
        ("https://{host}/api", "never its host"),
        ("ftp://shop.example.com/{id}", "https://"),
        ("https://shop.example.com/{Order-Id}", "not a parameter name"),
    ]:
        with pytest.raises(LookupFailed, match=problem):
            lookups.register("other", url, ["status"])
    assert lookups.remove(1) and host.vault.get("voice_call.lookup.order_status") is None


def asked_the_shop(host, shop, question: str) -> str:
    """What a caller hears, lower case, asking `question` of the offline call agent with the shop's lookup."""
    with CallLab(host, "twilio") as lab:
        register_in_chat(lab, shop)
        lab.runtime.call_model = offline_call_model()
        _, answer, _ = ask(lab, question)
    return answer.lower()


def test_a_caller_asks_for_an_order_status(host, shop) -> None:
    answer = asked_the_shop(host, shop, "What is the status of order 4815?")
    assert "shipped" in answer and "friday" in answer, answer
    assert [c.path for c in shop.rest.calls] == ["/api/orders/4815"]
    assert "moment" not in answer, answer  # a quick answer needs no filler


def test_a_slow_lookup_is_not_dead_air(host, shop) -> None:
    """The shop's API takes 2 s: the caller hears "One moment, please." before the status (one
    filler: the second comes only after 4 s more)."""
    answer = asked_the_shop(host, shop, "What is the status of order 2040?")
    assert "moment" in answer and "packed" in answer, answer
    assert answer.index("moment") < answer.index("packed") and "still checking" not in answer, answer
