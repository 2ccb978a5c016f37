"""The learned attribution tagger at run time: text in, (cue, source, content) character offsets out.

A MiniLM encoder fine-tuned on PolNeAR (``tools/train_attribution.py``, ``docs/model.md``) runs
through onnxruntime on sliding windows of word pieces; constrained Viterbi decoding turns its tag
probabilities into spans (``cpkg.extract.learned_decode``) and a one-to-one matching links them into
attributions (``cpkg.extract.learned_link``). Only onnxruntime, tokenizers and numpy are needed: no
training stack, no spaCy, nothing downloaded. The shipped weights live in ``kg/resources/attribution``
and are loaded once per process.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import onnxruntime
from cpkg.errors import InputError
from cpkg.extract.learned_decode import LABELS, TaggedSpan, spans_from_tags, text_blocks, tokenize, viterbi, windows
from cpkg.extract.learned_link import link
from numpy.typing import NDArray
from tokenizers import Tokenizer

__all__ = ["AttributionTagger", "PredictedAttribution"]

CLS_ID, SEP_ID, PAD_ID = 101, 102, 0
DEFAULT_WINDOW = 256
DEFAULT_OVERLAP = 32
BLOCK_CHARS = 100_000  # one tokenizer and decoder pass; longer texts are cut at paragraph breaks
# One window per run: batching windows saved no time on one thread and cost ~110 MB of activations (8 windows)
BATCH_WINDOWS = 1
THREADS_ENV = "CPKG_MODEL_THREADS"


@dataclass(frozen=True)
class PredictedAttribution:
    cue: tuple[tuple[int, int], ...]
    """Character (code point) offsets into the text, end exclusive, sorted parts."""
    source: tuple[tuple[int, int], ...] | None
    """None when no source span was found or linked."""
    content: tuple[tuple[int, int], ...]
    """The parts of a possibly discontinuous content span."""
    confidence: float
    """0..1: the lowest mean tag probability of the linked spans."""


class _Files(Protocol):
    def read_bytes(self, name: str) -> bytes: ...


@dataclass(frozen=True)
class _Folder:
    directory: Path

    def read_bytes(self, name: str) -> bytes:
        return (self.directory / name).read_bytes()


class _Shipped:
    def read_bytes(self, name: str) -> bytes:
        return files("cpkg.resources").joinpath("attribution", name).read_bytes()


def _threads() -> int:
    try:
        return max(1, int(os.environ.get(THREADS_ENV, "1")))
    except ValueError:
        return 1


class AttributionTagger:
    """Finds attributions with the learned model; get one with :meth:`load` (cached per process)."""

    def __init__(self, session: onnxruntime.InferenceSession, tokenizer: Tokenizer, config: dict[str, Any]) -> None:
        if tuple(config.get("labels", ())) != LABELS:
            raise InputError(f"attribution model labels {config.get('labels')} do not match this cpkg ({LABELS})")
        self.session = session
        self.tokenizer = tokenizer
        self.config = config
        self.window = int(config.get("window", DEFAULT_WINDOW))
        self.overlap = int(config.get("overlap", DEFAULT_OVERLAP))
        # per-tag log-probability offsets chosen on dev (tools/tune_attribution_decoding.py)
        self.label_bias = np.asarray(config.get("label_bias", [0.0] * len(LABELS)), dtype=np.float32)

    @classmethod
    def load(cls, directory: Path | None = None) -> AttributionTagger:
        """The tagger of ``directory`` (default: the shipped weights), loaded once per process."""
        return _load(None if directory is None else Path(directory).resolve(), _threads())

    def predict(self, text: str) -> list[PredictedAttribution]:
        """Attributions of one text, in order of their cue."""
        if not isinstance(text, str):
            raise InputError(f"the attribution tagger reads text, not {type(text).__name__}")
        out = []
        for offset, block in text_blocks(text, BLOCK_CHARS):
            for found in link(self._tagged_spans(block), block):
                out.append(
                    PredictedAttribution(
                        cue=_shift(found.cue, offset),
                        source=None if found.source is None else _shift(found.source, offset),
                        content=_shift(found.content, offset),
                        confidence=round(found.confidence, 4),
                    )
                )
        return out

    def predict_many(self, texts: Iterable[str]) -> Iterator[list[PredictedAttribution]]:
        for text in texts:
            yield self.predict(text)

    def tag_probabilities(self, text: str) -> tuple[NDArray[np.float32], NDArray[np.int64], NDArray[np.int64]]:
        """Per word piece tag log-probabilities ``[n, labels]`` with the pieces' start and end offsets."""
        tokens = tokenize(self.tokenizer, text)
        log_probs = np.zeros((len(tokens), len(LABELS)), dtype=np.float32)
        spans = windows(len(tokens), self.window - 2, self.window - 2 - self.overlap) if len(tokens) else []
        for first in range(0, len(spans), BATCH_WINDOWS):
            batch = spans[first : first + BATCH_WINDOWS]
            length = max(w.end - w.start for w in batch) + 2
            ids = np.full((len(batch), length), PAD_ID, dtype=np.int64)
            layout = np.zeros((len(batch), length), dtype=np.int64)
            mask = np.zeros((len(batch), length), dtype=np.int64)
            for row, w in enumerate(batch):
                size = w.end - w.start
                ids[row, 0], ids[row, size + 1] = CLS_ID, SEP_ID
                ids[row, 1 : size + 1] = tokens.ids[w.start : w.end]
                layout[row, 1 : size + 1] = tokens.features[w.start : w.end]
                mask[row, : size + 2] = 1
            (logits,) = self.session.run(["logits"], {"input_ids": ids, "attention_mask": mask, "layout": layout})
            for row, w in enumerate(batch):
                kept = logits[row, 1 + w.own_start - w.start : 1 + w.own_end - w.start].astype(np.float32)
                kept = kept - kept.max(axis=1, keepdims=True)
                log_probs[w.own_start : w.own_end] = kept - np.log(np.exp(kept).sum(axis=1, keepdims=True))
        return log_probs, tokens.starts, tokens.ends

    def _tagged_spans(self, text: str) -> list[TaggedSpan]:
        log_probs, starts, ends = self.tag_probabilities(text)
        return self.decode(log_probs, starts, ends)

    def decode(
        self, log_probs: NDArray[np.float32], starts: NDArray[np.int64], ends: NDArray[np.int64]
    ) -> list[TaggedSpan]:
        """Spans of the best valid tag sequence (after the configured per-tag offsets)."""
        if not len(log_probs):
            return []
        tags = viterbi(log_probs + self.label_bias)
        probs = np.exp(log_probs[np.arange(len(tags)), tags])
        return spans_from_tags(tags.tolist(), starts.tolist(), ends.tolist(), probs.tolist())


def _shift(parts: tuple[tuple[int, int], ...], offset: int) -> tuple[tuple[int, int], ...]:
    return tuple((start + offset, end + offset) for start, end in parts)


@lru_cache(maxsize=4)
def _load(directory: Path | None, threads: int) -> AttributionTagger:
    source: _Files = _Shipped() if directory is None else _Folder(directory)
    try:
        config = json.loads(source.read_bytes("config.json"))
        tokenizer = Tokenizer.from_str(source.read_bytes("tokenizer.json").decode("utf-8"))
        model = source.read_bytes("model.onnx")
    except (OSError, ValueError) as error:
        where = "the shipped attribution model" if directory is None else str(directory)
        raise InputError(f"{where}: cannot load the attribution model ({error})") from None
    # the tokenizer file fixes truncation and padding at 128 pieces: windows are cut here instead
    tokenizer.no_truncation()
    tokenizer.no_padding()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    return AttributionTagger(session, tokenizer, config)
