"""The pure Answer -> Embed rendering: Discord's limits, clean splitting, escaping, no pings."""

from __future__ import annotations

import re

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answer import CitationContext
from bot.discord_bot import render
from bot.discord_bot.render import (
    DECLINED_TEXT,
    HelpFacts,
    escape,
    render_about,
    render_answer,
    render_help,
    render_passage,
    safe_url,
    split_text,
)
from bot.models import Answer, Citation, ShortAnswer
from index.catalog import SourceSummary, StoredChunk
from index.search.retrieval import Passage

HOSTILE = "@everyone @here <@123> <@!456> <@&789> [click](https://evil.example) **bold** `tick`"


def citation(n: int, title: str = "Talks resume", quote: str = "The talks resumed.", **kw: object):
    fields: dict[str, object] = {
        "n": n, "id": f"{n:016x}:{n * 100}-{n * 100 + 90}", "article_id": f"art-{n}",
        "title": title, "source": "bbc", "url": f"https://news.example/{n}",
        "published": "2005-03-01", "quote": quote, "start": n * 100, "end": n * 100 + 90,
        "score": 0.9,
    }  # fmt: skip
    fields.update(kw)
    return Citation(**fields)  # type: ignore[arg-type]


def assert_within_limits(embed: discord.Embed) -> None:
    data = embed.to_dict()
    assert len(data.get("title", "")) <= render.TITLE_CHARS
    assert len(data.get("description", "")) <= render.DESCRIPTION_CHARS
    assert len(data.get("fields", [])) <= render.FIELDS_PER_EMBED
    for field in data.get("fields", []):
        assert 0 < len(field["name"]) <= render.FIELD_NAME_CHARS
        assert 0 < len(field["value"]) <= render.FIELD_VALUE_CHARS
    assert len(data.get("footer", {}).get("text", "")) <= render.FOOTER_CHARS
    assert len(embed) <= render.EMBED_TOTAL_CHARS


def test_a_short_answer_is_one_embed_with_numbered_linked_sources() -> None:
    answer = Answer("The talks resumed in March [1] and ended in May [2].", True,
                    [citation(1), citation(2, title="Talks end")])  # fmt: skip
    (embed,) = render_answer("When did the talks resume?", answer)
    assert embed.title == "When did the talks resume?"
    assert embed.description == "The talks resumed in March [1] and ended in May [2]."
    names = [f.name for f in embed.fields]
    assert names == ["[1] 2005-03-01 · bbc", "[2] 2005-03-01 · bbc"]
    assert "**[Talks resume](https://news.example/1)**" in embed.fields[0].value
    assert "article `art-1`" in embed.fields[0].value
    assert embed.footer.text is not None
    assert "[1] 0000000000000001:100-190" in embed.footer.text
    assert "[2] 0000000000000002:200-290" in embed.footer.text


def test_each_source_links_its_citation_page_when_the_public_address_is_set() -> None:
    answer = Answer("The talks resumed [1].", True, [citation(1)])
    (plain,) = render_answer("When?", answer)
    assert "the passage" not in plain.fields[0].value
    (linked,) = render_answer("When?", answer, "https://news.example.org")
    page = "https://news.example.org/c/0000000000000001:100-190"
    assert f"[the passage]({page})" in linked.fields[0].value


def test_a_source_without_url_is_bold_not_linked() -> None:
    answer = Answer("Yes [1].", True, [citation(1, url="")])
    (embed,) = render_answer("q?", answer)
    assert embed.fields[0].value.startswith("**Talks resume**\n")
    assert "](" not in embed.fields[0].value


def test_a_very_long_answer_with_many_sources_splits_within_every_limit() -> None:
    sentence = "The delegations met again in the capital and agreed on a further round [3]. "
    text = sentence * 200  # ~15,000 characters
    cites = [citation(n, title="T" * 400, quote="word " * 400) for n in range(1, 31)]
    embeds = render_answer("Q" * 1000, Answer(text, True, cites))
    assert len(embeds) >= 4
    for embed in embeds:
        assert_within_limits(embed)
    # The text survives whole and in order, split only between sentences.
    descriptions = [e.description for e in embeds if e.description]
    assert " ".join(descriptions).split() == text.split()
    assert all(d.rstrip().endswith("[3].") for d in descriptions)
    # Every source appears exactly once, in order, and the footer is on the last message.
    names = [f.name for e in embeds for f in e.fields]
    assert [int(re.match(r"\[(\d+)\]", n).group(1)) for n in names] == list(range(1, 31))  # type: ignore[union-attr]
    assert embeds[-1].footer.text and embeds[-1].footer.text.startswith("/source id:")
    assert embeds[0].title and len(embeds[0].title) <= 256


