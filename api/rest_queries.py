"""SPARQL behind the REST endpoints that have no named query in ontology/queries/.

Every user value reaches these queries as a bound value (pyoxigraph `substitutions` on the
projected `?f…` variables, "" meaning "any"). The only text spliced in is produced by
`sparql_term` (pyoxigraph's N-Triples serialization of an IRI taken from the store) and
`sparql_int` (a Python int), the two helpers below.
"""

from __future__ import annotations

import pyoxigraph as ox

PREFIXES = """PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX cpkg: <https://w3id.org/cpkg/ontology#>
"""

FILTERS = ("fSpeaker", "fKind", "fVerification", "fHedged", "fQ", "fSince", "fUntil", "fDocument", "fClaim")


def sparql_term(term: ox.NamedNode | ox.Literal) -> str:
    """The one way to write a term into query text: pyoxigraph's escaped N-Triples form."""
    if not isinstance(term, ox.NamedNode | ox.Literal):
        raise TypeError(f"not an IRI or literal: {term!r}")
    return str(term)


def sparql_int(value: int) -> str:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"not a non-negative integer: {value!r}")
    return str(value)


# One row per matching claim, in document order; the page is cut with LIMIT/OFFSET.
CLAIM_PAGE = (
    PREFIXES
    + """
SELECT DISTINCT ?claim ?articleId ?start ?fSpeaker ?fKind ?fVerification ?fHedged ?fQ ?fSince ?fUntil
       ?fDocument ?fClaim
WHERE {
  ?claim a schema:Claim ;
         schema:identifier ?claimId ;
         schema:appearance ?articleNode ;
         cpkg:content ?content ;
         cpkg:verificationStatus ?status ;
         cpkg:certainty ?certainty .
  ?articleNode schema:identifier ?articleId .
  ?content oa:hasSelector ?position , ?quote .
  ?position a oa:TextPositionSelector ; oa:start ?start .
  ?quote a oa:TextQuoteSelector ; oa:exact ?text .
  FILTER (?fDocument = "" || ?articleId = ?fDocument)
  FILTER (?fClaim = "" || ?claimId = ?fClaim)
  FILTER (?fVerification = "" || STR(?status) = ?fVerification)
  FILTER (?fHedged = "" || ((?fHedged = "true") = (?certainty = cpkg:Hedged)))
  FILTER (?fQ = "" || CONTAINS(LCASE(STR(?text)), LCASE(?fQ)))
  OPTIONAL { ?claim prov:wasAttributedTo ?speaker . OPTIONAL { ?speaker cpkg:kind ?speakerKind } }
  FILTER (?fKind = "" || (BOUND(?speakerKind) && STR(?speakerKind) = ?fKind))
  FILTER (?fSpeaker = "" || (BOUND(?speaker) && (STR(?speaker) = ?fSpeaker || EXISTS {
    ?speaker rdfs:label|skos:prefLabel|skos:altLabel|cpkg:key ?name .
    FILTER (LCASE(STR(?name)) = LCASE(?fSpeaker) || CONTAINS(LCASE(STR(?name)), LCASE(?fSpeaker)))
  })))
  OPTIONAL { ?claim cpkg:saidOn ?saidOn }
  OPTIONAL { ?articleNode schema:datePublished ?published }
  BIND (STR(COALESCE(?saidOn, ?published)) AS ?when)
  FILTER (?fSince = "" || (BOUND(?when) && ?when >= ?fSince))
  FILTER (?fUntil = "" || (BOUND(?when) && ?when <= ?fUntil))
}
ORDER BY ?articleId ?start ?claim
"""
)

# Details of the claims in VALUES (several rows per claim when a value repeats).
CLAIM_DETAILS = (
    PREFIXES
    + """
SELECT ?claim ?articleId ?claimId ?text ?start ?end ?cueText ?cueStart ?cueEnd
       ?speaker ?speakerLabel ?speakerKind ?mentionText ?mentionStart ?mentionEnd ?honorific
       ?roleTitle ?roleText ?affiliation ?affiliationLabel ?affiliationKind
       ?attributed ?status ?certainty ?saidOn ?context ?marker ?resolutionMethod ?confidence
WHERE {
  VALUES ?claim { %s }
  ?claim schema:identifier ?claimId ; schema:appearance/schema:identifier ?articleId ;
         cpkg:content ?content ; cpkg:attributed ?attributed ;
         cpkg:verificationStatus ?status ; cpkg:certainty ?certainty .
  ?content oa:hasSelector ?position , ?quote .
  ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  ?quote a oa:TextQuoteSelector ; oa:exact ?text .
  OPTIONAL { ?claim cpkg:textContext ?context }
  OPTIONAL { ?claim cpkg:saidOn ?saidOn }
  OPTIONAL { ?marker a cpkg:VerificationMarker ; cpkg:covers ?claim }
  OPTIONAL {
    ?claim cpkg:cue ?cue .
    ?cue oa:hasSelector ?cuePos , ?cueQuote .
    ?cuePos a oa:TextPositionSelector ; oa:start ?cueStart ; oa:end ?cueEnd .
    ?cueQuote a oa:TextQuoteSelector ; oa:exact ?cueText .
  }
  OPTIONAL {
    ?claim cpkg:speakerMention ?mention .
    ?mention oa:hasSelector ?mPos , ?mQuote .
    ?mPos a oa:TextPositionSelector ; oa:start ?mentionStart ; oa:end ?mentionEnd .
    ?mQuote a oa:TextQuoteSelector ; oa:exact ?mentionText .
  }
  OPTIONAL {
    ?claim prov:qualifiedAttribution ?attribution .
    ?attribution prov:agent ?speaker .
    OPTIONAL { ?speaker rdfs:label ?speakerLabel }
    OPTIONAL { ?speaker cpkg:kind ?speakerKind }
    OPTIONAL { ?attribution cpkg:honorific ?honorific }
    OPTIONAL { ?attribution cpkg:resolutionMethod ?resolutionMethod ; cpkg:confidence ?confidence }
    OPTIONAL {
      ?attribution prov:hadRole ?role .
      OPTIONAL { ?role cpkg:roleTitle ?roleTitle }
      OPTIONAL { ?role cpkg:span/oa:hasSelector/oa:exact ?roleText }
    }
    OPTIONAL {
      ?attribution cpkg:affiliation ?affiliation .
      OPTIONAL { ?affiliation rdfs:label ?affiliationLabel }
      OPTIONAL { ?affiliation cpkg:kind ?affiliationKind }
    }
  }
}
"""
)

