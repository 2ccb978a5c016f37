"""`cpkg.evaluation` and `cpkg eval`: gold readers, span scoring, parity with score.py."""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from cpkg.errors import InputError
from cpkg.evaluation import (
    GoldAttribution,
    GoldDocument,
    load_brat_folder,
    load_gold_json,
    normalize,
    overlap_ratio,
    parse_brat_ann,
    run_eval,
    score,
)

ROOT = Path(__file__).resolve().parent.parent
SEED_GOLD = ROOT / "tests" / "data" / "000_7ca092153d92ac16.gold.json"
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
SCORE_PY = SHARED / "eval" / "score.py"
POLNEAR_DEV = SHARED / "polnear" / "dev"

# A hand-written article and brat annotation (not PolNeAR text).
TEXT = (
    'The mayor said the bridge will reopen in May. "It is safe," she added, "and cheaper."\n'
    "Critics disagree, according to a local paper."
)
#        offsets: "The mayor" 0-9, "said" 10-14, content 15-44,
#        quote 1 46-59, "she" 60-63, "added" 64-69, quote 2 71-85, "Critics disagree" 86-102,
#        "according to" 104-116
ANN = (
    "T1\tSource 0 9\tThe mayor\n"
    "T2\tCue 10 14\tsaid\n"
    "T3\tContent 15 44\tthe bridge will reopen in May\n"
    "T4\tAttribution 10 14\tsaid\n"
    "E1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n"
    'T5\tContent 46 59;71 85\t"It is safe," "and cheaper."\n'
    "T6\tSource 60 63\tshe\n"
    "T7\tCue 64 69\tadded\n"
    "T8\tAttribution 64 69\tadded\n"
    "E2\tAttribution:T8 Content:T5 Source:T6 Cue:T7\n"
    "T9\tContent 86 102\tCritics disagree\n"
    "continuation of a multi-line span text\n"
    "T10\tCue 104 116\taccording to\n"
    "T11\tAttribution-no-source 104 116\taccording to\n"
    "E3\tAttribution-no-source:T11 Cue:T10 Content:T9\n"
    "T12\tDiscard 0 3\tThe\n"
    "E4\tAttribution:T13\n"
    "T13\tAttribution 0 3\tThe\n"
)


def test_hand_text_offsets_are_what_the_annotation_says() -> None:
    assert TEXT[0:9] == "The mayor" and TEXT[10:14] == "said" and TEXT[15:44] == "the bridge will reopen in May"
    assert TEXT[46:59] == '"It is safe,"' and TEXT[60:63] == "she" and TEXT[64:69] == "added"
    assert TEXT[71:85] == '"and cheaper."' and TEXT[86:102] == "Critics disagree"
    assert TEXT[104:116] == "according to"


def test_parse_brat_reads_discontinuous_spans_and_no_source_events() -> None:
    atts = parse_brat_ann(ANN)
    assert [a.id for a in atts] == ["E1", "E2", "E3", "E4"]
    e1, e2, e3, e4 = atts
    assert (e1.source, e1.cue, e1.content) == (((0, 9),), ((10, 14),), ((15, 44),))
    assert e2.content == ((46, 59), (71, 85))
    assert e3.source is None and e3.cue == ((104, 116),)
    assert e4.cue is None and e4.content is None


def test_parse_brat_rejects_unknown_reference_and_out_of_text_span() -> None:
    with pytest.raises(InputError, match="unknown T9"):
        parse_brat_ann("E1\tAttribution:T1 Cue:T9\nT1\tAttribution 0 3\tThe\n")
    with pytest.raises(InputError, match="beyond the text"):
        parse_brat_ann("T1\tCue 0 300\tx\n", text=TEXT)


def _brat_folder(root: Path, annotators: dict[str, str]) -> Path:
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    (root / "text" / "hand_article-one.txt").write_text(TEXT, encoding="utf-8")
    for who, ann in annotators.items():
        (root / "attributions" / f"hand_article-one_{who}.ann").write_text(ann, encoding="utf-8")
    return root