def test_hostile_text_cannot_ping_forge_links_or_format() -> None:
    cite = citation(1, title=HOSTILE, quote=HOSTILE, source=HOSTILE)
    embeds = render_answer(HOSTILE, Answer(f"{HOSTILE} [1]", True, [cite]))
    data = "\n".join(
        [e.title or "" for e in embeds]
        + [e.description or "" for e in embeds]
        + [f"{f.name}\n{f.value}" for e in embeds for f in e.fields]
        + [e.footer.text or "" for e in embeds]
    )
    for mention in ("@everyone", "@here", "<@123>", "<@!456>", "<@&789>"):
        assert mention not in data
    assert not re.search(r"(?<!\\)\[click\]\(https", data)  # the masked link is escaped
    assert "\\[click](https" in data
    assert "\\*\\*bold\\*\\*" in data and "\\`tick\\`" in data
    # Our own link to the source still works.
    assert "](https://news.example/1)" in data


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("# Breaking", "\\# Breaking"),
        ("> quoted\n- item", "\\> quoted\n\\- item"),
        ("1. first", "1\\. first"),
        ("a_b*c~d|e", "a\\_b\\*c\\~d\\|e"),
        ("@everyone", "@\u200beveryone"),
        ("<@&42>", "<\u200b@&42>"),
        ("plain [1] text", "plain [1] text"),
    ],
)
def test_escape(raw: str, expected: str) -> None:
    assert escape(raw) == expected


def test_an_unanswerable_question_gets_the_decline_not_an_empty_embed() -> None:
    declined = Answer("The archive has nothing on that.", False, [])
    (embed,) = render_answer("Who won the 2030 World Cup?", declined)
    assert embed.description == "The archive has nothing on that."
    assert not embed.fields
    assert embed.footer.text and "/search" in embed.footer.text
    (empty,) = render_answer("?", Answer("", False, []))
    assert empty.description == DECLINED_TEXT


@pytest.mark.parametrize("limit", [50, 200, 2000])
def test_split_text_keeps_every_word_and_each_piece_fits(limit: int) -> None:
    text = "\n\n".join(f"Paragraph {p}. " + "Some words here. " * 30 for p in range(12))
    pieces = split_text(text, limit)
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert " ".join(pieces).split() == text.split()


def test_split_text_prefers_paragraphs_then_sentences_and_cuts_unbroken_text() -> None:
    assert split_text("First para.\n\nSecond para.", 20) == ["First para.", "Second para."]
    assert split_text("One sentence. Two sentence.", 20) == ["One sentence.", "Two sentence."]
    assert split_text("x" * 45, 20) == ["x" * 20, "x" * 20, "x" * 5]
    assert split_text("short") == ["short"]
    assert split_text("   ") == []


def test_safe_url_only_passes_http_and_encodes_link_breakers() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("not a url") is None
    assert safe_url("https://x.example/a b)c") == "https://x.example/a%20b%29c"
    assert safe_url(" http://x.example/ok ") == "http://x.example/ok"


def test_passage_shows_the_exact_quote_in_bold_with_context() -> None:
    context = CitationContext(
        id="abc:10-20", article_id="art-1", title="Summit *date*", source="bbc",
        url="https://news.example/1", published="2005-03-01", quote="the exact words",
        start=10, end=25, before="Before   the quote, ", after=" and after it.",
    )  # fmt: skip
    embed = render_passage(context, 2)
    assert embed.title == "[2] Summit \\*date\\*"
    assert embed.url == "https://news.example/1"
    assert embed.description == "…Before the quote, **the exact words** and after it.…"
    assert embed.footer.text == "article art-1 · 2005-03-01 · bbc · abc:10-20"
    assert_within_limits(embed)


def test_about_shows_counts_version_and_feedback() -> None:
    embed = render_about({"articles": 4, "chunks": 20, "data_dir": "/secret"}, "1.2.3",
                         {"up": 3, "down": 1})  # fmt: skip
    fields = {f.name: f.value for f in embed.fields}
    assert fields == {"articles": "4", "chunks": "20", "feedback": "👍 3 · 👎 1"}
    assert embed.footer.text and "newsbot 1.2.3" in embed.footer.text


# -- escaping, as Discord would read the result --

