"""`cpkg cluster`: group the stored claims that state the same thing across articles (see
``cpkg.clusters``) and replace the clusters graph; prints the clusters repeated most widely."""

from __future__ import annotations

import argparse

from cpkg.cli import add_store_argument
from cpkg.clusters import ClusterSettings, recompute_clusters
from cpkg.store import open_store


def register(subparsers: argparse._SubParsersAction) -> None:
    defaults = ClusterSettings()
    parser = subparsers.add_parser("cluster", help="group the same claim across articles (recomputes all clusters)")
    add_store_argument(parser)
    parser.add_argument(
        "--threshold", type=float, default=defaults.threshold, help="least content similarity (default %(default)s)"
    )
    parser.add_argument(
        "--window-days", type=int, default=defaults.window_days, help="date window of a cluster (default %(default)s)"
    )
    parser.add_argument("--top", type=int, default=10, help="clusters to print (default %(default)s)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = ClusterSettings(threshold=args.threshold, window_days=args.window_days)
    with open_store(args.store) as store:
        clusters = recompute_clusters(store, settings)
    print(f"{len(clusters)} clusters of {sum(len(c.members) for c in clusters)} claims")
    for cluster in sorted(clusters, key=lambda c: (-len(c.outlets), -len(c.members)))[: args.top]:
        first = cluster.first
        flags = ", unconfirmed by some" if cluster.unconfirmed else ""
        print(
            f"  {len(cluster.outlets)} outlets, {len(cluster.members)} reports{flags}; first: {first.outlet_label} "
            f"{first.date or 'undated'} ({first.speaker_label or 'unattributed'}): {first.text[:80]!r}"
        )
    return 0
