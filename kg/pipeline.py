"""Ingest: article -> extraction -> RDF -> SHACL validation -> store, skipping unchanged articles."""

from __future__ import annotations

import itertools
import math
import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

import pyoxigraph as ox
from cpkg.errors import ArticleConflict, CpkgError, InputError, ValidationError
from cpkg.graph import extraction_to_dataset
from cpkg.model import Article, Extraction
from cpkg.sources import InputFailure
from cpkg.sources.inputs import InputOptions, counts_articles, plan_inputs, read_inputs
from cpkg.store import Store
from cpkg.store.layout import article_quads
from cpkg.validate import shapes_graph, validate
from tqdm import tqdm

if TYPE_CHECKING:
    from cpkg.extract import Extractor

Status = Literal["stored", "unchanged", "invalid", "failed"]
API_SOURCE = "POST /documents"
"""The source recorded for articles sent to the REST API."""


@dataclass(frozen=True)
class IngestResult:
    article_id: str
    status: Status
    claims: int = 0
    triples: int = 0
    report: str = ""
    source: str = ""
    """The file the article came from (or the API), for reports."""


def article_paths(paths: Iterable[str | Path]) -> list[Path]:
    """The article files (text, HTML) named or inside the named folders (recursively), sorted, no duplicates."""
    return list(article_names(paths))


def article_names(paths: Iterable[str | Path]) -> dict[Path, str]:
    """The article files (text, HTML) named or inside the named folders, each with the name its id is made
    from: its path inside the folder given (``a/story`` and ``b/story`` stay apart), or the stem
    of a file given by itself."""
    found: dict[Path, str] = {}
    for planned in plan_inputs(paths):
        if planned.kind != "article":
            reason = "no such file or folder" if planned.kind == "missing" else f"a {planned.kind}, not an article file"
            raise InputError(f"{planned.location}: {reason}")
        found[Path(planned.location)] = planned.name
    return found


def check_figures(extraction: Extraction) -> None:
    """Refuse figures no number type can store (a 400-digit figure reads as infinity)."""
    for claim in extraction.claims:
        for quantity in claim.quantities:
            if not math.isfinite(quantity.value):
                raise InputError(
                    f"figure {quantity.span.text[:40]!r} at offset {quantity.span.start} is too large to store "
                    "(more than 308 digits)"
                )


def conflicting(stored: str | None, source: str) -> bool:
    """Whether an article from ``source`` would replace a different article: one stored from
    another source. A stored file that no longer exists was moved or renamed: the same article."""
    if stored is None or stored == source:
        return False
    return not (Path(stored).is_absolute() and Path(source).is_absolute() and not Path(stored).exists())


@dataclass(frozen=True)
class PreparedArticle:
    """An article extracted, mapped to RDF and validated: what the writer stores."""

    article_id: str
    content_hash: str
    claims: int
    quads: list[ox.Quad]


