"""Scoring extracted claims against gold attributions (`cpkg eval`).

Two gold formats are read into the same :class:`GoldDocument`:

* **our gold JSON** (``tests/data/*.gold.json``): claims with ``content_span``,
  ``speaker_mention_span``, the cue as text only, ``speaker`` + ``speaker_aliases``,
  ``unconfirmed``; ``optional`` content spans are neither rewarded nor penalised. The gold
  has no cue offsets, so the cue span is located in the article: the occurrence of the cue
  text (whole words, case-insensitive, outside the content) closest to the speaker mention
  and the content together.
* **brat standoff** (PolNeAR): a folder with ``text/NAME.txt`` and
  ``attributions/NAME_ANNOTATOR.ann``. ``T`` lines give ``Label start end[;start end...]``
  (discontinuous spans), ``E`` lines ``Attribution:T4 Content:T3 Cue:T2 Source:T1`` (or
  ``Attribution-no-source:...``). Offsets are trusted; the text column is ignored (brat writes
  multi-line span text on continuation lines, which are skipped). Several annotators may have
  annotated one article. ``annotator="first"`` (the default) keeps, per article, the file whose
  annotator suffix sorts first, so each article counts once and the choice is reproducible;
  ``annotator="all"`` yields one gold document per annotator file (multi-annotated articles
  then weigh once per annotator in the micro average, i.e. the prediction is scored against
  each annotator).

Predictions are plain dicts of the JSON contract (``cpkg.jsonio.extraction_to_json``): only
claims with ``attributed`` true are scored; content is ``parts`` (or ``start``/``end``), the
cue ``cue.start``/``cue.end``, the source ``speaker.mention.start``/``.end``.

Span scores (components ``cue``, ``source``, ``content``), micro-averaged over documents:

* Each document contributes its *distinct* gold and predicted spans per component (two
  predicted claims sharing one cue count that cue once). Spans are normalised first: each
  part is trimmed of surrounding whitespace and punctuation (quotes, commas, full stops,
  dashes...), and parts separated only by such characters are merged.
* **exact**: the normalised spans are identical (same parts, same offsets).
* **overlap**: the two spans share at least half of the shorter span's characters, the
  definition of ``../shared/eval/score.py``; matching is one-to-one, best overlap first.
* ``attribution`` scores whole attribution relations: a predicted claim matches a gold
  attribution when cue, content and (when the gold has one) source all match, exactly or by
  overlap. Gold attributions missing a cue or content in brat are left out of this row.

For gold JSON documents the report also reproduces ``score.py`` (claim level): ``claim_span``,
``claim_with_speaker`` and ``unconfirmed`` P/R/F1, with its greedy matching and speaker-name
normalisation, so ``cpkg eval`` on the seed prints the same numbers as ``score.py``.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cpkg.errors import InputError

Parts = tuple[tuple[int, int], ...]
"""A possibly discontinuous span: sorted, non-overlapping ``(start, end)`` parts, end exclusive."""

COMPONENTS = ("cue", "source", "content", "attribution")
MATCHES = ("exact", "overlap")
OVERLAP_MIN = 0.5
AnnotatorPolicy = Literal["first", "all"]


# --------------------------------------------------------------------------- gold documents


@dataclass(frozen=True)
class GoldAttribution:
    id: str
    content: Parts | None
    cue: Parts | None
    source: Parts | None
    speaker: str | None = None
    speaker_aliases: tuple[str, ...] = ()
    unconfirmed: bool = False


@dataclass(frozen=True)
class GoldDocument:
    id: str
    text: str
    attributions: tuple[GoldAttribution, ...]
    format: Literal["json", "brat"]
    path: str = ""
    annotator: str | None = None
    optional: tuple[Parts, ...] = ()
    """Content spans neither rewarded nor penalised (our gold JSON's ``optional``)."""


def _parts(pairs: Iterable[Sequence[int]]) -> Parts:
    parts = sorted((int(a), int(b)) for a, b in pairs)
    if not parts or any(not 0 <= a < b for a, b in parts):
        raise ValueError(f"invalid span parts {parts}")
    return tuple(parts)


_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)(?:\t|$)")
_E_LINE = re.compile(r"^(E\d+)\t(.*)$")


