"""The attribution cue vocabulary: curated verbs of saying plus verbs learned from PolNeAR train."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from cpkg.extract.certainty import HEDGE_LEMMAS

# A learned verb joins the curated ones when annotators marked it as a cue often enough and in a
# good share of its occurrences; the thresholds trade recall on PolNeAR dev against precision.
MIN_CUE_COUNT = 5
MIN_PRECISION = 0.3


@dataclass(frozen=True)
class CueLexicon:
    """``verbs`` introduce a clause of content; ``object_verbs`` (the curated speech acts) may also
    take a noun phrase as content ("suggested a pause"), which learned verbs may not ("recalled its
    ambassador")."""

    verbs: frozenset[str]
    object_verbs: frozenset[str]

    def is_cue_verb(self, lemma: str) -> bool:
        return lemma.lower() in self.verbs

    def takes_object_content(self, lemma: str) -> bool:
        return lemma.lower() in self.object_verbs


def _resource_lines(name: str) -> list[str]:
    return files("cpkg.resources").joinpath(name).read_text(encoding="utf-8").splitlines()


def _learned_verbs() -> set[str]:
    rows = csv.DictReader(
        (line for line in _resource_lines("cue_lexicon.tsv") if not line.startswith("#")), delimiter="\t"
    )
    return {
        row["lemma"].lower()
        for row in rows
        if row["kind"] == "verb" and int(row["cue_count"]) >= MIN_CUE_COUNT and float(row["precision"]) >= MIN_PRECISION
    }


@lru_cache(maxsize=1)
def load_cue_lexicon() -> CueLexicon:
    curated = {line.strip().lower() for line in _resource_lines("cue_core.txt") if line.strip()}
    curated = {lemma for lemma in curated if not lemma.startswith("#")}
    # Hedging verbs ("appear", "seem", "expect") mark uncertainty, not a speaker.
    learned = _learned_verbs() - HEDGE_LEMMAS
    return CueLexicon(verbs=frozenset(curated | learned), object_verbs=frozenset(curated))
