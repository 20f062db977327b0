"""Checks every answer must pass, shared by the answer and evaluation tests."""

from __future__ import annotations

import re

from bot.container import Archive
from bot.models import Answer, Citation
from index.search.retrieval import Passage

MARKER = re.compile(r" \[(\d+)\]")
OWN_MARKER = re.compile(r"\[(\d+)\]")  # an article's own bracketed numbers, shown as (n)


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
        # the id names exactly this quote of this text, which one stored chunk holds
        assert citation.id == f"{article.content_hash[:16]}:{citation.start}-{citation.end}"
        chunks = archive.catalog.chunks_of([article.id])[article.id]
        assert any(c.start <= citation.start < citation.end <= c.end for c in chunks)
        assert citation.title == article.title
    text = answer.answer
    short = answer.short_answer
    if short is not None:  # it leads the answer, and lies where it says in its quote
        assert text.startswith(f"{short.text}: ")
        text = text[len(short.text) + 2 :]
        assert answer.citations[short.n - 1].quote[short.start : short.end] == short.text
    if answer.answerable:  # extractive answers are the quotes themselves, markers aside
        quotes = " ".join(OWN_MARKER.sub(r"(\1)", c.quote) for c in answer.citations)
        assert MARKER.sub("", text) == quotes
    else:
        assert answer.citations == [] and not used


def chunk_holding(citation: Citation, passages: list[Passage]) -> str:
    """The id of the retrieved chunk whose text holds a citation's quote ("" when none does)."""
    for p in passages:
        chunk = p.chunk
        if chunk.article_id == citation.article_id and (
            chunk.start <= citation.start < citation.end <= chunk.end
        ):
            return chunk.id
    return ""
