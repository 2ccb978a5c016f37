"""Who the speakers are: extraction scored against a hand-made speaker gold (`cpkg eval --speakers`).

The speaker gold (``tests/data/polnear_dev_speakers.json``) gives, for every gold attribution with a
source span in some PolNeAR dev articles, the real-world speaker the source refers to: a canonical
name with aliases, a kind (person, organization, country, group, anonymous, document, or none for
sources that are no speaker) and the mention type (name, surname, title, first_name, pronoun,
nominal, anonymous, document, conjunction, other). It holds offsets and names only; the text stays
in ``../shared``.

Measured on predictions in the JSON contract (``cpkg.jsonio``):

* **speaker accuracy** among *found* attributions: a gold attribution is found when a predicted
  attributed claim's speaker mention overlaps its source (at least half of the shorter span, as in
  ``cpkg.evaluation``); it is right when the predicted speaker's label, normalised, equals the
  gold canonical name or one of its aliases. Overall, by mention type and by gold kind. Sources
  of kind ``none`` are listed in the gold but not scored.
* **agents per speaker**: the distinct agent IRIs the predictions give one real speaker: those of
  its rightly resolved attributions, and, for people, organisations and countries (which are one
  agent across articles), every agent in any predicted article whose label is the speaker's
  canonical name. Groups, anonymous sources and documents are article-scoped speakers.
* **garbage agents**: agents whose label is a pronoun, a number, a date, weekday or time phrase
  (alone or glued to a name), a dateline, a quotation or a headline-length phrase.
* **documents typed as agents**: gold document sources resolved to a person, organisation,
  country or group, and any agent of those kinds whose label is headed by a document noun.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpkg.errors import InputError
from cpkg.evaluation import OVERLAP_MIN, GoldDocument, Parts, overlap_ratio

GLOBAL_KINDS = frozenset({"person", "organization", "country"})
UNSCORED_KIND = "none"
AGENT_KINDS = frozenset({"person", "organization", "country", "group"})


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_PRONOUNS = _word_set(
    "i me my mine we us our ours you your yours he him his she her hers it its they them their theirs "
    "who whom whose which that this these those one"
)
_LEADING = frozenset({"the", "a", "an"})
# Honorifics and titles name a role, not the person: "Mr. Trump" and "Trump" are one speaker.
_TITLES = _word_set(
    "mr mrs ms miss dr prof sir dame rev sen senator rep representative gov governor president secretary del gen "
    "lt col capt sgt"
)
# A label made of these alone describes a role, not who holds it.
_ROLE_WORDS = _TITLES | _word_set(
    "judge justice mayor chairman chairwoman spokesman spokeswoman spokesperson official officials minister "
    "commissioner chief director senator congressman congresswoman lawmaker candidate nominee"
)
_NUMBER_WORDS = _word_set(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million "
    "billion dozen dozens hundreds thousands millions"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_TIME_PHRASE = re.compile(
    rf"\b(?i:{_WEEKDAYS})\b|\b(?i:{_MONTHS})\.?\s+\d{{1,2}}\b|\b(?:yesterday|today|tonight|tomorrow)\b"
    r"|\b(?:last|this|next|recent|past|coming)\s+(?:week|weeks|month|months|year|years|days|night|weekend)\b"
    r"|\bearlier\s+(?:this|today)\b|\bin\s+recent\s+\w+"
)
# "(Reuters", "WASHINGTON (AP) —", "LONDON, March 3": an agency credit or an upper-case place opening a dateline.
_DATELINE = re.compile(r"\((?:AP|Reuters|AFP|UPI|Bloomberg|CNN)\b|^[A-Z]{2,}[A-Z .'’-]*(?:,|\s[—–-])|\s[—–]\s")
_QUOTES = re.compile(r"[\"“”«»<>]")
HEADLINE_WORDS = 12
DOCUMENT_NOUNS = _word_set(
    "memo memos memorandum report reports video videos footage email emails e-mail e-mails letter letters "
    "statement statements poll polls survey surveys study studies book books memoir tweet tweets post posts "
    "posting article articles piece story document documents transcript transcripts complaint complaints "
    "ruling rulings analysis data statistics commentary editorial op-ed filing filings brief briefs record "
    "records release cable cables audit audits recording recordings"
)


def normalize_name(text: str | None) -> str:
    """A name in comparable form: NFKC, one kind of space and quote, case-folded, without leading
    titles, articles ("the", "a"), a possessive, dots in acronyms or surrounding punctuation."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"(?<=\w)'s\b|(?<=s)'(?=\s|$)", "", text.casefold())
    text = re.sub(r"(?<=\b\w)\.(?=\w\.)|(?<=\b\w\.\w)\.", "", text)  # U.S. -> US, S.E.C. -> SEC
    words = re.findall(r"[\w@][\w@'&.-]*", text)
    words = [w.strip(".'-") for w in words]
    while words and words[0].rstrip(".") in _TITLES:
        words = words[1:]
    return " ".join(w for w in words if w and w not in _LEADING)


