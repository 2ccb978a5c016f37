"""Figures with units, datelines and titles, and verification markers, on texts written for the purpose."""

from __future__ import annotations

import datetime as dt

import pytest
from cpkg.articles import article_from_text
from cpkg.extract import Extractor, build_extractor
from cpkg.extract.dateline import find_dateline, find_title
from cpkg.extract.nlp import load_pipeline
from cpkg.extract.quantities import quantities_in
from cpkg.graph import dataset_graph, extraction_to_dataset
from cpkg.queries import run_named
from cpkg.store import open_store
from cpkg.validate import validate
from rdflib import Namespace
from rdflib.namespace import SDO

CP = Namespace("https://w3id.org/cpkg/ontology#")


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return build_extractor()


@pytest.mark.parametrize(
    ("sentence", "figure"),
    [
        ("The company lost $14 million last year.", (14_000_000, None, "exact", "USD")),
        ("Support fell to 73% in May.", (73, None, "exact", "percent")),
        ("He paid $341,560 for the house.", (341_560, None, "exact", "USD")),
        ("The deal is worth 40 million pounds, officials said.", (40_000_000, None, "exact", "GBP")),
        ("Profits reached €2.3bn.", (2_300_000_000, None, "exact", "EUR")),
        ("Turnout rose 8.5 per cent.", (8.5, None, "exact", "percent")),
        ("Officers seized 1.2 million packs of cigarettes.", (1_200_000, None, "exact", "pack")),
        ("At least 28 bodies were found.", (28, None, "at_least", "body")),
        ("Between 20 and 30 people were hurt.", (20, 30, "range", "people")),
        ("Tens of thousands of people marched.", (10_000, 100_000, "range", "people")),
        ("Seventy-six patients were evacuated.", (76, None, "exact", "patient")),
    ],
)
def test_figures_have_value_unit_and_qualifier(sentence, figure):
    doc = load_pipeline()(sentence)
    (quantity,) = quantities_in(doc[:], sentence)
    assert (quantity.value, quantity.upper, quantity.qualifier, quantity.unit) == figure


def test_an_age_is_no_figure():
    text = "Nine children under 18 were hurt."
    doc = load_pipeline()(text)
    assert [q.value for q in quantities_in(doc[:], text)] == [9]


def test_money_and_percentages_get_unit_codes_in_the_graph(extractor):
    text = "The ministry said the program cost $14 million and reached 73% of schools."
    extraction = extractor.extract(article_from_text(text, published="2024-03-07"))
    graph = dataset_graph(extraction_to_dataset(extraction))
    assert {str(code) for code in graph.objects(None, SDO.unitCode)} == {"USD", "P1"}
    assert validate(graph).conforms


def test_a_change_in_percentage_points_is_stored(extractor):
    """Percentage points have no unit code; the article validates with the unit as text."""
    text = "The poll showed Clinton's lead grew by 5 percentage points, the pollster said on Monday."
    extraction = extractor.extract(article_from_text(text, published="2024-03-07"))
    graph = dataset_graph(extraction_to_dataset(extraction))
    assert "percentage point" in {str(unit) for unit in graph.objects(None, SDO.unitText)}
    assert validate(graph).conforms
    assert validate(graph, engine="pyshacl").conforms


@pytest.mark.parametrize(
    ("text", "place", "date", "agency"),
    [
        ("WASHINGTON (AP) — Officials said ...", "Washington", None, "AP"),
        ("LONDON, March 3 (Reuters) - Shares fell ...", "London", dt.date(2024, 3, 3), "Reuters"),
        ("GAZA CITY, Gaza Strip — Troops ...", "Gaza City", None, None),
        ("Rafah, Gaza Strip, Nov 2: The ministry ...", "Rafah", dt.date(2024, 11, 2), None),
        ("Storm Hits Coast\n\nMIAMI (AP) — A storm ...", "Miami", None, "AP"),
    ],
)
def test_wire_and_newspaper_datelines(text, place, date, agency):
    dateline = find_dateline(text, dt.date(2024, 12, 1))
    assert dateline is not None
    assert (dateline.place, dateline.date, dateline.agency) == (place, date, agency)


def test_a_first_line_standing_alone_is_the_title_and_never_a_claim(extractor):
    text = "Mayor Says Bridge Will Reopen\n\nThe mayor said the bridge would reopen in May."
    title = find_title(text)
    assert title is not None and title.text == "Mayor Says Bridge Will Reopen"
    extraction = extractor.extract(article_from_text(text))
    assert extraction.title == title
    assert not any(c.content.overlaps(title) for c in extraction.claims)
    assert find_title("One sentence that ends.\n\nAnother one.") is None


def marked(extractor: Extractor, text: str) -> dict[str, str | None]:
    extraction = extractor.extract(article_from_text(text))
    return {c.content.text: c.marker for c in extraction.claims if c.attributed}


def test_a_marker_in_the_same_sentence_covers_that_claim(extractor):
    text = (
        "Rebels said 40 people were killed in the strike, a claim which could not be independently confirmed. "
        "The army said it hit a depot."
    )
    assert marked(extractor, text) == {"40 people were killed in the strike": "m1", "it hit a depot": None}


def test_a_marker_by_description_covers_the_claim_it_describes(extractor):
    text = (
        "The ferry operator said 300 passengers were on board. Police said the captain was arrested. "
        "There was no independent confirmation of the operator's passenger count."
    )
    assert marked(extractor, text) == {"300 passengers were on board": "m1", "the captain was arrested": None}


def test_could_not_verify_it_covers_only_the_claim_before(extractor):
    text = (
        "The army said it destroyed three launchers. It also said 12 fighters were killed. "
        "Reuters could not independently verify it."
    )
    assert marked(extractor, text) == {"it destroyed three launchers": None, "12 fighters were killed": "m1"}


def test_figures_disagree_only_in_the_same_unit_and_speaker_search_ignores_case_and_accents(extractor):
    text = (
        "The ministry said 300 people were killed in the floods. Rescuers said 200 people were killed. "
        "The ministry said the repairs would cost $300 million. Rescuers said the repairs would cost 200 million euros."
    )
    extraction = extractor.extract(article_from_text(text, id="floods", published="2024-03-07"))
    store = open_store(memory=True)
    store.replace_article(extraction.article.id, extraction_to_dataset(extraction), extraction.article.content_hash)
    rows = run_named(store, "disagreeing_figures", {}).records()
    assert [(row["value1"], row["value2"]) for row in rows] == [(200, 300)]
    by_name = run_named(store, "claims_by_speaker", {"speaker": "  THE Ministry "}).records()
    assert {row["speakerLabel"] for row in by_name} == {"ministry"}
