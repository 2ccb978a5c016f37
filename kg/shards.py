"""Past one machine: extraction on a Dask cluster into N-Quads shards, then a bulk load.

``extract_to_shards`` cuts the input files into partitions; each partition runs on a Dask worker
(``dask.distributed``: a ``LocalCluster`` on one machine, the same code against a scheduler of a
real cluster) through the ordinary pipeline (``build_extractor`` once per worker process, the RDF
mapping, SHACL on every article) and writes one shard: ``shard-NNNNN.nq`` with the graphs of the
articles that conform, and ``shard-NNNNN.json``, its manifest (each article's id, source, content
hash, triples, or why it failed). ``load_shards`` puts shards into a store: each shard is read
and checked in full first (a syntax error is reported with its file and line, and nothing of that
shard is loaded), then its articles replace their stored graphs in one transaction of the
embedded store (a remote store takes one update request per article, as ``cpkg ingest`` does).

What stays global: agents. An agent's IRI is derived from its canonical key (names normalised,
the shipped alias table ``ontology/agents.ttl``), so every worker mints the same IRI for the same
speaker with no coordination, and loading merges the shards' agents graphs into one. The alias
table is the only shared state: ship the same cpkg version (and the same table) to every worker.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyoxigraph as ox
from cpkg.errors import CpkgError, InputError

if TYPE_CHECKING:
    from cpkg.store import Store
    from distributed import Client

ShardStatus = Literal["stored", "invalid", "failed"]
SHARD_FORMAT = ox.RdfFormat.N_QUADS


@dataclass(frozen=True)
class ShardArticle:
    id: str
    source: str
    status: ShardStatus
    content_hash: str = ""
    triples: int = 0
    error: str = ""


@dataclass(frozen=True)
class Shard:
    path: Path
    """The N-Quads file; the manifest is beside it (``.json``)."""
    articles: tuple[ShardArticle, ...]

    @property
    def manifest(self) -> Path:
        return self.path.with_suffix(".json")

    @property
    def stored(self) -> list[ShardArticle]:
        return [a for a in self.articles if a.status == "stored"]

    def write_manifest(self) -> None:
        data = {"shard": self.path.name, "articles": [asdict(a) for a in self.articles]}
        _atomic_write(self.manifest, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))

    @classmethod
    def read(cls, path: str | Path) -> Shard:
        """A shard from its N-Quads file or its manifest."""
        path = Path(path)
        quads = path.with_suffix(".nq")
        try:
            data = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            articles = tuple(ShardArticle(**article) for article in data["articles"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InputError(f"{path.with_suffix('.json')}: not a readable shard manifest ({error})") from None
        return cls(quads, articles)


def _atomic_write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def write_shard(paths: Sequence[str], out: str | Path, pipeline: Sequence[str] = ()) -> Shard:
    """Extract, map and validate the articles of one partition into one shard (runs on a worker)."""
    from cpkg.articles import load_article
    from cpkg.extract import build_extractor
    from cpkg.pipeline import PreparedArticle, outcome, prepare

    extractor = build_extractor(pipeline)
    quads: list[ox.Quad] = []
    articles: list[ShardArticle] = []
    for source in paths:
        try:
            article = load_article(Path(source))
        except CpkgError as error:
            articles.append(ShardArticle("", source, "failed", error=str(error)))
            continue
        status, value = outcome(lambda article=article: prepare(extractor.extract(article)))  # type: ignore[misc]
        if isinstance(value, PreparedArticle):
            quads += value.quads
            articles.append(ShardArticle(article.id, source, "stored", article.content_hash, len(value.quads)))
        else:
            articles.append(ShardArticle(article.id, source, status, article.content_hash, 0, str(value)))  # type: ignore[arg-type]
    shard = Shard(Path(out), tuple(articles))
    _atomic_write(shard.path, ox.serialize(quads, format=SHARD_FORMAT) or b"")
    shard.write_manifest()
    return shard


def partitions(paths: Sequence[Path], size: int) -> list[list[str]]:
    if size < 1:
        raise InputError("--partition-size must be at least 1")
    return [[str(p) for p in paths[i : i + size]] for i in range(0, len(paths), size)]


def extract_to_shards(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    *,
    client: Client | None = None,
    partition_size: int = 50,
    pipeline: Sequence[str] = (),
) -> list[Shard]:
    """Shards of the articles under ``inputs`` in ``out_dir``, one per partition, in input order.
    With a Dask ``client`` the partitions run on its workers; without one, here, one by one. A
    partition whose worker died is reported as a shard whose articles all failed."""
    from cpkg.pipeline import article_paths

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    chunks = partitions(article_paths(inputs), partition_size)
    targets = [str(out / f"shard-{n:05d}.nq") for n in range(1, len(chunks) + 1)]
    if client is None:
        return [write_shard(chunk, target, pipeline) for chunk, target in zip(chunks, targets, strict=True)]
    futures = client.map(write_shard, chunks, targets, pipeline=tuple(pipeline), pure=False)
    shards = []
    for chunk, target, future in zip(chunks, targets, futures, strict=True):
        try:
            shards.append(future.result())
        except Exception as error:  # a worker lost mid-partition: its articles are reported, the rest go on
            reason = f"partition failed on its worker: {type(error).__name__}: {error}"
            shards.append(Shard(Path(target), tuple(ShardArticle("", p, "failed", error=reason) for p in chunk)))
    return shards


@dataclass
class LoadResult:
    shard: Path
    articles: int = 0
    triples: int = 0
    error: str = ""
    skipped: list[str] = field(default_factory=list)


def check_shard(shard: Shard) -> list[ox.Quad]:
    """Every quad of the shard, parsed in full before anything is loaded; a syntax error or a quad
    outside the graphs of the shard's articles names the file and line."""
    from cpkg.iris import AGENTS_GRAPH, article_graph_iri

    allowed = {article_graph_iri(a.id) for a in shard.stored} | {AGENTS_GRAPH}
    try:
        quads = list(ox.parse(path=str(shard.path), format=SHARD_FORMAT))
    except SyntaxError as error:
        raise InputError(f"{shard.path}: {error}") from None
    except OSError as error:
        raise InputError(f"{shard.path}: cannot read the shard ({error.strerror or error})") from None
    for line, quad in enumerate(quads, 1):
        graph = quad.graph_name
        if not isinstance(graph, ox.NamedNode) or graph.value not in allowed:
            raise InputError(f"{shard.path}:{line}: a quad outside the graphs of the shard's articles ({graph})")
    return quads


def load_shards(store: Store, paths: Iterable[str | Path]) -> list[LoadResult]:
    """Load shards into the store, each one whole or not at all; a bad shard is reported, the rest go on."""
    results = []
    for path in paths:
        result = LoadResult(Path(path))
        try:
            shard = Shard.read(path)
            result.shard = shard.path
            quads = check_shard(shard)
            result.triples = store.load_articles(quads, [(a.id, a.content_hash, a.source) for a in shard.stored])
            result.articles = len(shard.stored)
            result.skipped = [f"{a.source}: {a.status}: {a.error}" for a in shard.articles if a.status != "stored"]
        except CpkgError as error:
            result.error = str(error)
        results.append(result)
    return results


def connect(scheduler: str | None, workers: int) -> Any:
    """A Dask client: to ``scheduler`` (``tcp://host:8786``), else a local cluster of ``workers``
    single-threaded processes (spaCy and the model are CPU-bound: one thread per process)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise CpkgError("the Dask path needs the cluster extra: pip install 'cpkg[cluster]'") from None
    if scheduler:
        return Client(scheduler)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster)
