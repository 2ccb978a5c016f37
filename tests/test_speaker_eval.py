"""`cpkg.speaker_eval`: speaker identity scored against a hand-made speaker gold (hand-written examples)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cpkg.errors import InputError
from cpkg.evaluation import GoldAttribution, GoldDocument
from cpkg.speaker_eval import (
    GoldSpeaker,
    garbage_reason,
    is_document_label,
    load_speaker_gold,
    normalize_name,
    score_speakers,
)

ROOT = Path(__file__).resolve().parent.parent

# "Mayor Ana Ruiz said the bridge is safe. She added it will reopen." plus a second article.
TEXT = "Mayor Ana Ruiz said the bridge is safe. She added it will reopen."
RUIZ, SHE = ((0, 14),), ((40, 43),)


def speaker(event: str, source: tuple[tuple[int, int], ...], mention_type: str, article: str = "a1") -> GoldSpeaker:
    return GoldSpeaker(article, event, source, "Ana Ruiz", ("Ruiz",), "person", mention_type)


def claim(label: str | None, iri: str | None, mention: tuple[int, int], kind: str = "person") -> dict[str, Any]:
    return {
        "start": 0,
        "end": 5,
        "attributed": True,
        "speaker": {"label": label, "kind": kind, "iri": iri, "mention": {"start": mention[0], "end": mention[1]}},
    }


def document(article: str) -> GoldDocument:
    attributions = (GoldAttribution("E1", None, None, RUIZ), GoldAttribution("E2", None, None, SHE))
    return GoldDocument(article, TEXT, attributions, "brat")


def test_names_compare_without_case_titles_possessives_spaces_and_acronym_dots():
    assert normalize_name("Mr.\u00a0Trump’s") == normalize_name("trump")
    assert normalize_name("the U.S.") == normalize_name("US")
    assert normalize_name("Justice Department") == "justice department"


def test_accuracy_by_mention_type_and_one_agent_per_speaker():
    gold = [speaker("E1", RUIZ, "name"), speaker("E2", SHE, "pronoun")]
    predictions = {"a1": {"claims": [claim("Ana Ruiz", "x/ana-ruiz", RUIZ[0]), claim("Bob Li", "x/bob-li", SHE[0])]}}
    report = score_speakers(gold, [document("a1")], predictions)
    assert (report.overall.right, report.overall.found) == (1, 2)
    assert report.by_mention["pronoun"].accuracy == 0.0
    assert report.speakers_on_one_agent == 1


def test_a_person_named_the_same_on_two_agent_nodes_is_split():
    gold = [speaker("E1", RUIZ, "name"), speaker("E1", RUIZ, "name", article="a2")]
    predictions = {
        "a1": {"claims": [claim("Ana Ruiz", "x/person/ana-ruiz", RUIZ[0])]},
        "a2": {"claims": [claim("Ana Ruiz", "x/organization/ana-ruiz", RUIZ[0], kind="organization")]},
    }
    report = score_speakers(gold, [document("a1"), document("a2")], predictions)
    assert report.split_speakers == {("", "Ana Ruiz"): {"x/person/ana-ruiz", "x/organization/ana-ruiz"}}


def test_unfound_sources_are_counted_but_not_scored():
    report = score_speakers([speaker("E2", SHE, "pronoun")], [document("a1")], {"a1": {"claims": []}})
    assert (report.overall.total, report.overall.found) == (1, 0)


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("March 3 (Reuters", "dateline"),
        ("WASHINGTON (AP) —", "dateline"),
        ("Olivia Brandt on Friday", "date or time phrase"),
        ("Brandt in recent days", "date or time phrase"),
        ("three", "number"),
        ("she", "pronoun"),
        ("president", "bare title"),
        ("Storm Cuts Power To Thousands: Officials Say Repairs Will Take A Week Or More", "headline or sentence"),
        ("Olivia Brandt", None),
        ("reporter for USA Today", None),
        ("U.S.", None),
    ],
)
def test_garbage_agent_labels(label, reason):
    assert garbage_reason(label, "person") == reason


def test_a_group_named_by_its_members_is_judged_member_by_member():
    members = "Ohio chapter of the A. Philip Randolph Institute and Northeast Ohio Coalition for the Homeless"
    assert garbage_reason(members, "group") is None
    assert garbage_reason(members, "organization") == "headline or sentence"
    assert garbage_reason("Ann Lee and Trump on Friday", "group") == "date or time phrase"


def test_document_labels_are_headed_by_a_lower_case_document_noun():
    assert is_document_label("a 2005 video") and is_document_label("the IMF report")
    assert not is_document_label("New York Post") and not is_document_label("Olivia Brandt")
    assert is_document_label("transcript of the debate") and not is_document_label("authors of the report")


def test_the_shipped_gold_has_offsets_and_names_only(tmp_path):
    gold = load_speaker_gold(ROOT / "tests" / "data" / "polnear_dev_speakers.json")
    assert len({g.article for g in gold}) >= 30
    assert {g.kind for g in gold} <= {"person", "organization", "country", "group", "anonymous", "document", "none"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"articles": [{"article": "x"}]}), encoding="utf-8")
    with pytest.raises(InputError):
        load_speaker_gold(bad)