def parse_brat_ann(ann: str, *, text: str | None = None, source: str = "ann") -> list[GoldAttribution]:
    """Attributions of one brat ``.ann`` string (``Attribution`` and ``Attribution-no-source`` events)."""
    spans: dict[str, Parts] = {}
    events: list[tuple[str, dict[str, str]]] = []
    for number, line in enumerate(ann.splitlines(), 1):
        if match := _T_LINE.match(line):
            parts = _parts(tuple(map(int, p.split())) for p in match[3].split(";"))
            if text is not None and parts[-1][1] > len(text):
                raise InputError(f"{source}:{number}: span {match[3]} beyond the text ({len(text)} chars)")
            spans[match[1]] = parts
        elif match := _E_LINE.match(line):
            args: dict[str, str] = {}
            for item in match[2].split():
                role, _, ref = item.partition(":")
                args[role] = ref
            events.append((match[1], args))
        # other lines (relations, notes, continuation lines of multi-line span text) are skipped
    out = []
    for eid, args in events:
        if not any(role.startswith("Attribution") for role in args):
            continue

        def get(role: str, args: dict[str, str] = args, eid: str = eid) -> Parts | None:
            ref = args.get(role)
            if not ref:
                return None
            if ref not in spans:
                raise InputError(f"{source}: event {eid} refers to unknown {ref}")
            return spans[ref]

        out.append(GoldAttribution(id=eid, content=get("Content"), cue=get("Cue"), source=get("Source")))
    return out


def _read_text(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read article text ({error})") from None


def is_brat_folder(folder: Path) -> bool:
    return (folder / "attributions").is_dir() and (folder / "text").is_dir()


def load_brat_folder(
    folder: str | Path, *, annotator: AnnotatorPolicy = "first", limit: int | None = None
) -> list[GoldDocument]:
    """Gold documents of a brat folder (``text/`` + ``attributions/``), sorted by article name."""
    folder = Path(folder)
    if not is_brat_folder(folder):
        raise InputError(f"{folder}: not a brat gold folder (needs text/ and attributions/ subfolders)")
    if annotator not in ("first", "all"):
        raise InputError(f"annotator policy must be 'first' or 'all', not {annotator!r}")
    by_article: dict[str, list[tuple[str, Path]]] = {}
    for ann in sorted((folder / "attributions").glob("*.ann")):
        name, sep, who = ann.stem.rpartition("_")
        if not sep:
            name, who = ann.stem, ""
        by_article.setdefault(name, []).append((who, ann))
    if not by_article:
        raise InputError(f"{folder / 'attributions'}: no .ann files")
    docs = []
    for name in sorted(by_article)[:limit]:
        text_path = folder / "text" / f"{name}.txt"
        if not text_path.is_file():
            raise InputError(f"{text_path}: missing article text for {name}")
        text = _read_text(text_path)
        files = sorted(by_article[name])
        for who, ann in files if annotator == "all" else files[:1]:
            attributions = parse_brat_ann(_read_text(ann), text=text, source=str(ann))
            docs.append(
                GoldDocument(
                    id=name,
                    text=text,
                    attributions=tuple(attributions),
                    format="brat",
                    path=str(ann),
                    annotator=who or None,
                )
            )
    return docs


def _word_occurrences(text: str, word: str) -> list[tuple[int, int]]:
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, word.split())) + r"(?!\w)", re.IGNORECASE)
    return [m.span() for m in pattern.finditer(text)]


def _distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, a[0] - b[1], b[0] - a[1])


def locate_cue(text: str, cue: str, mention: tuple[int, int] | None, content: tuple[int, int]) -> Parts | None:
    """The occurrence of ``cue`` nearest to the mention and content, outside the content; None if absent."""
    if not cue.strip() or cue.startswith("("):
        return None
    best: tuple[int, int] | None = None
    best_cost = None
    for occ in _word_occurrences(text, cue):
        if occ[0] < content[1] and content[0] < occ[1]:
            continue
        cost = _distance(occ, content) + (_distance(occ, mention) if mention else 0)
        if best_cost is None or cost < best_cost:
            best, best_cost = occ, cost
    return None if best is None else (best,)