def test_brat_folder_picks_first_annotator_or_all(tmp_path: Path) -> None:
    only_e1 = "\n".join(ANN.splitlines()[:5]) + "\n"
    folder = _brat_folder(tmp_path / "gold", {"zz9": ANN, "aa1": only_e1})
    first = load_brat_folder(folder)
    assert len(first) == 1
    assert first[0].id == "hand_article-one" and first[0].annotator == "aa1"
    assert len(first[0].attributions) == 1 and first[0].text == TEXT
    every = load_brat_folder(folder, annotator="all")
    assert [(d.annotator, len(d.attributions)) for d in every] == [("aa1", 1), ("zz9", 4)]


def test_brat_folder_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a brat gold folder"):
        load_brat_folder(tmp_path)
    folder = _brat_folder(tmp_path / "g", {"a": ANN})
    (folder / "text" / "hand_article-one.txt").unlink()
    with pytest.raises(InputError, match="missing article text"):
        load_brat_folder(folder)


def test_normalize_trims_punctuation_and_merges_parts() -> None:
    assert normalize(((46, 59), (71, 85)), TEXT) == ((47, 57), (72, 83))
    # parts separated only by punctuation/space merge into one
    assert normalize(((0, 4), (4, 9)), TEXT) == ((0, 9),)
    assert normalize(((9, 10),), TEXT) == ((9, 10),)  # all-space span stays as given


def test_overlap_ratio_is_relative_to_the_shorter_span() -> None:
    assert overlap_ratio(((0, 10),), ((5, 7),)) == 1.0
    assert overlap_ratio(((0, 10),), ((5, 15),)) == 0.5
    assert overlap_ratio(((0, 4), (10, 14)), ((2, 12),)) == 4 / 8
    assert overlap_ratio(((0, 4),), ((4, 8),)) == 0.0


def _claim(content: tuple[int, int], cue: tuple[int, int] | None, source: tuple[int, int] | None, **kw: Any) -> dict:
    return {
        "start": content[0],
        "end": content[1],
        "cue": None if cue is None else {"text": TEXT[cue[0] : cue[1]], "start": cue[0], "end": cue[1]},
        "speaker": None
        if source is None
        else {"label": TEXT[source[0] : source[1]], "mention": {"start": source[0], "end": source[1]}},
        "attributed": True,
        **kw,
    }


def _hand_gold() -> GoldDocument:
    return GoldDocument(id="hand", text=TEXT, attributions=tuple(parse_brat_ann(ANN)[:3]), format="brat")


def test_score_exact_versus_overlap_arithmetic() -> None:
    prediction = {
        "claims": [
            # E1: all exact (content with a trailing full stop still matches exactly after trimming)
            _claim((15, 45), (10, 14), (0, 9)),
            # E2: content only the first quote -> overlap (all of the shorter span) but not exact;
            # source "she" exact; cue "she added" overlaps "added" but is not exact
            _claim((46, 59), (60, 69), (60, 63)),
            # spurious: content in the article's voice but marked attributed, no cue
            _claim((86, 102), None, None, text="x"),
            # not attributed: ignored entirely
            _claim((0, 44), None, None, attributed=False),
        ]
    }
    report = score([_hand_gold()], [prediction])
    spans = report.spans
    # cue: gold {said, added, according to}; predicted {said, "she added"}
    assert (spans["cue"]["exact"].tp, spans["cue"]["exact"].fp, spans["cue"]["exact"].fn) == (1, 1, 2)
    assert (spans["cue"]["overlap"].tp, spans["cue"]["overlap"].fp, spans["cue"]["overlap"].fn) == (2, 0, 1)
    # source: gold {The mayor, she}; predicted the same two
    assert spans["source"]["exact"].tp == 2 and spans["source"]["exact"].fp == 0
    # content: gold {E1, E2 (two parts), E3}; predicted {E1, first quote, "Critics disagree"}
    assert (spans["content"]["exact"].tp, spans["content"]["exact"].fp, spans["content"]["exact"].fn) == (
        2,
        1,
        1,
    )
    assert spans["content"]["overlap"].tp == 3
    assert spans["content"]["overlap"].p == 1.0 and spans["content"]["overlap"].r == 1.0
    # whole relations: E1 exact; E2 by overlap; the spurious claim has no cue
    assert spans["attribution"]["exact"].tp == 1 and spans["attribution"]["overlap"].tp == 2
    assert spans["attribution"]["overlap"].fp == 1 and spans["attribution"]["overlap"].fn == 1
    assert round(spans["cue"]["exact"].f, 3) == round(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3), 3)
    assert report.claims is None  # claim-level scores only for our gold JSON
    assert report.gold_attributions == 3 and report.predicted_attributed == 3


