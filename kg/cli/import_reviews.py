"""`cpkg import-reviews FILE…`: store schema.org ClaimReview JSON-LD (fact-checks), each review in
its own named graph, linked to the stored claims it reviews (see ``cpkg.reviews``). A file that
holds no ClaimReview is reported and the others are still imported."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cpkg.cli import add_store_argument
from cpkg.errors import CpkgError
from cpkg.reviews import MAX_REVIEW_BYTES, import_reviews, parse_reviews
from cpkg.store import open_store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("import-reviews", help="store ClaimReview fact-checks and link them to claims")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="ClaimReview JSON-LD files")
    add_store_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    failed = 0
    with open_store(args.store) as store:
        for path in args.files:
            try:
                if path.stat().st_size > MAX_REVIEW_BYTES:
                    raise CpkgError(f"{path}: over the limit of {MAX_REVIEW_BYTES:,} bytes for a review file")
                reviews = parse_reviews(path.read_bytes(), source=str(path))
                matches = import_reviews(store, reviews, str(path.resolve()))
            except OSError as error:
                failed += 1
                print(f"{path}: {error.strerror or error}", file=sys.stderr)
                continue
            except CpkgError as error:
                failed += 1
                print(error, file=sys.stderr)
                continue
            for review in reviews:
                linked = [m for m in matches if m.review is review]
                rating = review.rating_name or review.rating_value or "no rating"
                print(
                    f"{path}: {(review.claim_reviewed or '')[:70]!r} ({rating}) reviews {len(linked)} stored claim(s)"
                )
    return 1 if failed else 0
