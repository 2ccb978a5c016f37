"""A hand-built ``Extraction`` of the seed article, from the gold annotation (no spaCy needed).

Used by the graph, SHACL, store, query and CLI tests so they do not depend on the extractor.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from cpkg.aliases import AliasTable
from cpkg.articles import load_article
from cpkg.graph import slug
from cpkg.model import (
    Agent,
    Article,
    Claim,
    Dateline,
    Extraction,
    OrgRelation,
    Quantity,
    Role,
    SourceAssessment,
    Span,
    VerificationMarker,
)

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_7ca092153d92ac16.txt"
GOLD = Path(__file__).resolve().parent / "data" / "000_7ca092153d92ac16.gold.json"

# How each gold quantity is written in the content (gold gives value and qualifier only).
QUANTITY_TEXT = {
    9000: "more than 9,000",
    9061: "9,061",
    3760: "3,760",
    335: "At least 335",
    100: "approximately another 100",
    76: "Seventy-six",
    400: "400",
    15: "15",
}
ROLE_ORGS = {"Health Ministry (Gaza)", "United States", "Palestinian Crossings Authority"}


def seed_article(**meta: Any) -> Article:
    article = load_article(SEED)
    if meta:
        article = replace(article, meta=replace(article.meta, **meta))
    return article


def agent_named(label: str, kind: str = "organization") -> Agent:
    known = AliasTable.default().lookup(label)
    if known is not None:
        return known
    return Agent(key=slug(label), label=label, kind=kind)  # type: ignore[arg-type]


def _find(text: str, needle: str, near: int) -> Span:
    """The occurrence of ``needle`` nearest to offset ``near``."""
    positions, start = [], text.find(needle)
    while start >= 0:
        positions.append(start)
        start = text.find(needle, start + 1)
    assert positions, needle
    best = min(positions, key=lambda p: abs(p - near))
    return Span.of(text, best, best + len(needle))


def seed_extraction(publisher: str | None = "Example News") -> Extraction:
    """The gold claims of the seed as an Extraction, plus two claims in the article's voice."""
    article = seed_article(publisher=publisher, title="Israeli troops advance toward Gaza City", url=None)
    text = article.text
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    claims: list[Claim] = []
    for item in gold["claims"]:
        content = Span.of(text, *item["content_span"])
        mention = Span.of(text, *item["speaker_mention_span"])
        speaker = agent_named(item["speaker"], item["speaker_kind"])
        speaker = replace(speaker, aliases=tuple(sorted(set(speaker.aliases) | set(item["speaker_aliases"]))))
        cue = _find(text, item["cue"], mention.start)
        role = None
        if "role" in item:
            r = item["role"]
            org = agent_named(r["organization"]) if r["organization"] in ROLE_ORGS else None
            if org is not None and r["organization"] == "United States":
                org = agent_named("United States", "country")
            role = Role(title=r["title"], organization=org, span=_find(text, r["text"], mention.start))
        quantities = tuple(
            Quantity(q["value"], q["qualifier"], _find(text, QUANTITY_TEXT[q["value"]], content.start))
            for q in item.get("quantities", [])
        )
        hedges = ()
        if item["hedged"]:
            word = "potentially" if "potentially" in content.text else "appear to"
            hedges = (_find(text, word, content.start),)
        claims.append(
            Claim(
                id=item["id"],
                content=content,
                attributed=True,
                context=item["context"],
                cue=cue,
                speaker=speaker,
                mention=mention,
                role=role,
                honorific="Dr." if item["id"] == "c02" else None,
                verification="not_independently_confirmed" if item["unconfirmed"] else "unmarked",
                hedged=item["hedged"],
                hedges=hedges,
                quantities=quantities,
                said_on=dt.date.fromisoformat(item["said_on"]) if item.get("said_on") else None,
            )
        )
    for claim_id, sentence, number, qualifier_text in [
        (
            "a01",
            "More than 3,600 Palestinian children have been killed in 25 days of fighting",
            3600,
            "More than 3,600",
        ),
        ("a02", "More than 1,400 people have been killed on the Israeli side", 1400, "More than 1,400"),
    ]:
        content = _find(text, sentence, 0)
        claims.append(
            Claim(
                id=claim_id,
                content=content,
                attributed=False,
                quantities=(Quantity(number, "more_than", _find(text, qualifier_text, content.start)),),
            )
        )
    health = agent_named("Health Ministry (Gaza)")
    isw = agent_named("Institute for the Study of War")
    return Extraction(
        article=article,
        dateline=Dateline(Span.of(text, 0, 18), "Rafah", dt.date(2023, 11, 2)),
        headlines=[Span.of(text, *h["span"]) for h in gold["embedded_headlines"]],
        claims=claims,
        markers=[
            VerificationMarker(Span.of(text, *m["span"]), tuple(m["applies_to"])) for m in gold["verification_markers"]
        ],
        org_relations=[
            OrgRelation(
                health,
                "part_of",
                "the Hamas-run government",
                None,
                _find(text, "The Health Ministry is part of the Hamas-run government", 0),
            ),
            OrgRelation(
                isw,
                "described_as",
                "a US research group",
                None,
                _find(text, "the Institute for the Study of War, a US research group", 0),
            ),
        ],
        assessments=[SourceAssessment(health, Span.of(text, *gold["source_assessments"][0]["span"]))],
        model="hand-built-fixture",
        software_version="test",
    )


def disagreeing_extraction() -> Extraction:
    """The seed extraction as another article whose "More than 3,600" children became exactly
    3,600: it then disagrees with al-Qudra's 3,760 (the seed's own pair is compatible)."""
    extraction = seed_extraction()
    article = replace(extraction.article, meta=replace(extraction.article.meta, id="disagreeing"))
    for claim in extraction.claims:
        claim.quantities = tuple(replace(q, qualifier="exact") if q.value == 3600 else q for q in claim.quantities)
    extraction.article = article
    return extraction
