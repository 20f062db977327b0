"""Checks every answer must pass, shared by the answer and evaluation tests."""

from __future__ import annotations

import re

from bot.container import Archive
from bot.models import Answer

MARKER = re.compile(r" \[(\d+)\]")


def assert_well_cited(answer: Answer, archive: Archive) -> None:
    """Markers number the citations 1..n in order of first use; every quote is verbatim."""
    used = [int(n) for n in MARKER.findall(answer.answer)]
    first_use = list(dict.fromkeys(used))
    assert first_use == list(range(1, len(answer.citations) + 1))
    assert [c.n for c in answer.citations] == first_use
    for citation in answer.citations:
        article = archive.catalog.article(citation.article_id)
        assert article is not None
        assert article.text[citation.start : citation.end] == citation.quote
        chunk = archive.catalog.chunks([citation.id])[0]
        assert chunk.start <= citation.start < citation.end <= chunk.end
        assert citation.title == article.title
    if answer.answerable:  # extractive answers are the quotes themselves, markers aside
        assert MARKER.sub("", answer.answer) == " ".join(c.quote for c in answer.citations)
    else:
        assert answer.citations == [] and not used
