"""Speakers as real-world agents, on short texts written for the purpose (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from cpkg.aliases import search_key, slug
from cpkg.articles import article_from_text
from cpkg.extract import Extractor, build_extractor
from cpkg.graph import dataset_graph, extraction_to_dataset
from cpkg.jsonio import extraction_to_json
from cpkg.model import Claim, Extraction
from cpkg.speaker_eval import garbage_reason
from cpkg.validate import validate

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "ontology" / "extraction.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return build_extractor()


def extract(extractor: Extractor, text: str, article_id: str = "story", **meta: str) -> Extraction:
    return extractor.extract(article_from_text(text, id=article_id, published="2024-03-07", **meta))


def said(extraction: Extraction, content_start: str) -> Claim:
    return next(c for c in extraction.claims if c.attributed and c.content.text.startswith(content_start))


def test_she_agrees_in_gender_with_the_earlier_woman_not_the_last_speaker(extractor):
    text = (
        "Maria Lopez met Senator Tom Hale in the capital on Monday. "
        "Hale said the talks had failed. She said the city would sue the state."
    )
    extraction = extract(extractor, text)
    claim = said(extraction, "the city would sue")
    assert claim.speaker is not None and claim.speaker.label == "Maria Lopez"
    assert claim.resolution is not None and claim.resolution.method == "pronoun"
    assert said(extraction, "the talks").speaker.label == "Tom Hale"


def test_a_surname_introduced_in_a_full_name_is_that_person_and_titles_stay_out_of_the_key(extractor):
    text = (
        "Olivia Brandt, who runs the port, said exports fell. Brandt said the strike was over. "
        "Ms. Brandt said wages would rise."
    )
    extraction = extract(extractor, text)
    speakers = {c.speaker for c in extraction.claims if c.attributed}
    assert len(speakers) == 1
    (brandt,) = speakers
    assert brandt is not None and brandt.kind == "person" and brandt.key == "person/olivia-brandt"
    assert said(extraction, "wages").resolution.method == "surname_chain"
    assert said(extraction, "wages").honorific == "Ms."


def test_the_company_is_the_company_named_before(extractor):
    text = "Harbor Freight Lines said profits rose last year. The company said it would hire more drivers."
    extraction = extract(extractor, text)
    company = said(extraction, "it would hire").speaker
    assert company is not None and company == said(extraction, "profits rose").speaker
    assert said(extraction, "it would hire").resolution.method == "nominal"


def test_a_description_before_the_name_gives_the_person_with_the_role(extractor):
    text = "The provincial police chief, Col. Ana Ribeiro, said the roads would stay closed."
    claim = said(extract(extractor, text), "the roads")
    assert claim.speaker is not None and claim.speaker.label == "Ana Ribeiro" and claim.speaker.kind == "person"
    assert claim.role is not None and claim.role.title == "chief"
    assert claim.resolution.method == "apposition"


def test_the_senator_is_the_senator_named_before(extractor):
    text = "Sen. Thomas Gale opposed the bill on Tuesday. The senator said the vote would fail."
    claim = said(extract(extractor, text), "the vote")
    assert claim.speaker is not None and claim.speaker.label == "Thomas Gale"


def test_anonymous_sources_keep_their_description_and_stay_in_their_article(extractor):
    text = "A senior official said the talks would resume."
    first, second = (said(extract(extractor, text, article_id=name), "the talks") for name in ("one", "two"))
    assert first.speaker is not None and first.speaker.kind == "anonymous"
    assert first.speaker.label == "senior official"
    assert first.speaker.key != second.speaker.key


def test_an_organisation_described_by_a_name_is_one_organisation_across_articles(extractor):
    texts = {
        "one": "The Obama administration said on Monday the program would continue.",
        "two": "In a statement, the Obama administration said the program would continue.",
    }
    first, second = (said(extract(extractor, text, article_id=name), "the program") for name, text in texts.items())
    assert first.speaker is not None and second.speaker is not None
    assert first.speaker.kind == "organization" and first.speaker.label == "Obama administration"
    assert first.speaker.key == second.speaker.key
    # Without a name, "the administration" stays a description of its article.
    (third,) = (
        said(extract(extractor, "The administration said the program would continue.", "three"), "the program"),
    )
    assert third.speaker is not None and third.speaker.key != first.speaker.key


def test_a_document_is_a_document_with_its_author(extractor):
    text = "A report by the Audit Office said the costs had doubled."
    claim = said(extract(extractor, text), "the costs")
    assert claim.speaker is not None and claim.speaker.kind == "document"
    assert claim.speaker.author is not None and claim.speaker.author.label == "Audit Office"


def test_a_document_by_a_named_author_is_labelled_without_the_author_and_when_it_aired(extractor):
    text = (
        "A 2014 study by Professor Ann Lee found only 31 cases of fraud.\n\n"
        "Tom Vale is a radio host in Ohio. His show on Monday claimed the emails were a distraction."
    )
    extraction = extract(extractor, text)
    study, show = said(extraction, "only 31 cases").speaker, said(extraction, "the emails").speaker
    assert study is not None and study.kind == "document" and study.label == "study"
    assert study.author is not None and study.author.label == "Ann Lee"
    assert show is not None and show.kind == "document" and show.label == "show"


def test_a_network_named_in_a_compound_is_the_network_later(extractor):
    text = (
        "The Kremlin-backed RT network aired the speech on Tuesday.\n\n"
        "The network said it would send a crew to the border."
    )
    claim = said(extract(extractor, text), "it would send")
    assert claim.speaker is not None and claim.speaker.label == "RT"
    assert claim.resolution.method == "nominal"


def test_organisations_coordinated_inside_an_of_phrase_speak_together(extractor):
    text = (
        "The Ohio chapter of the Randolph Institute and the Northeast Ohio Coalition for the Homeless "
        "said the state had purged voters.\n\n"
        "The company and Mayor Ann Lee said the plant would close.\n\n"
        "Bill Clinton spoke first. His wife and current Democratic nominee Hillary Clinton said the plan would pass."
    )
    extraction = extract(extractor, text)
    plaintiffs = said(extraction, "the state had purged").speaker
    assert plaintiffs is not None and plaintiffs.kind == "group"
    assert plaintiffs.label.startswith("Ohio chapter of the Randolph Institute and Northeast Ohio Coalition")
    assert garbage_reason(plaintiffs.label, plaintiffs.kind) is None
    both = said(extraction, "the plant").speaker
    assert both is not None and both.kind == "group" and both.label.endswith("and Ann Lee")
    couple = said(extraction, "the plan would pass").speaker
    # "his wife and nominee X" is one person, not a group of two.
    assert couple is not None and couple.label == "Hillary Clinton" and couple.kind == "person"


def test_a_candidates_campaign_is_one_organisation_in_every_article(extractor):
    first = extract(
        extractor,
        "Maria Lopez spoke in Ohio. The Lopez campaign said the plan would cover single mothers. "
        "The campaign later said it would not comment.",
        "one",
    )
    second = extract(extractor, "Maria Lopez's presidential campaign said it raised $10 million.", "two")
    speakers = [said(first, "the plan").speaker, said(first, "it would not").speaker, said(second, "it raised").speaker]
    assert all(s is not None and s.kind == "organization" for s in speakers)
    assert {s.key for s in speakers if s} == {"organization/maria-lopez-campaign"}
    assert speakers[0] is not None and speakers[0].label == "Maria Lopez campaign"
    # a campaign named by no candidate stays a description of its article
    anonymous = said(extract(extractor, "The campaign said it raised $10 million.", "three"), "it raised").speaker
    assert anonymous is not None and anonymous.key != "organization/maria-lopez-campaign"


def test_i_in_a_letter_to_the_editor_is_the_name_signed_under_it(extractor):
    text = (
        "LETTERS.\n\nWill the investigations ever stop? I think the senator did nothing wrong.\n\n"
        "Chris Smith.\n\nBoston, Mass.\n\nThe statements mean little. I think she lied.\n\nAnn Lee.\n\nDenver\n"
    )
    extraction = extract(extractor, text)
    first, second = said(extraction, "the senator"), said(extraction, "she lied")
    assert first.speaker is not None and first.speaker.label == "Chris Smith"
    assert second.speaker is not None and second.speaker.label == "Ann Lee"
    assert second.resolution.method == "pronoun" and second.resolution.confidence < 0.7
    # "I" with no name line after it stays unresolved rather than guessed
    alone = said(extract(extractor, "I think the senator did nothing wrong.", "alone"), "the senator")
    assert alone.speaker is None


def test_he_who_closes_a_quotation_of_several_sentences_is_no_one_it_names(extractor):
    text = (
        "While Obama had many artists writing songs about him, that has not happened for Clinton, which is "
        "something that concerns Henry Crespo, president of the Black Caucus.\n\n"
        '"No one is writing songs for Hillary. Obama had will.i.am. Hillary has nobody like that," he said.'
    )
    claim = said(extract(extractor, text), '"No one')
    assert claim.speaker is not None and claim.speaker.label == "Henry Crespo"


def test_an_ad_is_a_document(extractor):
    text = "Maria Lopez released a television ad on Monday.\n\nThe ad says the governor cut school funding."
    claim = said(extract(extractor, text), "the governor")
    assert claim.speaker is not None and claim.speaker.kind == "document" and claim.speaker.label == "ad"


def test_a_wire_dateline_credits_the_publisher_and_makes_no_agent(extractor):
    text = "LONDON, March 3 (Reuters) - Olivia Brandt on Friday said exports fell by 3 percent."
    extraction = extract(extractor, text)
    assert extraction.dateline is not None and extraction.dateline.agency == "Reuters"
    labels = [a.label for a in extraction.agents]
    assert "Olivia Brandt" in labels
    assert all(garbage_reason(label, "person") is None for label in labels)
    graph = dataset_graph(extraction_to_dataset(extraction))
    assert validate(graph).conforms


def test_a_quotation_paragraph_continues_the_speaker_before(extractor):
    text = "“We will rebuild the bridge,” Olivia Brandt said.\n\n“It will reopen in May, and tolls stay the same.”"
    claim = said(extract(extractor, text), "It will reopen")
    assert claim.speaker is not None and claim.speaker.label == "Olivia Brandt"
    assert claim.resolution.method == "continuation" and claim.cue is None


def test_the_json_and_graph_carry_the_resolution_and_unresolved_speakers(extractor):
    text = "He said the plan would fail. Olivia Brandt said the plan was sound."
    extraction = extract(extractor, text)
    data = extraction_to_json(extraction)
    jsonschema.validate(data, SCHEMA)
    speakers = [c["speaker"] for c in data["claims"] if c["attributed"]]
    assert speakers[0]["label"] is None and speakers[0]["resolution"]["method"] == "unresolved"
    assert speakers[0]["mention"]["text"] == "He"
    assert speakers[1]["resolution"]["method"] == "name" and 0 < speakers[1]["resolution"]["confidence"] <= 1
    assert validate(dataset_graph(extraction_to_dataset(extraction))).conforms


@pytest.mark.parametrize(
    "text",
    [
        "Иван Петров заявил, что переговоры продолжатся. Петров сказал, что всё хорошо.",
        "WASHINGTON (AP) — THE MAYOR SAID THE BRIDGE WOULD REOPEN. HE SAID TOLLS WOULD STAY.",
        "No dateline, no title and no speaker here at all, just words.",
        " ".join(["He said it would rain, and she said it would not."] * 150),
    ],
)
def test_bad_input_never_crashes_nor_makes_garbage_agents(extractor, text):
    extraction = extract(extractor, text)
    for agent in extraction.agents:
        assert garbage_reason(agent.label, agent.kind) is None, agent.label
    assert validate(dataset_graph(extraction_to_dataset(extraction))).conforms


def test_names_normalise_to_one_key_and_one_search_form():
    assert slug("Mr.\u00a0José Núñez’s") == slug("jose nunez") == "jose-nunez"
    assert search_key("The Israeli  Military") == search_key("israeli military")
    assert slug("Иван Петров") == "иван-петров"


def test_a_document_with_a_name_after_it_is_the_document_not_that_person(extractor):
    # "the police chief, Col. Ana Ribeiro" is the person named after the comma; a document is not.
    text = 'Ann Lee\'s essay, "Maria, share your story," said the city must act now.'
    article = article_from_text(text, id="story")
    parsed = extractor.segmenter.parse(article)
    doc = parsed.doc
    mention = doc.char_span(0, text.index(","))
    appositive = doc.char_span(text.index("Maria"), text.index("Maria") + len("Maria"))
    assert mention is not None and appositive is not None
    resolved = extractor.speakers.for_article(article).resolve(mention, appositive, 0)
    assert resolved.agent is not None and resolved.agent.kind == "document"
    assert resolved.agent.author is not None and resolved.agent.author.label == "Ann Lee"


def test_they_is_never_a_state_named_beside_a_person(extractor):
    text = (
        "The mayor met Ann Cole, Democrat of Vermont, and Bo Dunn, Republican of Iowa, on Monday. "
        "They said on Thursday that the plan was too costly."
    )
    claim = said(extract(extractor, text), "that the plan")
    assert claim.speaker is None or claim.speaker.kind != "country"
    russia = said(
        extract(extractor, "Russia denied the report on Monday. They said the ships had left port."), "the ships"
    )
    assert russia.speaker is not None and russia.speaker.label == "Russia"


def test_a_party_designation_is_the_speakers_party_not_a_title_or_another_speaker(extractor):
    extraction = extract(extractor, "Rep. Ada Quill (D-Ore.) said the vote was close.")
    claim = said(extraction, "the vote")
    assert claim.speaker is not None and claim.speaker.label == "Ada Quill"
    assert claim.role is not None and claim.role.span is not None and claim.role.span.text == "D-Ore."
    assert claim.role.organization is not None and claim.role.organization.label == "Democratic Party"
    pair = said(
        extract(extractor, "Sens. Tom Vale, R-Tenn., and Ann Birch, R-S.C., said the bill should change."),
        "the bill",
    )
    assert pair.speaker is not None and pair.speaker.label == "Tom Vale and Ann Birch"


def test_a_newspaper_is_an_organisation_and_its_short_name_and_description_are_the_same_one(extractor):
    text = (
        "Post Story On Mayor Misleads Readers Who Were Worried\n\n"
        "The Harbor City Post reported that the mayor had resigned. The Post said he would leave on Friday. "
        "The newspaper said the council would meet. A council report said the budget was short."
    )
    extraction = extract(extractor, text)
    keys = {said(extraction, start).speaker.key for start in ("that the mayor", "he would leave", "the council")}
    assert keys == {"organization/harbor-city-post"}
    assert said(extraction, "the budget").speaker.kind == "document"


def test_a_name_the_tagger_reads_as_a_common_noun_in_a_title_line_is_the_organisation_named_later(extractor):
    text = "Quotewatch: Mayor Is Right About Potholes\n\nQuotewatch said on Monday that the claim was true."
    article = article_from_text(text, id="story")
    doc = extractor.segmenter.parse(article).doc
    resolver = extractor.speakers.for_article(article)
    later = doc.char_span(text.rindex("Quotewatch"), text.rindex("Quotewatch") + len("Quotewatch"))
    title = doc.char_span(0, len("Quotewatch"))
    assert later is not None and title is not None and title.root.pos_ == "NOUN"
    named = resolver.resolve(later, None, 1)
    in_title = resolver.resolve(title, None, 0)
    assert named.agent is not None and named.agent.kind == "organization"
    assert in_title.agent == named.agent


def test_a_group_counted_by_a_partitive_is_the_group_described_again(extractor):
    text = (
        "Dozens of residents said the water was brown. The residents said the city had ignored them. "
        "Other residents said it was fine."
    )
    extraction = extract(extractor, text)
    dozens, again, other = (said(extraction, start).speaker for start in ("the water", "the city", "it was"))
    assert dozens is not None and dozens == again
    assert other is not None and other != dozens


def test_the_senators_are_the_senators_named_together_before(extractor):
    text = (
        "Senator Ann Birch and Senator Tom Vale said on Monday that the agency had failed. "
        "The senators said the program was abused. Many lawmakers said the program should end."
    )
    extraction = extract(extractor, text)
    pair = said(extraction, "that the agency").speaker
    assert pair is not None and pair.label == "Ann Birch and Tom Vale"
    assert said(extraction, "the program was").speaker == pair
    assert said(extraction, "the program should").speaker != pair


def test_they_after_people_named_together_is_that_pair(extractor):
    text = "Ann Birch and Tom Vale met the mayor on Monday. They said the program was abused."
    claim = said(extract(extractor, text), "the program")
    assert claim.speaker is not None and claim.speaker.label == "Ann Birch and Tom Vale"
    assert claim.resolution is not None and claim.resolution.method == "pronoun"


SPEAKER_NAMED_AGAIN = {
    "an apposition's noun finds the organisation": (
        "Voxa, the state television network, said the report was false. The network said its staff were safe.",
        "the report",
        "its staff",
        "Voxa",
    ),
    "a misspelled surname opening a sentence": (
        '"The plan is in trouble," said Leslie Wimes, a Florida activist. '
        "Wines believes that the campaign took voters for granted.",
        '"The plan',
        "that the campaign",
        "Leslie Wimes",
    ),
    "a name holding an infinitive": (
        "The event organizer Alliance to Rebuild Our Parks said parents would march. "
        "The alliance said the parks were underfunded.",
        "parents",
        "the parks",
        "Alliance to Rebuild Our Parks",
    ),
    "a name the tagger cut at its middle initial": (
        "Critics of the program, like Senators Charles E. Birch, Republican of Iowa, and Patrick J. Vale, "
        "Democrat of Vermont, see the bill as a chance to fix it. But Mr. Birch and Mr. Vale said developers "
        "had gamed the rules, which the senators said was gerrymandering.",
        "developers",
        "which the senators",
        "Charles E. Birch and Patrick J. Vale",
    ),
    "a lawyer introduced by apposition to 'an attorney for' his client": (
        "An attorney for Quill, Mark Dunmore, stressed that his client was ready to appear. The panel voted "
        "on Thursday. However, Quill's lawyer has said he will refuse to answer any questions.",
        "that his client",
        "he will refuse",
        "Mark Dunmore",
    ),
    "an acronym written with full stops": (
        "The Widget Safety Board said it had opened an inquiry into the fund in May. "
        "The W.S.B. said on Friday that it had found no fraud.",
        "it had opened",
        "that it had found",
        "Widget Safety Board",
    ),
    "a body of a named organisation, and a name cut at 'for'": (
        "A three-judge panel of the U.S. Court of Appeals for the Ninth Circuit ruled that the state had erred. "
        "The court said the law was void.",
        "that the state",
        "the law",
        "U.S. Court of Appeals for the Ninth Circuit",
    ),
}


@pytest.mark.parametrize(
    ("text", "first", "again", "label"), list(SPEAKER_NAMED_AGAIN.values()), ids=list(SPEAKER_NAMED_AGAIN)
)
def test_a_speaker_named_again_is_the_same_agent(extractor, text, first, again, label):
    extraction = extract(extractor, text)
    speaker = said(extraction, first).speaker
    assert speaker is not None and speaker.label == label
    assert said(extraction, again).speaker == speaker


def test_the_woman_after_a_woman_is_that_woman_not_a_woman_named_since(extractor):
    text = (
        "A woman who lost her job last year is the face of the campaign. The Post sent its reporter Ann "
        "Birch to watch the debate with the woman and her boyfriend. The woman said she had never voted "
        "before. She said the town had been forgotten."
    )
    extraction = extract(extractor, text)
    woman, she = said(extraction, "she had never"), said(extraction, "the town")
    assert woman.speaker is not None and woman.speaker.kind == "anonymous" and woman.speaker.label == "woman"
    assert she.speaker == woman.speaker
