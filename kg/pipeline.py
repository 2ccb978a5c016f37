"""Ingest: article -> extraction -> RDF -> SHACL validation -> store, skipping unchanged articles."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cpkg.articles import load_article
from cpkg.errors import InputError, ValidationError
from cpkg.graph import extraction_to_dataset
from cpkg.model import Article, Extraction
from cpkg.store import Store
from cpkg.validate import shapes_graph, validate
from tqdm import tqdm

if TYPE_CHECKING:
    from cpkg.extract import Extractor

Status = Literal["stored", "unchanged", "invalid"]


@dataclass(frozen=True)
class IngestResult:
    article_id: str
    status: Status
    claims: int = 0
    triples: int = 0
    report: str = ""


def article_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The ``*.txt`` files named or inside the named folders (recursively), sorted, no duplicates."""
    found: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in sorted(path.rglob("*.txt")):
                found[file] = None
        elif path.is_file():
            found[path] = None
        else:
            raise InputError(f"{path}: no such file or folder")
    return list(found)


class Ingestor:
    """Extracts, validates and stores articles; loads the spaCy pipeline and shapes once."""

    def __init__(self, store: Store, extractor: Extractor | None = None, pipeline: Sequence[str] = ()) -> None:
        self.store = store
        self._extractor = extractor
        self.pipeline = tuple(pipeline)
        shapes_graph()  # parse the shapes now, once

    @property
    def extractor(self) -> Extractor:
        """Built on first use: an ingest of unchanged articles never loads the models."""
        if self._extractor is None:
            from cpkg.extract import build_extractor

            self._extractor = build_extractor(self.pipeline)
        return self._extractor

    def is_unchanged(self, article: Article) -> bool:
        return self.store.article_hash(article.id) == article.content_hash

    def store_extraction(self, extraction: Extraction) -> IngestResult:
        """Validate the extraction's graph and replace the article in the store; nothing on failure."""
        article = extraction.article
        dataset = extraction_to_dataset(extraction)
        result = validate(dataset)
        if not result.conforms:
            raise ValidationError(
                f"article {article.id} does not conform to the SHACL shapes; nothing was stored\n" + result.readable(),
                result.report_text,
            )
        triples = self.store.replace_article(article.id, dataset, article.content_hash)
        return IngestResult(article.id, "stored", len(extraction.claims), triples)

    def ingest_article(self, article: Article, *, force: bool = False) -> IngestResult:
        """Extract, validate and store one article (skipped when its text is unchanged)."""
        if not force and self.is_unchanged(article):
            return IngestResult(article.id, "unchanged")
        return self.store_extraction(self.extractor.extract(article))

    def ingest_articles(
        self, articles: Iterable[Article], *, force: bool = False, n_process: int = 1
    ) -> Iterator[IngestResult]:
        """Ingest many articles as a stream; an invalid one is reported (status ``invalid``) and the
        rest go on. Unchanged articles are reported without being parsed."""
        skipped: list[IngestResult] = []

        def changed() -> Iterator[Article]:
            for article in articles:
                if not force and self.is_unchanged(article):
                    skipped.append(IngestResult(article.id, "unchanged"))
                else:
                    yield article

        stream = changed()
        first = next(stream, None)
        yield from _drain(skipped)
        if first is None:
            return
        for extraction in self.extractor.extract_many(itertools.chain([first], stream), n_process=n_process):
            yield from _drain(skipped)
            try:
                yield self.store_extraction(extraction)
            except ValidationError as error:
                yield IngestResult(extraction.article.id, "invalid", report=str(error))
        yield from _drain(skipped)

    def ingest_paths(
        self, paths: Iterable[str | Path], *, progress: bool = True, force: bool = False, n_process: int = 1
    ) -> list[IngestResult]:
        """Ingest the ``*.txt`` files given or found in folders, with a progress bar (articles/s)."""
        files = article_paths(paths)
        unreadable: list[IngestResult] = []

        def readable() -> Iterator[Article]:
            for path in files:
                try:
                    yield load_article(path)
                except InputError as error:
                    # One unreadable file is reported; the others are still ingested.
                    unreadable.append(IngestResult(path.stem, "invalid", report=str(error)))

        results: list[IngestResult] = []
        with tqdm(total=len(files), unit="article", disable=not progress, file=sys.stderr) as bar:
            for result in self.ingest_articles(readable(), force=force, n_process=n_process):
                for done in [*_drain(unreadable), result]:
                    results.append(done)
                    bar.update(1)
                    bar.set_postfix_str(f"{done.article_id}: {done.status}", refresh=False)
            for done in _drain(unreadable):
                results.append(done)
                bar.update(1)
        return results


def _drain(pending: list[IngestResult]) -> list[IngestResult]:
    """Take the results collected so far out of ``pending``."""
    taken = pending[:]
    pending.clear()
    return taken
