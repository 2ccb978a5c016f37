"""A small store of news about the same events, for the cluster, review, timeline, search and
figures parts of the REST API and the web page (issue 14): the seed article, three outlets
reporting the Health Ministry's toll (the Herald marks it unconfirmed, the Times reports it flatly,
the Post gives a figure that contradicts both), an article whose two sources disagree on a figure,
and one imported fact-check of the ministry's claim. Clusters are computed as `cpkg cluster` does."""

from __future__ import annotations

import json
from pathlib import Path

from cpkg.articles import article_from_text
from cpkg.clusters import recompute_clusters
from cpkg.pipeline import Ingestor
from cpkg.reviews import import_reviews, parse_reviews
from cpkg.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_7ca092153d92ac16.txt"
SEED_ID = "000_7ca092153d92ac16"

HERALD = (
    "RIVERTON (Reuters) - More than 9,000 people have been killed in the strikes on the northern district, "
    "the Health Ministry said on Tuesday. The figure could not be independently confirmed.\n\n"
    "The mayor said the schools would stay closed."
)
TIMES = (
    "The Health Ministry said on Wednesday that 9,061 people have been killed in the strikes on the northern "
    "district.\n\nResidents said the water supply was cut."
)
POST = "The Health Ministry said that 4,000 people have been killed in the strikes on the northern district."
FLOODS = (
    "The ministry said 300 people were killed in the floods. Rescuers said 200 people were killed. "
    "The ministry said the repairs would cost $300 million. Rescuers said the repairs would cost 200 million euros."
)
ARTICLES = (
    # id, text, publisher, published, title
    ("herald", HERALD, "Riverton Herald", "2024-03-05", "Toll rises in Riverton strikes"),
    ("times", TIMES, "Daily Times", "2024-03-06", "Ministry gives new toll"),
    ("post", POST, "Morning Post", "2024-03-07", "Ministry toll"),
    ("floods", FLOODS, "Valley Gazette", "2024-03-07", "Floods: the toll disputed"),
)
REVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://factcheck.example.org/2024/03/ministry-toll",
    "datePublished": "2024-03-08",
    "author": {"@type": "Organization", "name": "Example Fact Check"},
    "claimReviewed": "9,061 people have been killed in the strikes on the northern district",
    "itemReviewed": {
        "@type": "Claim",
        "author": {"@type": "Organization", "name": "Health Ministry"},
        "datePublished": "2024-03-06",
    },
    "reviewRating": {"@type": "Rating", "ratingValue": "3", "bestRating": "5", "alternateName": "Unproven"},
}


def build_news_store(path: Path) -> None:
    """Ingest the articles, cluster them and import the review into a store at ``path``."""
    with open_store(path) as store:
        ingestor = Ingestor(store)
        assert [r.status for r in ingestor.ingest_paths([SEED], progress=False)] == ["stored"]
        for article_id, text, publisher, published, title in ARTICLES:
            article = article_from_text(text, id=article_id, publisher=publisher, published=published, title=title)
            assert ingestor.ingest_article(article).status == "stored"
        recompute_clusters(store)
        import_reviews(store, parse_reviews(json.dumps(REVIEW), source="review.json"), "review.json")
