"""Where the assistant keeps files outside its home folder."""

from __future__ import annotations

import os
from pathlib import Path


def models_dir() -> Path:
    """Offline models (speech, the local language model): ASSISTANT_MODELS_DIR, else the user's cache."""
    base = os.environ.get("ASSISTANT_MODELS_DIR")
    if base:
        return Path(base).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "phone-assistant" / "models"
