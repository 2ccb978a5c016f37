"""The IRIs cpkg mints; every layer that names a resource goes through here."""

from __future__ import annotations

from urllib.parse import quote

from cpkg.namespaces import ID

AGENTS_GRAPH = ID + "graph/agents"


def _segment(value: str) -> str:
    return quote(value, safe="-._~")


def article_iri(article_id: str) -> str:
    return f"{ID}article/{_segment(article_id)}"


def article_graph_iri(article_id: str) -> str:
    return f"{ID}graph/article/{_segment(article_id)}"


def claim_iri(article_id: str, claim_id: str) -> str:
    return f"{article_iri(article_id)}/claim/{_segment(claim_id)}"


def agent_iri(agent_key: str) -> str:
    """Agent keys may have a kind prefix ("person/ashraf-al-qudra"), kept readable in the IRI."""
    return f"{ID}agent/{quote(agent_key, safe='-._~/')}"