def find_gold_text(gold_path: Path, document: str, text_dirs: Sequence[Path] = ()) -> Path:
    """The article a gold JSON names: in ``text_dirs``, beside the gold, then in ``../seeds``."""
    candidates = [*text_dirs, gold_path.parent, gold_path.parent.parent / "seeds"]
    for directory in candidates:
        path = Path(directory) / document
        if path.is_file():
            return path
    where = ", ".join(str(Path(d)) for d in candidates)
    raise InputError(f"{gold_path}: article {document!r} not found in {where} (use --text-dir)")


def load_gold_json(path: str | Path, *, text: str | None = None, text_dirs: Sequence[str | Path] = ()) -> GoldDocument:
    """A gold document in our JSON format; the article text is found by its ``document`` name."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot read gold JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise InputError(f"{path}: not a cpkg gold file (needs a 'claims' list)")
    document = str(data.get("document") or "")
    if text is None:
        if not document:
            raise InputError(f"{path}: gold has no 'document' naming its article")
        text = _read_text(find_gold_text(path, document, [Path(d) for d in text_dirs]))
    attributions: list[GoldAttribution] = []
    try:
        for claim in data["claims"]:
            content = _parts([claim["content_span"]])
            mention = claim.get("speaker_mention_span")
            source = _parts([mention]) if mention else None
            cue = locate_cue(text, str(claim.get("cue") or ""), source[0] if source else None, content[0])
            attributions.append(
                GoldAttribution(
                    id=str(claim.get("id", len(attributions))),
                    content=content,
                    cue=cue,
                    source=source,
                    speaker=claim.get("speaker"),
                    speaker_aliases=tuple(claim.get("speaker_aliases", ())),
                    unconfirmed=bool(claim.get("unconfirmed", False)),
                )
            )
        optional = tuple(_parts([o["content_span"]]) for o in data.get("optional", []))
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(f"{path}: malformed gold claim ({error!r})") from None
    doc_id = Path(document).stem if document else path.name.removesuffix(".gold.json")
    return GoldDocument(
        id=doc_id,
        text=text,
        attributions=tuple(attributions),
        format="json",
        path=str(path),
        optional=optional,
    )


# --------------------------------------------------------------------------- span arithmetic


def _is_trim(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "PZ"


def normalize(parts: Parts, text: str) -> Parts:
    """Trim whitespace/punctuation off each part and merge parts separated only by such characters."""
    trimmed = []
    for start, end in parts:
        end = min(end, len(text))
        while start < end and _is_trim(text[start]):
            start += 1
        while end > start and _is_trim(text[end - 1]):
            end -= 1
        if start < end:
            trimmed.append((start, end))
    trimmed.sort()
    merged: list[tuple[int, int]] = []
    for start, end in trimmed:
        if merged and all(_is_trim(c) for c in text[merged[-1][1] : start]):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged) if merged else tuple(parts)


def span_length(parts: Parts) -> int:
    return sum(b - a for a, b in parts)


def overlap_ratio(a: Parts, b: Parts) -> float:
    """Shared characters over the shorter span's length (``score.py``'s overlap, for parts)."""
    shared = sum(max(0, min(b1, b2) - max(a1, a2)) for a1, b1 in a for a2, b2 in b)
    if shared <= 0:
        return 0.0
    return shared / max(1, min(span_length(a), span_length(b)))


def spans_match(a: Parts, b: Parts, how: str) -> bool:
    return a == b if how == "exact" else overlap_ratio(a, b) >= OVERLAP_MIN


# --------------------------------------------------------------------------- predictions


@dataclass(frozen=True)
class PredictedAttribution:
    content: Parts | None
    cue: Parts | None
    source: Parts | None
    raw: Mapping[str, Any] = field(compare=False, repr=False)


def _pair(obj: Any) -> Parts | None:
    if not isinstance(obj, Mapping):
        return None
    try:
        start, end = int(obj["start"]), int(obj["end"])
    except (KeyError, TypeError, ValueError):
        return None
    return ((start, end),) if 0 <= start < end else None


def predicted_attributions(prediction: Mapping[str, Any]) -> list[PredictedAttribution]:
    """The attributed claims of one JSON-contract document, as spans."""
    out = []
    for claim in prediction.get("claims", []):
        if not claim.get("attributed", True):
            continue
        content = None
        if claim.get("parts"):
            try:
                content = _parts(claim["parts"])
            except (TypeError, ValueError):
                content = None
        content = content or _pair(claim)
        speaker = claim.get("speaker") or {}
        out.append(
            PredictedAttribution(
                content=content, cue=_pair(claim.get("cue")), source=_pair(speaker.get("mention")), raw=claim
            )
        )
    return out


# --------------------------------------------------------------------------- counts


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f(self) -> float:
        p, r = self.p, self.r
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def to_json(self) -> dict[str, float | int]:
        return {"p": round(self.p, 3), "r": round(self.r, 3), "f": round(self.f, 3), **self.__dict__}


def _one_to_one(gold: Sequence[Any], pred: Sequence[Any], score_fn: Callable[[Any, Any], float]) -> int:
    """Number of pairs in a one-to-one matching, best score first (scores <= 0 never match)."""
    pairs = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            s = score_fn(g, p)
            if s > 0:
                pairs.append((-s, i, j))
    pairs.sort()
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _, i, j in pairs:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
    return len(used_g)


def _span_prf(gold: Sequence[Parts], pred: Sequence[Parts], how: str) -> PRF:
    gold, pred = list(dict.fromkeys(gold)), list(dict.fromkeys(pred))
    if how == "exact":
        tp = len(set(gold) & set(pred))
    else:
        tp = _one_to_one(gold, pred, lambda g, p: o if (o := overlap_ratio(g, p)) >= OVERLAP_MIN else 0.0)
    return PRF(tp, len(pred) - tp, len(gold) - tp)


def _relation_prf(gold: Sequence[GoldAttribution], pred: Sequence[PredictedAttribution], how: str) -> PRF:
    def fit(g: GoldAttribution, p: PredictedAttribution) -> float:
        total = 0.0
        for role in ("cue", "content", "source"):
            gs, ps = getattr(g, role), getattr(p, role)
            if gs is None:
                continue
            if ps is None or not spans_match(gs, ps, how):
                return 0.0
            total += overlap_ratio(gs, ps)
        return total

    tp = _one_to_one(gold, pred, fit)
    return PRF(tp, len(pred) - tp, len(gold) - tp)


ERROR_KINDS = ("exact", "boundary", "wrong_link", "missed_cue", "spurious_cue")
"""Where each gold attribution ends up (the first four) and predictions with no gold cue (the last):
``exact`` every role exactly right; ``boundary`` every role overlaps but one edge is off;
``wrong_link`` the cue is found but its content or source is another span (or none);
``missed_cue`` no predicted cue overlaps the gold cue."""


def _error_kinds(gold: Sequence[GoldAttribution], pred: Sequence[PredictedAttribution]) -> dict[str, int]:
    counts = dict.fromkeys(ERROR_KINDS, 0)

    def cue_overlap(g: GoldAttribution, p: PredictedAttribution) -> float:
        return overlap_ratio(g.cue, p.cue) if g.cue and p.cue else 0.0

    for g in gold:
        candidates = [p for p in pred if cue_overlap(g, p) >= OVERLAP_MIN]
        if not candidates:
            counts["missed_cue"] += 1
            continue
        roles = [role for role in ("cue", "content", "source") if getattr(g, role) is not None]

        def agreement(p: PredictedAttribution, how: str, roles: list[str] = roles, g: GoldAttribution = g) -> bool:
            return all(getattr(p, r) is not None and spans_match(getattr(g, r), getattr(p, r), how) for r in roles)

        if any(agreement(p, "exact") for p in candidates):
            counts["exact"] += 1
        elif any(agreement(p, "overlap") for p in candidates):
            counts["boundary"] += 1
        else:
            counts["wrong_link"] += 1
    counts["spurious_cue"] = sum(1 for p in pred if not any(cue_overlap(g, p) >= OVERLAP_MIN for g in gold))
    return counts


# score.py parity (claim level, our gold JSON) ------------------------------------------------

_DROP = {"the", "a", "an", "dr", "dr.", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "president", "in", "of", "s"}


def _name_tokens(name: str | None) -> set[str]:
    toks = re.findall(r"[\w-]+", (name or "").lower().replace("\u2019", "'"))
    return {t for t in toks if t not in _DROP}


def speaker_ok(pred_label: str | None, gold: GoldAttribution) -> bool:
    """``score.py``'s speaker test: one name's tokens contain the other's, for the label or an alias."""
    p = _name_tokens(pred_label)
    if not p:
        return False
    for alias in [gold.speaker, *gold.speaker_aliases]:
        g = _name_tokens(alias)
        if g and (g <= p or p <= g):
            return True
    return False


