"""`cpkg eval GOLD`: run the extractor over gold articles and score it (see ``cpkg.evaluation``).

GOLD is one of
* a gold JSON file of ours (``*.gold.json``); its article is found by the gold's ``document``
  name in ``--text-dir``, beside the gold, then in ``../seeds`` next to the gold's folder;
* a folder of such gold JSON files (``*.json``), articles looked up the same way;
* a brat folder with ``text/`` and ``attributions/`` subfolders (PolNeAR).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cpkg.cli import add_pipeline_argument
from cpkg.errors import InputError
from cpkg.evaluation import GoldDocument, is_brat_folder, load_brat_folder, load_gold_json, run_eval
from cpkg.speaker_eval import load_speaker_gold, recording, score_speakers


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score extraction against gold attributions (our gold JSON or brat/PolNeAR)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("gold", type=Path, help="gold JSON file, folder of gold JSON files, or brat folder")
    parser.add_argument("--format", choices=["auto", "json", "brat"], default="auto", dest="gold_format")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N articles (sorted)")
    parser.add_argument(
        "--text-dir", type=Path, action="append", default=[], help="where to find articles of gold JSON files"
    )
    parser.add_argument(
        "--annotator",
        choices=["first", "all"],
        default="first",
        help="brat: per article, the first annotator (sorted by suffix) or every annotator file",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--details", action="store_true", help="list missed/wrong/spurious claims")
    parser.add_argument(
        "--speakers", type=Path, default=None, help="speaker gold JSON: also score who each found speaker is"
    )
    add_pipeline_argument(parser)
    parser.set_defaults(func=run)


def detect_format(gold: Path) -> str:
    if gold.is_file():
        return "json"
    if gold.is_dir():
        return "brat" if is_brat_folder(gold) else "json"
    raise InputError(f"{gold}: no such file or folder")


def load_golds(
    gold: Path,
    gold_format: str = "auto",
    *,
    limit: int | None = None,
    text_dirs: Sequence[Path] = (),
    annotator: str = "first",
) -> list[GoldDocument]:
    if limit is not None and limit < 1:
        raise InputError("--limit must be at least 1")
    if not gold.exists():
        raise InputError(f"{gold}: no such file or folder")
    kind = detect_format(gold) if gold_format == "auto" else gold_format
    if kind == "brat":
        return load_brat_folder(gold, annotator=annotator, limit=limit)  # type: ignore[arg-type]
    if gold.is_file():
        return [load_gold_json(gold, text_dirs=text_dirs)]
    files = sorted(gold.glob("*.gold.json")) or sorted(gold.glob("*.json"))
    if not files:
        raise InputError(f"{gold}: no gold JSON files (*.gold.json) and no text/ + attributions/ folders")
    return [load_gold_json(path, text_dirs=text_dirs) for path in files[:limit]]


def extractor_predictions(golds: Sequence[GoldDocument], pipeline: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
    """JSON-contract predictions of the configured extractor for the gold documents' texts."""
    from cpkg.articles import article_from_text
    from cpkg.extract import build_extractor
    from cpkg.jsonio import extraction_to_json

    articles = [article_from_text(gold.text, id=gold.id) for gold in golds]
    extractor = build_extractor(pipeline)
    for extraction in _progress(extractor.extract_many(articles), len(articles)):
        yield extraction_to_json(extraction)


def _progress(items: Any, total: int) -> Any:
    """A progress bar on stderr (an evaluation takes minutes); redrawn less often into a log file."""
    from tqdm import tqdm

    return tqdm(
        items,
        total=total,
        desc="extracting",
        unit="article",
        file=sys.stderr,
        mininterval=0.5 if sys.stderr.isatty() else 10,
    )


def run(args: argparse.Namespace, extract_fn: Any = None) -> int:
    golds = load_golds(args.gold, args.gold_format, limit=args.limit, text_dirs=args.text_dir, annotator=args.annotator)
    predictions: dict[str, Any] = {}
    extract = extract_fn or (lambda docs: extractor_predictions(docs, args.pipeline))
    report = run_eval(golds, recording(extract, predictions))
    speakers = None
    if getattr(args, "speakers", None) is not None:
        speakers = score_speakers(load_speaker_gold(args.speakers), golds, predictions)
    if args.json:
        data = report.to_json()
        if speakers is not None:
            data["speakers"] = speakers.to_json()
        print(json.dumps(data, indent=1, ensure_ascii=False))
    else:
        print(report.format(details=True if args.details else None))
        if speakers is not None:
            print(speakers.format(details=args.details))
    return 0
