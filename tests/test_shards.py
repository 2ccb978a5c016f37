"""The path past one machine: extraction on a Dask cluster into shards, then `cpkg load`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cpkg.cli import main
from cpkg.pipeline import Ingestor
from cpkg.shards import Shard, connect, extract_to_shards, load_shards
from cpkg.store import Store, open_store
from plugins import KILL_MARK

distributed = pytest.importorskip("distributed", reason="the cluster path needs dask.distributed (test extra)")

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_7ca092153d92ac16.txt"
# The extraction activity's end time differs from run to run; everything else must be equal.
_TIMESTAMP = re.compile(r"endedAtTime")


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), connect(None, 2) as client:
        yield client


@pytest.fixture
def news(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a-seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b-mayor.txt").write_text(
        "The mayor said on Monday that the bridge would reopen in May.\n\n"
        "Engineers told the council that repairs had cost $14 million.\n",
        encoding="utf-8",
    )
    (folder / "c-binary.txt").write_bytes(b"\x00\x01\x02binary\xff")
    (folder / "d-court.txt").write_text(
        "A judge ruled that the law was invalid, according to court records.\n", encoding="utf-8"
    )
    return folder


def _quads(store: Store) -> set[str]:
    lines = store.dump("nquads").decode("utf-8").splitlines()
    return {line for line in lines if not _TIMESTAMP.search(line)}


def test_shards_loaded_give_the_graph_of_a_one_process_ingest(
    client: distributed.Client, news: Path, tmp_path: Path
) -> None:
    shards = extract_to_shards([news], tmp_path / "shards", client=client, partition_size=2)
    assert [shard.path.name for shard in shards] == ["shard-00001.nq", "shard-00002.nq"]
    statuses = {Path(a.source).name: a.status for shard in shards for a in shard.articles}
    assert statuses == {
        "a-seed.txt": "stored",
        "b-mayor.txt": "stored",
        "c-binary.txt": "failed",
        "d-court.txt": "stored",
    }
    with open_store(memory=True) as loaded, open_store(memory=True) as ingested:
        results = load_shards(loaded, [shard.path for shard in shards])
        assert [r.error for r in results] == ["", ""] and sum(r.articles for r in results) == 3
        Ingestor(ingested).ingest_paths([news], progress=False)
        assert _quads(loaded) == _quads(ingested)
        assert sorted(loaded.article_ids()) == sorted(ingested.article_ids())
        # loading again replaces the articles: nothing doubles
        load_shards(loaded, [shard.path for shard in shards])
        assert _quads(loaded) == _quads(ingested)


def test_a_worker_killed_mid_article_is_reported_and_the_rest_go_on(
    client: distributed.Client, news: Path, tmp_path: Path
) -> None:
    (news / "e-kill.txt").write_text(f"{KILL_MARK}, the officer said.\n", encoding="utf-8")
    shards = extract_to_shards(
        [news],
        tmp_path / "shards",
        client=client,
        partition_size=1,
        pipeline=["attributions=plugins:KillingAttributions"],
    )
    by_name = {Path(a.source).name: a for shard in shards for a in shard.articles}
    assert by_name["e-kill.txt"].status == "failed" and "worker" in by_name["e-kill.txt"].error.lower()
    assert by_name["a-seed.txt"].status == by_name["d-court.txt"].status == "stored"


def test_a_damaged_shard_is_reported_with_its_line_and_nothing_of_it_is_loaded(tmp_path: Path) -> None:
    shard = extract_to_shards([SEED], tmp_path / "shards")[0]
    lines = shard.path.read_text(encoding="utf-8").splitlines()
    lines[41] = "<urn:a> <urn:b> this is not N-Quads ."
    shard.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open_store(memory=True) as store:
        [result] = load_shards(store, [shard.path])
        assert "shard-00001.nq" in result.error and "42" in result.error
        assert store.stats().triples == 0


def test_cli_shards_then_load(news: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, store = tmp_path / "shards", tmp_path / "store"
    assert main(["shards", str(news), "--out", str(out), "--workers", "1", "--partition-size", "3"]) == 1
    assert "c-binary.txt: failed" in capsys.readouterr().err
    assert main(["load", *map(str, sorted(out.glob("*.nq"))), "--store", str(store)]) == 0
    assert "2 of 2 shards loaded: 3 articles" in capsys.readouterr().out
    assert len(Shard.read(out / "shard-00001.json").stored) == 2
