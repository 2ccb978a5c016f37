"""Where articles come from: text and HTML files, JSON Lines dumps, RSS/Atom feeds and web pages.

Each reader turns one input into ``SourcedArticle``s (an ``Article`` and where it came from) or
``InputFailure``s (that input, or one entry of it, and why it cannot be read), so a batch goes on
past a bad input. ``cpkg.sources.inputs.read_inputs`` picks the reader for each command-line input.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpkg.model import Article


@dataclass(frozen=True)
class SourcedArticle:
    article: Article
    source: str
    """The file, URL or dump the article came from; recorded in the catalog to tell a changed
    version of an article from a different article that would get the same id."""
    location: str
    """Where exactly, for reports: the file, ``dump.jsonl:12``, ``feed.xml entry 3``, the URL."""


@dataclass(frozen=True)
class InputFailure:
    location: str
    error: str
