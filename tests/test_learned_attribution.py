"""The learned attribution tagger: shipped weights, decoding of tags to spans, linking, bad input, training."""

from __future__ import annotations

import importlib.util
import itertools
import json
import random
import sys
from pathlib import Path

import numpy as np
import pytest
from cpkg.errors import InputError
from cpkg.evaluation import load_gold_json, normalize, overlap_ratio
from cpkg.extract.learned import AttributionTagger, PredictedAttribution
from cpkg.extract.learned_decode import (
    LABEL_INDEX,
    LABELS,
    TaggedSpan,
    gold_tags,
    spans_from_tags,
    text_blocks,
    tokenize,
    viterbi,
    windows,
)
from cpkg.extract.learned_link import link

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_7ca092153d92ac16.txt"
SEED_GOLD = ROOT / "tests" / "data" / "000_7ca092153d92ac16.gold.json"


@pytest.fixture(scope="module")
def tagger() -> AttributionTagger:
    return AttributionTagger.load()


def text_of(text: str, parts: tuple[tuple[int, int], ...] | None) -> str:
    return " | ".join(text[a:b] for a, b in parts or ())


# --------------------------------------------------------------------------- shipped weights


def test_shipped_weights_load_once_and_find_the_seed_claims(tagger: AttributionTagger) -> None:
    assert AttributionTagger.load() is tagger
    text = SEED.read_text(encoding="utf-8")
    gold = load_gold_json(SEED_GOLD, text=text)
    found = tagger.predict(text)
    assert found and all(isinstance(f, PredictedAttribution) for f in found)
    for item in found:
        assert 0.0 <= item.confidence <= 1.0
        for parts in (item.cue, item.content, item.source or ()):
            assert list(parts) == sorted(parts)
            assert all(0 <= a < b <= len(text) for a, b in parts)
    contents = [normalize(f.content, text) for f in found]
    matched = [g for g in gold.attributions if any(overlap_ratio(g.content, c) >= 0.5 for c in contents)]  # type: ignore[arg-type]
    assert len(matched) >= 0.7 * len(gold.attributions), [text_of(text, f.content) for f in found]
    assert any(f.source and "Ministry" in text_of(text, f.source) for f in found)


def test_predict_many_matches_predict(tagger: AttributionTagger) -> None:
    texts = ["“We will win,” she said.", "The senator said the bill would pass, according to aides."]
    assert list(tagger.predict_many(texts)) == [tagger.predict(t) for t in texts]


# --------------------------------------------------------------------------- decoding


def tags(*labels: str) -> list[int]:
    return [LABEL_INDEX[label] for label in labels]


def test_viterbi_turns_a_stray_inside_tag_into_a_whole_span() -> None:
    # greedy argmax would read O, I-cue, I-cue: an I- with no B-
    probs = np.full((3, len(LABELS)), 0.01, dtype=np.float32)
    probs[0, LABEL_INDEX["O"]], probs[0, LABEL_INDEX["B-cue"]] = 0.55, 0.40
    probs[1:, LABEL_INDEX["I-cue"]] = 0.9
    best = viterbi(np.log(probs))
    assert [LABELS[i] for i in best] == ["B-cue", "I-cue", "I-cue"]


def valid(labels: list[str]) -> bool:
    for previous, label in zip(["O", *labels], labels, strict=False):
        if label.startswith("I-") and (previous == "O" or previous[2:] != label[2:]):
            return False
    return True


def test_viterbi_finds_the_best_valid_sequence() -> None:
    rng = np.random.default_rng(11)
    for _ in range(5):
        log_probs = np.log(rng.dirichlet(np.ones(len(LABELS)), size=4)).astype(np.float32)
        best = max(
            (seq for seq in itertools.product(range(len(LABELS)), repeat=4) if valid([LABELS[i] for i in seq])),
            key=lambda seq: sum(log_probs[i, tag] for i, tag in enumerate(seq)),
        )
        assert tuple(viterbi(log_probs)) == best


def test_viterbi_never_starts_inside_a_span_nor_switches_role_without_a_beginning() -> None:
    rng = np.random.default_rng(7)
    for _ in range(50):
        labels = [LABELS[i] for i in viterbi(np.log(rng.dirichlet(np.ones(len(LABELS)), size=12)).astype(np.float32))]
        assert valid(labels)