def _interval_overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    if hi <= lo:
        return 0.0
    return (hi - lo) / max(1, min(a[1] - a[0], b[1] - b[0]))


def _claim_scores(gold: GoldDocument, prediction: Mapping[str, Any]) -> tuple[dict[str, PRF], dict[str, list[str]]]:
    gclaims = gold.attributions
    spans = [(g.content[0][0], g.content[-1][1]) for g in gclaims if g.content]
    optional = [(o[0][0], o[-1][1]) for o in gold.optional]
    preds = [c for c in prediction.get("claims", []) if c.get("attributed", True)]
    used: set[int] = set()
    matches: list[tuple[GoldAttribution, Mapping[str, Any]]] = []
    spurious: list[Mapping[str, Any]] = []
    for c in preds:
        span = (int(c["start"]), int(c["end"]))
        best, best_ov = None, 0.0
        for i, g_span in enumerate(spans):
            if i in used:
                continue
            ov = _interval_overlap(span, g_span)
            if ov >= OVERLAP_MIN and ov > best_ov:
                best, best_ov = i, ov
        if best is None:
            if not any(_interval_overlap(span, o) >= OVERLAP_MIN for o in optional):
                spurious.append(c)
            continue
        used.add(best)
        matches.append((gclaims[best], c))
    missed = [g for i, g in enumerate(gclaims) if i not in used]
    label = lambda c: (c.get("speaker") or {}).get("label")  # noqa: E731
    right = [(g, c) for g, c in matches if speaker_ok(label(c), g)]
    unconfirmed = "not_independently_confirmed"
    vt = sum(1 for g, c in matches if g.unconfirmed and c.get("verification") == unconfirmed)
    vfp = sum(1 for c in preds if c.get("verification") == unconfirmed) - vt
    vfn = sum(1 for g in gclaims if g.unconfirmed) - vt
    n_scored = len(matches) + len(spurious)
    scores = {
        "claim_span": PRF(len(matches), len(spurious), len(missed)),
        "claim_with_speaker": PRF(len(right), n_scored - len(right), len(gclaims) - len(right)),
        "unconfirmed": PRF(vt, max(0, vfp), vfn),
    }
    text = gold.text
    details = {
        "missed": [f"{g.id} {g.speaker}: {_snippet(text, g.content)}" for g in missed],
        "wrong_speaker": [f"{g.id} want {g.speaker!r} got {label(c)!r}" for g, c in matches if (g, c) not in right],
        "spurious": [f"{c['start']}-{c['end']} {label(c)!r}" for c in spurious],
    }
    return scores, details


