"""One bad article never stops a folder, ids never collide, input is refused clearly (issue 15,
points 5, 6, 7, 10 and 14), on the command line and in the library."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cpkg.articles import article_from_text, article_id_from, decode_article_bytes, load_article, parse_date
from cpkg.cli import main
from cpkg.errors import CpkgError, InputError, TooLarge, UnsupportedInput
from cpkg.extract.dates import resolve_date
from cpkg.pipeline import Ingestor
from cpkg.store import open_store
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_articles import article_text

GOOD = article_text(1, tag="folder")


@pytest.fixture(scope="module")
def ingestor() -> Iterator[Ingestor]:
    store = open_store(memory=True)
    yield Ingestor(store)
    store.close()


def figure_article(figure: str) -> str:
    return f"RIVERTON (Reuters) - The ministry said {figure} people were evacuated on Monday.\n"


def write(folder: Path, name: str, text: str | bytes, meta: dict[str, object] | str | None = None) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    if meta is not None:
        sidecar = path.with_suffix(".json")
        sidecar.write_text(meta if isinstance(meta, str) else json.dumps(meta), encoding="utf-8")
    return path


def test_one_bad_article_never_stops_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "articles"
    write(folder, "a-good.txt", GOOD)
    write(folder, "b-64-digits.txt", figure_article("1" + "0" * 64))
    write(folder, "c-400-digits.txt", figure_article("9" * 400))
    write(
        folder,
        "d-year-one.txt",
        "John Carter said on Thursday that the bridge had reopened.",
        {"published": "0001-01-01"},
    )
    write(
        folder,
        "e-year-9999.txt",
        "John Carter said on Thursday that the bridge had reopened.",
        {"published": "9999-12-31"},
    )
    write(folder, "f-control.txt", "The mayor said the bridge\x01 had reopened.")
    write(folder, "g-nested.txt", "The mayor said " + "(" * 2000 + "x" + ")" * 2000)
    write(folder, "h-utf16.txt", "John Carter said the bridge had reopened on Monday.".encode("utf-16"))
    write(folder, "i-bad-sidecar.txt", "John Carter said so.", "{not json")
    write(folder, "j-trailing-date.txt", "John Carter said so.", {"published": "2023-11-02 and more"})
    write(folder, "k-unknown-field.txt", "John Carter said so.", {"colour": "blue"})
    store = tmp_path / "store"
    code = main(["ingest", str(folder), "--store", str(store), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 1, (out, err)  # some failed
    reasons = {
        "c-400-digits.txt": "too large to store",
        "f-control.txt": "control character U+0001",
        "g-nested.txt": "punctuation characters in a row",
        "i-bad-sidecar.json": "invalid JSON",
        "j-trailing-date.json": "not an ISO date",
        "k-unknown-field.json": "colour",
    }
    for name, reason in reasons.items():
        line = next((line for line in err.splitlines() if name in line), "")
        assert reason in line, (name, err)
    assert "Traceback" not in err
    assert "5 stored" in out and "6 failed" in out, out
    with open_store(store) as opened:
        stored = set(opened.article_ids())
    assert stored == {"a-good", "b-64-digits", "d-year-one", "e-year-9999", "h-utf16"}


def test_ids_are_unique_for_distinct_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "articles"
    for name, index in (
        ("a/story.txt", 1),
        ("b/story.txt", 2),
        ("story!.txt", 3),
        ("story.txt", 4),
        ("a-story.txt", 5),
    ):
        write(folder, name, article_text(index, tag="ids"))
    store = tmp_path / "store"
    assert main(["ingest", str(folder), "--store", str(store), "--quiet"]) == 0, capsys.readouterr()
    assert "5 stored" in capsys.readouterr().out
    with open_store(store) as opened:
        ids = opened.article_ids()
    assert len(ids) == 5 and "story" in ids and "a-story" in ids, ids


def test_a_write_that_would_replace_a_different_article_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write(tmp_path / "x" / "a", "story.txt", article_text(1, tag="clash"))
    second = write(tmp_path / "x" / "b", "story.txt", article_text(2, tag="clash"))
    store = tmp_path / "store"
    # Given together: the second is refused, naming the first.
    assert main(["ingest", str(first), str(second), "--store", str(store), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "same article id 'story'" in err and str(first) in err
    # Given one after the other: the stored article came from another file, which still exists.
    assert main(["ingest", str(second), "--store", str(store), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "different article" in err and str(first.resolve()) in err
    # A changed version of the same file replaces it.
    first.write_text(article_text(3, tag="clash"), encoding="utf-8")
    assert main(["ingest", str(first), "--store", str(store), "--quiet"]) == 0
    assert "1 stored" in capsys.readouterr().out
    # A file that was moved (its old path is gone) is still the same article.
    moved = tmp_path / "elsewhere" / "story.txt"
    moved.parent.mkdir()
    first.rename(moved)
    moved.write_text(article_text(4, tag="clash"), encoding="utf-8")
    assert main(["ingest", str(moved), "--store", str(store), "--quiet"]) == 0, capsys.readouterr().err
    with open_store(store) as opened:
        assert opened.article_ids() == ["story"]
        assert opened.article_source("story") == str(moved.resolve())


def test_article_ids_from_names() -> None:
    ids = [article_id_from(name) for name in ("col lide", "col/lide", "col-lide", "story!", "story", "x" * 300)]
    assert len(set(ids)) == len(ids)
    assert ids[2] == "col-lide" and ids[4] == "story"
    assert all(len(i) <= 120 for i in ids)
    assert article_id_from("x" * 300) != article_id_from("x" * 301)


def test_input_errors_say_what_is_wrong(tmp_path: Path) -> None:
    assert decode_article_bytes("Said the mayor.".encode("utf-16-le").join([b"\xff\xfe", b""])) == "Said the mayor."
    assert decode_article_bytes("Said the mayor.".encode("utf-16-be").join([b"\xfe\xff", b""])) == "Said the mayor."
    with pytest.raises(UnsupportedInput, match="UTF-16 without a byte-order mark"):
        decode_article_bytes("Said the mayor.".encode("utf-16-le"))
    with pytest.raises(InputError, match="binary data"):
        decode_article_bytes(b"PK\x03\x04\x00\x00\x14\x00binary")
    with pytest.raises(InputError, match="not an ISO date"):
        parse_date("2023-11-02 and more")
    assert parse_date("2023-11-02T10:00:00+00:00") == dt.date(2023, 11, 2)
    with pytest.raises(TooLarge, match="punctuation"):
        article_from_text("He said " + '"' * 500)
    with pytest.raises(InputError, match=r"control character U\+000C"):
        article_from_text("He said\x0cso.")
    with pytest.raises(InputError, match="metadata field 'title'"):
        article_from_text("He said so.", title="bad\x07title")
    path = write(tmp_path, "story.txt", "He said so.", {"published": "tomorrow"})
    with pytest.raises(InputError, match=r"story\.json"):
        load_article(path)


def test_relative_dates_at_the_ends_of_the_calendar() -> None:
    assert resolve_date("on Thursday", dt.date(1, 1, 1)) is None  # would be before year 1
    assert resolve_date("yesterday", dt.date(1, 1, 1)) is None
    assert resolve_date("December 31", dt.date(1, 1, 1)) is None
    assert resolve_date("on Thursday", dt.date(9999, 12, 31)) == dt.date(9999, 12, 30)
    assert resolve_date("today", dt.date(9999, 12, 31)) == dt.date(9999, 12, 31)


DATES = st.one_of(
    st.sampled_from([dt.date(1, 1, 1), dt.date(1, 1, 7), dt.date(9999, 12, 31), dt.date(9999, 1, 1)]),
    st.dates(),
)
EXPRESSIONS = st.sampled_from(["on Thursday", "yesterday", "the day before", "today", "on January 3", "on Dec. 31"])
FIGURES = st.one_of(
    st.integers(min_value=0, max_value=10**420).map(str),
    st.integers(min_value=60, max_value=450).map(lambda n: "9" * n),
    st.integers(min_value=1, max_value=10**6).map(lambda n: f"{n:,}"),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(figure=FIGURES, published=DATES, when=EXPRESSIONS)
def test_figures_and_dates_at_their_extremes_never_crash(
    ingestor: Ingestor, figure: str, published: dt.date, when: str
) -> None:
    """Every article is either stored, with its figures as written, or refused with a CpkgError
    that says why: never another exception."""
    text = f"The ministry said {when} that {figure} people were evacuated, and officials agreed."
    article = article_from_text(text, published=published.isoformat())
    try:
        result = ingestor.ingest_article(article, force=True)
    except CpkgError as error:
        assert "too large" in str(error), error
        return
    assert result.status == "stored"