def test_tags_become_character_spans_with_their_boundaries() -> None:
    text = "“We will win,” she said, “and soon.”"
    starts = [0, 1, 4, 9, 12, 13, 15, 19, 23, 25, 26, 30, 34, 35]
    ends = [1, 3, 8, 12, 13, 14, 18, 23, 24, 26, 29, 34, 35, 36]
    labels = tags(
        "O", "B-content", "I-content", "I-content", "O", "O", "B-source", "B-cue", "O", "O",
        "C-content", "I-content", "O", "O",
    )  # fmt: skip
    spans = spans_from_tags(labels, starts, ends)
    assert [(s.role, text[s.start : s.end], s.continues) for s in spans] == [
        ("content", "We will win", False),
        ("source", "she", False),
        ("cue", "said", False),
        ("content", "and soon", True),
    ]
    (attribution,) = link(spans, text)
    assert text_of(text, attribution.content) == "We will win | and soon"
    assert text_of(text, attribution.source) == "she"
    assert text_of(text, attribution.cue) == "said"


def at(text: str, piece: str, after: int = 0) -> tuple[tuple[int, int], ...]:
    start = text.index(piece, after)
    return ((start, start + len(piece)),)


def test_gold_spans_round_trip_through_tags(tagger: AttributionTagger) -> None:
    text = "Trump said the wall would be built. “It will be paid for,” he added, “by Mexico.”"
    first = (at(text, "Trump"), at(text, "said"), at(text, "the wall would be built"))
    second = (at(text, "he", 40), at(text, "added"), at(text, "It will be paid for") + at(text, "by Mexico"))
    tokens = tokenize(tagger.tokenizer, text)
    labels = gold_tags(tokens, [first, second])
    spans = spans_from_tags(labels, tokens.starts.tolist(), tokens.ends.tolist())
    found = [(a.source, a.cue, a.content) for a in link(spans, text)]
    assert found == [first, second]


def test_a_multi_sentence_quote_closed_by_its_cue_links_to_it() -> None:
    text = "“First sentence. Second sentence,” the mayor said. Then she left."
    spans = [
        TaggedSpan("content", 1, 32, False, 0.9),
        TaggedSpan("source", 35, 44, False, 0.9),
        TaggedSpan("cue", 45, 49, False, 0.9),
    ]
    (attribution,) = link(spans, text)
    assert attribution.content == ((1, 32),) and attribution.source == ((35, 44),)


def test_two_cues_of_one_sentence_share_their_source() -> None:
    text = "McCain said the plan failed, citing the report."
    spans = [
        TaggedSpan("source", 0, 6, False, 0.9),
        TaggedSpan("cue", 7, 11, False, 0.9),
        TaggedSpan("content", 12, 27, False, 0.9),
        TaggedSpan("cue", 29, 35, False, 0.9),
        TaggedSpan("content", 36, 46, False, 0.9),
    ]
    found = link(spans, text)
    assert [(text_of(text, a.cue), text_of(text, a.source)) for a in found] == [
        ("said", "McCain"),
        ("citing", "McCain"),
    ]


def test_windows_cover_every_token_once() -> None:
    for length in (0, 1, 5, 254, 255, 600, 1000):
        spans = windows(length, 254, 222) if length else []
        owned = [i for w in spans for i in range(w.own_start, w.own_end)]
        assert owned == list(range(length))
        assert all(w.start <= w.own_start <= w.own_end <= w.end and w.end - w.start <= 254 for w in spans)


def test_text_blocks_keep_every_character() -> None:
    text = ("A paragraph of text that goes on. " * 40 + "\n\n") * 30 + "x" * 5000
    blocks = list(text_blocks(text, 3000))
    assert "".join(b for _, b in blocks) == text
    assert all(len(b) <= 3000 for _, b in blocks)
    assert all(text[o : o + len(b)] == b for o, b in blocks)