# Discord's reading, simplified: a URL is shown as it is; elsewhere a backslash before a
# punctuation mark shows only the mark. (The same URL pattern discord.py uses.)
_URL = re.compile(r"<[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]")
_MARKDOWN_CHARS = "[]()<>@#*_~`|\\-+>:!&/. \n"


def shown(escaped: str) -> str:
    """What a reader sees: URLs whole, backslash escapes resolved, zero-width spaces unseen."""
    out, at = [], 0
    while at < len(escaped):
        url = _URL.match(escaped, at)
        if url:
            out.append(url.group())
            at = url.end()
        elif escaped[at] == "\\" and at + 1 < len(escaped) and not escaped[at + 1].isalnum() \
                and not escaped[at + 1].isspace():  # fmt: skip
            out.append(escaped[at + 1])
            at += 2
        else:
            out.append(escaped[at])
            at += 1
    return "".join(out).replace("\u200b", "")


def outside_urls(escaped: str) -> str:
    """The escaped text with its URLs blanked out (nothing inside a URL is markup)."""
    return _URL.sub(lambda m: " " * len(m.group()), escaped)


def unescaped(char: str) -> str:
    """A pattern for `char` not preceded by an escaping backslash (an even run of them)."""
    return rf"(?<!\\)(?:\\\\)*{re.escape(char)}"


def assert_inert(escaped: str) -> None:
    text = outside_urls(escaped)
    assert not re.search(unescaped("[") + r"[^\]]*\]\(", text), "a masked link is live"
    assert not re.search(r"@(everyone|here)", escaped), "@everyone/@here would ping"
    assert not re.search(r"<[@#]|</|<a?:|<t:", escaped), "a mention or tag is live"
    for char in "*_~`|":
        assert not re.search(unescaped(char), text), f"{char} is live"
    for line in text.split("\n"):
        assert not re.match(r"[ \t]*(#|>|[-+*]\s|\d+[.)])", line), f"line start live: {line!r}"


KNOWN = [
    "[click](https://evil.example/login) or [help desk](https://evil.example/phish)",
    "see [help desk](https://evil.example/phish)",
    "[a](b **bold** c)",
    "[x](<https://evil.example>)",
    "# Heading\n## Sub\n### Third\n-# subtext",
    "  # indented heading\n   > quote\n >>> block\n  - item\n  * star\n  + plus\n  12. twelve",
    "```py\nprint(1)\n```",
    "||spoiler|| ~~struck~~ __under__ *it* **bold** `code`",
    "@everyone @here <@123> <@!456> <@&789> <#1011> </ask:12> <t:1700000000:R> <a:wave:1>",
    "back\\slash \\[not a link](https://x.example)",
    "https://example.com/a_b*c?d=[e](f) and https://x.example/[1]",
]


@pytest.mark.parametrize("text", KNOWN)
def test_escaping_known_markup_leaves_it_inert_and_readable(text: str) -> None:
    escaped = escape(text)
    assert_inert(escaped)
    assert shown(escaped) == text


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(_MARKDOWN_CHARS) + list("ab1 everyonehttps")),
               max_size=60))  # fmt: skip
def test_escaping_any_text_leaves_no_markup_live_and_shows_the_same_words(text: str) -> None:
    escaped = escape(text)
    assert_inert(escaped)
    assert shown(escaped) == text.replace("\u200b", "")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_escaping_unicode_text_shows_the_same_words(text: str) -> None:
    escaped = escape(text)
    assert_inert(escaped)
    assert shown(escaped) == text.replace("\u200b", "")


def test_the_reported_second_masked_link_is_inert_in_a_passage_and_a_search_result() -> None:
    evil = "Call [click](https://evil.example/login) or [help desk](https://evil.example/phish)."
    passage = CitationContext(
        id="0000000000000001:0-10", article_id="a", title="T", source="s", url="",
        published=None, quote=evil, start=0, end=10, before=evil, after=evil,
    )  # fmt: skip
    description = render_passage(passage).description or ""
    assert "help desk" in description
    assert_inert(description.replace("**", ""))  # the bold around the quote is ours


def test_the_short_answer_leads_the_embed_in_bold() -> None:
    text = "Saudi Arabia: On February 18, negotiations will take place in *Saudi Arabia* [1]."
    short = ShortAnswer("Saudi Arabia", 1, 48, 60)
    answer = Answer(text, True, [citation(1)], short_answer=short)
    (embed,) = render_answer("Where?", answer)
    assert embed.description == (
        "**Saudi Arabia**: On February 18, negotiations will take place in \\*Saudi Arabia\\* [1]."
    )
    # Without one, the answer text is shown as it is.
    (plain,) = render_answer("Where?", Answer(text, True, [citation(1)]))
    assert plain.description is not None and not plain.description.startswith("**")