def test_errors_say_where_each_gold_attribution_went() -> None:
    prediction = {
        "claims": [
            _claim((15, 45), (10, 14), (0, 9)),  # E1 exact
            _claim((46, 59), (64, 69), (60, 63)),  # E2: content is only its first part -> boundary
            _claim((86, 102), (0, 3), None),  # a cue ("The") no gold cue overlaps
        ]
    }
    report = score([_hand_gold()], [prediction])
    assert report.errors == {"exact": 1, "boundary": 1, "wrong_link": 0, "missed_cue": 1, "spurious_cue": 1}
    linked_elsewhere = {"claims": [_claim((86, 102), (10, 14), (0, 9))]}  # "said" with E3's content
    assert score([_hand_gold()], [linked_elsewhere]).errors["wrong_link"] == 1
    assert "missed_cue" in report.format() and report.to_json()["errors"]["boundary"] == 1


def test_score_counts_a_shared_cue_once_and_matches_one_to_one() -> None:
    gold = _hand_gold()
    prediction = {"claims": [_claim((15, 30), (10, 14), (0, 9)), _claim((30, 44), (10, 14), (0, 9))]}
    spans = score([gold], [prediction]).spans
    assert spans["cue"]["exact"].tp == 1 and spans["cue"]["exact"].fp == 0
    # both halves overlap E1's content, but only one may match it
    assert spans["content"]["overlap"].tp == 1 and spans["content"]["overlap"].fp == 1


def test_score_parts_of_predicted_content_are_used() -> None:
    prediction = {"claims": [{**_claim((46, 85), (64, 69), (60, 63)), "parts": [[46, 59], [71, 85]]}]}
    spans = score([_hand_gold()], [prediction]).spans
    assert spans["content"]["exact"].tp == 1


def test_score_rejects_misaligned_predictions() -> None:
    with pytest.raises(InputError):
        score([_hand_gold()], [])
    with pytest.raises(InputError, match="no prediction"):
        score([_hand_gold()], {"other": {"claims": []}})


def test_report_format_and_json() -> None:
    report = score([_hand_gold()], [{"claims": [_claim((15, 44), (10, 14), (0, 9))]}])
    text = report.format()
    assert "cue" in text and "overlap" in text and "1 document(s)" in text
    data = json.loads(json.dumps(report.to_json()))
    assert data["spans"]["cue"]["exact"] == {"p": 1.0, "r": 0.333, "f": 0.5, "tp": 1, "fp": 0, "fn": 2}
    assert data["per_document"][0]["id"] == "hand"


# --------------------------------------------------------------------------- our gold JSON


def _seed_gold() -> GoldDocument:
    return load_gold_json(SEED_GOLD, text_dirs=[SEEDS])


def test_gold_json_locates_cues_next_to_their_speaker_and_content() -> None:
    gold = _seed_gold()
    assert gold.format == "json" and gold.id == "000_7ca092153d92ac16" and len(gold.attributions) == 17
    cues = {a.id: gold.text[a.cue[0][0] : a.cue[0][1]] for a in gold.attributions if a.cue}
    assert len(cues) == 17
    assert cues["c07"] == "according to" and cues["c09"] == "has said" and cues["c17"] == "Says"
    c16 = next(a for a in gold.attributions if a.id == "c16")
    assert c16.cue == ((5211, 5217),)  # "accuse", not the "say" of the claim before it
    assert len(gold.optional) == 7 and sum(a.unconfirmed for a in gold.attributions) == 2


