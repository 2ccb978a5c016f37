"""`cpkg demo`: ingest the seed articles and show what the graph knows about them."""

from __future__ import annotations

import argparse
from pathlib import Path

from cpkg.cli import add_store_argument
from cpkg.errors import InputError
from cpkg.pipeline import Ingestor
from cpkg.queries import run_named
from cpkg.store import open_store


def seeds_dir() -> Path:
    """``seeds/`` of the source tree (beside the ``kg`` package), else ``./seeds``."""
    import cpkg

    for candidate in (Path(cpkg.__file__).resolve().parents[1] / "seeds", Path.cwd() / "seeds"):
        if candidate.is_dir() and any(candidate.glob("*.txt")):
            return candidate
    raise InputError("cannot find the seeds/ folder; run `cpkg demo` from the cpkg source tree, or use cpkg ingest")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="ingest seeds/ and print the claims, speakers and figures found")
    add_store_argument(parser)
    parser.add_argument("--seeds", type=Path, help="folder of articles to use instead of seeds/")
    parser.set_defaults(func=run)


def _line(*parts: object) -> str:
    return " ".join(str(p) for p in parts if p not in (None, ""))


def run(args: argparse.Namespace) -> int:
    folder = args.seeds or seeds_dir()
    store = open_store(args.store)
    try:
        results = Ingestor(store).ingest_paths([folder], progress=False)
        for result in results:
            print(
                _line(
                    f"{result.article_id}:",
                    result.status,
                    f"({result.claims} claims, {result.triples} triples)" if result.status == "stored" else "",
                )
            )
            if result.status in ("invalid", "failed"):
                print(result.report)
        print("\nClaims (speaker, role / affiliation):")
        for row in run_named(store, "trace_claim").records():
            speaker = row["speakerLabel"] if row["attributed"] else "(the article's own voice)"
            speaker = speaker or "?"
            role = ", ".join(str(x) for x in (row["role"], row["organizationLabel"]) if x)
            parent = f" (part of {row['parentLabel']})" if row["parentLabel"] else ""
            flags = [
                f
                for f, on in (
                    ("UNCONFIRMED", row["verification"] == "NotIndependentlyConfirmed"),
                    ("hedged", row["certainty"] == "Hedged"),
                )
                if on
            ]
            said = f" on {row['saidOn']}" if row["saidOn"] else ""
            print(
                f"  [{row['claimId']}] {speaker}{' — ' + role if role else ''}{parent}{said}"
                f"{' [' + ', '.join(flags) + ']' if flags else ''}"
            )
            print(f"        “{row['text']}”")
        print("\nNot independently confirmed:")
        for row in run_named(store, "unconfirmed_claims").records():
            print(f"  [{row['claimId']}] {row['speakerLabel']}: “{row['text']}” — {row['marker']}")
        print("\nFigures (what they count, who gives them):")
        figures = run_named(store, "figures").records()
        # A figure without a measure ("three", "One official", "3 miles") counts nothing the graph
        # can compare; the full list is one query away.
        counted = [row for row in figures if row["measure"]]
        for row in counted:
            print(
                f"  {row['figure']!s:<28} {row['value']:>8} {row['qualifier']:<14} {row['measure']:<10} "
                f"{row['speakerLabel']} [{row['claimId']}]"
            )
        if len(figures) > len(counted):
            print(f"  ({len(figures) - len(counted)} more without a measure: `cpkg query --named figures`)")
        print("\nFigures that disagree across sources (qualifiers cannot reconcile them):")
        pairs = run_named(store, "disagreeing_figures").records()
        for row in pairs:
            print(f"  {row['measure']}: “{row['figure1']}” ({row['source1']}) vs “{row['figure2']}” ({row['source2']})")
        if not pairs:
            print("  none")
        print(f"\n{store.stats().triples} triples in {store.location}; try `cpkg query --list`")
    finally:
        store.close()
    return 0
