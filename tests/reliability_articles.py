"""Generated news articles for the reliability tests and bench/bench_concurrency.py.

Every article is a short wire story with attributed claims, a figure and a verification marker,
distinct per (index, version) so that each has its own content hash; they conform to the shapes.
"""

from __future__ import annotations

import random

NAMES = ("Maria Lopez", "John Carter", "Aisha Rahman", "Peter Novak", "Chen Wei", "Olga Petrova")
ORGS = ("the Health Ministry", "the city council", "the fire department", "the police")
TOWNS = ("Riverton", "Lakeside", "Hillview", "Stonebridge", "Maplewood")


def article_text(index: int, version: int = 0, *, tag: str = "") -> str:
    """Article `index` (version `version`); `tag` keeps articles of different runs apart."""
    rnd = random.Random(index * 1000 + version)
    first, second = rnd.sample(NAMES, 2)
    org, town = rnd.choice(ORGS), rnd.choice(TOWNS)
    figure = rnd.randint(3, 900)
    return (
        f"{town.upper()} (Reuters) - At least {figure} people were evacuated in {town} on Monday, "
        f"{org} said in a statement. Report {tag}{index} version {version}.\n\n"
        f'"We are doing everything we can," {first}, a spokesperson for {org}, told reporters. '
        f"{second} said the damage could reach {figure * 3} million dollars, a figure that could not be "
        "independently confirmed.\n\n"
        f"Residents said the roads were closed for {rnd.randint(2, 30)} hours."
    )


def short_article_text(index: int, version: int = 1, *, tag: str = "") -> str:
    """A shorter changed version of article `index`: fewer claims, none of the old sentences."""
    rnd = random.Random(index * 7919 + version)
    speaker = rnd.choice(NAMES)
    return (
        f"Officials in {rnd.choice(TOWNS)} reopened the bridge on Tuesday. Update {tag}{index} revision {version}.\n\n"
        f"{speaker} said traffic was back to normal after {rnd.randint(2, 9)} days."
    )
