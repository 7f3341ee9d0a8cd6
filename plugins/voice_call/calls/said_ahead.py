"""What calls say word for word, made ahead and played from memory (calls/prompts.py): besides
the greeting, the goodbyes, the fillers, the transfer and keypad lines, and the answering
machine's replies. Each is listed as a call speaks it: a line said whole as itself, a reply in
the pieces its stream is cut into (the prompt cache is asked for each piece).

They are our product's own words, the same in every data folder: made once per machine and voice
and kept beside the models (`shared_folder`), not per data folder as the owner's greeting is."""

from __future__ import annotations

from pathlib import Path

from assistant.plugin_api import models_dir
from plugins.voice_call.admission import invite
from plugins.voice_call.calls.fillers import FILLERS
from plugins.voice_call.calls.local import APOLOGY, TRANSFER_LINE
from plugins.voice_call.calls.offline_call import FIXED_REPLIES
from plugins.voice_call.calls.session import GOODBYES, HANDOVER_LINE, TRANSFER_FAILED
from plugins.voice_call.history.recordings import RECORDED_LINE
from plugins.voice_call.speech.tts import as_streamed

#: The calls' last words first (a call may need them any moment), then the most often said.
FIXED_LINES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            *GOODBYES,
            *FILLERS,
            *(piece for reply in FIXED_REPLIES for piece in as_streamed(*reply)),
            TRANSFER_LINE,
            TRANSFER_FAILED,
            APOLOGY,
            HANDOVER_LINE,
            invite.WRONG,
            invite.GOODBYE,
            RECORDED_LINE,
        ]
    )
)


def shared_folder() -> Path:
    return models_dir() / "prompts"
