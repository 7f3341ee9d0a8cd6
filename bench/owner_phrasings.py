"""Owner requests in people's own words, with what each should do: the data `bench/agent_eval.py
--phrasings` scores the offline understanding on.

Written to be varied (terse, chatty, typos, numbers in words, several requests in one message),
not to match our rules. Split by position: even rows are the tuning part (look at their failures,
add example phrasings, fix slot readers), odd rows are held out and only ever scored. Changing a
held-out row to make it pass defeats the point; add a new row instead.

Each row: the text, and what should happen:
- a list of (tool, arguments) the reply should call: every listed argument must match (a `Has`
  value: the argument contains these words), other arguments are free;
- ASK: nothing can be done without a value the owner did not give; the reply must ask for it;
- NOTHING: no tool that changes anything (small talk, questions about us).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Has:
    """An argument that must contain each of these words (case-insensitive)."""

    words: tuple[str, ...]

    def __init__(self, *words: str) -> None:
        object.__setattr__(self, "words", words)


ASK = "ask"
NOTHING = "nothing"

N1 = "+15559876543"
N2 = "+15551112222"
N3 = "+15553334444"
MOBILE = "+15550004321"

Expected = list[tuple[str, dict[str, Any]]] | str
OPEN: Expected = [("set_inbound_policy", {"policy": "open"})]
DISABLED: Expected = [("set_inbound_policy", {"policy": "disabled"})]
PAIRING: Expected = [("set_inbound_policy", {"policy": "pairing"})]


def only(*numbers: str) -> Expected:
    return [("set_inbound_policy", {"policy": "allowlist", "allow_from": list(numbers)})]


def add(*numbers: str) -> Expected:
    return [("update_allowlist", {"add": list(numbers)})]


def remove(*numbers: str) -> Expected:
    return [("update_allowlist", {"remove": list(numbers)})]


def limits(**args: int) -> Expected:
    return [("set_voice_call_limits", args)]


def provider(name: str) -> Expected:
    return [("voice_call_setup", {"provider": name})]


def call_now(to: str, *words: str) -> Expected:
    return [("realtime_call", {"action": "initiate_call", "to": to, "message": Has(*words)})]


def later(to: str, *words: str) -> Expected:
    return [("schedule_call", {"to": to, "message": Has(*words)})]


def every(to: str, *words: str) -> Expected:
    return [("schedule_recurring_call", {"to": to, "message": Has(*words)})]


def hours(days: list[str], start: str, end: str, minutes: int | None = None) -> Expected:
    args: dict[str, Any] = {"days": days, "start": start, "end": end}
    if minutes is not None:
        args["slot_minutes"] = minutes
    return [("set_appointment_hours", args)]


WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]

OWNER_REQUESTS: list[tuple[str, Expected]] = [
    # who may call
    ("let anybody ring me", OPEN),
    ("accept calls from anyone", OPEN),
    ("anyone should be able to call me", OPEN),
    ("I don't mind who calls, let them all through", OPEN),
    ("open it up to everybody", OPEN),
    ("allow all incoming calls", OPEN),
    ("pls let evryone call", OPEN),
    ("no restrictions on who can phone in", OPEN),
    ("stop taking calls", DISABLED),
    ("turn off incoming calls for now", DISABLED),
    ("I don't want to get any calls", DISABLED),
    ("block all callers", DISABLED),
    ("nobody should be able to call me anymore", DISABLED),
    ("switch off the phone line, no calls please", DISABLED),
    ("reject every incoming call", DISABLED),
    ("disable inbound", DISABLED),
    (f"only accept calls from {N1}", only(N1)),
    (f"just {N1} may call me", only(N1)),
    (f"only my sister on {N1} should get through", only(N1)),
    ("only let (555) 987-6543 call", only(N1)),
    (f"restrict calls to {N1} and {N2}", only(N1, N2)),
    (f"add {N2} to the people who can call", add(N2)),
    (f"let {N2} call me too", add(N2)),
    ("my friend on +1 555 111 2222 can call as well", add(N2)),
    (f"also allow {N2}", add(N2)),
    ("put 555-111-2222 on the allowed list", add(N2)),
    (f"{N3} is ok to call", add(N3)),
    (f"please add {N3} to my allowlist", add(N3)),
    (f"take {N1} off the list of callers", remove(N1)),
    (f"{N1} shouldn't be able to call anymore", remove(N1)),
    (f"remove {N1} from the allowed numbers", remove(N1)),
    (f"stop accepting calls from {N1}", remove(N1)),
    ("use pairing", PAIRING),
    ("new callers should have to pair first", PAIRING),
    ("let strangers call but make me approve them with a code", PAIRING),
    ("switch to pairing mode", PAIRING),
    ("approve pairing 4821", [("approve_pairing", {"code": "4821"})]),
    ("the code they heard was 4821, let them in", [("approve_pairing", {"code": "4821"})]),
    ("ok approve 4821", [("approve_pairing", {"code": "4821"})]),
    ("who is waiting to be paired?", [("list_pairing_requests", {})]),
    ("any pairing requests?", [("list_pairing_requests", {})]),
    ("give me an invite code", [("create_invite_code", {})]),
    ("I need a code for my new cleaner so she can call", [("create_invite_code", {})]),
    ("make an invite code for a new caller", [("create_invite_code", {})]),
    ("let someone call me", ASK),
    ("add a number to the allowlist", ASK),
    # carrier and credentials
    ("switch the phone provider over to Telnyx", provider("telnyx")),
    ("I want to use Telnyx for calls", provider("telnyx")),
    ("we're on plivo", provider("plivo")),
    ("my carrier is Twilio", provider("twilio")),
    ("use twilio please", provider("twilio")),
    ("change carrier to plivo", provider("plivo")),
    ("I'd rather go with Telnyx", provider("telnyx")),
    ("move my phone service to plivo", provider("plivo")),
    ("I want to receive phone calls", [("voice_call_setup", {})]),
    ("help me set up phone calls", [("voice_call_setup", {})]),
    ("how do I get calls working?", [("voice_call_setup", {})]),
    ("I'd like you to answer my phone", [("voice_call_setup", {})]),
    ("can you pick up calls for me", [("voice_call_setup", {})]),
    ("what's left to set up?", [("check_voice_call_config", {})]),
    ("is everything set up right?", [("check_voice_call_config", {})]),
    ("check the voice call configuration", [("check_voice_call_config", {})]),
    ("run the doctor", [("check_voice_call_config", {})]),
    ("anything wrong with my phone setup?", [("check_voice_call_config", {})]),
    ("show the voice call configuration", [("show_voice_call_config", {})]),
    ("what are my call settings", [("show_voice_call_config", {})]),
    ("show me how calls are set up", [("show_voice_call_config", {})]),
    ("print the phone config", [("show_voice_call_config", {})]),
    # greeting
    ("set a greeting: Hi, this is Sam's assistant", [("set_voice_call_greeting", {"greeting": Has("Sam's assistant")})]),
    ("when you answer, say: Hello, Sam's office", [("set_voice_call_greeting", {"greeting": Has("Sam's office")})]),
    (
        "answer the phone with 'Good morning, Harbour Bikes, how can I help?'",
        [("set_voice_call_greeting", {"greeting": Has("Harbour Bikes")})],
    ),
    (
        'greet callers with "Hi, you reached Ana. I\'m her assistant."',
        [("set_voice_call_greeting", {"greeting": Has("reached Ana")})],
    ),
    (
        "the first thing you say should be: Thanks for calling Bright Dental",
        [("set_voice_call_greeting", {"greeting": Has("Bright Dental")})],
    ),
    (
        "change the greeting to Hello, this is the Miller family phone",
        [("set_voice_call_greeting", {"greeting": Has("Miller family")})],
    ),
    ("change the greeting", ASK),
    # speech, recognition, mode
    ("use Kokoro for voice call speech", [("set_voice_call_speech", {"engine": "kokoro"})]),
    ("speak with the local kokoro voice", [("set_voice_call_speech", {"engine": "kokoro"})]),
    ("let openai do the talking on calls", [("set_voice_call_speech", {"engine": "openai"})]),
    ("I want ElevenLabs voices on my calls", [("set_voice_call_speech", {"engine": "elevenlabs"})]),
    ("switch the call voice to elevenlabs", [("set_voice_call_speech", {"engine": "elevenlabs"})]),
    ("use the voice am_adam", [("set_voice_call_speech", {"voice": "am_adam"})]),
    ("talk in the bf_emma voice", [("set_voice_call_speech", {"voice": "bf_emma"})]),
    ("can you sound like af_bella", [("set_voice_call_speech", {"voice": "af_bella"})]),
    ("change the voice", ASK),
    ("use OpenAI for speech recognition", [("set_voice_call_recognition", {"engine": "openai"})]),
    ("transcribe callers with whisper on this machine", [("set_voice_call_recognition", {"engine": "local"})]),
    ("let openai listen to the callers", [("set_voice_call_recognition", {"engine": "openai"})]),
    ("do the speech to text locally", [("set_voice_call_recognition", {"engine": "local"})]),
    ("use realtime mode", [("set_voice_call_mode", {"mode": "realtime"})]),
    ("answer calls with the OpenAI realtime API", [("set_voice_call_mode", {"mode": "realtime"})]),
    ("go back to the normal voice pipeline", [("set_voice_call_mode", {"mode": "voice"})]),
    ("stop using realtime", [("set_voice_call_mode", {"mode": "voice"})]),
    # limits
    ("let calls run up to half an hour", limits(max_duration_seconds=1800)),
    ("set the max call duration to 10 minutes", limits(max_duration_seconds=600)),
    ("calls can last at most 15 minutes", limits(max_duration_seconds=900)),
    ("hang up after twenty minutes", limits(max_duration_seconds=1200)),
    ("no call longer than an hour", limits(max_duration_seconds=3600)),
    ("keep calls under 5 mins", limits(max_duration_seconds=300)),
    ("limit each call to a quarter of an hour", limits(max_duration_seconds=900)),
    ("calls should end after ninety seconds", limits(max_duration_seconds=90)),
    ("an hour and a half max per call", limits(max_duration_seconds=5400)),
    ("make calls shorter", ASK),
    ("set the silence timeout to 20 seconds", limits(silence_timeout_seconds=20)),
    ("if nobody says anything for thirty seconds, hang up", limits(silence_timeout_seconds=30)),
    ("wait a couple of minutes of silence before ending the call", limits(silence_timeout_seconds=120)),
    ("give up on silent callers after 45s", limits(silence_timeout_seconds=45)),
    ("at most 2 concurrent calls", limits(max_concurrent_calls=2)),
    ("handle three calls at once", limits(max_concurrent_calls=3)),
    ("only one call at a time please", limits(max_concurrent_calls=1)),
    ("up to 4 people can be on the line at the same time", limits(max_concurrent_calls=4)),
    ("disable streaming", [("set_voice_call_streaming", {"enabled": False})]),
    ("turn media streaming back on", [("set_voice_call_streaming", {"enabled": True})]),
    # addresses, tunnels, the number
    ("set the public URL to https://calls.example.com", [("set_voice_call_public_url", {"url": "https://calls.example.com"})]),
    (
        "my server is reachable at https://phone.mydomain.net",
        [("set_voice_call_public_url", {"url": "https://phone.mydomain.net"})],
    ),
    (
        "the carrier should send webhooks to https://hooks.example.org",
        [("set_voice_call_public_url", {"url": "https://hooks.example.org"})],
    ),
    ("expose the gateway with cloudflare", [("expose_gateway", {"tunnel": "cloudflare"})]),
    ("make me reachable from the internet with a cloudflare tunnel", [("expose_gateway", {"tunnel": "cloudflare"})]),
    ("use tailscale funnel", [("expose_gateway", {"tunnel": "tailscale"})]),
    ("put it on the internet through tailscale", [("expose_gateway", {"tunnel": "tailscale"})]),
    ("stop the tunnel", [("expose_gateway", {"tunnel": "none"})]),
    ("close the cloudflare tunnel", [("expose_gateway", {"tunnel": "none"})]),
    ("connect my number", [("connect_number", {})]),
    ("point my twilio number at you", [("connect_number", {})]),
    ("hook the phone number up to this box", [("connect_number", {})]),
    ("make my number ring here", [("connect_number", {})]),
    ("restart the gateway", [("restart_gateway", {})]),
    ("reboot the phone server", [("restart_gateway", {})]),
    ("apply the changes now", [("restart_gateway", {})]),
    ("restart so the new settings take effect", [("restart_gateway", {})]),
    # the owner's own number, transfers
    (f"my own number is {MOBILE}", [("set_owner_number", {"number": MOBILE})]),
    (f"you can reach me on {MOBILE}", [("set_owner_number", {"number": MOBILE})]),
    ("my mobile is (555) 000-4321", [("set_owner_number", {"number": MOBILE})]),
    (f"if someone needs me, put them through to {MOBILE}", [("set_owner_number", {"number": MOBILE})]),
    ("If someone asks for me, put them through to my mobile", ASK),
    (f"forward callers who want me to {MOBILE}", [("set_owner_number", {"number": MOBILE})]),
    (f"I'm on {MOBILE} if you need me", [("set_owner_number", {"number": MOBILE})]),
    # what callers may be told
    (
        "When people ring, tell them we're open Monday to Friday from 8 until 6",
        [("tell_callers", {"fact": Has("open", "Monday", "Friday")})],
    ),
    ("Tell callers: a basic bike service costs 45 pounds", [("tell_callers", {"fact": Has("45 pounds")})]),
    ("let callers know we're closed on bank holidays", [("tell_callers", {"fact": Has("closed", "bank holidays")})]),
    ("if anyone asks, the workshop is at 42 Harbour Street", [("tell_callers", {"fact": Has("42 Harbour Street")})]),
    ("callers can be told that parking is behind the building", [("tell_callers", {"fact": Has("parking")})]),
    ("people who call should know we don't do weekend repairs", [("tell_callers", {"fact": Has("weekend repairs")})]),
    ("you can tell anyone who asks that a puncture repair is 12 pounds", [("tell_callers", {"fact": Has("12 pounds")})]),
    ("what do callers know?", [("list_caller_facts", {})]),
    ("what can you tell people who call?", [("list_caller_facts", {})]),
    ("list the caller facts", [("list_caller_facts", {})]),
    ("forget caller fact 2", [("forget_caller_fact", {"fact_id": 2})]),
    ("stop telling callers fact number 3", [("forget_caller_fact", {"fact_id": 3})]),
    ("delete fact 1", [("forget_caller_fact", {"fact_id": 1})]),
    # appointments
    (
        "Clients can book appointments with me Monday to Friday between 9 and 5, half an hour each",
        hours(WEEKDAYS, "09:00", "17:00", 30),
    ),
    ("I take appointments weekdays from 9 to 5, 30 minutes", hours(WEEKDAYS, "09:00", "17:00", 30)),
    ("people can book me on tuesdays and thursdays 10am-2pm, one hour slots", hours(["TU", "TH"], "10:00", "14:00", 60)),
    (
        "open bookings every day from 8 to 12, 15 minute slots",
        hours(["MO", "TU", "WE", "TH", "FR", "SA", "SU"], "08:00", "12:00", 15),
    ),
    ("appointments on saturdays between 10 and 1, forty five minutes each", hours(["SA"], "10:00", "13:00", 45)),
    ("let callers book a slot with me weekdays 2pm to 6pm, 20 min each", hours(WEEKDAYS, "14:00", "18:00", 20)),
    ("no more appointments", [("set_appointment_hours", {"days": []})]),
    ("stop taking bookings", [("set_appointment_hours", {"days": []})]),
    ("let people book appointments", ASK),
    ("what appointments do I have?", [("list_appointments", {})]),
    ("who's booked in?", [("list_appointments", {})]),
    ("show my bookings", [("list_appointments", {})]),
    ("cancel appointment 3", [("cancel_appointment", {"appointment_id": 3})]),
    ("call off booking number 2", [("cancel_appointment", {"appointment_id": 2})]),
    # calls now
    (f"call {N1} and remind them about tomorrow's appointment", call_now(N1, "appointment")),
    (f"give {N1} a call to say the package arrived", call_now(N1, "package arrived")),
    (f"phone {N1} and ask whether they want pizza tonight", call_now(N1, "pizza")),
    (f"ring {N1} and tell them I'm running late", call_now(N1, "running late")),
    ("call 555-987-6543 and let them know the car is ready", call_now(N1, "car is ready")),
    (f"could you call {N1}, tell them dinner is at 8", call_now(N1, "dinner")),
    (f"call {N1}", ASK),
    (f"please ring {N2} to say thanks for the flowers", call_now(N2, "flowers")),
    (f"I need you to call {N2} and ask if the meeting is still on", call_now(N2, "meeting")),
    ("call me and say hello", call_now("me", "hello")),
    # calls later
    (f"at 6pm tomorrow call {N1} to remind them to bring the tent", later(N1, "tent")),
    (f"call {N1} tomorrow at 9 and remind them about the dentist", later(N1, "dentist")),
    (f"tomorrow morning at 8, phone {N2} and say the keys are under the mat", later(N2, "keys")),
    (f"on friday at noon ring {N1} to remind them about the party", later(N1, "party")),
    (f"in 2 hours call {N1} and tell them the pizza is on the way", later(N1, "pizza")),
    (f"next monday at 10 call {N3} and ask about the invoice", later(N3, "invoice")),
    (f"remind {N1} about the dentist tomorrow at 9 with a call", later(N1, "dentist")),
    ("wake me up with a call every day at 7", every("me", "wake")),
    ("call me every weekday at 8 to remind me to take my pills", every("me", "pills")),
    (f"call {N1} every sunday at 6pm to check in", every(N1, "check")),
    (f"every morning at 9 ring {N2} and remind them to water the plants", every(N2, "plants")),
    ("remind me by phone every monday at 8 to put the bins out", every("me", "bins")),
    ("what calls are scheduled?", [("list_scheduled_calls", {})]),
    ("show scheduled calls", [("list_scheduled_calls", {})]),
    ("anything planned to go out later?", [("list_scheduled_calls", {})]),
    ("cancel scheduled call 4", [("cancel_scheduled_call", {"scheduled_id": 4})]),
    ("don't make call #2 after all", [("cancel_scheduled_call", {"scheduled_id": 2})]),
    ("show recurring calls", [("list_recurring_calls", {})]),
    ("which calls repeat?", [("list_recurring_calls", {})]),
    ("pause recurring call 1", [("change_recurring_call", {"series_id": 1, "action": "pause"})]),
    ("stop the repeating call 2 for good", [("change_recurring_call", {"series_id": 2, "action": "cancel"})]),
    ("start the daily reminder 1 again", [("change_recurring_call", {"series_id": 1, "action": "resume"})]),
    ("call me to test", [("test_call", {})]),
    ("do a test call", [("test_call", {})]),
    ("ring my phone so I can check it works", [("test_call", {})]),
    ("try calling me to see if everything works", [("test_call", {})]),
    # lookups
    (
        "let callers look up order status at https://shop.example.com/api/orders/{order_id}, say status and eta",
        [("let_callers_look_up", {"url": "https://shop.example.com/api/orders/{order_id}"})],
    ),
    (
        "callers can check their order on https://api.myshop.com/orders/{order_id}",
        [("let_callers_look_up", {"url": "https://api.myshop.com/orders/{order_id}"})],
    ),
    ("what lookups can callers do?", [("list_caller_lookups", {})]),
    ("remove lookup 1", [("remove_caller_lookup", {"lookup_id": 1})]),
    # several at once
    (
        "let anybody call and set the greeting to Hi, Sam's phone",
        OPEN + [("set_voice_call_greeting", {"greeting": Has("Sam's phone")})],
    ),
    ("use telnyx, and calls can last 10 minutes max", provider("telnyx") + limits(max_duration_seconds=600)),
    (f"only {N1} may call, and hang up after 5 minutes", only(N1) + limits(max_duration_seconds=300)),
    ("use kokoro with the voice af_bella", [("set_voice_call_speech", {"engine": "kokoro", "voice": "af_bella"})]),
    # nothing to change
    ("hi, what can you do?", NOTHING),
    ("thanks!", NOTHING),
    ("how are you today", NOTHING),
    ("what's the weather like", NOTHING),
    ("ok", NOTHING),
    ("tell me a joke", NOTHING),
    ("who made you?", NOTHING),
    ("good night", NOTHING),
]

#: Written after the first round of tuning, to tune on without touching the held-out rows above.
MORE_TUNING: list[tuple[str, Expected]] = [
    ("make it so anyone at all can get through", OPEN),
    ("I'm happy to take calls from strangers", OPEN),
    ("everyone's welcome to call", OPEN),
    ("accept all callers from now on", OPEN),
    ("don't let anyone call", DISABLED),
    ("I need a break from calls, turn them off", DISABLED),
    ("no incoming calls until further notice", DISABLED),
    ("pause all inbound calls", DISABLED),
    (f"the only caller allowed is {N2}", only(N2)),
    (f"from now on only {N1} gets through", only(N1)),
    (f"nobody except {N3} may call", only(N3)),
    (f"include {N3} in the callers you accept", add(N3)),
    (f"my dad {N2} should be able to call too", add(N2)),
    (f"whitelist {N1} please", add(N1)),
    (f"unblock {N2}", add(N2)),
    (f"{N2} is no longer allowed", remove(N2)),
    (f"block {N3}", remove(N3)),
    (f"delete {N1} from my callers", remove(N1)),
    ("strangers should get a pairing code", PAIRING),
    ("pairing on", PAIRING),
    ("approve the code 7731", [("approve_pairing", {"code": "7731"})]),
    ("someone's waiting with code 7731, that's fine", [("approve_pairing", {"code": "7731"})]),
    ("make a fresh invite code", [("create_invite_code", {})]),
    ("I'm using telnyx now", provider("telnyx")),
    ("set the carrier to plivo", provider("plivo")),
    ("we switched to twilio", provider("twilio")),
    ("get my phone going", [("voice_call_setup", {})]),
    ("I'd like to start getting calls", [("voice_call_setup", {})]),
    ("check everything", [("check_voice_call_config", {})]),
    ("what's not working?", [("check_voice_call_config", {})]),
    ("show the settings", [("show_voice_call_config", {})]),
    ("what's my current config", [("show_voice_call_config", {})]),
    ('start calls with "Hi, Jo\'s phone, how can I help?"', [("set_voice_call_greeting", {"greeting": Has("Jo's phone")})]),
    ("pick up and say: Hello, Green Garage", [("set_voice_call_greeting", {"greeting": Has("Green Garage")})]),
    ("greeting should be 'Welcome to Pete's Pizza'", [("set_voice_call_greeting", {"greeting": Has("Pete's Pizza")})]),
    ("switch speech to openai", [("set_voice_call_speech", {"engine": "openai"})]),
    ("I prefer elevenlabs for the voice", [("set_voice_call_speech", {"engine": "elevenlabs"})]),
    ("go back to kokoro", [("set_voice_call_speech", {"engine": "kokoro"})]),
    ("voice am_michael please", [("set_voice_call_speech", {"voice": "am_michael"})]),
    ("use a male voice", ASK),
    ("understand callers with openai", [("set_voice_call_recognition", {"engine": "openai"})]),
    ("keep transcription on this machine", [("set_voice_call_recognition", {"engine": "local"})]),
    ("realtime please", [("set_voice_call_mode", {"mode": "realtime"})]),
    ("turn off realtime mode", [("set_voice_call_mode", {"mode": "voice"})]),
    ("calls may go on for 40 minutes", limits(max_duration_seconds=2400)),
    ("cap calls at two hours", limits(max_duration_seconds=7200)),
    ("end every call after 8 mins", limits(max_duration_seconds=480)),
    ("calls should be short, like 3 minutes tops", limits(max_duration_seconds=180)),
    ("a call can last longer", ASK),
    ("hang up if it's quiet for 10 seconds", limits(silence_timeout_seconds=10)),
    ("silence limit one minute", limits(silence_timeout_seconds=60)),
    ("take up to five calls simultaneously", limits(max_concurrent_calls=5)),
    ("just one caller at a time", limits(max_concurrent_calls=1)),
    ("the public address is https://voice.example.net", [("set_voice_call_public_url", {"url": "https://voice.example.net"})]),
    ("open a tunnel with cloudflare", [("expose_gateway", {"tunnel": "cloudflare"})]),
    ("shut the tunnel down", [("expose_gateway", {"tunnel": "none"})]),
    ("connect the phone number to the gateway", [("connect_number", {})]),
    ("route my calls here", [("connect_number", {})]),
    ("restart now", [("restart_gateway", {})]),
    ("reload the settings", [("restart_gateway", {})]),
    (f"my number is {MOBILE}, put people through to me if they ask", [("set_owner_number", {"number": MOBILE})]),
    ("transfer callers to my phone when they ask for me", ASK),
    (f"callers who want a human should go to {MOBILE}", [("set_owner_number", {"number": MOBILE})]),
    ("if people ask, we're closed on Sundays", [("tell_callers", {"fact": Has("closed on Sundays")})]),
    ("tell whoever calls that the shop moved to 3 Mill Lane", [("tell_callers", {"fact": Has("3 Mill Lane")})]),
    ("callers should know: delivery takes 3 days", [("tell_callers", {"fact": Has("delivery takes 3 days")})]),
    ("what are callers told?", [("list_caller_facts", {})]),
    ("forget the second caller fact", [("forget_caller_fact", {"fact_id": 2})]),
    ("bookings mondays 9 to 11, 30 minutes", hours(["MO"], "09:00", "11:00", 30)),
    ("clients can book weekdays 1pm to 4pm, an hour each", hours(WEEKDAYS, "13:00", "16:00", 60)),
    ("no appointments anymore", [("set_appointment_hours", {"days": []})]),
    ("any bookings this week?", [("list_appointments", {})]),
    ("cancel booking 5", [("cancel_appointment", {"appointment_id": 5})]),
    (f"ring {N2} and say the order is ready", call_now(N2, "order is ready")),
    (f"call {N1} to tell them the meeting moved to 3", call_now(N1, "meeting moved")),
    (f"phone {N3}, ask if they got my email", call_now(N3, "email")),
    (f"can you call {N2} and wish them happy birthday", call_now(N2, "birthday")),
    (f"tonight at 7 call {N1} and remind them to feed the cat", later(N1, "cat")),
    (f"tomorrow at 10 ring {N2} to say the plumber is coming", later(N2, "plumber")),
    (f"call {N3} on monday at 9 and ask about the quote", later(N3, "quote")),
    ("call me every day at 9pm to remind me to stretch", every("me", "stretch")),
    (f"every friday at 5 call {N2} to remind them about the rota", every(N2, "rota")),
    ("which calls are coming up?", [("list_scheduled_calls", {})]),
    ("cancel the scheduled call 3", [("cancel_scheduled_call", {"scheduled_id": 3})]),
    ("pause the daily reminder 2", [("change_recurring_call", {"series_id": 2, "action": "pause"})]),
    ("give me a test call", [("test_call", {})]),
    ("thank you so much", NOTHING),
    ("hello", NOTHING),
    ("what's 2 plus 2", NOTHING),
    ("you're great", NOTHING),
]

#: A third batch, chatty and terse, with typos, written before looking at how the first two fared
#: on anything but themselves; tuned on like the two above.
MORE_TUNING += [
    ("hey so i think anyone should be allowed to phone now", OPEN),
    ("no more calls for a while pls", DISABLED),
    ("could you make sure nobody gets through today", DISABLED),
    ("Accept every incoming number", OPEN),
    (f"can u let {N2} thru as well", add(N2)),
    (f"i'd like {N3} to be able to call me", add(N3)),
    (f"{N1} only, nobody else", only(N1)),
    (f"lock it down to just {N2}", only(N2)),
    (f"get rid of {N3} from the allowed callers", remove(N3)),
    (f"{N1} keeps calling, stop them", remove(N1)),
    ("new callers need my approval", PAIRING),
    ("the caller said 5512, approve it", [("approve_pairing", {"code": "5512"})]),
    ("hand me a one time invite code", [("create_invite_code", {})]),
    ("switch carrier, we're going with telnyx", provider("telnyx")),
    ("twilio is what we use", provider("twilio")),
    ("ok lets set up the phone thing", [("voice_call_setup", {})]),
    ("is my config ok?", [("check_voice_call_config", {})]),
    ("show config", [("show_voice_call_config", {})]),
    ("when u answer say 'Hiya, Bob's Garage'", [("set_voice_call_greeting", {"greeting": Has("Bob's Garage")})]),
    (
        "make the greeting: Good day, this is the Patel residence",
        [("set_voice_call_greeting", {"greeting": Has("Patel residence")})],
    ),
    ("kokoro for speech", [("set_voice_call_speech", {"engine": "kokoro"})]),
    ("switch the voice to bm_george", [("set_voice_call_speech", {"voice": "bm_george"})]),
    ("use openai to transcribe", [("set_voice_call_recognition", {"engine": "openai"})]),
    ("answer using realtime", [("set_voice_call_mode", {"mode": "realtime"})]),
    ("no realtime, use the pipeline", [("set_voice_call_mode", {"mode": "voice"})]),
    ("max call time twenty five minutes", limits(max_duration_seconds=1500)),
    ("dont let a call go over 12 min", limits(max_duration_seconds=720)),
    ("let calls last as long as an hour", limits(max_duration_seconds=3600)),
    ("hang up after a minute of silence", limits(silence_timeout_seconds=60)),
    ("two calls at the same time max", limits(max_concurrent_calls=2)),
    ("the gateway is at https://gw.example.io", [("set_voice_call_public_url", {"url": "https://gw.example.io"})]),
    ("expose me via cloudflare", [("expose_gateway", {"tunnel": "cloudflare"})]),
    ("turn the tunnel off", [("expose_gateway", {"tunnel": "none"})]),
    ("wire my number to the assistant", [("connect_number", {})]),
    ("restart pls", [("restart_gateway", {})]),
    (f"my cell is {MOBILE}", [("set_owner_number", {"number": MOBILE})]),
    (f"if they want to talk to a person send them to {MOBILE}", [("set_owner_number", {"number": MOBILE})]),
    ("tell callers the shop is shut for lunch from 1 to 2", [("tell_callers", {"fact": Has("lunch")})]),
    ("people should hear that we only take cash", [("tell_callers", {"fact": Has("cash")})]),
    ("what facts do callers get?", [("list_caller_facts", {})]),
    ("remove fact 4", [("forget_caller_fact", {"fact_id": 4})]),
    ("open bookings tuesdays 10 to 4, 45 min each", hours(["TU"], "10:00", "16:00", 45)),
    ("stop letting people book", [("set_appointment_hours", {"days": []})]),
    ("list my appointments", [("list_appointments", {})]),
    (f"give {N3} a ring and say I'll be there at 5", call_now(N3, "there at 5")),
    (f"ring {N1} now and ask if they need anything from the shop", call_now(N1, "shop")),
    (f"at 9am tomorrow phone {N2} and remind them about the vet", later(N2, "vet")),
    (f"on thursday at 4 call {N3} to say the bike is ready", later(N3, "bike")),
    ("wake me every weekday at 6:30", every("me", "wake")),
    (f"every evening at 8 call {N1} to remind them to take their tablets", every(N1, "tablets")),
    ("what's scheduled", [("list_scheduled_calls", {})]),
    ("resume recurring call 3", [("change_recurring_call", {"series_id": 3, "action": "resume"})]),
    ("test the phone by calling me", [("test_call", {})]),
    ("cheers", NOTHING),
    ("lol", NOTHING),
]

#: A fourth batch: long, chatty sentences in which the exact-phrase rules' trigger words appear in
#: other senses (where most wrong readings come from); tuned on like the others.
MORE_TUNING += [
    ("I get a lot of spam calls, so only let my partner on +15559876543 through", only(N1)),
    ("I don't want to take calls from strangers anymore, switch to pairing", PAIRING),
    (
        "can you set things up so that calls are answered with 'Hi, it's Mia's phone'",
        [("set_voice_call_greeting", {"greeting": Has("Mia's phone")})],
    ),
    ("the calls are going on way too long, cap them at 8 minutes", limits(max_duration_seconds=480)),
    ("I'd like the assistant to speak using elevenlabs from now on", [("set_voice_call_speech", {"engine": "elevenlabs"})]),
    ("when the line is silent for 15 seconds just hang up", limits(silence_timeout_seconds=15)),
    ("please accept calls from my office +15551112222 as well as the others", add(N2)),
    ("my number for transfers is +15550004321", [("set_owner_number", {"number": MOBILE})]),
    ("take calls from anybody who rings, I don't mind", OPEN),
    ("stop answering calls until monday", DISABLED),
    ("could you show me what the phone settings look like right now", [("show_voice_call_config", {})]),
    ("can you check whether the call setup is complete", [("check_voice_call_config", {})]),
    ("I'd like callers to be told that we're closed for renovation", [("tell_callers", {"fact": Has("renovation")})]),
    ("set up appointments on mondays and fridays from 9 to 1, 20 minutes each", hours(["MO", "FR"], "09:00", "13:00", 20)),
    ("please call +15553334444 and tell them their glasses are ready", call_now(N3, "glasses")),
    ("tomorrow at noon, call +15559876543 and ask how the interview went", later(N1, "interview")),
    ("I'd like a wake up call every day at 6", every("me", "wake")),
    ("switch the voice call speech to openai please", [("set_voice_call_speech", {"engine": "openai"})]),
    ("I no longer want +15551112222 to reach me", remove(N2)),
    ("from now on use the realtime model to answer calls", [("set_voice_call_mode", {"mode": "realtime"})]),
]

#: A fifth batch, written in one go on 2026-12-06 before any of it was scored, split by position like
#: the first: even rows are tuned on (with MORE_TUNING), odd rows are a second held-out part, only
#: ever counted. Other people's styles: indirect, British, third person, typos, questions.
FRESH: list[tuple[str, Expected]] = [
    ("i'm happy for anyone at all to phone in", OPEN),
    ("could you open the line to the public", OPEN),
    ("calls from unknown numbers are fine now", OPEN),
    ("let everybody through, no screening", OPEN),
    ("I need a break, no more calls today", DISABLED),
    ("shut off inbound calling", DISABLED),
    ("dont pick up any calls", DISABLED),
    ("please stop letting people ring in", DISABLED),
    (f"from now on only {N2} can ring me", only(N2)),
    (f"limit incoming calls to {N1}", only(N1)),
    (f"nobody except {N3} should be able to call", only(N3)),
    (f"only calls from {N1} or {N2} please", only(N1, N2)),
    (f"my mum is on {N2}, she can call me too", add(N2)),
    (f"whitelist {N3}", add(N3)),
    (f"{N1} is allowed to phone", add(N1)),
    ("include 555 333 4444 in the list of people who can call", add(N3)),
    (f"can you remove {N2} from the allow list", remove(N2)),
    (f"{N3} shouldn't get through any more", remove(N3)),
    (f"drop {N1} from the callers list", remove(N1)),
    ("I want to approve new callers myself", PAIRING),
    ("strangers must pair with a code first", PAIRING),
    ("the caller's code is 7731, approve it", [("approve_pairing", {"code": "7731"})]),
    ("let 7731 through", [("approve_pairing", {"code": "7731"})]),
    ("has anyone asked to be paired?", [("list_pairing_requests", {})]),
    ("create a code I can give to my nephew so he can call", [("create_invite_code", {})]),
    ("I'd like to set up phone calls", [("voice_call_setup", {})]),
    ("help me get the phone side going", [("voice_call_setup", {})]),
    ("I signed up with telnyx", provider("telnyx")),
    ("lets go with plivo", provider("plivo")),
    ("twilio is my provider", provider("twilio")),
    ("is anything missing in my setup?", [("check_voice_call_config", {})]),
    ("what are my current call settings", [("show_voice_call_config", {})]),
    (
        "when someone calls say 'Hello, Green Garden Centre, how can we help?'",
        [("set_voice_call_greeting", {"greeting": Has("Green Garden")})],
    ),
    ("pick up with: Hi, this is Leo's assistant", [("set_voice_call_greeting", {"greeting": Has("Leo's assistant")})]),
    ("new greeting: Welcome to Oak Street Vets", [("set_voice_call_greeting", {"greeting": Has("Oak Street Vets")})]),
    ("make the voice sound like am_michael", [("set_voice_call_speech", {"voice": "am_michael"})]),
    ("use openai for the speech on calls", [("set_voice_call_speech", {"engine": "openai"})]),
    ("i want kokoro to do the talking", [("set_voice_call_speech", {"engine": "kokoro"})]),
    ("use openai to transcribe callers", [("set_voice_call_recognition", {"engine": "openai"})]),
    ("answer calls with the realtime api", [("set_voice_call_mode", {"mode": "realtime"})]),
    ("switch back to voice mode please", [("set_voice_call_mode", {"mode": "voice"})]),
    ("keep calls under ten minutes", limits(max_duration_seconds=600)),
    ("a call should never run over 45 minutes", limits(max_duration_seconds=2700)),
    ("hang up after half a minute of silence", limits(silence_timeout_seconds=30)),
    ("if nobody says anything for 10 seconds, end the call", limits(silence_timeout_seconds=10)),
    ("handle up to three calls at once", limits(max_concurrent_calls=3)),
    ("only one call at a time", limits(max_concurrent_calls=1)),
    ("turn streaming off", [("set_voice_call_streaming", {"enabled": False})]),
    ("the public address is https://voice.example.net", [("set_voice_call_public_url", {"url": "https://voice.example.net"})]),
    ("expose yourself with cloudflare", [("expose_gateway", {"tunnel": "cloudflare"})]),
    ("use a tailscale funnel", [("expose_gateway", {"tunnel": "tailscale"})]),
    ("shut the tunnel down", [("expose_gateway", {"tunnel": "none"})]),
    ("hook my phone number up to this assistant", [("connect_number", {})]),
    ("restart the gateway please", [("restart_gateway", {})]),
    ("give the phone service a restart", [("restart_gateway", {})]),
    (f"you can reach me at {MOBILE}", [("set_owner_number", {"number": MOBILE})]),
    ("my cell is 555-000-4321", [("set_owner_number", {"number": MOBILE})]),
    ("let callers know we close at 5 on fridays", [("tell_callers", {"fact": Has("5", "fridays")})]),
    ("if anyone asks, the car park is free after 6", [("tell_callers", {"fact": Has("car park")})]),
    ("tell people who ring that deliveries take 3 days", [("tell_callers", {"fact": Has("3 days")})]),
    ("what facts do callers get?", [("list_caller_facts", {})]),
    ("remove caller fact 4", [("forget_caller_fact", {"fact_id": 4})]),
    ("people can book me tuesdays and thursdays 2 to 6, an hour each", hours(["TU", "TH"], "14:00", "18:00", 60)),
    ("open bookings monday to friday 10 till 4, 15 minute slots", hours(WEEKDAYS, "10:00", "16:00", 15)),
    ("no more appointments please", [("set_appointment_hours", {"days": []})]),
    ("what appointments do I have", [("list_appointments", {})]),
    ("scrap booking 5", [("cancel_appointment", {"appointment_id": 5})]),
    (f"phone {N2} and let them know the meeting moved to 3", call_now(N2, "meeting")),
    (f"call {N3} right now and say the gate is open", call_now(N3, "gate")),
    (f"can you ring {N1} for me and say happy birthday", call_now(N1, "birthday")),
    (f"tonight at 7 ring {N1} and remind them to feed the cat", later(N1, "cat")),
    (f"call {N2} on friday at 10 to confirm the booking", later(N2, "booking")),
    ("in 30 minutes call me and remind me about the oven", later("me", "oven")),
    (f"ring {N3} every sunday at 6pm to say hi from me", every(N3, "hi")),
    ("every monday at 9 call me to remind me about the bins", every("me", "bins")),
    ("show me the calls waiting to go out", [("list_scheduled_calls", {})]),
    ("call off scheduled call 4", [("cancel_scheduled_call", {"scheduled_id": 4})]),
    ("list the repeating calls", [("list_recurring_calls", {})]),
    ("pause recurring call 1", [("change_recurring_call", {"series_id": 1, "action": "pause"})]),
    ("do a test call", [("test_call", {})]),
    ("remove lookup 2", [("remove_caller_lookup", {"lookup_id": 2})]),
    ("which lookups have I set up", [("list_caller_lookups", {})]),
    ("thanks a lot", NOTHING),
    ("what's the weather like", NOTHING),
    ("good night", NOTHING),
    ("are you a robot?", NOTHING),
    ("ring someone for me", ASK),
    ("set the call length limit", ASK),
    ("remove a number from the list", ASK),
    ("use plivo, and only let +15551112222 call", provider("plivo") + only(N2)),
    ("turn on pairing and limit calls to 20 minutes", PAIRING + limits(max_duration_seconds=1200)),
]