# --------------------------------------------------------------------------- the gold


@dataclass(frozen=True)
class GoldSpeaker:
    article: str
    event: str
    source: Parts
    canonical: str
    aliases: tuple[str, ...]
    kind: str
    mention_type: str

    @property
    def identity(self) -> tuple[str, str]:
        """People, organisations and countries are one speaker across articles; the rest per article."""
        scope = "" if self.kind in GLOBAL_KINDS else self.article
        return scope, self.canonical

    @property
    def names(self) -> frozenset[str]:
        return frozenset(n for n in map(normalize_name, (self.canonical, *self.aliases)) if n)


def load_speaker_gold(path: str | Path) -> list[GoldSpeaker]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [
            GoldSpeaker(
                article=article["article"],
                event=item["event"],
                source=tuple((int(a), int(b)) for a, b in item["source"]),
                canonical=item["canonical"],
                aliases=tuple(item.get("aliases", ())),
                kind=item["kind"],
                mention_type=item["mention_type"],
            )
            for article in data["articles"]
            for item in article["attributions"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"{path}: not a speaker gold file ({error!r})") from None


# --------------------------------------------------------------------------- predictions


@dataclass(frozen=True)
class PredictedSpeaker:
    label: str | None
    kind: str | None
    iri: str | None
    mention: Parts
    content: Parts | None


def _predicted_speakers(prediction: Mapping[str, Any]) -> list[PredictedSpeaker]:
    found = []
    for claim in prediction.get("claims", []):
        speaker = claim.get("speaker") or {}
        mention = speaker.get("mention") or {}
        if not claim.get("attributed", True) or "start" not in mention:
            continue
        parts = claim.get("parts") or [[claim["start"], claim["end"]]]
        found.append(
            PredictedSpeaker(
                label=speaker.get("label"),
                kind=speaker.get("kind"),
                iri=speaker.get("iri"),
                mention=((int(mention["start"]), int(mention["end"])),),
                content=tuple((int(a), int(b)) for a, b in parts),
            )
        )
    return found


def _agents_of(prediction: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every agent object a prediction names: speakers, affiliations, facts, assessments."""
    for claim in prediction.get("claims", []):
        speaker = claim.get("speaker") or {}
        if speaker.get("iri"):
            yield speaker
        if (speaker.get("affiliation") or {}).get("iri"):
            yield speaker["affiliation"]
    for relation in prediction.get("organization_relations", []):
        for role in ("subject", "object"):
            if (relation.get(role) or {}).get("iri"):
                yield relation[role]
    for assessment in prediction.get("source_assessments", []):
        if (assessment.get("about") or {}).get("iri"):
            yield assessment["about"]


def recording(extract_fn: Callable[[Sequence[GoldDocument]], Iterable[Mapping[str, Any]]], into: dict[str, Any]) -> Any:
    """``extract_fn`` that also keeps each prediction in ``into`` by article id (for speaker scoring)."""

    def run(golds: Sequence[GoldDocument]) -> Iterator[Mapping[str, Any]]:
        for gold, prediction in zip(golds, extract_fn(golds), strict=True):
            into[gold.id] = prediction
            yield prediction

    return run


# --------------------------------------------------------------------------- checks on labels


def garbage_reason(label: str, kind: str = "") -> str | None:
    """Why an agent label is no real-world speaker, or None. A group named by its members ("the Ohio
    chapter of X and the Y Coalition") is judged member by member: its length is no headline's."""
    if kind == "group" and " and " in label:
        return next(filter(None, (garbage_reason(part) for part in label.split(" and "))), None)
    words = normalize_name(label).split()
    raw = label.strip()
    if not any(c.isalpha() for c in raw):
        return "no name"
    if all(w in _ROLE_WORDS for w in re.findall(r"[\w-]+", raw.casefold()) if w not in _LEADING):
        # "the president" is a fine description of an article-scoped source, never a shared agent.
        return "bare title" if kind in GLOBAL_KINDS else None
    if raw.casefold() in _PRONOUNS:
        return "pronoun"
    if all(w in _NUMBER_WORDS or re.fullmatch(r"[\d.,]+", w) for w in words):
        return "number"
    if raw.count("(") != raw.count(")") or _DATELINE.search(raw):
        return "dateline"
    if _TIME_PHRASE.search(raw):
        return "date or time phrase"
    if _QUOTES.search(raw):
        return "quotation"
    if (
        len(raw.split()) >= HEADLINE_WORDS
        or ": " in raw
        or (re.search(r"[a-z]{2}[.!?]$", raw) and len(raw.split()) > 3)
    ):
        return "headline or sentence"
    return None


def is_document_label(label: str) -> bool:
    """Headed by a lower-case document noun ("IMF report", "the memo", "transcript of the debate");
    "New York Post" is a name, "authors of the report" are people."""
    words = re.findall(r"[\w-]+", re.split(r"\s+of\s+", label, maxsplit=1)[0])
    return bool(words) and words[-1] in DOCUMENT_NOUNS


# --------------------------------------------------------------------------- scoring


@dataclass
class Tally:
    right: int = 0
    found: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        return self.right / self.found if self.found else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"accuracy": round(self.accuracy, 3), **self.__dict__}


@dataclass
class SpeakerReport:
    overall: Tally
    by_mention: dict[str, Tally]
    by_kind: dict[str, Tally]
    kind_right: int
    agents: dict[tuple[str, str], set[str]]
    garbage: list[tuple[str, str, str]]
    documents_as_agents: list[tuple[str, str]]
    wrong: list[str] = field(default_factory=list)

    @property
    def speakers_on_one_agent(self) -> int:
        return sum(1 for iris in self.agents.values() if len(iris) == 1)

    @property
    def split_speakers(self) -> dict[tuple[str, str], set[str]]:
        return {who: iris for who, iris in self.agents.items() if len(iris) > 1}

    def to_json(self) -> dict[str, Any]:
        return {
            "accuracy": self.overall.to_json(),
            "by_mention_type": {k: v.to_json() for k, v in sorted(self.by_mention.items())},
            "by_kind": {k: v.to_json() for k, v in sorted(self.by_kind.items())},
            "kind_accuracy": round(self.kind_right / self.overall.found, 3) if self.overall.found else 0.0,
            "speakers_with_an_agent": len(self.agents),
            "speakers_on_exactly_one_agent": self.speakers_on_one_agent,
            "split_speakers": {" / ".join(filter(None, k)): sorted(v) for k, v in self.split_speakers.items()},
            "garbage_agents": [{"label": label, "reason": why, "iri": iri} for label, why, iri in self.garbage],
            "documents_typed_as_agents": [{"label": label, "kind": kind} for label, kind in self.documents_as_agents],
            "wrong": self.wrong,
        }

    def format(self, *, details: bool = False) -> str:
        o = self.overall
        lines = [
            "",
            f"speakers (hand gold): accuracy {o.accuracy:.3f} ({o.right}/{o.found} found of {o.total} scored), "
            f"kind right {self.kind_right}/{o.found}",
            f"{'mention type':14s} {'accuracy':>8s} {'right':>6s} {'found':>6s} {'total':>6s}",
        ]
        for name, tally in sorted(self.by_mention.items()):
            lines.append(f"{name:14s} {tally.accuracy:8.3f} {tally.right:6d} {tally.found:6d} {tally.total:6d}")
        lines.append(f"{'kind':14s}")
        for name, tally in sorted(self.by_kind.items()):
            lines.append(f"{name:14s} {tally.accuracy:8.3f} {tally.right:6d} {tally.found:6d} {tally.total:6d}")
        split = self.split_speakers
        lines.append(
            f"agents: {self.speakers_on_one_agent} of {len(self.agents)} speakers on exactly one agent node, "
            f"{len(split)} split"
        )
        lines += [f"  split: {' / '.join(filter(None, who))}: {', '.join(sorted(iris))}" for who, iris in split.items()]
        lines.append(f"garbage agents: {len(self.garbage)}")
        lines += [f"  {label!r} ({why})" for label, why, _ in self.garbage]
        lines.append(f"documents typed as persons/organisations/groups: {len(self.documents_as_agents)}")
        lines += [f"  {label!r} as {kind}" for label, kind in self.documents_as_agents]
        if details:
            lines += [f"  wrong: {item}" for item in self.wrong]
        return "\n".join(lines)


def _best_prediction(
    gold: GoldSpeaker, content: Parts | None, preds: list[PredictedSpeaker]
) -> PredictedSpeaker | None:
    """The predicted claim whose mention overlaps the gold source; ties go to the one whose content
    overlaps the gold attribution's content most."""
    candidates = [p for p in preds if overlap_ratio(gold.source, p.mention) >= OVERLAP_MIN]
    if not candidates:
        return None
    if content is None:
        return candidates[0]
    return max(candidates, key=lambda p: overlap_ratio(content, p.content) if p.content else 0.0)


def score_speakers(
    gold: Sequence[GoldSpeaker], documents: Sequence[GoldDocument], predictions: Mapping[str, Mapping[str, Any]]
) -> SpeakerReport:
    """Score ``predictions`` (JSON contract by article id; all extracted articles, the gold's among them)."""
    missing = sorted({g.article for g in gold} - set(predictions))
    if missing:
        raise InputError(f"no prediction for {len(missing)} speaker-gold article(s), e.g. {missing[0]}")
    contents = {(doc.id, attribution.id): attribution.content for doc in documents for attribution in doc.attributions}
    speakers_by_article = {article: _predicted_speakers(p) for article, p in predictions.items()}
    overall = Tally()
    by_mention: defaultdict[str, Tally] = defaultdict(Tally)
    by_kind: defaultdict[str, Tally] = defaultdict(Tally)
    kind_right = 0
    agents: dict[tuple[str, str], set[str]] = defaultdict(set)
    documents_as_agents: Counter[tuple[str, str]] = Counter()
    wrong = []
    for item in gold:
        if item.kind == UNSCORED_KIND:
            continue
        tallies = (overall, by_mention[item.mention_type], by_kind[item.kind])
        for tally in tallies:
            tally.total += 1
        predicted = _best_prediction(item, contents.get((item.article, item.event)), speakers_by_article[item.article])
        if predicted is None:
            continue
        for tally in tallies:
            tally.found += 1
        kind_right += predicted.kind == item.kind or (item.kind == "anonymous" and predicted.kind == "group")
        if item.kind == "document" and predicted.kind in AGENT_KINDS:
            documents_as_agents[(predicted.label or "", predicted.kind or "")] += 1
        if normalize_name(predicted.label) in item.names:
            for tally in tallies:
                tally.right += 1
            if predicted.iri:
                agents[item.identity].add(predicted.iri)
        else:
            wrong.append(
                f"{item.article} {item.event} [{item.mention_type}] want {item.canonical!r} got {predicted.label!r}"
            )
    canonical_iris: dict[str, set[str]] = defaultdict(set)
    garbage: dict[str, tuple[str, str, str]] = {}
    for prediction in predictions.values():
        for agent in _agents_of(prediction):
            label, iri, kind = str(agent.get("label") or ""), str(agent["iri"]), str(agent.get("kind") or "")
            canonical_iris[normalize_name(label)].add(iri)
            reason = garbage_reason(label, kind)
            if reason is not None:
                garbage.setdefault(iri, (label, reason, iri))
            if kind in AGENT_KINDS and is_document_label(label):
                documents_as_agents[(label, kind)] += 0
    for item in gold:
        if item.kind in GLOBAL_KINDS and item.identity in agents:
            agents[item.identity] |= canonical_iris.get(normalize_name(item.canonical), set())
    return SpeakerReport(
        overall=overall,
        by_mention=dict(by_mention),
        by_kind=dict(by_kind),
        kind_right=kind_right,
        agents=dict(agents),
        garbage=sorted(garbage.values()),
        documents_as_agents=sorted(documents_as_agents),
        wrong=wrong,
    )