def test_help_lists_the_archive_and_escapes_source_names() -> None:
    sources = [
        SourceSummary("bbc", 3, "2004-01-02", "2005-06-07", 0),
        SourceSummary("[evil](https://x.example) @everyone", 1, None, None, 1),
    ]
    facts = HelpFacts(["extractive", "llm"], 5, 60.0, 4, 30.0, mentions=False, question_chars=1200)
    embed = render_help({"articles": 4}, sources, facts)
    fields = {f.name: f.value or "" for f in embed.fields}
    assert fields["The archive"].startswith("4 articles from 2 sources, 2004-01-02 to 2005-06-07.")
    assert_inert(fields["The archive"])
    assert "`mode` (extractive, llm)" in fields["Commands"]
    assert (
        "5 questions per 60 s" in fields["Limits"] and "last 4 questions for 30" in fields["Limits"]
    )
    assert "questions up to 1,200 characters" in fields["Limits"]  # the set-up's own limit
    assert_within_limits(embed)


def live_link_targets(markdown: str) -> list[str]:
    """Where each live `](target)` of a masked link points (escaped brackets do not count)."""
    return re.findall(unescaped("](") + r"([^)\s]*)\)", markdown)


HEADLINE_BREAKERS = [
    "Talks end](https://evil.example/phish) as [help desk](https://evil.example/2)",
    "See https://evil.example/a](https://evil.example/b) now",
    "Bracketed [1] and [2]](https://evil.example/c)",
]


@pytest.mark.parametrize("title", HEADLINE_BREAKERS)
def test_a_headline_cannot_end_its_link_early_and_open_another(title: str) -> None:
    cited = citation(1, title=title)
    _, value = render.source_field(cited, "https://bot.example")
    page = safe_url(f"https://bot.example/c/{cited.id}")
    assert live_link_targets(value) == [cited.url, page]

    chunk = StoredChunk(cited.id, "art-1", 0, 0, 4, "text", title, "bbc", cited.url, "2005-03-01")
    hit = Passage(chunk, 1.0, 1, 1)
    field = render.render_search("talks", [hit]).fields[0]
    assert live_link_targets(field.value or "") == [cited.url]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(_MARKDOWN_CHARS) + list("ab1 https")), max_size=60))
def test_any_headline_inside_a_masked_link_leaves_only_that_link_live(title: str) -> None:
    markdown = f"[{render.link_text(title)}](https://news.example/1)"
    assert live_link_targets(markdown) == ["https://news.example/1"]


def test_ten_long_search_results_fit_in_one_embed() -> None:
    text = " ".join(["The ministers met in *Riyadh* on Tuesday to discuss the ceasefire."] * 15)
    title = "Ukraine war: US and Russian officials agree to further talks in Saudi Arabia"
    url = "https://www.bbc.co.uk/news/articles/c{}abcdefghijk"
    chunks = [
        StoredChunk(f"{i:016x}:0-900", f"art-{i}", 0, 0, 900, text, title, "bbc", url.format(i), "")
        for i in range(10)
    ]
    hits = [Passage(chunk, 1.0, 1, 1) for chunk in chunks]
    embed = render.render_search("ceasefire", hits)
    assert_within_limits(embed)
    assert len(embed.fields) == 10
    for field in embed.fields:  # each keeps its linked headline and the start of its text
        assert (field.value or "").startswith(f"[{render.link_text(title)}](https://www.bbc")
        assert "The ministers met in \\*Riyadh\\*" in (field.value or "")


def test_a_huge_passage_keeps_its_bold_closed_its_id_whole_and_within_limits() -> None:
    quote = "*a " * 2000  # escaping doubles every "*"
    passage = CitationContext(
        id="0000000000000001:0-6000", article_id="a" * 500, title="T" * 400, source="s" * 3000,
        url="", published="2005-03-01", quote=quote, start=0, end=6000, before=quote,
        after=quote,
    )  # fmt: skip
    embed = render_passage(passage, 3)
    assert_within_limits(embed)
    description = embed.description or ""
    assert description.count("**") == 2
    assert description.endswith(f"** {escape(quote[:400].strip())}…")
    assert (embed.footer.text or "").endswith(" · 0000000000000001:0-6000")
