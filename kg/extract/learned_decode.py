"""Text to model inputs and model outputs to attributions, shared by training and the runtime (numpy only).

The learned attribution tagger labels word pieces with one BIO tag sequence over three roles (every
token of a PolNeAR article takes part in at most one attribution, so the roles never overlap):
``B-``/``I-`` for source, cue and content, plus ``C-content``, which begins a content part that
continues the previous content part of the same attribution (the second half of
"'We will win,' she said, 'and soon.'"). Training (``tools/train_attribution.py``) and the runtime
(``cpkg.extract.learned``) both build their inputs here, so the two can never disagree.

Each word piece also carries a small *layout feature* the uncased encoder cannot see: the case of
its original characters and whether a line or paragraph break precedes it (quotes are laid out by
paragraph in news).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

LABELS = ("O", "B-source", "I-source", "B-cue", "I-cue", "B-content", "I-content", "C-content")
LABEL_INDEX = {label: index for index, label in enumerate(LABELS)}
ROLES = ("source", "cue", "content")

CASE_SHAPES = 4  # lower, Capitalised, ALL CAPS, no letters
BREAK_KINDS = 3  # none, line break, paragraph break (or start of text)
FEATURE_COUNT = CASE_SHAPES * BREAK_KINDS

Span = tuple[int, int]
Parts = tuple[Span, ...]


@dataclass(frozen=True)
class TokenizedText:
    """Word pieces of a text: vocabulary ids, code-point offsets (end exclusive) and layout features."""

    ids: NDArray[np.int64]
    starts: NDArray[np.int64]
    ends: NDArray[np.int64]
    features: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ids)


def case_shape(piece: str) -> int:
    """0 lower, 1 Capitalised, 2 ALL CAPS (two letters or more), 3 no letters."""
    if piece.isascii() and piece.isalpha():  # the common case, without a loop over characters
        if len(piece) > 1 and piece.isupper():
            return 2
        return 1 if piece[0].isupper() else 0
    letters = [char for char in piece if char.isalpha()]
    if not letters:
        return 3
    if len(letters) > 1 and all(char.isupper() for char in letters):
        return 2
    return 1 if letters[0].isupper() else 0


def break_kind(gap: str) -> int:
    """0 none, 1 a line break, 2 a paragraph break (two or more line breaks)."""
    newlines = gap.count("\n")
    return 2 if newlines >= 2 else newlines


def layout_features(text: str, starts: Sequence[int], ends: Sequence[int]) -> NDArray[np.int64]:
    """Case shape and preceding break of each word piece, as one feature id (the text's start is a paragraph start)."""
    features = []
    previous_end = -1
    for start, end in zip(starts, ends, strict=True):
        if previous_end < 0:
            kind = 2
        elif start == previous_end:
            kind = 0
        else:
            kind = break_kind(text[previous_end:start])
        features.append(case_shape(text[start:end]) * BREAK_KINDS + kind)
        previous_end = end
    return np.asarray(features, dtype=np.int64)


def tokenize(tokenizer: object, text: str) -> TokenizedText:
    """Word pieces of ``text`` with a ``tokenizers.Tokenizer`` whose truncation and padding are off."""
    encoding = tokenizer.encode(text, add_special_tokens=False)  # type: ignore[attr-defined]
    offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
    starts, ends = offsets[:, 0], offsets[:, 1]
    return TokenizedText(
        ids=np.asarray(encoding.ids, dtype=np.int64),
        starts=starts,
        ends=ends,
        features=layout_features(text, starts.tolist(), ends.tolist()),
    )


# --------------------------------------------------------------------------- windows


@dataclass(frozen=True)
class Window:
    """Tokens ``[start, end)`` fed to the encoder; its predictions are kept for ``[own_start, own_end)``."""

    start: int
    end: int
    own_start: int
    own_end: int


def windows(length: int, size: int, stride: int) -> list[Window]:
    """Windows of ``size`` tokens every ``stride`` tokens covering ``length`` tokens, each token owned once.

    Where two windows overlap, each keeps the half nearer its own centre, so every kept prediction
    saw at least half the overlap as context on both sides.
    """
    if size <= 0 or not 0 < stride <= size:
        raise ValueError(f"window size {size} and stride {stride} must satisfy 0 < stride <= size")
    if length <= size:
        return [Window(0, length, 0, length)]
    starts = [*range(0, length - size, stride), length - size]
    out = []
    for index, start in enumerate(starts):
        own_start = 0 if index == 0 else (start + starts[index - 1] + size) // 2
        own_end = length if index == len(starts) - 1 else (starts[index + 1] + start + size) // 2
        out.append(Window(start, start + size, own_start, own_end))
    return out


def text_blocks(text: str, limit: int) -> Iterator[tuple[int, str]]:
    """``(offset, block)`` pieces of at most ``limit`` characters, cut at paragraph breaks where possible.

    Bounds the memory of the tokenizer and the decoder on huge inputs; ordinary articles are one block.
    """
    position = 0
    while len(text) - position > limit:
        window = text[position : position + limit]
        cut = -1
        for separator in ("\n\n", "\n", ". ", " "):
            cut = window.rfind(separator, limit // 2)
            if cut >= 0:
                cut += len(separator)
                break
        if cut <= 0:
            cut = limit
        yield position, text[position : position + cut]
        position += cut
    yield position, text[position:]


# --------------------------------------------------------------------------- gold to tags


def gold_tags(
    tokens: TokenizedText, attributions: Sequence[tuple[Parts | None, Parts | None, Parts | None]]
) -> list[int]:
    """Tag indices for ``(source, cue, content)`` attributions (character parts) over the word pieces.

    A piece belongs to a part when the part covers most of it (gold boundaries almost always fall on
    piece boundaries). Overlapping annotations keep the first role that claimed a piece.
    """
    tags = [LABEL_INDEX["O"]] * len(tokens)
    middle = (tokens.starts + tokens.ends) / 2
    nonempty = tokens.ends > tokens.starts
    for source, cue, content in attributions:
        for role, parts in (("source", source), ("cue", cue), ("content", content)):
            for number, (start, end) in enumerate(parts or ()):
                covered = np.flatnonzero((middle >= start) & (middle <= end) & nonempty)
                inside = [int(i) for i in covered if tags[i] == LABEL_INDEX["O"]]
                if not inside:
                    continue
                first = "C" if role == "content" and number > 0 else "B"
                tags[inside[0]] = LABEL_INDEX[f"{first}-{role}"]
                for index in inside[1:]:
                    tags[index] = LABEL_INDEX[f"I-{role}"]
    return tags


# --------------------------------------------------------------------------- decoding


# An ``I-`` tag may only follow a tag of its own role that opens or continues a span; any other tag
# may follow anything. ``I-x`` -> the tags it may follow.
INSIDE_AFTER = {
    LABEL_INDEX[f"I-{role}"]: tuple(LABEL_INDEX[f"{kind}-{role}"] for kind in "BIC" if f"{kind}-{role}" in LABEL_INDEX)
    for role in ROLES
}


def viterbi(log_probs: NDArray[np.float32]) -> NDArray[np.int64]:
    """Best valid tag sequence for per-token log-probabilities ``[n, labels]``.

    Invalid sequences (an ``I-`` after ``O`` or after another role, or at the start) are excluded,
    which turns a stray ``I-`` tag into a whole span instead of a fragment. Plain Python over the
    handful of tags: a numpy call per token costs more than the arithmetic.
    """
    rows = log_probs.tolist()
    if not rows:
        return np.zeros(0, dtype=np.int64)
    count = len(rows[0])
    negative = float("-inf")
    labels = range(count)
    score = [negative if tag in INSIDE_AFTER else rows[0][tag] for tag in labels]
    back: list[list[int]] = []
    for row in rows[1:]:
        best = max(score)
        best_tag = score.index(best)
        pointers = [best_tag] * count
        new = [best + value for value in row]
        for inside, after in INSIDE_AFTER.items():
            previous = max(after, key=score.__getitem__)
            pointers[inside] = previous
            new[inside] = score[previous] + row[inside]
        back.append(pointers)
        score = new
    tag = score.index(max(score))
    path = [tag]
    for pointers in reversed(back):
        tag = pointers[tag]
        path.append(tag)
    return np.asarray(path[::-1], dtype=np.int64)


@dataclass(frozen=True)
class TaggedSpan:
    role: str
    start: int
    end: int
    continues: bool
    """A content part that continues the previous content part of the same attribution."""
    confidence: float


def spans_from_tags(
    tags: Sequence[int], starts: Sequence[int], ends: Sequence[int], probs: Sequence[float] | None = None
) -> list[TaggedSpan]:
    """Character spans of a valid tag sequence (see :func:`viterbi`); ``probs`` gives each tag's probability."""
    out: list[TaggedSpan] = []
    current: list[int] = []
    role = ""
    continues = False

    def close() -> None:
        if current:
            confidence = float(np.mean([probs[i] for i in current])) if probs is not None else 1.0
            out.append(TaggedSpan(role, int(starts[current[0]]), int(ends[current[-1]]), continues, confidence))
            current.clear()

    for index, tag in enumerate(tags):
        label = LABELS[tag]
        if label == "O":
            close()
        elif label[0] in "BC" or not current or label[2:] != role:
            close()
            role, continues = label[2:], label[0] == "C"
            current.append(index)
        else:
            current.append(index)
    close()
    return out
