"""The learned and hybrid ``attributions`` components: the model's spans as claims, with the
conventions of news text and the rules where they know better (sentences written for these tests)."""

from __future__ import annotations

import pytest
from cpkg.articles import article_from_text
from cpkg.extract import Extractor, build_extractor
from cpkg.extract.attribution_model import _short_of, _whole_subject, _within_paragraph
from cpkg.extract.nlp import load_pipeline
from cpkg.model import Claim


@pytest.fixture(scope="module")
def hybrid() -> Extractor:
    return build_extractor(["attributions=hybrid"])


def attributed(extractor: Extractor, text: str) -> list[Claim]:
    return [claim for claim in extractor.extract(article_from_text(text)).claims if claim.attributed]


def test_two_coordinated_verbs_of_saying_are_two_claims_of_one_speaker(hybrid: Extractor) -> None:
    text = (
        "Officials in Cairo said on Monday that the border would reopen within days and accused "
        "the army of blocking aid convoys."
    )
    claims = attributed(hybrid, text)
    assert len(claims) == 2
    assert {claim.speaker.label for claim in claims if claim.speaker} == {"Officials in Cairo"}
    first, second = sorted(claims, key=lambda claim: claim.content.start)
    assert "accused" not in first.content.text
    assert first.content.text.endswith("within days")
    assert second.cue is not None and second.cue.text == "accused"


def test_a_hedge_is_not_a_statement(hybrid: Extractor) -> None:
    claims = attributed(hybrid, "Casualties are expected to rise, officials said on Tuesday.")
    assert [claim.cue.text for claim in claims if claim.cue] == ["said"]
    assert claims[0].content.text == "Casualties are expected to rise"


def test_an_apposition_speaks_for_the_name_before_it(hybrid: Extractor) -> None:
    text = "Dr. Maria Lopez, a spokeswoman for the health ministry, said that 40 people had been taken to hospital."
    (claim,) = attributed(hybrid, text)
    assert claim.speaker is not None and claim.speaker.label == "Maria Lopez"
    assert claim.speaker.kind == "person"


def test_a_statement_without_a_source_is_a_claim_with_an_unresolved_speaker(hybrid: Extractor) -> None:
    text = "It was reported on Sunday that the talks had collapsed after the delegation walked out."
    (claim,) = attributed(hybrid, text)
    assert claim.speaker is None and claim.mention is None
    assert claim.resolution.method == "unresolved"
    assert claim.content.text.startswith("that the talks had collapsed")


def test_a_quote_stays_in_its_paragraph(hybrid: Extractor) -> None:
    text = '"We will not stop until every family is home," the mayor said.\n\nThe council met on Friday.'
    (claim,) = attributed(hybrid, text)
    assert "\n" not in claim.content.text
    assert claim.speaker is not None and claim.speaker.label == "mayor"


def test_content_across_a_line_break_keeps_the_cue_paragraph() -> None:
    text = "He said the plan\nwould fail. Then more\n\nthings happened."
    cue = text.index("said")
    assert _within_paragraph(text, ((8, len(text)),), cue) == ((8, 16),)
    # A content wholly in another paragraph keeps the piece nearest the cue.
    later = text.index("things")
    assert _within_paragraph(text, ((later, len(text) - 1),), cue) == ((later, len(text) - 1),)


def test_a_dateline_is_not_part_of_the_speaker(hybrid: Extractor) -> None:
    text = "BRUSSELS - European leaders said on Monday that the summit would go ahead as planned."
    (claim,) = attributed(hybrid, text)
    assert claim.mention is not None and not claim.mention.text.startswith("BRUSSELS")
    assert claim.speaker is not None and "BRUSSELS" not in claim.speaker.label


def test_a_speaker_phrase_ends_before_the_cue_it_runs_into(hybrid: Extractor) -> None:
    # A title line parsed as one noun phrase: widened to that phrase, the speaker would be the line.
    text = "Mayor questions the fairness of the budget panel"
    doc = hybrid.segmenter.parse(article_from_text(text)).doc
    line = doc[0 : len(doc)]
    speaker = _short_of(line, [text.index("questions"), text.index("the fairness")])
    assert speaker is not None and speaker.text == "Mayor"
    assert _short_of(line, [len(text)]) == line
    assert _short_of(doc[1:3], [0]) == doc[1:3]


def test_a_description_and_others_coordinated_is_the_person_described_and_the_others(hybrid: Extractor) -> None:
    text = (
        "Ann Cole, the Republican nominee, spoke in Ohio on Monday. "
        "The Republican nominee and her aides said the moderators were biased."
    )
    (claim,) = [c for c in attributed(hybrid, text) if c.content.text.startswith("the moderators")]
    assert claim.speaker is not None and claim.speaker.kind == "group"
    assert claim.speaker.label == "Ann Cole and her aides"


