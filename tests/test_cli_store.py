"""`cpkg ingest / validate / query / demo / extract --format` end to end on the seed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cpkg.cli import main
from cpkg.store import open_store
from plugins import KILL_MARK
from rdflib import Dataset, Graph

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED = SEEDS / "000_7ca092153d92ac16.txt"


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("cli") / "store"
    assert main(["ingest", str(SEEDS), "--store", str(store), "--quiet"]) == 0
    return store


def test_ingest_skips_unchanged(seeded_store, capsys):
    assert main(["ingest", str(SEED), "--store", str(seeded_store), "--quiet"]) == 0
    assert "1 unchanged" in capsys.readouterr().out


def test_an_unreadable_file_is_reported_and_the_others_still_ingested(tmp_path, capsys):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "broken.txt").write_bytes(b"\x89PNG\x00\x00")
    shutil.copy(SEED, folder / "seed.txt")
    store = tmp_path / "store"
    assert main(["ingest", str(folder), "--store", str(store), "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "1 stored" in captured.out and "1 failed" in captured.out
    assert "broken.txt: binary data" in captured.err
    assert (
        main(
            [
                "query",
                "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://schema.org/Claim> }",
                "--store",
                str(store),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.split() == ["n", "38"]


def test_validate_conforms(seeded_store, capsys):
    assert main(["validate", "--store", str(seeded_store)]) == 0
    assert "0 not conforming" in capsys.readouterr().out


def test_end_to_end_unconfirmed_and_trace(seeded_store, capsys):
    assert main(["query", "--named", "unconfirmed_claims", "--format", "json", "--store", str(seeded_store)]) == 0
    bindings = json.loads(capsys.readouterr().out)["results"]["bindings"]
    texts = [b["text"]["value"] for b in bindings]
    assert len(texts) == 2
    assert texts[0].startswith("Palestinian militants fired antitank missiles")
    assert texts[1].startswith("soldiers returned fire")
    assert {b["speakerLabel"]["value"] for b in bindings} == {"Israel Defense Forces"}
    claim_iri = bindings[0]["claim"]["value"]
    assert (
        main(
            [
                "query",
                "--named",
                "trace_claim",
                "--param",
                f"claim={claim_iri}",
                "--format",
                "json",
                "--store",
                str(seeded_store),
            ]
        )
        == 0
    )
    row = json.loads(capsys.readouterr().out)["results"]["bindings"][0]
    assert row["speakerLabel"]["value"] == "Israel Defense Forces"
    assert row["verification"]["value"] == "NotIndependentlyConfirmed"
    assert row["articleId"]["value"] == "000_7ca092153d92ac16"
    assert row["published"]["value"] == "2023-11-02"


def test_query_text_csv_and_malformed(seeded_store, capsys):
    sparql = "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://schema.org/Claim> }"
    assert main(["query", sparql, "--format", "csv", "--store", str(seeded_store)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "n" and int(lines[1]) > 10
    assert main(["query", "SELECT nonsense {", "--store", str(seeded_store)]) == 2
    assert "malformed SPARQL" in capsys.readouterr().err
    assert main(["query", "--named", "no_such_query", "--store", str(seeded_store)]) == 2


def test_validate_fails_on_broken_store(tmp_path, seeded_store, capsys):
    broken = tmp_path / "broken"
    shutil.copytree(seeded_store, broken)
    from cpkg.store import open_store

    store = open_store(broken)
    store.update(
        "DELETE { GRAPH ?g { ?c <https://w3id.org/cpkg/ontology#verificationStatus> ?s } } "
        "WHERE { GRAPH ?g { ?c <https://w3id.org/cpkg/ontology#verificationStatus> ?s } }"
    )
    store.close()
    assert main(["validate", "--store", str(broken)]) == 1
    assert "ClaimVerificationShape" in capsys.readouterr().out


@pytest.mark.parametrize("fmt,parse", [("turtle", "turtle"), ("trig", "trig"), ("jsonld", "json-ld")])
def test_extract_rdf_formats(fmt, parse, capsys):
    assert main(["extract", str(SEED), "--format", fmt]) == 0
    out = capsys.readouterr().out
    graph = Graph() if fmt == "turtle" else Dataset()
    graph.parse(data=out, format=parse)
    assert len(graph) > 100 or sum(len(g) for g in graph.graphs()) > 100


def test_demo_subprocess(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from cpkg.cli import main; sys.exit(main())",
            "demo",
            "--store",
            str(tmp_path / "demo"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Not independently confirmed:" in out and "Israel Defense Forces" in out
    assert "Ashraf al-Qudra — spokesperson, Health Ministry (Gaza)" in out
    assert "3,760" in out.split("Figures (what they count")[1]
    # "more than 9,000" (the ministry) and 9,061 (al-Qudra) can both be true: not a disagreement.
    disagreements = out.split("Figures that disagree across sources")[1].split("\n\n")[0]
    assert "9,061" not in disagreements and "3,760" not in disagreements


def _nquads_without_times(store_path) -> set[str]:
    with open_store(store_path, read_only=True) as store:
        return {line for line in store.dump("nquads").decode().splitlines() if "endedAtTime" not in line}


def test_ingest_with_two_workers_stores_what_one_process_stores(tmp_path, capsys):
    folder = tmp_path / "articles"
    folder.mkdir()
    seed = SEED.read_text(encoding="utf-8")
    for n in range(3):
        (folder / f"copy{n}.txt").write_text(seed + f"\n\nThe agency said {n + 2} more trucks arrived.", "utf-8")
    (folder / "empty.txt").write_text("   \n", encoding="utf-8")
    outputs = []
    for workers in ("1", "2"):
        store = tmp_path / f"store{workers}"
        assert main(["ingest", str(folder), "--store", str(store), "--quiet", "--workers", workers]) == 1
        captured = capsys.readouterr()
        assert "3 stored" in captured.out and "1 failed" in captured.out and "empty.txt" in captured.err
        outputs.append(captured.out.split(";")[0])
    assert outputs[0] == outputs[1]
    assert _nquads_without_times(tmp_path / "store1") == _nquads_without_times(tmp_path / "store2")


def test_a_worker_that_dies_on_an_article_fails_that_article_only(tmp_path, capsys):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("The mayor said the bridge would reopen in May.\n", encoding="utf-8")
    (folder / "b.txt").write_text(f"{KILL_MARK}, the officer said on Monday.\n", encoding="utf-8")
    (folder / "c.txt").write_text("The council said repairs had cost $14 million.\n", encoding="utf-8")
    store = tmp_path / "store"
    argv = ["ingest", str(folder), "--store", str(store), "--quiet", "--workers", "2"]
    assert main([*argv, "--pipeline", "attributions=plugins:KillingAttributions"]) == 1
    captured = capsys.readouterr()
    assert "2 stored" in captured.out and "1 failed" in captured.out
    assert "b.txt: the worker process died" in captured.err
    with open_store(store, read_only=True) as stored:
        assert stored.article_ids() == ["a", "c"]


def test_serve_fails_clearly_on_a_remote_store_it_cannot_reach(capsys):
    # cpkg serve works on a SPARQL server (tests/test_api_rest.py, test_api_sparql.py run on Virtuoso);
    # one that does not answer stops it before it takes the port.
    assert main(["serve", "--store", "http://127.0.0.1:9/sparql"]) == 2
    assert "cannot reach the SPARQL store at http://127.0.0.1:9/sparql" in capsys.readouterr().err
