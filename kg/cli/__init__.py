"""The `cpkg` command line: a thin layer over the `kg` library.

Each sub-command lives in its own module with ``register(subparsers)``; the module sets
``func`` on its parser to a callable taking the parsed arguments and returning an exit code.
Other packages add sub-commands through the entry point group ``cpkg.commands`` (a ``register``
function): the HTTP layer adds ``serve`` that way, so the library never imports it.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from importlib.metadata import entry_points

from cpkg import __version__
from cpkg.errors import CpkgError

COMMANDS = [
    "extract",
    "eval",
    "ingest",
    "validate",
    "query",
    "demo",
    "export",
    "shards",
    "load",
    "cluster",
    "import_reviews",
]


COMMAND_GROUP = "cpkg.commands"


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--store`` option every command that reads or writes the store shares."""
    parser.add_argument(
        "--store",
        help="store directory or SPARQL endpoint URL (default: $CPKG_STORE or ./cpkg-data; ':memory:' for a "
        "throwaway store)",
    )


def add_pipeline_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--pipeline`` option of every command that extracts."""
    parser.add_argument(
        "--pipeline",
        action="append",
        default=[],
        metavar="FILE|COMPONENT=IMPL",
        help="extraction pipeline: a TOML file over the shipped pipeline.toml, or a setting such as "
        "attributions=rules|learned|hybrid (repeatable; default $CPKG_PIPELINE, then the shipped one)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cpkg", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"cpkg {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"cpkg.cli.{name}").register(subparsers)
    for entry in entry_points(group=COMMAND_GROUP):
        entry.load()(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CpkgError as error:
        print(f"cpkg {args.command}: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
