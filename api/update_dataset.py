"""Apply the protocol's `using-graph-uri` / `using-named-graph-uri` to a SPARQL Update.

pyoxigraph's `Store.update` takes no dataset arguments, so the protocol dataset is written
into the request as `USING` / `USING NAMED` clauses before each top-level `WHERE` of a
DELETE/INSERT operation. A small tokenizer skips strings, IRIs and comments so nothing inside
them is touched; the IRIs are checked by pyoxigraph before they are written. An update that
already has `USING` or `WITH` together with protocol parameters is refused (SPARQL 1.1
Protocol, section 2.2.3).
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from cpkg.errors import InputError

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<long>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-.]*(?::[^\s{}()<>;,]*)?|:[^\s{}()<>;,]*)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def apply_using(update: str, using: list[str], using_named: list[str]) -> str:
    if not using and not using_named:
        return update
    clause = " ".join(
        [f"USING {ox.NamedNode(iri)}" for iri in using] + [f"USING NAMED {ox.NamedNode(iri)}" for iri in using_named]
    )
    out: list[str] = []
    depth = 0
    previous = ""
    for match in _TOKEN.finditer(update):
        kind, text = match.lastgroup, match.group()
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "word" and depth == 0:
            word = text.upper()
            if word in ("USING", "WITH"):
                raise InputError(
                    "the update has USING/WITH and the request has using-graph-uri or "
                    "using-named-graph-uri; give the dataset one way only"
                )
            if word == "WHERE" and previous != "DELETE":
                out.append(clause + " ")
        if kind == "word" or (kind not in ("ws", "comment")):
            previous = text.upper() if kind == "word" else text
        out.append(text)
    return "".join(out)