def prepare(extraction: Extraction) -> PreparedArticle:
    """The article's graph, validated; a graph that does not conform raises ``ValidationError``."""
    article = extraction.article
    check_figures(extraction)
    dataset = extraction_to_dataset(extraction)
    result = validate(dataset)
    if not result.conforms:
        raise ValidationError(
            f"article {article.id} does not conform to the SHACL shapes; nothing was stored\n" + result.readable(),
            result.report_text,
        )
    return PreparedArticle(article.id, article.content_hash, len(extraction.claims), article_quads(article.id, dataset))


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

    def check_source(self, article: Article, source: str | None) -> None:
        """Refuse to replace a different article stored under the same id."""
        if source is None:
            return
        stored = self.store.article_source(article.id)
        if conflicting(stored, source):
            raise ArticleConflict(
                f"article id {article.id!r} is already used by a different article (from {stored}); nothing was "
                'stored. Give this one another id ("id" in its JSON sidecar or body), or delete the stored one first'
            )

    def store_extraction(self, extraction: Extraction, source: str | None = None) -> IngestResult:
        """Validate the extraction's graph and replace the article in the store; nothing on failure."""
        self.check_source(extraction.article, source)
        return self.write(prepare(extraction), source)

    def write(self, prepared: PreparedArticle, source: str | None = None) -> IngestResult:
        """Replace the article in the store with its prepared graph (the one writer of an ingest)."""
        entry = (prepared.article_id, prepared.content_hash, source)
        triples = self.store.load_articles(prepared.quads, [entry])
        return IngestResult(prepared.article_id, "stored", prepared.claims, triples, source=source or "")

    def ingest_article(self, article: Article, *, force: bool = False) -> IngestResult:
        """Extract, validate and store one article (skipped when its text is unchanged)."""
        if not force and self.is_unchanged(article):
            return IngestResult(article.id, "unchanged")
        return self.store_extraction(self.extractor.extract(article))

    def ingest_articles(
        self,
        articles: Iterable[Article],
        *,
        force: bool = False,
        workers: int = 1,
        sources: dict[str, str] | None = None,
    ) -> Iterator[IngestResult]:
        """Ingest many articles as a stream, results in input order. An article that fails (invalid
        graph, a figure or date out of range, an id taken by another article, any extraction error,
        a worker process that died on it) is reported with the reason, and the rest go on.
        Unchanged articles are reported without being parsed. With ``workers`` > 1, extraction, RDF
        and SHACL run in that many processes and this process writes, in input order.
        ``sources``: where each article (by id) came from, recorded and checked for id conflicts."""
        sources = {} if sources is None else sources
        skipped: list[IngestResult] = []

        def changed() -> Iterator[Article]:
            for article in articles:
                if not force and self.is_unchanged(article):
                    skipped.append(IngestResult(article.id, "unchanged", source=sources.get(article.id, "")))
                else:
                    yield article

        prepared = self._prepared_in_workers(changed(), workers) if workers > 1 else self._prepared_here(changed())
        for article, outcome in prepared:
            yield from _drain(skipped)
            yield self._written(article, outcome, sources)
        yield from _drain(skipped)

    def _prepared_here(self, articles: Iterator[Article]) -> Iterator[tuple[Article, Outcome]]:
        parsing: deque[Article] = deque()  # handed to the parser, not yet prepared

        def handed() -> Iterator[Article]:
            for article in articles:
                parsing.append(article)
                yield article

        stream = handed()
        try:
            for parsed in self.extractor.segmenter.parse_many(stream):
                parsing.popleft()
                yield parsed.article, outcome(_prepared(self.extractor.read, parsed))
        except Exception:  # the parser failed on an article it had read ahead
            # Which one is unknown: the articles it held, and the rest, go on one at a time.
            for article in itertools.chain(list(parsing), stream):
                yield article, outcome(_prepared(self.extractor.extract, article))

    def _prepared_in_workers(self, articles: Iterator[Article], workers: int) -> Iterator[tuple[Article, Outcome]]:
        """Prepare articles in ``workers`` processes, a few ahead of the writer, in input order. When a
        worker process dies, the articles it may have held are prepared again one at a time, so the
        one that kills its worker is reported and the others are stored."""
        pool = _worker_pool(workers, self.pipeline)
        in_flight: deque[tuple[Article, Future[Outcome]]] = deque()
        try:
            while True:
                while len(in_flight) < 2 * workers and (article := next(articles, None)) is not None:
                    in_flight.append((article, pool.submit(_prepare_in_worker, article)))
                if not in_flight:
                    return
                article, future = in_flight.popleft()
                try:
                    yield article, future.result()
                except BrokenProcessPool:
                    suspects = [article, *(held for held, _ in in_flight)]
                    in_flight.clear()
                    pool.shutdown(cancel_futures=True)
                    for suspect in suspects:
                        pool = _worker_pool(1, self.pipeline)
                        try:
                            yield suspect, pool.submit(_prepare_in_worker, suspect).result()
                        except BrokenProcessPool:
                            yield suspect, ("failed", "the worker process died while extracting this article")
                        finally:
                            pool.shutdown(cancel_futures=True)
                    pool = _worker_pool(workers, self.pipeline)
        finally:
            pool.shutdown(cancel_futures=True)

    def _written(self, article: Article, outcome: Outcome, sources: dict[str, str]) -> IngestResult:
        """Store a prepared article, or report why it was not."""
        source = sources.get(article.id)
        where = source or article.id
        status, value = outcome
        if status != "prepared":
            return IngestResult(article.id, status, report=f"{where}: {value}", source=source or "")  # type: ignore[arg-type]
        try:
            self.check_source(article, source)
            prepared = value if isinstance(value, PreparedArticle) else _from_wire(value)  # type: ignore[arg-type]
            return self.write(prepared, source)
        except CpkgError as error:
            return IngestResult(article.id, "failed", report=f"{where}: {error}", source=source or "")

    def ingest_paths(
        self,
        paths: Iterable[str | Path],
        *,
        progress: bool = True,
        force: bool = False,
        workers: int = 1,
        options: InputOptions | None = None,
    ) -> list[IngestResult]:
        """Ingest files, folders, JSON Lines dumps, feeds and URLs (``cpkg.sources.inputs``), with a
        progress bar (articles/s). An input that cannot be read is reported; the others go on."""
        planned = plan_inputs(paths)
        unreadable: list[IngestResult] = []
        sources: dict[str, str] = {}
        first_seen: dict[str, str] = {}

        def readable() -> Iterator[Article]:
            for item in read_inputs(planned, options):
                if isinstance(item, InputFailure):
                    unreadable.append(IngestResult(item.location, "failed", report=item.error, source=item.location))
                    continue
                article = item.article
                if article.id in sources:
                    unreadable.append(
                        IngestResult(
                            article.id,
                            "failed",
                            source=item.source,
                            report=(
                                f"{item.location}: same article id {article.id!r} as {first_seen[article.id]}; give "
                                'one of them an "id" in its JSON sidecar or record, or ingest their common folder'
                            ),
                        )
                    )
                    continue
                sources[article.id] = item.source
                first_seen[article.id] = item.location
                yield article

        results: list[IngestResult] = []
        with tqdm(total=counts_articles(planned), unit="article", disable=not progress, file=sys.stderr) as bar:
            for result in self.ingest_articles(readable(), force=force, workers=workers, sources=sources):
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


