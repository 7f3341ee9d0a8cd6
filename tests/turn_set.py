"""A labelled set of caller turns for judging when a turn is over (`bench/turn_eval.py`).

Half the turns are complete as said; the other half stop mid-turn for 300 to 1,200 ms and go
on: a hesitation ("um"), a list, a sentence cut off before its object, and the hard case, a
first clause that reads complete on its own ("I need an appointment." ... "For my dog, on
Friday."). Each turn is said by one of six Kokoro voices (none is the assistant's), sent through
8 kHz mu-law as a phone line would, and every third has room noise under it (a fan's hum 30 dB
below the voice). Half of each list, one of each kind of pause in every eight rows, is held out
for scoring (`Turn.held_out`); the rest is for tuning.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from plugins.voice_call.speech.audio import ulaw_to_float

from .room_sounds import _trim, _ulaw

RATE = 8000
VOICES = ("am_adam", "af_bella", "bm_george", "bf_emma", "am_michael", "af_sarah")

#: Turns a caller says whole.
COMPLETE = (
    "Hi, I'd like to book an appointment for next Tuesday.",
    "What time do you open on Saturday?",
    "Can I speak to Sam, please?",
    "I'm calling about my order.",
    "Yes, that works for me.",
    "No, thank you.",
    "How much is a basic bike service?",
    "Could you tell me where you are located?",
    "My name is Priya Patel.",
    "The number is five five five, one two three, four five six seven.",
    "I want to cancel my booking for tomorrow.",
    "Is the shop open on bank holidays?",
    "That's all, thanks very much.",
    "Can you ask him to call me back?",
    "I'll be there around three.",
    "Do you have anything on Thursday afternoon?",
    "Sorry, could you repeat that?",
    "It's about the invoice you sent last week.",
    "Please tell her I called.",
    "Great, see you then.",
    "Hello? Is anyone there?",
    "I think I left my umbrella in your waiting room.",
    "We'd like a table for four at eight tonight.",
    "Yeah, go ahead.",
    "Is it possible to pay by card?",
    "My appointment is on Friday at ten, and I need to move it.",
    "The parcel never arrived.",
    "Can you put me through to someone in charge?",
    "What's the earliest slot you have?",
    "I'm running about fifteen minutes late.",
    "Tell him the car is ready to be picked up.",
    "Okay.",
    "Could I leave a message for the owner?",
    "Do you deliver to Harbour Street?",
    "That's too expensive for me.",
    "I'd rather come in the morning.",
    "Have you got my prescription ready?",
    "The heating in my flat has stopped working.",
    "Thanks, that's really helpful.",
    "Who am I speaking with?",
    "My order number is five one two seven.",
    "I need to reschedule my cleaning.",
    "Are you still open?",
    "It's Tom from the garage, returning your call.",
    "Is there parking near you?",
    "Can I bring my dog along?",
    "Just wanted to say thank you for yesterday.",
    "How long will it take?",
    "Can you spell that for me?",
    "Yes, please book it.",
    "I'll call back later.",
    "What's the address again?",
    "Monday at nine would be perfect.",
    "I'm not sure, let me think about it.",
    "Your website says you close at six.",
    "Could you send me a confirmation by text?",
    "Right, I've got a pen now.",
    "We spoke on the phone last week about the roof.",
    "Is Doctor Lee available today?",
    "I don't need anything else, goodbye.",
    "Can you check if my payment went through?",
    "Half past two is fine.",
    "How do I get to you from the station?",
    "Hi, it's me again.",
    "I've been waiting for forty minutes.",
    "Would Wednesday be any better?",
    "She's expecting my call.",
    "That's not what I ordered.",
    "Please don't call this number again.",
    "Is there a discount for students?",
    "All right, thank you, bye.",
    "Could you book me in with the same person as last time?",
    "My flight lands at six in the evening.",
    "What do I need to bring with me?",
    "I'd like to order two large pizzas.",
    "The lift is broken again.",
    "Can I pay when I pick it up?",
    "Do you have it in blue?",
    "He said he would call me at noon.",
    "No, the other address.",
    "Let me know when it's fixed.",
    "I'm calling on behalf of my mother.",
    "How late are you open tonight?",
    "Is it too late to change my order?",
    "My email is anna at example dot com.",
    "Sounds good.",
    "I need a plumber as soon as possible.",
    "Can I come in without an appointment?",
    "We're a party of six.",
    "Could you hold it for me until Friday?",
    "Are the tickets still available?",
    "Is the owner in today?",
    "I'd like to make a complaint.",
    "What are your opening hours on Sunday?",
    "Perfect, thank you so much.",
    "It was a pleasure, have a nice day.",
    "Can you confirm my booking for the fourteenth?",
    "I'm outside, which door should I use?",
    "Do I need to fill in a form first?",
    "The key is under the mat.",
    "My car makes a strange noise when I brake.",
    "Has my package been sent yet?",
    "I can't make it today, I'm sick.",
    "What's the price for a full day?",
    "Could you tell Sam that the meeting has moved to four?",
    "No problem at all.",
    "How many people can the room hold?",
    "Can you recommend someone else?",
    "I'll wait, thank you.",
    "Is there a charge for cancelling?",
)

#: Turns with a pause inside: (before the pause, after it). Four kinds, in turn: a first clause
#: that reads complete, a hesitation, a list, a sentence cut off before its end.
PAUSED = (
    ("I need an appointment.", "For my dog, on Friday."),
    ("I'd like to book, um,", "a cleaning for next week."),
    ("I need bread, milk,", "and a dozen eggs."),
    ("My order number is", "five one two seven."),
    ("I'm calling about my car.", "It's been making a noise since Monday."),
    ("So, uh,", "I was wondering if you're open tomorrow."),
    ("We need chairs, tables,", "and a small stage."),
    ("The best time to reach me is", "after six in the evening."),
    ("Hi, this is Maria.", "I had a question about my bill."),
    ("Well, let me see,", "Thursday could work."),
    ("For the party we want pizza, salad,", "and something sweet."),
    ("Could you tell him that", "I'll be late tomorrow?"),
    ("Yes, I got your message.", "But I can't come on Tuesday."),
    ("Um, I'm not sure,", "maybe the afternoon?"),
    ("Monday, Wednesday,", "and Friday would all be fine."),
    ("I wanted to ask whether", "you take card payments."),
    ("It's about the roof.", "There's a leak in the kitchen."),
    ("Hmm, hang on,", "let me find my calendar."),
    ("Bring a towel, some water,", "and comfortable shoes."),
    ("My address is", "forty two Harbour Street."),
    ("I saw your advert.", "Do you still have the bike for sale?"),
    ("So, the thing is,", "my flight was cancelled."),
    ("I tried calling, emailing,", "and even texting."),
    ("Can you put me", "through to the manager?"),
    ("Thanks for calling back.", "I wanted to change my booking."),
    ("Let me think,", "two o'clock maybe?"),
    ("We'll need the van on Friday, Saturday,", "and possibly Sunday."),
    ("The reason I'm calling is", "my delivery never came."),
    ("It's Jack from next door.", "Your alarm has been going off all morning."),
    ("Uh, yes,", "I think that's right."),
    ("The kids want swimming, tennis,", "and a trip to the zoo."),
    ("What I really need is", "someone to look at the boiler."),
    ("Okay, that's fine.", "And can I bring a friend?"),
    ("Um, well,", "it depends on the price."),
    ("Red, green,", "or blue, I don't mind."),
    ("I was hoping to speak with", "Doctor Lee about my results."),
    ("I missed a call from this number.", "Who is this?"),
    ("Err, sorry,", "what was the name again?"),
    ("I need it washed, ironed,", "and ready by Monday."),
    ("The appointment is for", "my daughter, not for me."),
    ("I'd like to cancel.", "Actually, can we move it instead?"),
    ("You know, I think,", "next week would be better."),
    ("Send it to me, my wife,", "and my accountant."),
    ("Could you check if", "my prescription is ready?"),
    ("We arrived yesterday.", "The room wasn't cleaned."),
    ("Ah, right,", "so it's closed on Sunday?"),
    ("First the oil, then the tyres,", "and the brakes last."),
    ("My phone number is", "five five five, two three four, nine nine eight eight."),
    ("That's great news.", "When can I pick it up?"),
    ("Uh, hold on,", "my son wants to say something."),
    ("It hurts in my back, my neck,", "and sometimes my shoulder."),
    ("I'm looking for", "a place to hold a birthday party."),
    ("No, not Friday.", "Saturday morning, if you can."),
    ("Mm, let me check,", "yes, the fourteenth is free."),
    ("Apples, pears,", "and a bag of oranges, please."),
    ("She told me to ask for", "the special offer on windows."),
    ("I'm at the station.", "Which bus do I take to get to you?"),
    ("Um, the thing is,", "I lost my ticket."),
    ("We'd need lights, speakers,", "and someone to run them."),
    ("Could I book a table for", "seven people at eight?"),
    ("I paid last week.", "But the invoice still says unpaid."),
    ("Er, right,", "what do I need to bring?"),
    ("Emails, letters,", "nothing has worked so far."),
    ("The problem started when", "we moved the washing machine."),
    ("Good morning.", "I'd like to speak to someone about a refund."),
    ("Well, um,", "I suppose Tuesday is okay."),
    ("A haircut, a shave,", "and maybe a beard trim."),
    ("I'm calling to ask if", "you have any vacancies."),
    ("The package came today.", "But the box was damaged."),
    ("So basically,", "we want to renew the contract."),
    ("Flour, sugar,", "and two packs of butter."),
    ("All I want to know is", "whether it's covered by the warranty."),
    ("I spoke to your colleague.", "She said you would call me back."),
    ("Uh, let me think,", "the blue one, I guess."),
    ("Kitchen, bathroom,", "and the hall need painting."),
    ("Is it possible to", "get a quote by email?"),
    ("My name is Ben Carter.", "I have a booking at two."),
    ("Hmm, actually,", "can you make it three people?"),
    ("Pens, paper,", "and a new printer cartridge."),
    ("We were told that", "the repair would be free."),
    ("That's fine.", "Could you send the details by text?"),
    ("Um, hi,", "is this the dentist?"),
    ("Tuesday, Thursday,", "or next Monday."),
    ("I'd like to know how much", "it costs to fix a screen."),
    ("We've decided.", "We'll take the bigger room."),
    ("Well, you see,", "I'm not at home until seven."),
    ("Milk, bread,", "and the newspaper, as usual."),
    ("The man who came yesterday", "left his toolbox here."),
    ("Hello, it's Grace.", "Just checking you got my email."),
    ("Right, so,", "the total was how much?"),
    ("A room with a view, a balcony,", "and breakfast included."),
    ("Can you remind me when", "my next appointment is?"),
    ("I'm sorry to bother you.", "Is Sam available?"),
    ("Um, one more thing,", "do you open early on Friday?"),
    ("The wedding, the party,", "and the brunch the day after."),
    ("If it's not too late,", "I'd like to add a dessert."),
    ("It's urgent.", "The water is coming through the ceiling."),
    ("Erm, so,", "how does it work exactly?"),
    ("Wine, cheese,", "and some crackers, please."),
    ("He asked me to tell you that", "the parts have arrived."),
    ("I understand.", "But can I at least get a discount?"),
    ("Uh, well,", "I was hoping for today."),
    ("The gate, the fence,", "and the shed roof."),
    ("What I'd like to do is", "move everything to next month."),
    ("I just got home.", "There's a note on my door from you."),
    ("Oh, um,", "could you say that again?"),
    ("Call me, text me,", "whatever is easier."),
    ("The last time I came", "the wait was over an hour."),
    ("Okay, perfect.", "One last question about parking."),
    ("Hmm, so,", "is that with tax or without?"),
)


@dataclass(frozen=True)
class Turn:
    """One caller turn: its audio (8 kHz float), where the caller really finished (in samples),
    and where each mid-turn pause lies (start, end in samples; none for a complete turn)."""

    text: str
    audio: np.ndarray
    end: int
    pauses: tuple[tuple[int, int], ...]
    noisy: bool
    held_out: bool
    #: "complete", or the kind of pause: "clause", "hesitation", "list", "cut-off".
    kind: str

    @property
    def paused(self) -> bool:
        return bool(self.pauses)


KINDS = ("clause", "hesitation", "list", "cut-off")
#: Rows (of each list, modulo 8) kept for scoring: half, and one of each kind of pause.
HELD_OUT = frozenset({1, 2, 4, 7})


def _pause_ms(index: int) -> int:
    """300 to 1,200 ms, spread evenly over each kind of pause (and over both halves of each)."""
    kind, row = index % 4, index // 4
    return 300 + round(((row * 11 + kind * 7) % 28) * 900 / 27)


def _hum(n: int, seed: int, rms: float) -> np.ndarray:
    """A fan or a fridge: low, steady noise at `rms`."""
    rng = np.random.default_rng(seed)
    noise = np.convolve(rng.normal(0, 1, n + 64), np.ones(64) / 64, mode="valid")[:n]
    noise += 0.3 * np.sin(2 * np.pi * 100 * np.arange(n) / RATE)
    return (noise * rms / max(float(np.sqrt(np.mean(noise * noise))), 1e-9)).astype(np.float32)


def _letters(text: str) -> list[str]:
    return ["".join(c for c in word if c.isalnum()) for word in text.lower().split()]


def _joined(speak, transcribe, parts: tuple[str, ...], voice: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Both parts said as one utterance (the first then sounds unfinished as people's do), cut
    where the first ends: of the quietest 20 ms stretches near the length the first part has
    alone, the first where Whisper hears the first part's last word before the cut or the
    second's first word after it. None when no such cut is found in four tries."""
    whole = ulaw_to_float(_trim(speak(" ".join(parts), voice)))
    alone = len(ulaw_to_float(_trim(speak(parts[0], voice))))
    step, width = RATE // 200, RATE // 50
    starts = range(int(alone * 0.5), min(int(alone * 1.1), len(whole) - RATE // 5), step)
    energy = np.array([float(np.mean(whole[at : at + width] ** 2)) for at in starts])
    first_ends = [w for w in _letters(parts[0]) if w not in FILLERS][-1:]
    second_starts = _letters(parts[1])[:1]
    # The quietest points first, each a local minimum at least 60 ms from one already tried.
    tried: list[int] = []
    for n in np.argsort(energy):
        cut = starts[n] + width // 2
        if any(abs(cut - t) < RATE * 6 // 100 for t in tried):
            continue
        tried.append(cut)
        before, after = _letters(transcribe(whole[:cut])), _letters(transcribe(whole[cut:]))
        if before[-1:] == first_ends or after[:1] == second_starts:
            return whole[:cut], whole[cut:]
        if len(tried) == 4:
            break
    return None


FILLERS = frozenset({"um", "uh", "er", "erm", "hmm", "mm", "ah", "oh"})


def _render(
    speak, transcribe, index: int, parts: tuple[str, ...], pause_ms: int
) -> tuple[np.ndarray, int, tuple[tuple[int, int], ...]]:
    voice = VOICES[index % len(VOICES)]
    lead, tail = np.zeros(int(0.3 * RATE), np.float32), np.zeros(int(2.5 * RATE), np.float32)
    said = _joined(speak, transcribe, parts, voice) if len(parts) == 2 else None
    if said is None:  # one part, or a cut not confirmed: each part said on its own
        said = tuple(ulaw_to_float(_trim(speak(text, voice))) for text in parts)
    pieces, pauses, at = [lead], [], len(lead)
    for n, part in enumerate(said):
        if n:
            gap = np.zeros(pause_ms * RATE // 1000, np.float32)
            pauses.append((at, at + len(gap)))
            pieces.append(gap)
            at += len(gap)
        pieces.append(part)
        at += len(part)
    audio = np.concatenate(pieces + [tail])
    if index % 3 == 2:
        voiced = audio[np.abs(audio) > 0.01]
        level = float(np.sqrt(np.mean(voiced * voiced))) if len(voiced) else 0.1
        audio = audio + _hum(len(audio), index, level * 10 ** (-30 / 20))
    return ulaw_to_float(_ulaw(audio)), at, tuple(pauses)


def _heard_pause(audio: np.ndarray, start: int, stop: int) -> tuple[int, int]:
    """The pause as a listener hears it: the silence put in, and the quiet ends of the words on
    either side (Kokoro's own pause at a comma, a fading consonant)."""
    loud = np.abs(audio) > 0.02
    before, after = np.flatnonzero(loud[:start]), np.flatnonzero(loud[stop:])
    return (int(before[-1]) + 1 if len(before) else start, stop + int(after[0]) if len(after) else stop)


def turns(speak, transcribe, cache: Path | None = None) -> list[Turn]:
    """Every turn, complete and paused interleaved, rendered with `speak(text, voice) -> ulaw` and
    checked with `transcribe(samples) -> text` (kept in `cache`, a .npz, when given: rendering
    takes a few minutes on 2 cores)."""
    items: list[tuple[str, tuple[str, ...], int, bool, str]] = []
    for n in range(max(len(COMPLETE), len(PAUSED))):
        held_out = n % 8 in HELD_OUT  # the four kinds of pause come in turn: each is in both parts
        if n < len(COMPLETE):
            items.append((COMPLETE[n], (COMPLETE[n],), 0, held_out, "complete"))
        if n < len(PAUSED):
            items.append((" ... ".join(PAUSED[n]), PAUSED[n], _pause_ms(n), held_out, KINDS[n % 4]))
    key = hashlib.sha256(json.dumps([i[1:3] for i in items] + [VOICES, "joined"]).encode()).hexdigest()[:12]
    stored = np.load(cache) if cache is not None and cache.exists() else None
    if stored is not None and str(stored["key"]) != key:
        stored = None
    rendered: dict[str, np.ndarray] = {"key": np.array(key)}
    out = []
    for index, (text, parts, pause_ms, held_out, kind) in enumerate(items):
        if stored is not None:
            audio, end = stored[f"a{index}"], int(stored[f"e{index}"])
            pauses = tuple(tuple(p) for p in stored[f"p{index}"].reshape(-1, 2).tolist())  # type: ignore[misc]
        else:
            audio, end, pauses = _render(speak, transcribe, index, parts, pause_ms)
        rendered |= {f"a{index}": audio, f"e{index}": np.array(end), f"p{index}": np.array(pauses, dtype=np.int64)}
        heard = tuple(_heard_pause(audio, start, stop) for start, stop in pauses)
        out.append(Turn(text, audio, end, heard, index % 3 == 2, held_out, kind))
    if cache is not None and stored is None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cache, **rendered)  # type: ignore[arg-type]
    return out