def _snippet(text: str, parts: Parts | None, width: int = 60) -> str:
    if not parts:
        return ""
    return " … ".join(text[a:b] for a, b in parts)[:width].replace("\n", " ")


# --------------------------------------------------------------------------- report


@dataclass
class DocumentScore:
    id: str
    annotator: str | None
    gold_attributions: int
    predicted_attributed: int
    spans: dict[str, dict[str, PRF]]
    errors: dict[str, int]
    claims: dict[str, PRF] | None = None
    details: dict[str, list[str]] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "annotator": self.annotator,
            "gold_attributions": self.gold_attributions,
            "predicted_attributed": self.predicted_attributed,
            "spans": {c: {m: v.to_json() for m, v in ms.items()} for c, ms in self.spans.items()},
            "errors": self.errors,
        }
        if self.claims is not None:
            data["claims"] = {k: v.to_json() for k, v in self.claims.items()}
            data["details"] = self.details
        return data


@dataclass
class EvalReport:
    documents: list[DocumentScore]
    spans: dict[str, dict[str, PRF]]
    claims: dict[str, PRF] | None
    formats: tuple[str, ...]
    seconds: float | None = None

    @property
    def gold_attributions(self) -> int:
        return sum(d.gold_attributions for d in self.documents)

    @property
    def predicted_attributed(self) -> int:
        return sum(d.predicted_attributed for d in self.documents)

    @property
    def errors(self) -> dict[str, int]:
        return {kind: sum(d.errors[kind] for d in self.documents) for kind in ERROR_KINDS}

    @property
    def seconds_per_article(self) -> float | None:
        articles = len({d.id for d in self.documents})
        return None if self.seconds is None or not articles else self.seconds / articles

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": len(self.documents),
            "formats": list(self.formats),
            "gold_attributions": self.gold_attributions,
            "predicted_attributed": self.predicted_attributed,
            "seconds": None if self.seconds is None else round(self.seconds, 2),
            "seconds_per_article": None if self.seconds_per_article is None else round(self.seconds_per_article, 4),
            "overlap_min": OVERLAP_MIN,
            "errors": self.errors,
            "spans": {c: {m: v.to_json() for m, v in ms.items()} for c, ms in self.spans.items()},
            "claims": None if self.claims is None else {k: v.to_json() for k, v in self.claims.items()},
            "per_document": [d.to_json() for d in self.documents],
        }

    def format(self, *, details: bool | None = None) -> str:
        timing = ""
        if self.seconds is not None and self.seconds_per_article is not None:
            timing = f", extraction and scoring {self.seconds:.1f} s ({1000 * self.seconds_per_article:.0f} ms/article)"
        lines = [
            f"{len(self.documents)} document(s) ({'/'.join(self.formats)} gold), "
            f"{self.gold_attributions} gold attributions, "
            f"{self.predicted_attributed} predicted attributed claims{timing}",
            "",
            f"{'component':12s} {'match':8s} {'P':>6s} {'R':>6s} {'F1':>6s} {'tp':>6s} {'fp':>6s} {'fn':>6s}",
        ]
        for component, by_match in self.spans.items():
            for how, v in by_match.items():
                lines.append(f"{component:12s} {how:8s} {v.p:6.3f} {v.r:6.3f} {v.f:6.3f} {v.tp:6d} {v.fp:6d} {v.fn:6d}")
        errors = self.errors
        found = sum(errors[kind] for kind in ERROR_KINDS[:-1])
        if found:
            lines += ["", f"where the {found} gold attributions with a cue went (and predictions with no gold cue):"]
            lines += [f"  {kind:13s} {errors[kind]:6d}  {errors[kind] / found:6.1%}" for kind in ERROR_KINDS[:-1]]
            lines.append(f"  {'spurious_cue':13s} {errors['spurious_cue']:6d}")
        if self.claims is not None:
            lines += ["", "claim level (as ../shared/eval/score.py, gold JSON documents):"]
            for key, v in self.claims.items():
                lines.append(f"{key:20s} P={v.p:.3f} R={v.r:.3f} F1={v.f:.3f}")
            show = details if details is not None else len(self.documents) <= 3
            if show:
                for doc in self.documents:
                    for kind, items in (doc.details or {}).items():
                        lines.extend(f"  {doc.id} {kind}: {item}" for item in items)
        return "\n".join(lines)


