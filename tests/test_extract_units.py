"""Extraction components on small texts written for the purpose, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from cpkg.articles import article_from_text, decode_article_bytes, has_visible_text, load_article
from cpkg.errors import InputError
from cpkg.extract import Extractor, build_extractor
from cpkg.extract.certainty import is_verification_marker
from cpkg.extract.dateline import find_dateline
from cpkg.extract.dates import resolve_date
from cpkg.extract.headlines import find_headlines
from cpkg.extract.quantities import parse_number
from cpkg.graph import extraction_to_dataset
from cpkg.validate import validate
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return build_extractor()


def claims_of(extractor: Extractor, text: str, published: str | None = "2024-03-07"):
    return [c for c in extractor.extract(article_from_text(text, published=published)).claims if c.attributed]


@pytest.mark.parametrize(
    ("text", "place", "date"),
    [
        ("Rafah, November 2: The ministry said ...", "Rafah", dt.date(2024, 11, 2)),
        ("KYIV, Ukraine (AP) — Officials said ...", "Kyiv", None),
        ("WASHINGTON — The president said ...", "Washington", None),
        ("Geneva, Sept. 14, 2022 - The agency said ...", "Geneva", dt.date(2022, 9, 14)),
    ],
)
def test_dateline_forms(text, place, date):
    dateline = find_dateline(text, dt.date(2024, 12, 1))
    assert dateline is not None
    assert dateline.place == place and dateline.date == date
    assert text[dateline.span.start : dateline.span.end] == dateline.span.text


def test_no_dateline_in_an_ordinary_opening():
    assert find_dateline("The Health Ministry said on Thursday that 10 people died.", None) is None


def test_title_case_runs_are_headlines_and_sentences_are_not():
    text = (
        "The agency said it would review the figures. Ukraine War: Drone Strikes Hit Power Plants Across "
        "Eastern Regions Overnight, Says Kyiv. Officials said repairs would take weeks."
    )
    (headline,) = find_headlines(text)
    assert headline.text.startswith("Ukraine War:") and headline.text.endswith("Says Kyiv.")


@pytest.mark.parametrize(
    ("words", "value"),
    [("9,061", 9061), ("2.3 million", 2_300_000), ("Seventy-six", 76), ("one hundred and five", 105), ("dozens", None)],
)
def test_numbers(words, value):
    assert parse_number(words) == value


@pytest.mark.parametrize(
    ("expression", "date"),
    [
        ("Thursday", dt.date(2024, 3, 7)),
        ("on Monday", dt.date(2024, 3, 4)),
        ("the day before", dt.date(2024, 3, 6)),
        ("yesterday", dt.date(2024, 3, 6)),
        ("March 1", dt.date(2024, 3, 1)),
        ("December 30", dt.date(2023, 12, 30)),
        ("next year", None),
    ],
)
def test_relative_dates(expression, date):
    assert resolve_date(expression, dt.date(2024, 3, 7)) == date


def test_no_reference_date_means_no_resolution():
    assert resolve_date("Thursday", None) is None


@pytest.mark.parametrize(
    ("sentence", "marker"),
    [
        ("The claim could not be independently verified.", True),
        ("Reuters was unable to verify the footage.", True),
        ("There was no independent confirmation of the figures.", True),
        ("The minister did not confirm whether she would attend.", False),
        ("Officials confirmed the report on Monday.", False),
    ],
)
def test_verification_marker_sentences(sentence, marker):
    assert is_verification_marker(sentence) is marker


def test_marker_covers_the_preceding_run_of_one_speaker_in_its_paragraph(extractor):
    text = (
        "The mayor said the bridge would reopen in May.\n\n"
        "The army said its forces destroyed three launchers. It said two soldiers were wounded. "
        "The report could not be independently verified."
    )
    claims = claims_of(extractor, text)
    status = {c.content.text: c.verification for c in claims}
    assert status == {
        "the bridge would reopen in May": "unmarked",
        "its forces destroyed three launchers": "not_independently_confirmed",
        "two soldiers were wounded": "not_independently_confirmed",
    }


def test_postposed_speaker_participle_and_coordinated_cues(extractor):
    text = (
        "Prices will rise next year, the central bank said on Monday. "
        "Maria Lopez, an economist at the University of Chicago, criticized the plan, saying it would hurt savers. "
        "Union leaders say wages are too low and accuse the company of ignoring workers."
    )
    claims = {c.content.text: c for c in claims_of(extractor, text)}
    bank = claims["Prices will rise next year"]
    assert bank.speaker is not None and bank.speaker.label == "central bank"
    assert bank.said_on == dt.date(2024, 3, 4)
    saying = claims["it would hurt savers"]
    assert saying.speaker is not None and saying.speaker.label == "Maria Lopez"
    assert saying.role is not None and saying.role.title == "economist"
    assert saying.role.organization is not None and saying.role.organization.label == "University of Chicago"
    assert claims["wages are too low"].speaker == claims["the company of ignoring workers"].speaker
    assert claims["wages are too low"].speaker.kind == "group"


def test_according_to_before_the_content_and_hedges(extractor):
    text = "According to the World Health Organization, the outbreak may have peaked."
    (claim,) = claims_of(extractor, text)
    assert claim.content.text == "the outbreak may have peaked"
    assert claim.speaker is not None and claim.speaker.label == "World Health Organization"
    assert claim.hedged and [h.text for h in claim.hedges] == ["may"]


def test_surname_and_pronoun_refer_back_to_the_full_name(extractor):
    text = (
        "Senator Jane Whitfield said the bill was dead. Whitfield said talks would resume in June. "
        "She said she had spoken to the governor."
    )
    speakers = {c.speaker.label for c in claims_of(extractor, text) if c.speaker}
    assert speakers == {"Jane Whitfield"}


def test_a_pronoun_with_no_antecedent_is_a_claim_with_its_speaker_unresolved(extractor):
    (claim,) = claims_of(extractor, "He said the plan would fail.")
    assert claim.speaker is None and claim.mention is not None and claim.mention.text == "He"
    assert claim.resolution is not None and claim.resolution.method == "unresolved"


def test_empty_binary_non_utf8_and_huge_input_are_refused(tmp_path, monkeypatch):
    with pytest.raises(InputError, match="empty"):
        article_from_text("  \n\t ")
    with pytest.raises(InputError, match="binary"):
        decode_article_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(InputError, match="not valid UTF-8"):
        decode_article_bytes("Müller said".encode("latin-1"))
    monkeypatch.setattr("cpkg.articles.MAX_ARTICLE_CHARS", 100)
    with pytest.raises(InputError, match="over the limit"):
        article_from_text("word " * 100)
    missing = tmp_path / "missing.txt"
    with pytest.raises(InputError, match=r"missing\.txt"):
        load_article(missing)


def test_sidecar_metadata_and_overrides(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("The agency said the river was rising.", encoding="utf-8")
    (tmp_path / "story.json").write_text('{"published": "2024-01-05", "publisher": "Example News"}')
    article = load_article(path, title="River rising")
    assert article.id == "story"
    assert article.meta.published == dt.date(2024, 1, 5)
    assert article.meta.publisher == "Example News" and article.meta.title == "River rising"
    (tmp_path / "story.json").write_text('{"published": "last week"}')
    with pytest.raises(InputError, match="ISO date"):
        load_article(path)


# Articles must have a visible character and no control characters but tab and line breaks
# (both refused at input); everything else Unicode offers is fair game.
CONTROL_CHARACTERS = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r")
hostile_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=CONTROL_CHARACTERS),
    min_size=1,
    max_size=400,
).filter(has_visible_text)
news_like = (
    st.lists(
        st.sampled_from(
            [
                "The ministry said 40 people died.",
                "“We will not stop,” he said",
                "according to officials,",
                "Israel-Hamas War: 15 Soldiers Killed, Says IDF.",
                "\u200f\u05e9\u05dc\u05d5\u05dd",
                "\u200b",
                "\r\n",
                "\t",
                "“unbalanced",
                "12345 67890",
                "It said",
                "The report could not be independently confirmed.",
            ]
        ),
        min_size=1,
        max_size=30,
    )
    .map(" ".join)
    .filter(has_visible_text)
)


long_sentence = st.integers(min_value=100, max_value=600).map(
    lambda n: "The minister said " + " and ".join(f"{i} people were hurt" for i in range(n)) + "."
)
no_punctuation = (
    st.lists(
        st.sampled_from(["officials", "said", "he", "the", "army", "told", "9,000", "\n"]), min_size=1, max_size=200
    )
    .map(" ".join)
    .filter(has_visible_text)
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(hostile_text, news_like, long_sentence, no_punctuation))
@example(text="The report could not be independently confirmed. It said.")
@example(text="1 2 3 4 5 6 7 8 9 10 11 12")
@example(
    text="\u05d4\u05e9\u05e8 \u05d0\u05de\u05e8 \u05db\u05d9 9,000 \u05e0\u05d4\u05e8\u05d2\u05d5."
    "\r\n\tHe said \u200b“it"
)
def test_extraction_never_crashes_every_span_lies_in_the_text_and_the_graph_conforms(extractor, text):
    try:
        article = article_from_text(text)
    except InputError:
        return  # refused with a clear error (e.g. nothing left once control characters go): no crash
    text = article.text
    extraction = extractor.extract(article)
    for claim in extraction.claims:
        spans = [claim.content, *claim.parts, *claim.hedges, *(q.span for q in claim.quantities)]
        spans += [s for s in (claim.cue, claim.mention) if s is not None]
        for span in spans:
            assert 0 <= span.start <= span.end <= len(text)
            assert text[span.start : span.end] == span.text
    for marker in extraction.markers:
        assert set(marker.claim_ids) <= {c.id for c in extraction.claims}
    result = validate(extraction_to_dataset(extraction))
    assert result.conforms, result.readable()


def test_relative_pronoun_speaker_is_the_noun_it_modifies(extractor):
    text = "Ted Cruz endorsed Donald Trump, who says he is honored by the support."
    claims = {c.content.text: c.speaker.label for c in claims_of(extractor, text) if c.speaker}
    assert claims["he is honored by the support"] == "Donald Trump"


def test_html_pages_are_converted_to_text_before_extraction(extractor):
    html = (
        "<!DOCTYPE html><html><head><title>Floods</title><script>var x = '<p>not text</p>';</script></head>"
        "<body><nav>Home | World</nav><article><h1>Floods</h1><p>The agency said the river was rising &amp; "
        "<b>dangerous</b>.</p><p>Residents left.</p></article><footer>© Example</footer></body></html>"
    )
    article = article_from_text(html)
    # The main text only (no <title>, script, navigation or footer), a paragraph per block.
    assert article.text == "Floods\n\nThe agency said the river was rising & dangerous.\n\nResidents left."
    (claim,) = claims_of(extractor, html)
    assert claim.content.text == "the river was rising & dangerous"


def test_prose_mentioning_a_tag_is_not_html():
    text = "The agency said the <p> tag was misused."
    assert article_from_text(text).text == text
