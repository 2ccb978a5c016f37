"""Pipeline components the tests plug in by import path ("attributions=plugins:…")."""

from __future__ import annotations

import os

from cpkg.extract.attribution import Attribution, RuleAttributions
from cpkg.extract.document import ParsedArticle

KILL_MARK = "KILL THIS WORKER"


class KillingAttributions(RuleAttributions):
    """The rules, except that the process dies on an article holding ``KILL_MARK`` (a crash mid-article)."""

    def find(self, parsed: ParsedArticle) -> list[Attribution]:
        if KILL_MARK in parsed.text:
            os._exit(1)
        return super().find(parsed)
