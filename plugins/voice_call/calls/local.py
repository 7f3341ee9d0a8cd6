"""The local pipeline: the caller's audio -> VAD -> STT -> call agent -> TTS -> paced audio back,
with barge-in, the keypad and per-turn timings. One of the two engines a call session runs
(`calls/engine.py`); the session owns the line, this answers the caller."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np
from pydantic_ai.messages import ModelMessage

from plugins.voice_call.admission import invite
from plugins.voice_call.admission.invite import InviteEntry
from plugins.voice_call.calls.agent import CallAgent
from plugins.voice_call.calls.engine import Engine, Line
from plugins.voice_call.calls.fillers import no_dead_air
from plugins.voice_call.calls.interruption import (
    REACTION_MS,
    WORDS_MS,
    CallerLevel,
    OverUs,
    heard_words,
    hears_room,
    loud_only,
    means_to_speak,
)
from plugins.voice_call.calls.turn_end import TurnEnd, TurnTaking
from plugins.voice_call.config import VoiceCallConfig
from plugins.voice_call.errands.hold import OnHold
from plugins.voice_call.history.ending import Ending, EndReason
from plugins.voice_call.history.timings import TurnTimer
from plugins.voice_call.speech import smart_turn
from plugins.voice_call.speech.audio import ulaw_to_float
from plugins.voice_call.speech.engines import FallsBack
from plugins.voice_call.speech.stt import SpeechToText
from plugins.voice_call.speech.tts import AudioStream, TextToSpeech, sentences_from_stream, spoken

log = logging.getLogger(__name__)
APOLOGY = "I'm sorry, I'm having trouble answering right now."
TRANSFER_LINE = "Putting you through to my owner now, one moment."
#: A pause after the last key pressed that ends the caller's keypad input ("#" ends it at once).
KEYPAD_PAUSE_MS = 1500


class LocalEngine(Engine):
    """The local pipeline on one call. `intro` is said first (the greeting, an outbound call's
    message, a pairing code); a pairing call (`setup.intro_only`) hangs up once it has been heard,
    unless the caller types an open invite code."""

    def __init__(
        self,
        line: Line,
        *,
        agent: CallAgent,
        stt: SpeechToText,
        tts: TextToSpeech,
        intro: str = "",
        intro_audio: bytes | AudioStream | None = None,
        prompt: Callable[[VoiceCallConfig, str], bytes | None] | None = None,
    ) -> None:
        super().__init__(line)
        config, setup = line.config, line.setup
        self.agent, self.stt, self.tts = agent, stt, tts
        self._prompt = prompt  # audio made ahead of the call (greeting, goodbyes), when there is
        verdict = smart_turn.finished if smart_turn.SmartTurn.installed() else None
        self.turns = TurnTaking(config.end_of_utterance_ms, stt, line.call_id, verdict)
        self.history: list[ModelMessage] = []
        self._intro = intro or config.inbound.greeting
        self._intro_audio = intro_audio
        #: Pairing calls only hear the intro (their code) and are then hung up; nothing interrupts it,
        #: except an invite code typed on the keypad.
        self.intro_only = setup.intro_only
        self.invite = InviteEntry(setup.redeem) if setup.redeem is not None else None
        self._intro_done = False
        self._spoken_count = 0
        #: On a call we placed for the owner (an errand): whether we wait in the other end's queue.
        self.hold = OnHold(config.hold_limit_seconds * 1000) if setup.mode == "conversation" else None
        self._turn: asyncio.Task[None] | None = None
        self._turns = 0
        #: What the caller said that no reply has answered yet: speaking again before our answer is
        #: heard joins the new words to these (a pause in the middle of a message loses nothing).
        self._unanswered: list[str] = []
        #: The clocks of answers not yet heard, by the name of their first sentence ("t3s0").
        self._timers: dict[str, TurnTimer] = {}
        self._turn_audio: Any = None  # the utterance being transcribed, carried over if that is cut
        self._carry_audio: Any = None
        #: The words of our last reply the caller heard before cutting in, told to the agent once.
        self._cut_off_after: str | None = None
        #: Keys pressed and not yet handed to the agent, and when the last one came (media clock).
        self._digits = ""
        self._digits_at_ms = 0
        self._spoken: dict[str, str] = {}
        self._listening = False  # an utterance is open at the speech recogniser
        #: The utterance now open began while we spoke and has not (yet) cut in: a backchannel,
        #: the room, or the start of an interruption (`calls/interruption.py`).
        self._over_us: OverUs | None = None
        self._playing: str | None = None  # what the caller hears of us now (queued audio may not have begun)
        self._audible_since_ms = 0  # when what the caller now hears of us began (media clock)
        self._heard_turn = 0  # the latest turn whose reply the caller has begun to hear
        self.level = CallerLevel()
        for engine in (tts, stt):
            if isinstance(engine, FallsBack):
                engine.on_switch = self._engine_switched
                if engine.switched:
                    self._engine_switched(engine.switched)

    # -- plumbing ---------------------------------------------------------------------------------

    def _engine_switched(self, why: str) -> None:
        self.line.note_system(why)

    def started(self, name: str) -> None:
        if (timer := self._timers.get(name)) is not None:
            timer.mark("first_audio_ms")
        self._playing = name
        if name.startswith(f"t{self._turns}s"):
            self._heard_turn = self._turns
        if not (name.startswith("t") and not name.endswith("s0")):  # a reply's later sentences go on from its first
            self._audible_since_ms = self.line.media_ms

    def heard(self, name: str) -> None:
        if self._playing == name:
            self._playing = None
        if (timer := self._timers.pop(name, None)) is not None:
            timer.mark("heard_ms")
            self.line.records.add_turn(self.line.call_id, timer.entry())
        if name.startswith("t") and name.endswith("s0"):
            self._unanswered = []  # the caller heard our answer begin
        text = self._spoken.pop(name, None)
        if text is not None:
            self.line.records.append_transcript(
                self.line.call_id, [{"role": "assistant", "text": text, "at_ms": self.line.media_ms, "heard": True}]
            )

    def _say(self, name: str, text: str, audio: bytes | AudioStream | None = None) -> asyncio.Event:
        """Queue `text` to be spoken: `audio` when given, else from the prompt cache, else made now,
        sentence by sentence."""
        self._spoken[name] = " ".join(text.split())  # the pairing intro's pieces are lines
        if audio is None:
            audio = self._prompt(self.line.config, text) if self._prompt else None
        if audio is None:
            prompt = self._prompt
            made = (lambda piece: prompt(self.line.config, piece)) if prompt else (lambda piece: None)
            audio = AudioStream(spoken(self.tts, text, made))
        return self.line.player.enqueue(name, audio)

    # -- the call ---------------------------------------------------------------------------------

    async def start(self) -> None:
        self.spawn(self._greet(), f"greeting-{self.line.call_id}")

    async def close(self) -> None:
        if self._turn is not None:
            self.tasks.add(self._turn)
        await super().close()
        for text in self._spoken.values():
            self.line.records.append_transcript(
                self.line.call_id, [{"role": "assistant", "text": text, "at_ms": self.line.media_ms, "heard": False}]
            )
        self._spoken.clear()
        self.turns.close()
        await self.stt.close()
        await self.tts.aclose()

    async def speak(self, text: str) -> asyncio.Event:
        """Say `text` on the call (the owner's agent speaking through `realtime_call`)."""
        self._spoken_count += 1
        return self._say(f"o{self._spoken_count}", text)

    async def _greet(self) -> None:
        text = self._intro
        audio = self._intro_audio
        played = self._say("greeting", text, audio)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(played.wait(), timeout=120)
        self._intro_done = True
        if self.intro_only and not (self.invite is not None and await self.invite.wait()):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for((await self.speak(invite.GOODBYE)).wait(), timeout=10)
            await self.line.hang_up(Ending(EndReason.PAIRING_CODE_GIVEN))
        else:
            await self.line.opened()

    async def on_digit(self, digit: str) -> None:
        """Keys are caller input: a run of them ends with "#" or a KEYPAD_PAUSE_MS pause, then goes
        to the call agent as the caller's words (like speech, it cuts in on our reply)."""
        if self.intro_only and self.invite is not None:
            await self._invite_key(digit)
            return
        if self.intro_only or self.line.setup.mode == "notify":
            return
        if digit != "#":
            self._digits += digit
            self._digits_at_ms = self.line.media_ms
        if digit == "#" and self._intro_done:
            await self._keypad_turn()

    async def _invite_key(self, digit: str) -> None:
        assert self.invite is not None
        result = self.invite.key(digit)
        if result == "accepted":
            self.intro_only = False  # an accepted call from here on: the caller is heard and answered
            self._intro_done = True
            await self.stop_speaking()
            self.line.records.append_transcript(
                self.line.call_id,
                [{"role": "system", "text": "an invite code was typed: the number is approved", "at_ms": self.line.media_ms}],
            )
            await self.speak(f"{invite.ACCEPTED} {self.line.config.inbound.greeting}")
        elif result == "wrong":
            await self.speak(invite.WRONG)

    async def _keypad_turn(self) -> None:
        digits, self._digits = self._digits, ""
        if not digits:
            return
        if self.line.player.busy or self._replying():
            await self._barge_in("keys pressed")
        if digits == "0" and self.line.request_transfer("the caller pressed 0") is None:
            self._turn = asyncio.create_task(self._keypad_transfer(), name=f"transfer-{self.line.call_id}")
            return
        text = f"(The caller pressed {' '.join(digits)} on the keypad.)"
        self._turn = asyncio.create_task(self._take_turn(None, text=text), name=f"keypad-{self.line.call_id}")

    async def on_audio(self, payload: bytes) -> None:
        if self.intro_only or self.line.setup.mode == "notify":
            return  # nothing the other side says changes these calls
        if self._digits and self._intro_done and self.line.media_ms - self._digits_at_ms >= KEYPAD_PAUSE_MS:
            await self._keypad_turn()
        listening = self._listening
        may_draft = lambda: self._listening and self._carry_audio is None  # noqa: E731
        for event in self.turns.feed(ulaw_to_float(payload), may_draft):
            if not self._intro_done:
                continue  # the opening message is not interrupted (callees often say "hello?" as they pick up)
            if isinstance(event, TurnEnd):
                over_us, self._over_us = self._over_us, None
                if over_us is not None and self._speaking():
                    self._listening = False
                    self.spawn(self._heard_over_us(event, over_us), f"over-us-{self.line.call_id}")
                else:
                    self._end_turn(event)
            elif event.kind == "speech_start":
                self._listening = True
                self.stt.begin(event.audio if event.audio is not None else ulaw_to_float(b""))
                if self._hearing_us() and self.line.media_ms - self._audible_since_ms >= REACTION_MS:  # maybe "mm-hmm"
                    transcribe = self.stt.transcribe if getattr(self.stt, "drafts", False) else None
                    self._over_us = OverUs(transcribe, unanswered=list(self._unanswered))
                elif self._speaking():  # they go on before our answer is heard: it answers too little
                    await self._barge_in(
                        "speech as our reply began" if self._hearing_us() else "speech before our reply was heard"
                    )
        if (over_us := self._over_us) is not None:
            if not self._speaking():
                over_us.close()
                self._over_us = None  # the reply ended under them: an ordinary turn now
            elif over_us.cuts_in(self.turns.vad.strong_ms, self._draft_that_cuts_in(), self._caller_so_far):
                self._over_us = None
                await self._cut_in(over_us)
        if listening:
            self.stt.hear(payload)  # this frame's audio goes up before the end-of-utterance commit

    def _caller_so_far(self) -> np.ndarray:
        """What the caller has said over us so far, without the room behind them."""
        return loud_only(self.turns.vad.so_far(), self.level.floor)

    def _draft_that_cuts_in(self) -> str | None:
        """The turn's draft at the caller's latest pause when it reads as cutting in and did not
        hear the room too. Asked per frame: the utterance is only weighed for the room (all of it
        so far) when the draft would cut in, not on every frame it is merely there."""
        draft = self.turns.draft_text()
        if draft is None or not means_to_speak(draft):
            return None
        return None if hears_room(self.turns.vad.so_far(), self.level.floor) else draft

    def _hearing_us(self) -> bool:
        """Our audio is playing, or the reply they began to hear is between two of its pieces (a
        sound then is weighed like one over us: under load the next piece can come a moment late)."""
        return self._playing is not None or (self._replying() and self._heard_turn == self._turns)

    def _speaking(self) -> bool:
        return self.line.player.busy or self._replying()

    async def _cut_in(self, over_us: OverUs) -> None:
        """The caller, speaking over our reply, takes the turn: stop it. Words of theirs it had not
        yet answered when they began go with the new ones (it may have been heard by now)."""
        self._unanswered = self._unanswered or over_us.unanswered
        await self._barge_in(over_us.why)

    async def _heard_over_us(self, end: TurnEnd, over_us: OverUs) -> None:
        """A short sound the caller made while we spoke: let "mm-hmm", a cough, a door be; take
        anything else as the caller cutting in (when it was as loud as their voice)."""
        over_us.close()
        if end.strong_ms < WORDS_MS:
            return  # the room (a TV, a door), not the caller
        # Without the room: a draft that heard a TV behind the "yeah" is made again without it.
        if end.draft is not None and not hears_room(end.audio, self.level.floor):
            text = (await end.draft).strip()
        else:
            text = (await self.stt.transcribe(loud_only(end.audio, self.level.floor))).strip()
        if not means_to_speak(text):  # begun over us, it was not meant as a turn, even if we are done now
            if text:
                self.line.records.append_transcript(
                    self.line.call_id, [{"role": "caller", "text": text, "at_ms": self.line.media_ms, "backchannel": True}]
                )
                # Not answered on its own, but the agent hears it with the caller's next words (a
                # "yes" said over our question is an answer).
                self._unanswered.append(text)
            return
        if self._speaking():
            over_us.why = "words that take the turn, at their end"
            await self._cut_in(over_us)
        self._turn = asyncio.create_task(self._take_turn(None, text=text), name=f"turn-{self.line.call_id}")

    def _end_turn(self, end: TurnEnd) -> None:
        if not self._listening:  # it began during the greeting: the recogniser gets it whole
            self.stt.begin(end.audio)
        self._listening = False
        self.level.heard(end.audio)  # a turn of its own: the caller's voice, as loud as it is on this line
        self.turns.vad.loud_floor = self.level.floor
        timer = TurnTimer(0, end.silence_ms, speech_end_ms=max(0, self.line.media_ms - end.silence_ms))
        turn = self._take_turn(end.audio, timer=timer, draft=end.draft)
        self._turn = asyncio.create_task(turn, name=f"turn-{self.line.call_id}")

    def goodbye_ms(self, text: str) -> int:
        audio = self._prompt(self.line.config, text) if self._prompt else None
        return len(audio) // 8 if audio else 0

    def _replying(self) -> bool:
        return self._turn is not None and not self._turn.done()

    def active(self) -> bool:
        # The opening words count as activity until heard, however long they take to prepare.
        if self.hold is not None and self.hold.waiting(self.line.media_ms):
            return True  # hold music and the quiet between its announcements are the queue's
        return not self._intro_done or self.turns.vad.speaking or self.line.player.busy or self._replying()

    async def _barge_in(self, why: str) -> None:
        log.info("call %s: the caller cut in on our reply: %s", self.line.call_id, why)
        self.barge_ins += 1
        await self.stop_speaking()

    async def stop_speaking(self) -> None:
        """Cancel the reply being made and drop what is queued; what was cut is noted as not heard."""
        replying = self._replying()
        if self._turn is not None and replying:
            self._turn.cancel()
            if self._turn_audio is not None:  # cut while being transcribed: the words come with the next turn
                self._carry_audio, self._turn_audio = self._turn_audio, None
        if not (replying or self.line.player.busy):
            return
        cut = await self.line.player.flush()
        self._playing = None
        entries = []
        for name in cut.dropped:
            if (timer := self._timers.pop(name, None)) is not None:
                self.line.records.add_turn(self.line.call_id, {**timer.entry(), "cut": True})  # the caller cut in first
            if name not in self._spoken:
                continue
            text = self._spoken.pop(name)
            entry: dict[str, Any] = {
                "role": "assistant",
                "text": text,
                "at_ms": self.line.media_ms,
                "heard": False,
                "interrupted": True,
            }
            if name == cut.playing:
                entry["heard_ms"] = cut.heard_ms
                if cut.total_ms:
                    entry["of_ms"] = cut.total_ms
                    entry["heard_words"] = self._cut_off_after = heard_words(text, cut.heard_ms, cut.total_ms)
            entries.append(entry)
        if entries:
            self.line.records.append_transcript(self.line.call_id, entries)

    async def _take_turn(
        self,
        audio: Any,
        text: str | None = None,
        timer: TurnTimer | None = None,
        draft: asyncio.Task[str] | None = None,
    ) -> None:
        """Answer the caller: their speech (`audio`, transcribed here, or by the draft made at
        their pause when they did not go on) or keys pressed (`text`)."""
        if text is None:
            if self._carry_audio is not None:
                audio, self._carry_audio, draft = np.concatenate([self._carry_audio, audio]), None, None
            self._turn_audio = audio
            text = (await (draft if draft is not None else self.stt.transcribe(audio))).strip()
            self._turn_audio = None
            if timer is not None:
                timer.mark("transcript_ms")
        if not text:
            return
        if self.hold is not None and self.hold.heard(text, self.line.media_ms):
            # The other end's queue: kept in the transcript (their words), never sent to the agent.
            self.line.records.append_transcript(
                self.line.call_id, [{"role": "caller", "text": text, "at_ms": self.line.media_ms, "hold": True}]
            )
            return
        if self.line.caller_said(text):
            return
        self._unanswered.append(text)
        text = " ".join(self._unanswered)
        self._turns += 1
        if timer is not None:
            timer.turn = self._turns
            self._timers[f"t{self._turns}s0"] = timer
        played: list[asyncio.Event] = []
        try:
            notes = []
            if self.line.setup.mode == "conversation":
                notes.append(
                    f"You placed this call on your owner's behalf and opened with: {self.line.setup.message!r}. Stay on that topic."
                )
            if self._cut_off_after is not None:
                notes.append(f"The caller interrupted your last reply; they heard only: {self._cut_off_after!r}.")
                self._cut_off_after = None
            context = " ".join(notes) or None
            sentences = sentences_from_stream(_timed(self.agent.reply(text, self.history, self.line.deps, context), timer))
            index = 0
            say_filler = lambda n, filler: self._say(f"f{self._turns}.{n}", filler)  # noqa: E731
            async for sentence in no_dead_air(
                sentences, say_filler, lambda: self.line.player.busy, f"fillers-{self.line.call_id}"
            ):
                played.append(self._say(f"t{self._turns}s{index}", sentence))
                index += 1
            if index == 0:  # answered without words (keys pressed for a menu): nothing is left unanswered
                self._unanswered = []
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failing model must not leave the caller in silence
            log.exception("the call agent's reply failed")
            played.append(self._say(f"t{self._turns}err", APOLOGY))
            self.line.records.append_transcript(
                self.line.call_id, [{"role": "error", "text": str(exc)[:200], "at_ms": self.line.media_ms}]
            )
        if self.line.reply_pending():
            for event in played:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), timeout=15)
            await self.line.reply_heard()

    async def _keypad_transfer(self) -> None:
        """The caller pressed 0: put through to the owner, without asking the call agent."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for((await self.speak(TRANSFER_LINE)).wait(), timeout=15)
        await self.line.put_through("the caller pressed 0 to reach you")


async def _timed(chunks: AsyncIterator[str], timer: TurnTimer | None) -> AsyncIterator[str]:
    """The model's text as it streams, the first piece marked on the turn's clock."""
    async for chunk in chunks:
        if timer is not None:
            timer.mark("first_token_ms")
        yield chunk
