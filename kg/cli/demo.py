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
            print(_line(f"{result.article_id}:", result.status, f"({result.claims} claims, {result.triples} triples)"
                        if result.status == "stored" else ""))
            if result.status in ("invalid", "failed"):
                print(result.report)
        print("\nClaims (speaker, role / affiliation):")
        for row in run_named(store, "trace_claim").records():
            speaker = row["speakerLabel"] if row["attributed"] else "(the article's own voice)"
            speaker = speaker or "?"
            role = ", ".join(x for x in (row["role"], row["organizationLabel"]) if x)
            parent = f" (part of {row['parentLabel']})" if row["parentLabel"] else ""
            flags = [f for f, on in (("UNCONFIRMED", row["verification"] == "NotIndependentlyConfirmed"),
                                     ("hedged", row["certainty"] == "Hedged")) if on]
            said = f" on {row['saidOn']}" if row["saidOn"] else ""
            print(f"  [{row['claimId']}] {speaker}{' — ' + role if role else ''}{parent}{said}"
                  f"{' [' + ', '.join(flags) + ']' if flags else ''}")
            print(f"        “{row['text']}”")
        print("\nNot independently confirmed:")
        for row in run_named(store, "unconfirmed_claims").records():
            print(f"  [{row['claimId']}] {row['speakerLabel']}: “{row['text']}” — {row['marker']}")
        print("\nFigures:")
        for row in run_named(store, "figures").records():
            print(f"  {row['figure']!s:<28} {row['value']:>8} {row['qualifier']:<14} {row['measure'] or '-':<10} "
                  f"{row['speakerLabel']} [{row['claimId']}]")
        print("\nFigures that disagree across sources:")
        for row in run_named(store, "disagreeing_figures").records():
            print(f"  {row['measure']}: “{row['figure1']}” ({row['source1']}) vs “{row['figure2']}” "
                  f"({row['source2']}){'' if row['compatible'] else ' — incompatible'}")
        print(f"\n{store.triple_count()} triples in {getattr(store, 'path', None) or 'memory'}; try "
              "`cpkg query --list`")
    finally:
        store.close()
    return 0