def test_gold_json_missing_article_is_a_clear_error(tmp_path: Path) -> None:
    gold = tmp_path / "x.gold.json"
    gold.write_text(json.dumps({"document": "nowhere.txt", "claims": []}), encoding="utf-8")
    with pytest.raises(InputError, match=r"nowhere\.txt"):
        load_gold_json(gold)
    gold.write_text("[]", encoding="utf-8")
    with pytest.raises(InputError, match="claims"):
        load_gold_json(gold)


def _seed_prediction(gold: GoldDocument) -> dict:
    """A hand-made imperfect prediction: exercises misses, wrong speakers, spurious and optional claims."""
    raw = json.loads(SEED_GOLD.read_text(encoding="utf-8"))
    claims = []
    for g, a in zip(raw["claims"], gold.attributions, strict=True):
        if g["id"] in ("c05", "c11"):
            continue  # missed
        start, end = g["content_span"]
        if g["id"] == "c02":
            end -= 20  # still overlaps by more than half
        label = {"c08": "he", "c03": "Biden", "c14": "Hamas"}.get(g["id"], g["speaker"])
        verification = "not_independently_confirmed" if g["unconfirmed"] or g["id"] == "c12" else "unmarked"
        if g["id"] == "c14":
            verification = "unmarked"
        ms, me = g["speaker_mention_span"]
        claims.append(
            {
                "start": start,
                "end": end,
                "cue": {"start": a.cue[0][0], "end": a.cue[0][1]},
                "speaker": {"label": label, "mention": {"start": ms, "end": me}},
                "attributed": True,
                "verification": verification,
            }
        )
    opt_start, opt_end = raw["optional"][0]["content_span"]
    claims.append({"start": opt_start, "end": opt_end, "speaker": {"label": "US"}, "attributed": True})
    claims.append({"start": 600, "end": 700, "speaker": {"label": "Hamas"}, "attributed": True})
    claims.append({"start": 0, "end": 50, "speaker": None, "attributed": False})
    return {"claims": claims}


def test_claim_level_scores_on_the_seed() -> None:
    gold = _seed_gold()
    report = score([gold], [_seed_prediction(gold)])
    assert report.claims is not None
    span, speaker, unconfirmed = (report.claims[k] for k in ("claim_span", "claim_with_speaker", "unconfirmed"))
    assert (span.tp, span.fp, span.fn) == (15, 1, 2)
    assert (speaker.tp, speaker.fp, speaker.fn) == (13, 3, 4)  # "he" and "Hamas" are wrong
    assert (unconfirmed.tp, unconfirmed.fp, unconfirmed.fn) == (1, 1, 1)
    assert any("c08" in line for line in report.documents[0].details["wrong_speaker"])


def _load_score_py() -> Any:
    if not SCORE_PY.is_file():
        pytest.skip(f"{SCORE_PY} not present (shared evaluation material)")
    spec = importlib.util.spec_from_file_location("shared_score", SCORE_PY)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.parametrize("variant", ["imperfect", "perfect", "empty"])
def test_claim_level_scores_equal_score_py(variant: str) -> None:
    score_py = _load_score_py()
    gold = _seed_gold()
    raw = json.loads(SEED_GOLD.read_text(encoding="utf-8"))
    prediction = _seed_prediction(gold)
    if variant == "perfect":
        prediction = {
            "claims": [
                {
                    "start": g["content_span"][0],
                    "end": g["content_span"][1],
                    "speaker": {"label": g["speaker"]},
                    "verification": "not_independently_confirmed" if g["unconfirmed"] else "unmarked",
                }
                for g in raw["claims"]
            ]
        }
    elif variant == "empty":
        prediction = {"claims": []}
    expected = score_py.score(raw, copy.deepcopy(prediction))
    report = score([gold], [prediction]).to_json()
    for key in ("claim_span", "claim_with_speaker", "unconfirmed"):
        ours = report["claims"][key]
        assert {k: ours[k] for k in "prf"} == expected[key], key
    details = report["per_document"][0]["details"]
    assert len(details["missed"]) == len(expected["missed"])
    assert details["wrong_speaker"] == expected["wrong_speaker"]
    assert details["spurious"] == expected["spurious"]


# --------------------------------------------------------------------------- run_eval and the CLI