def score_document(gold: GoldDocument, prediction: Mapping[str, Any]) -> DocumentScore:
    text = gold.text
    preds = predicted_attributions(prediction)
    if gold.optional:
        # like score.py: a predicted claim matching only an "optional" content is not scored
        golds_c = [g.content for g in gold.attributions if g.content]
        preds = [
            p
            for p in preds
            if p.content is None
            or any(overlap_ratio(p.content, g) >= OVERLAP_MIN for g in golds_c)
            or not any(overlap_ratio(p.content, o) >= OVERLAP_MIN for o in gold.optional)
        ]
    spans: dict[str, dict[str, PRF]] = {}
    for component in ("cue", "source", "content"):
        g_spans = [normalize(s, text) for g in gold.attributions if (s := getattr(g, component))]
        p_spans = [normalize(s, text) for p in preds if (s := getattr(p, component))]
        spans[component] = {how: _span_prf(g_spans, p_spans, how) for how in MATCHES}
    g_rel = [
        GoldAttribution(
            g.id, normalize(g.content, text), normalize(g.cue, text), g.source and normalize(g.source, text)
        )
        for g in gold.attributions
        if g.content and g.cue
    ]
    p_rel = [
        PredictedAttribution(
            p.content and normalize(p.content, text),
            p.cue and normalize(p.cue, text),
            p.source and normalize(p.source, text),
            p.raw,
        )
        for p in preds
    ]
    spans["attribution"] = {how: _relation_prf(g_rel, p_rel, how) for how in MATCHES}
    errors = _error_kinds(g_rel, p_rel)
    claims = details = None
    if gold.format == "json":
        claims, details = _claim_scores(gold, prediction)
    return DocumentScore(
        id=gold.id,
        annotator=gold.annotator,
        gold_attributions=len(gold.attributions),
        predicted_attributed=len(preds),
        spans=spans,
        errors=errors,
        claims=claims,
        details=details,
    )


