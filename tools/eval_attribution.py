"""Score the learned attribution tagger on a brat gold folder with the project's scorer (``cpkg.evaluation``).

    python tools/eval_attribution.py ../shared/polnear/dev [--model DIR] [--gold-spans] [--json]

Predictions are turned into claims of the JSON contract (``attributed: true``, ``parts``, ``cue``,
``speaker.mention``), so the numbers are the ones ``cpkg eval`` prints for the learned component.
``--gold-spans`` scores the linker alone: it links the gold spans (source, cue, content parts) of
each article and reports how many whole attributions come out right.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpkg.evaluation import EvalReport, GoldDocument, load_brat_folder, score  # noqa: E402
from cpkg.extract.learned import AttributionTagger  # noqa: E402
from cpkg.extract.learned_decode import Parts, TaggedSpan  # noqa: E402
from cpkg.extract.learned_link import LinkedAttribution, link  # noqa: E402

ROLES = ("source", "cue", "content", "attribution")


def contract_claims(found: Sequence[LinkedAttribution]) -> dict[str, Any]:
    """Attributions as a JSON-contract document (only what the scorer reads)."""

    def pair(parts: Parts) -> dict[str, int]:
        return {"start": parts[0][0], "end": parts[-1][1]}

    claims = []
    for item in found:
        claim: dict[str, Any] = {"attributed": True, **pair(item.content), "parts": [list(p) for p in item.content]}
        claim["cue"] = pair(item.cue)
        if item.source:
            claim["speaker"] = {"mention": pair(item.source)}
        claims.append(claim)
    return {"claims": claims}


def summary(report: EvalReport) -> dict[str, float]:
    out = {}
    for role in ROLES:
        for how in ("exact", "overlap"):
            prf = report.spans[role][how]
            out[f"{role}_{how}_p"] = round(prf.p, 4)
            out[f"{role}_{how}_r"] = round(prf.r, 4)
            out[f"{role}_{how}_f1"] = round(prf.f, 4)
    return out


def gold_spans(doc: GoldDocument) -> list[TaggedSpan]:
    spans = []
    for attribution in doc.attributions:
        for role in ("source", "cue", "content"):
            for number, (start, end) in enumerate(getattr(attribution, role) or ()):
                spans.append(TaggedSpan(role, start, end, role == "content" and number > 0, 1.0))
    return spans


def evaluate_directory(
    model: Path | None, gold: Path, *, limit: int | None = None, use_gold_spans: bool = False
) -> dict[str, Any]:
    """Scores (``summary``) and the full report of the model in ``model`` (None: shipped) on ``gold``."""
    docs = load_brat_folder(gold, limit=limit)
    started = time.perf_counter()
    if use_gold_spans:
        predictions = [contract_claims(link(gold_spans(doc), doc.text)) for doc in docs]
    else:
        tagger = AttributionTagger.load(model)
        predictions = [contract_claims(tagger.predict(doc.text)) for doc in docs]  # type: ignore[arg-type]
    report = score(docs, predictions, seconds=time.perf_counter() - started)
    return {"summary": summary(report), "report": report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", type=Path, help="brat folder with text/ and attributions/")
    parser.add_argument("--model", type=Path, default=None, help="model folder (default: the shipped weights)")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--gold-spans", action="store_true", help="link the gold spans: scores the linker alone")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = evaluate_directory(args.model, args.gold, limit=args.limit, use_gold_spans=args.gold_spans)
    print(json.dumps(result["summary"], indent=1) if args.json else result["report"].format(details=False))


if __name__ == "__main__":
    main()