CLAIM_QUANTITIES = (
    PREFIXES
    + """
SELECT ?claim ?q ?value ?qualifier ?unit ?upper ?text ?start ?end WHERE {
  VALUES ?claim { %s }
  ?claim cpkg:quantity ?q .
  ?q schema:value ?value ; cpkg:qualifier ?qualifier ; cpkg:span ?span .
  OPTIONAL { ?q schema:unitText ?unit }
  OPTIONAL { ?q schema:maxValue ?upper }
  ?span oa:hasSelector ?position , ?quote .
  ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  ?quote a oa:TextQuoteSelector ; oa:exact ?text .
}
ORDER BY ?claim ?start
"""
)

# The names each agent in VALUES is known by (an agent's aliases in the JSON contract).
AGENT_ALIASES = (
    PREFIXES
    + """
SELECT DISTINCT ?agent ?alias WHERE {
  VALUES ?agent { %s }
  ?agent skos:altLabel ?alias .
}
ORDER BY ?agent ?alias
"""
)

CLAIM_PARTS = (
    PREFIXES
    + """
SELECT ?claim ?part ?start ?end WHERE {
  VALUES ?claim { %s }
  ?claim cpkg:contentPart ?part .
  ?part oa:hasSelector ?position .
  ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
}
ORDER BY ?claim ?start
"""
)

DOCUMENT = (
    PREFIXES
    + """
SELECT ?fDocument ?article ?chars ?sha256 ?url ?title ?publisher ?published
       ?place ?date ?dlText ?dlStart ?dlEnd
WHERE {
  ?article a schema:NewsArticle ; schema:identifier ?fDocument ; schema:text ?body .
  BIND (STRLEN(?body) AS ?chars)
  OPTIONAL { ?article cpkg:contentHash ?sha256 }
  OPTIONAL { ?article schema:url ?url }
  OPTIONAL { ?article schema:headline ?title }
  OPTIONAL { ?article schema:publisher/rdfs:label ?publisher }
  OPTIONAL { ?article schema:datePublished ?published }
  OPTIONAL {
    ?article cpkg:dateline ?dl .
    OPTIONAL { ?dl cpkg:place ?place }
    OPTIONAL { ?dl cpkg:date ?date }
    ?dl oa:hasSelector ?dlPos , ?dlQuote .
    ?dlPos a oa:TextPositionSelector ; oa:start ?dlStart ; oa:end ?dlEnd .
    ?dlQuote a oa:TextQuoteSelector ; oa:exact ?dlText .
  }
}
"""
)

AGENT = (
    PREFIXES
    + """
SELECT ?fAgent ?label ?altLabel ?kind ?key ?type ?memberOf ?memberOfLabel ?parent ?parentLabel ?description
WHERE {
  ?fAgent a prov:Agent .
  OPTIONAL { ?fAgent rdfs:label ?label }
  OPTIONAL { ?fAgent skos:altLabel ?altLabel }
  OPTIONAL { ?fAgent cpkg:kind ?kind }
  OPTIONAL { ?fAgent cpkg:key ?key }
  OPTIONAL { ?fAgent a ?type }
  OPTIONAL { ?fAgent schema:description ?description }
  OPTIONAL { ?fAgent org:memberOf ?memberOf . OPTIONAL { ?memberOf rdfs:label ?memberOfLabel } }
  OPTIONAL { ?fAgent org:subOrganizationOf ?parent . OPTIONAL { ?parent rdfs:label ?parentLabel } }
}
"""
)

AGENT_ROLES = (
    PREFIXES
    + """
SELECT DISTINCT ?fAgent ?role ?organization ?organizationLabel WHERE {
  ?attribution prov:agent ?fAgent ; prov:hadRole ?r .
  ?r rdfs:label ?role .
  OPTIONAL { ?r cpkg:roleOrganization ?organization . OPTIONAL { ?organization rdfs:label ?organizationLabel } }
}
ORDER BY ?role
"""
)

AGENT_CLAIMS = (
    PREFIXES
    + """
SELECT ?fAgent ?articleId ?claimId ?text ?start WHERE {
  ?claim prov:wasAttributedTo ?fAgent ; schema:identifier ?claimId ;
         schema:appearance/schema:identifier ?articleId ;
         cpkg:content ?content .
  ?content oa:hasSelector ?position , ?quote .
  ?position a oa:TextPositionSelector ; oa:start ?start .
  ?quote a oa:TextQuoteSelector ; oa:exact ?text .
}
ORDER BY ?articleId ?start
"""
)