Outcome = tuple[str, object]
"""("prepared", PreparedArticle or its wire form), ("invalid", reason) or ("failed", reason)."""
_Item = TypeVar("_Item")


def _prepared(step: Callable[[_Item], Extraction], item: _Item) -> Callable[[], PreparedArticle]:
    """``prepare(step(item))``, to run later (``item`` bound now, as a lambda in a loop would not)."""
    return lambda: prepare(step(item))


def outcome(prepare_article: Callable[[], PreparedArticle]) -> Outcome:
    """Prepare one article; any failure becomes the reason it was not stored."""
    try:
        return "prepared", prepare_article()
    except ValidationError as error:
        return "invalid", str(error)
    except CpkgError as error:
        return "failed", str(error)
    except Exception as error:  # one article's bug must not stop the others
        return "failed", f"extraction failed ({type(error).__name__}: {error})"


_worker_extractor: Extractor | None = None


def _start_worker(pipeline: tuple[str, ...]) -> None:
    global _worker_extractor
    from cpkg.extract import build_extractor

    _worker_extractor = build_extractor(pipeline)
    shapes_graph()


def _worker_pool(workers: int, pipeline: tuple[str, ...]) -> ProcessPoolExecutor:
    # spawn: the workers share nothing with this process's threads (onnxruntime, tqdm, the store)
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(pipeline,))


def _prepare_in_worker(article: Article) -> Outcome:
    assert _worker_extractor is not None
    extractor = _worker_extractor
    status, value = outcome(lambda: prepare(extractor.extract(article)))
    if isinstance(value, PreparedArticle):
        # pyoxigraph terms do not pickle: the quads travel as N-Quads
        return status, (
            value.article_id,
            value.content_hash,
            value.claims,
            ox.serialize(value.quads, format=ox.RdfFormat.N_QUADS),
        )
    return status, value


def _from_wire(wire: tuple[str, str, int, bytes]) -> PreparedArticle:
    article_id, content_hash, claims, nquads = wire
    return PreparedArticle(article_id, content_hash, claims, list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS)))
