"""The seed article against its hand annotation (tests/data/000_7ca092153d92ac16.gold.json)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
from cpkg.articles import load_article
from cpkg.extract import build_extractor
from cpkg.jsonio import extraction_to_json
from cpkg.model import Claim, Extraction

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_7ca092153d92ac16.txt"
GOLD = json.loads((ROOT / "tests" / "data" / "000_7ca092153d92ac16.gold.json").read_text(encoding="utf-8"))
GOLD_CLAIMS = {g["id"]: g for g in GOLD["claims"]}


@pytest.fixture(scope="module")
def extraction() -> Extraction:
    return build_extractor().extract(load_article(SEED))


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    low, high = max(a[0], b[0]), min(a[1], b[1])
    return max(0, high - low) / max(1, min(a[1] - a[0], b[1] - b[0]))


def matching(extraction: Extraction, gold_id: str) -> Claim:
    gold = GOLD_CLAIMS[gold_id]
    span = tuple(gold["content_span"])
    found = [c for c in extraction.claims if c.attributed and _overlap((c.content.start, c.content.end), span) >= 0.5]
    assert found, f"no claim for {gold_id}: {gold['content']!r}"
    return found[0]


def same_content(claim: Claim, gold: tuple[int, int], text: str) -> bool:
    """The gold content span, or the same span with its complementizer: PolNeAR, the corpus the
    attribution model learned from, annotates "said that X" with "that X"; our gold has "X"."""
    start, end = claim.content.start, claim.content.end
    return end == gold[1] and (start == gold[0] or text[start : gold[0]].lower() == "that ")


def same_mention(claim: Claim, gold: tuple[int, int], text: str) -> bool:
    """The gold mention, or the mention with its apposition (PolNeAR's source phrase: "the
    Institute for the Study of War, a US research group"; our gold has the name)."""
    assert claim.mention is not None
    start, end = claim.mention.start, claim.mention.end
    return start == gold[0] and (end == gold[1] or (end > gold[1] and text[gold[1] : gold[1] + 2] == ", "))


@pytest.mark.parametrize("gold_id", sorted(GOLD_CLAIMS))
def test_every_gold_claim_is_found_with_its_speaker_kind_context_and_mention(extraction, gold_id):
    gold = GOLD_CLAIMS[gold_id]
    claim = matching(extraction, gold_id)
    text = extraction.article.text
    assert same_content(claim, tuple(gold["content_span"]), text), claim.content
    assert claim.speaker is not None
    names = {gold["speaker"], *gold.get("speaker_aliases", [])}
    assert claim.speaker.label in names or any(name in claim.speaker.label for name in names)
    assert claim.speaker.kind == gold["speaker_kind"]
    assert claim.context == gold["context"]
    assert claim.mention is not None
    assert same_mention(claim, tuple(gold["speaker_mention_span"]), text), claim.mention
    assert claim.cue is not None and gold["cue"].lower() in claim.cue.text.lower()
    assert claim.hedged == gold["hedged"]


@pytest.mark.parametrize("gold_id", sorted(g for g in GOLD_CLAIMS if "quantities" in GOLD_CLAIMS[g]))
def test_quantities_with_qualifiers(extraction, gold_id):
    claim = matching(extraction, gold_id)
    expected = [(q["value"], q["qualifier"]) for q in GOLD_CLAIMS[gold_id]["quantities"]]
    assert [(q.value, q.qualifier) for q in claim.quantities] == expected


@pytest.mark.parametrize("gold_id", sorted(g for g in GOLD_CLAIMS if "said_on" in GOLD_CLAIMS[g]))
def test_dates_resolved_against_the_dateline(extraction, gold_id):
    claim = matching(extraction, gold_id)
    assert claim.said_on == dt.date.fromisoformat(GOLD_CLAIMS[gold_id]["said_on"])


def test_verification_marker_covers_exactly_the_two_military_claims(extraction):
    (marker,) = extraction.markers
    gold = GOLD["verification_markers"][0]
    assert (marker.span.start, marker.span.end) == tuple(gold["span"])
    covered = {matching(extraction, gid).id for gid in gold["applies_to"]}
    assert set(marker.claim_ids) == covered
    unconfirmed = {c.id for c in extraction.claims if c.verification == "not_independently_confirmed"}
    assert unconfirmed == covered
    israel_said = matching(extraction, "c12")
    assert israel_said.verification == "unmarked"


@pytest.mark.parametrize("gold_id", sorted(g for g in GOLD_CLAIMS if GOLD_CLAIMS[g].get("role", {}).get("title")))
def test_roles_and_affiliations_from_appositions_and_titles(extraction, gold_id):
    gold_role = GOLD_CLAIMS[gold_id]["role"]
    claim = matching(extraction, gold_id)
    assert claim.role is not None
    assert claim.role.title == gold_role["title"]
    if gold_role["organization"] and gold_role["text"] != gold_role["title"]:
        assert claim.role.organization is not None
        assert gold_role["organization"].split(" (")[0] in claim.role.organization.label


def test_al_qudra_is_a_doctor_speaking_for_the_health_ministry_named_before(extraction):
    claim = matching(extraction, "c02")
    ministry = matching(extraction, "c01").speaker
    assert claim.honorific == "Dr."
    assert claim.role is not None and claim.role.organization == ministry


def test_pronouns_resolve_to_the_earlier_speaker(extraction):
    assert matching(extraction, "c08").speaker == matching(extraction, "c07").speaker
    assert matching(extraction, "c14").speaker == matching(extraction, "c13").speaker


def test_one_agent_for_the_israeli_military_and_idf(extraction):
    military, it, idf = (matching(extraction, g).speaker for g in ("c13", "c14", "c17"))
    assert military == it == idf
    assert military is not None and "IDF" in military.aliases


def test_embedded_headlines_are_kept_apart(extraction):
    spans = [(h.start, h.end) for h in extraction.headlines]
    assert spans == [tuple(h["span"]) for h in GOLD["embedded_headlines"]]
    body_claims = [c for c in extraction.claims if c.context == "body"]
    for claim in body_claims:
        assert not any(h.overlaps(claim.content) for h in extraction.headlines)


def test_dateline(extraction):
    assert extraction.dateline is not None
    assert extraction.dateline.place == GOLD["dateline"]["place"]
    assert (extraction.dateline.span.start, extraction.dateline.span.end) == tuple(GOLD["dateline"]["span"])
    assert extraction.dateline.date == dt.date(2023, 11, 2)


def test_org_relation_and_source_assessment(extraction):
    ministry = matching(extraction, "c01").speaker
    part_of = [r for r in extraction.org_relations if r.relation == "part_of"]
    assert [(r.subject, r.object_label) for r in part_of] == [(ministry, "Hamas-run government")]
    described = {r.subject.label: r.object_label for r in extraction.org_relations if r.relation == "described_as"}
    assert described == {"Institute for the Study of War": "a US research group"}
    (assessment,) = extraction.assessments
    assert assessment.about == ministry
    assert (assessment.span.start, assessment.span.end) == tuple(GOLD["source_assessments"][0]["span"])


def test_article_voice_statements_are_unattributed_claims(extraction):
    own = [c for c in extraction.claims if not c.attributed]
    children = next(c for c in own if c.content.text.startswith("More than 3,600 Palestinian children"))
    assert children.speaker is None and children.cue is None
    assert (3600, "more_than") in [(q.value, q.qualifier) for q in children.quantities]
    attributed_spans = [c.content for c in extraction.claims if c.attributed]
    assert not any(o.content.overlaps(a) for o in own for a in attributed_spans)


def test_json_contract_offsets_are_code_points_into_the_text(extraction):
    data = extraction_to_json(extraction)
    text = SEED.read_text(encoding="utf-8")
    assert data["document"]["chars"] == len(text)
    assert data["document"]["published"] == "2023-11-02"
    for claim in data["claims"]:
        assert text[claim["start"] : claim["end"]] == claim["text"]
        if claim["cue"]:
            assert text[claim["cue"]["start"] : claim["cue"]["end"]] == claim["cue"]["text"]
        if claim["speaker"]:
            mention = claim["speaker"]["mention"]
            assert text[mention["start"] : mention["end"]] == mention["text"]
        for quantity in claim["quantities"]:
            assert text[quantity["start"] : quantity["end"]] == quantity["text"]


def test_json_output_follows_the_published_schema(extraction):
    schema = json.loads((ROOT / "ontology" / "extraction.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(extraction_to_json(extraction), schema, cls=jsonschema.Draft202012Validator)