def score(
    golds: Sequence[GoldDocument],
    predictions: Sequence[Mapping[str, Any]] | Mapping[str, Mapping[str, Any]],
    *,
    seconds: float | None = None,
) -> EvalReport:
    """Score predictions (JSON-contract dicts, in the order of ``golds`` or keyed by gold id)."""
    if isinstance(predictions, Mapping):
        missing = [g.id for g in golds if g.id not in predictions]
        if missing:
            raise InputError(f"no prediction for {len(missing)} gold document(s), e.g. {missing[0]}")
        ordered = [predictions[g.id] for g in golds]
    else:
        ordered = list(predictions)
        if len(ordered) != len(golds):
            raise InputError(f"{len(ordered)} predictions for {len(golds)} gold documents")
    docs = [score_document(g, p) for g, p in zip(golds, ordered, strict=True)]
    spans = {c: {m: PRF() for m in MATCHES} for c in COMPONENTS}
    claims: dict[str, PRF] | None = None
    for doc in docs:
        for c, by_match in doc.spans.items():
            for m, v in by_match.items():
                spans[c][m].add(v)
        if doc.claims is not None:
            claims = claims or {k: PRF() for k in doc.claims}
            for k, v in doc.claims.items():
                claims[k].add(v)
    formats = tuple(dict.fromkeys(g.format for g in golds))
    return EvalReport(documents=docs, spans=spans, claims=claims, formats=formats, seconds=seconds)


ExtractFn = Callable[[Sequence[GoldDocument]], Iterable[Mapping[str, Any]]]
"""Turns gold documents (their ``id`` and ``text``) into JSON-contract predictions, in order."""


def run_eval(golds: Sequence[GoldDocument], extract_fn: ExtractFn) -> EvalReport:
    """Run ``extract_fn`` over the gold documents' texts and score the result, timing both."""
    started = time.perf_counter()
    unique: dict[str, GoldDocument] = {}
    for gold in golds:
        unique.setdefault(gold.id, gold)
    predicted = list(extract_fn(list(unique.values())))
    if len(predicted) != len(unique):
        raise InputError(f"extractor returned {len(predicted)} results for {len(unique)} documents")
    by_id = dict(zip(unique, predicted, strict=True))
    return score(golds, by_id, seconds=time.perf_counter() - started)
