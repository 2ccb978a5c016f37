"""The extraction pipeline is assembled from a configuration; components are chosen by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cpkg.cli import main
from cpkg.errors import InputError
from cpkg.extract import build_extractor, load_config
from cpkg.extract.attribution import Attribution, RuleAttributions
from cpkg.extract.config import PIPELINE_ENV
from cpkg.extract.document import ParsedArticle

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_7ca092153d92ac16.txt"


class NoAttributions:
    """A plug-in implementation from outside cpkg, named as "module:factory" in the configuration."""

    model_name = "none"

    def __init__(self, config: object) -> None:
        self.config = config

    def find(self, parsed: ParsedArticle) -> list[Attribution]:
        return []


def test_the_shipped_configuration_names_one_implementation_per_component() -> None:
    config = load_config()
    assert dict(config.choices)["attributions"] in {"rules", "learned", "hybrid"}
    assert {kind for kind, _ in config.choices} == {
        "segmenter",
        "attributions",
        "speakers",
        "markers",
        "hedges",
        "figures",
        "dates",
    }


def test_settings_and_files_override_the_shipped_configuration(tmp_path: Path) -> None:
    assert load_config(["attributions=rules"]).implementation("attributions") == "rules"
    file = tmp_path / "mine.toml"
    file.write_text('[components]\nattributions = "hybrid"\n', encoding="utf-8")
    assert load_config([file]).implementation("attributions") == "hybrid"
    assert load_config([file, "attributions=rules"]).implementation("attributions") == "rules"


def test_the_environment_chooses_when_no_option_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PIPELINE_ENV, "attributions=hybrid")
    assert load_config().implementation("attributions") == "hybrid"
    assert load_config(["attributions=rules"]).implementation("attributions") == "rules"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("attributions=magic", "unknown implementation 'magic' of attributions"),
        ("parser=rules", "unknown key 'parser'"),
    ],
)
def test_unknown_names_are_refused_with_the_choices(setting: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_config([setting])


def test_a_broken_configuration_file_names_the_file(tmp_path: Path) -> None:
    file = tmp_path / "broken.toml"
    file.write_text("[components\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.toml: not a valid TOML"):
        load_config([file])


def test_one_extractor_per_configuration_per_process() -> None:
    assert build_extractor(["attributions=rules"]) is build_extractor(load_config(["attributions=rules"]))
    assert isinstance(build_extractor(["attributions=rules"]).attributions, RuleAttributions)


def test_an_outside_implementation_plugs_in_by_import_path() -> None:
    from cpkg.articles import load_article

    extractor = build_extractor([f"attributions={__name__}:NoAttributions"])
    extraction = extractor.extract(load_article(SEED))
    assert not [claim for claim in extraction.claims if claim.attributed]
    assert [claim for claim in extraction.claims if not claim.attributed]  # the article's own voice still reads
    assert extraction.model.endswith("+ none")


def test_extract_jsonl_reads_folders_and_reports_a_bad_file_without_stopping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b.txt").write_bytes(b"\x00\x01\x02binary\x00\xff")
    (folder / "c.txt").write_text("The mayor said the bridge would reopen on Monday.\n", encoding="utf-8")
    code = main(["extract", str(folder), "--format", "jsonl", "--quiet", "--pipeline", "attributions=rules"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    errors = [line for line in lines if "error" in line]
    documents = [line for line in lines if "document" in line]
    assert [Path(e["path"]).name for e in errors] == ["b.txt"]
    assert sorted(Path(d["document"]["path"]).name for d in documents) == ["a.txt", "c.txt"]
    by_name = {Path(d["document"]["path"]).name: d for d in documents}
    assert any(claim["attributed"] for claim in by_name["c.txt"]["claims"])


def test_extract_of_one_document_refuses_several_paths_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(SEED), str(SEED), "--format", "json"]) == 2
    assert "use --format jsonl" in capsys.readouterr().err


def test_a_parse_is_read_once() -> None:
    from cpkg.articles import load_article

    rules = build_extractor(["attributions=rules"])
    parsed = rules.segmenter.parse(load_article(SEED))
    first = rules.read(parsed)
    ids = [claim.id for claim in first.claims]
    with pytest.raises(ValueError, match="already read"):
        rules.read(parsed)
    assert [claim.id for claim in first.claims] == ids