class QuoteSession:
    """Stands in for the ONNX model: tags word pieces by their vocabulary id alone."""

    def __init__(self, content_id: int, cue_id: int, source_id: int) -> None:
        self.ids = {content_id: "content", cue_id: "cue", source_id: "source"}

    def run(self, names: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        ids = feeds["input_ids"]
        logits = np.zeros((*ids.shape, len(LABELS)), dtype=np.float32)
        logits[..., LABEL_INDEX["O"]] = 5.0
        for token, role in self.ids.items():
            hit = ids == token
            logits[hit, LABEL_INDEX[f"I-{role}"]] = 10.0
            logits[hit, LABEL_INDEX[f"B-{role}"]] = 9.0
        return [logits]


def stub_tagger(tagger: AttributionTagger, window: int, overlap: int) -> AttributionTagger:
    vocab = tagger.tokenizer.get_vocab()
    session = QuoteSession(vocab["blah"], vocab["said"], vocab["she"])
    config = {**tagger.config, "window": window, "overlap": overlap}
    return AttributionTagger(session, tagger.tokenizer, config)  # type: ignore[arg-type]


def test_a_quote_longer_than_the_window_comes_back_whole(tagger: AttributionTagger) -> None:
    quote = " ".join(["blah"] * 100)
    text = f"“{quote},” she said."
    (attribution,) = stub_tagger(tagger, window=16, overlap=4).predict(text)
    assert text_of(text, attribution.content) == quote
    assert text_of(text, attribution.cue) == "said" and text_of(text, attribution.source) == "she"


def test_megabytes_of_text_are_read_to_the_end(tagger: AttributionTagger) -> None:
    rng = random.Random(3)
    paragraphs: list[str] = []
    while sum(len(p) for p in paragraphs) < 1_500_000:
        quote = " ".join(["blah"] * rng.randint(3, 30))
        filler = " ".join(rng.choice(["the", "vote", "was", "close", "in", "ohio"]) for _ in range(rng.randint(5, 40)))
        paragraphs.append(f"{filler}. “{quote},” she said.")
    text = "\n\n".join(paragraphs)
    found = stub_tagger(tagger, window=256, overlap=32).predict(text)
    assert len(found) == len(paragraphs)
    last = found[-1]
    assert text_of(text, last.cue) == "said" and last.cue[0][1] == len(text) - 1


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "text",
    [
        "",
        " \n\n\t ",
        "word",
        "said",
        "no sentence end anywhere just words and words and more words " * 200,
        "Der Minister sagte, dass die Wahl knapp war. «Wir werden gewinnen», sagte er.",
        "الرئيس قال إن الانتخابات كانت متقاربة",
        "习近平说，选举很激烈。",
        "🙂🙃 \x00\x01\x7f \ufeff\u200b",
        "“" * 5000,
        "\n" * 10000,
    ],
)
def test_junk_text_does_not_crash(tagger: AttributionTagger, text: str) -> None:
    for item in tagger.predict(text):
        assert all(0 <= a < b <= len(text) for parts in (item.cue, item.content) for a, b in parts)


def test_a_long_real_text_is_not_truncated(tagger: AttributionTagger) -> None:
    text = SEED.read_text(encoding="utf-8")
    doubled = text + "\n\n" + text
    first, both = tagger.predict(text), tagger.predict(doubled)
    assert max(a.cue[0][0] for a in both) > len(text)
    assert len(both) >= 2 * len(first) - 2


def test_not_text_is_a_clear_error(tagger: AttributionTagger) -> None:
    with pytest.raises(InputError, match="reads text"):
        tagger.predict(b"bytes")  # type: ignore[arg-type]


def test_a_model_folder_without_files_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot load"):
        AttributionTagger.load(tmp_path)


# --------------------------------------------------------------------------- training

TRAINING_STACK = ("torch", "safetensors", "onnx", "all_minilm_l6_v2")


def write_brat(folder: Path, articles: list[tuple[str, list[tuple[str, str, str]]]]) -> None:
    """A brat folder of made-up articles; attributions given as (source, cue, content) strings of the text."""
    (folder / "text").mkdir(parents=True)
    (folder / "attributions").mkdir()
    for number, (text, attributions) in enumerate(articles):
        (folder / "text" / f"a{number}.txt").write_text(text, encoding="utf-8")
        lines: list[str] = []
        for event, roles in enumerate(attributions, 1):
            refs = []
            for role, piece in zip(("Source", "Cue", "Content"), roles, strict=True):
                ((start, end),) = at(text, piece)
                lines.append(f"T{len(lines) + 1}\t{role} {start} {end}\t{piece}")
                refs.append(f"{role}:T{len(lines)}")
            ((start, end),) = at(text, roles[1])
            lines.append(f"T{len(lines) + 1}\tAttribution {start} {end}\t{roles[1]}")
            lines.append(f"E{event}\tAttribution:T{len(lines)} " + " ".join(refs))
        (folder / "attributions" / f"a{number}_test.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_training_runs_one_step_and_exports_a_loadable_model(tmp_path: Path) -> None:
    missing = [name for name in TRAINING_STACK if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"the training extra is not installed (pip install -e '.[train]'): missing {', '.join(missing)}")
    articles = [
        (
            "The mayor said the budget was balanced. “We did it,” she added.",
            [("The mayor", "said", "the budget was balanced"), ("she", "added", "We did it")],
        ),
        ("Officials said the road would reopen on Monday.", [("Officials", "said", "the road would reopen on Monday")]),
    ]
    for split in ("train", "dev"):
        write_brat(tmp_path / "data" / split, articles)
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import train_attribution
    finally:
        sys.path.remove(str(ROOT / "tools"))
    out = tmp_path / "out"
    provenance = train_attribution.main(
        ["--data", str(tmp_path / "data"), "--out", str(out), "--cache", str(tmp_path / "cache"), "--epochs", "1",
         "--max-steps", "1", "--threads", "1", "--window", "32", "--overlap", "8"]
    )  # fmt: skip
    assert provenance["training"]["steps"] == 1
    assert json.loads((out / "provenance.json").read_text())["data"]["train_articles"] == 2
    tagger = AttributionTagger.load(out)
    assert tagger.window == 32
    assert isinstance(tagger.predict(articles[0][0]), list)