def test_a_verification_marker_and_a_headline_without_a_verb_of_reporting_state_no_claim(hybrid: Extractor) -> None:
    text = (
        "The army said its soldiers returned fire. The report could not be independently confirmed. "
        "Border War: Governor Directs Provision of Shelter for 2,000 Families at Schools.\n\n"
        "Casualties on both sides are expected to rise."
    )
    claims = attributed(hybrid, text)
    assert [c.content.text for c in claims] == ["its soldiers returned fire"]
    assert claims[0].verification == "not_independently_confirmed"


@pytest.mark.parametrize(
    ("headline", "cue", "content", "speaker"),
    [
        ("Poll: Rural Voters Abandon Governor Over Water Prices.", ":", "Rural Voters Abandon Governor", "Poll"),
        ("Senator Calls Water Plan 'A Betrayal' Of Farmers.", "Calls", "Water Plan 'A Betrayal'", "Ann Birch"),
        ("New Survey Shows Small Lead For Mayor In Race.", "Shows", "Small Lead For Mayor", "Survey"),
    ],
)
def test_a_headline_states_a_claim_with_a_verb_of_reporting_or_a_colon_after_its_source(
    hybrid: Extractor, headline: str, cue: str, content: str, speaker: str
) -> None:
    """PolNeAR annotates headlines whose verb introduces content in news (the cue lexicon learned
    from train: "Calls", "Shows", "Reveals") or whose kicker names the source; a senator the
    headline names by title is the senator the story names."""
    text = f"{headline}\n\nSenator Ann Birch said on Tuesday that the plan would ruin the valley."
    (claim, _) = attributed(hybrid, text)
    assert claim.context == "embedded_headline" and claim.cue is not None and claim.cue.text == cue
    assert claim.content.text.startswith(content)
    assert claim.speaker is not None and claim.speaker.label == speaker


def test_what_a_source_expects_is_its_claim_and_a_hedge_without_one_is_none(hybrid: Extractor) -> None:
    text = (
        "The fund expects that the economy will expand by 1.6 percent next year. "
        "The two allies seem to have no clear plan for the border. Prices are expected to rise."
    )
    (claim,) = attributed(hybrid, text)
    assert claim.cue is not None and claim.cue.text == "expects"
    assert claim.content.text.startswith("that the economy will expand by 1.6 percent")
    assert claim.mention is not None and claim.mention.text == "The fund"


def test_an_act_beside_a_statement_is_no_claim_but_an_evaluative_speech_act_is(hybrid: Extractor) -> None:
    """ "bemoaned the unrest", like "praised" or "condemned", says something about its object;
    "recalled its ambassador" does something."""
    bemoaned = "The senator bemoaned the unrest in the city and said the police had failed its residents."
    assert [c.cue.text for c in attributed(hybrid, bemoaned) if c.cue] == ["bemoaned", "said"]
    recalled = "Jordan recalled its ambassador and told the envoy to stay out of the country."
    assert [c.cue.text for c in attributed(hybrid, recalled) if c.cue] == ["told"]


def test_the_owner_of_a_programme_is_its_author_not_the_source(hybrid: Extractor) -> None:
    text = (
        "Ed Lane is a television host in New York.\n\n"
        "His program on Wednesday, for instance, said the emails were a distraction."
    )
    (claim,) = attributed(hybrid, text)
    assert claim.mention is not None and claim.mention.text.startswith("His program")
    assert claim.speaker is not None and claim.speaker.kind == "document" and claim.speaker.label == "program"


def test_when_something_was_written_is_not_what_was_written(hybrid: Extractor) -> None:
    text = (
        "Senators Ann Birch and Tom Vale wrote to the department on Monday.\n\n"
        "They said the program was rife with fraud."
    )
    (claim,) = attributed(hybrid, text)
    assert claim.content.text == "the program was rife with fraud"
    assert claim.speaker is not None and claim.speaker.label == "Ann Birch and Tom Vale"


@pytest.mark.parametrize(
    ("text", "tagged", "verb", "source"),
    [
        ("Her submission to the court noted earlier reports.", "the court", "noted", "Her submission to the court"),
        ("The transcript of the debate shows that she spoke first.", "The", "shows", "The transcript of the debate"),
        ("His letter on Monday said the plant would close.", "His", "said", "His letter on Monday"),
        # an owner decides: "her decision to resign" is hers, not a document's
        ("Her decision to resign stunned the board.", "Her", "stunned", "Her"),
    ],
)
def test_a_source_tagged_inside_the_subject_of_its_verb_is_that_subject(text, tagged, verb, source) -> None:
    doc = load_pipeline()(text)
    start = text.index(tagged)
    span = doc.char_span(start, start + len(tagged))
    (cue,) = [t for t in doc if t.text == verb]
    assert span is not None and _whole_subject(span, cue).text == source