def test_run_eval_scores_what_the_extract_function_returns() -> None:
    gold = _hand_gold()
    seen: list[str] = []

    def fake(golds: list[GoldDocument]) -> list[dict]:
        seen.extend(g.id for g in golds)
        return [{"claims": [_claim((15, 44), (10, 14), (0, 9))]} for _ in golds]

    # the same article under two annotators is extracted once
    report = run_eval([gold, GoldDocument(**{**gold.__dict__, "annotator": "b"})], fake)
    assert seen == ["hand"]
    assert report.spans["cue"]["exact"].tp == 2 and report.seconds is not None


def _cli(argv: list[str]) -> argparse.Namespace:
    from cpkg.cli import eval as eval_cli

    parser = argparse.ArgumentParser()
    eval_cli.register(parser.add_subparsers())
    return parser.parse_args(argv)


def test_cli_eval_on_brat_folder_with_fake_extractor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cpkg.cli.eval import run

    folder = _brat_folder(tmp_path / "gold", {"ann1": ANN})

    def fake(golds: list[GoldDocument]) -> list[dict]:
        return [{"claims": [_claim((15, 44), (10, 14), (0, 9))]} for _ in golds]

    assert run(_cli(["eval", str(folder), "--json"]), extract_fn=fake) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["formats"] == ["brat"] and data["documents"] == 1
    assert data["spans"]["source"]["exact"]["tp"] == 1 and data["spans"]["source"]["exact"]["fn"] == 1


def test_cli_eval_on_gold_json_folder_finds_seed_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cpkg.cli.eval import run

    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    (gold_dir / SEED_GOLD.name).write_text(SEED_GOLD.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "000_7ca092153d92ac16.txt").write_text(
        (SEEDS / "000_7ca092153d92ac16.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )

    def fake(golds: list[GoldDocument]) -> list[dict]:
        return [_seed_prediction(g) for g in golds]

    assert run(_cli(["eval", str(gold_dir), "--details"]), extract_fn=fake) == 0
    out = capsys.readouterr().out
    assert "claim_with_speaker   P=0.812 R=0.765 F1=0.788" in out
    assert "wrong_speaker" in out


def test_cli_eval_shows_progress_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """Even for a few articles and when stderr is a file: an evaluation must not look stuck."""
    from cpkg.cli.eval import _progress

    assert list(_progress(iter(["a", "b", "c"]), 3)) == ["a", "b", "c"]
    captured = capsys.readouterr()
    assert "extracting" in captured.err and "3/3" in captured.err and captured.out == ""


def test_cli_eval_bad_gold_path_is_an_input_error(tmp_path: Path) -> None:
    from cpkg.cli.eval import run

    with pytest.raises(InputError, match="no such file"):
        run(_cli(["eval", str(tmp_path / "missing")]), extract_fn=lambda golds: [])
    with pytest.raises(InputError, match="no gold JSON"):
        run(_cli(["eval", str(tmp_path)]), extract_fn=lambda golds: [])


# --------------------------------------------------------------------------- PolNeAR, when present


def test_polnear_dev_reads_one_annotator_per_article() -> None:
    if not POLNEAR_DEV.is_dir():
        pytest.skip(f"{POLNEAR_DEV} not present (PolNeAR is shared material, never in the repo)")
    docs = load_brat_folder(POLNEAR_DEV)
    assert len(docs) == len({d.id for d in docs}) == 84
    atts = [a for d in docs for a in d.attributions]
    assert len(atts) > 2000
    assert any(a.content and len(a.content) > 1 for a in atts)  # discontinuous content exists
    assert sum(a.source is None for a in atts) > 0  # Attribution-no-source
    for doc in docs:
        for a in doc.attributions:
            for parts in (a.cue, a.source, a.content):
                assert parts is None or parts[-1][1] <= len(doc.text)
    assert len(load_brat_folder(POLNEAR_DEV, annotator="all")) > 84


def test_gold_attribution_is_hashable_value() -> None:
    a = GoldAttribution("E1", ((0, 1),), None, None)
    assert a == GoldAttribution("E1", ((0, 1),), None, None)
