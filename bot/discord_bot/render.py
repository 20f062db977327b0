"""Pure rendering of answers, passages and stats into Discord embeds, within Discord's limits."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import discord

from bot.answer import CitationContext
from bot.links import citation_page
from bot.models import Answer, Citation
from index.catalog import SourceSummary
from index.search.retrieval import Passage

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
MESSAGE_CHARS = 2000
TITLE_CHARS = 256
DESCRIPTION_CHARS = 4096
FIELDS_PER_EMBED = 25
FIELD_NAME_CHARS = 256
FIELD_VALUE_CHARS = 1024
FOOTER_CHARS = 2048
EMBED_TOTAL_CHARS = 6000  # title + description + field names/values + footer + author
CHOICES = 25  # autocomplete choices offered at once
CHOICE_CHARS = 100  # characters in a choice's name, and in its value

QUOTE_PREVIEW_CHARS = 220
ANSWER_COLOUR = discord.Colour.blurple()
DECLINE_COLOUR = discord.Colour.light_grey()
DECLINED_TEXT = "I couldn't find anything in the archive that answers this."
ELLIPSIS = "…"

# discord.py's URL pattern (utils._URL_REGEX): Discord shows these as links, where a backslash
# would show too, so they are left whole; nothing inside one is live markup.
_URL = re.compile(r"<[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]")
# Emphasis, code, spoilers, escapes, and every "[" but a citation marker such as "[2]" (one
# that a "(" follows could open a masked link, so it is escaped too).
_INLINE = re.compile(r"[\\*_~`|]|\[(?!\d{1,3}\](?!\())")
_LINE_START = re.compile(r"(?m)^([ \t]*)(?:([#>+-])|(\d+)(?=[.)]))")  # headings, quotes, lists
ZWSP = "\u200b"
_ESCAPED = re.compile(r"\\([^0-9A-Za-z\s])")  # Discord shows a backslashed punctuation mark


def escape(text: str) -> str:
    """Article or user text shown literally: no masked link, formatting or mention stays live.

    Not discord.utils.escape_markdown: its greedy masked-link pattern escapes only the first
    `[` on a line and nothing inside the link, and it escapes an indented "- " as "\\  -".
    """
    text = discord.utils.escape_mentions(text)  # @everyone, @here, long user/role ids
    pieces: list[str] = []
    at = 0
    for url in _URL.finditer(text):
        pieces += [_escape_words(text[at : url.start()]), url.group()]
        at = url.end()
    pieces.append(_escape_words(text[at:]))
    return "".join(pieces)


def _escape_words(text: str) -> str:
    """Text without URLs: markdown characters backslash-escaped; `<` followed by a zero-width
    space so `<@id>`, `<#id>`, `</cmd:id>` and `<t:…>` stay text."""
    text = _INLINE.sub(r"\\\g<0>", text)
    text = _LINE_START.sub(_escape_line_start, text)
    return text.replace("<", "<" + ZWSP)


_BRACKET = re.compile(r"\\.|[\[\]]")  # an escaped character, or a bracket


def link_text(text: str) -> str:
    """Text for inside `[…](url)`: escaped, and every bracket too (in URLs and citation
    markers alike), so a `]` in a headline cannot end the link early and start another."""
    return _BRACKET.sub(lambda m: m[0] if len(m[0]) == 2 else "\\" + m[0], escape(text))


def unescape(text: str) -> str:
    """Escaped text back to what it says (what Discord shows), e.g. for conversation history."""
    return _ESCAPED.sub(r"\1", text).replace(ZWSP, "")


def _escape_line_start(found: re.Match[str]) -> str:
    indent, marker, number = found.groups()
    return f"{indent}\\{marker}" if marker else f"{indent}{number}\\"


def code(text: str) -> str:
    """An id as inline code; a backtick inside it cannot end the span early."""
    safe = text.replace("`", "'")[:200]
    return f"`{safe}`"


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word where possible and marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip().rstrip("\\") + ELLIPSIS


def split_text(text: str, limit: int = MESSAGE_CHARS) -> list[str]:
    """Pieces of at most `limit` characters, broken at paragraphs, lines, sentences or words."""
    text = text.strip()
    pieces: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = limit
        for separator in ("\n\n", "\n", ". ", " "):
            at = window.rfind(separator, 0, limit)
            if at > limit // 3:
                cut = at + 1 if separator == ". " else at
                break
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def safe_url(url: str) -> str | None:
    """An http(s) URL safe inside `[text](url)`, or None when it is not one."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")


def embed_size(embed: discord.Embed) -> int:
    """Characters that count towards Discord's 6,000 per embed."""
    return len(embed)


def source_field(citation: Citation, public_url: str = "") -> tuple[str, str]:
    """One numbered source: date, outlet, headline (linked), article id, the quote's start,
    and a link to its citation page when the server's public address is configured."""
    outlet = citation.source if citation.source and citation.source != citation.article_id else ""
    facts = " · ".join(part for part in (citation.published or "undated", outlet) if part)
    name = truncate(f"[{citation.n}] {escape(facts)}", FIELD_NAME_CHARS)
    title = truncate(link_text(" ".join((citation.title or citation.article_id).split())), 300)
    url = safe_url(citation.url)
    headline = f"**[{title}]({url})**" if url else f"**{title}**"
    quote_text = escape(truncate(" ".join(citation.quote.split()), QUOTE_PREVIEW_CHARS))
    page = citation_page(public_url, citation.id)
    passage = f" · [the passage]({safe_url(page)})" if page and safe_url(page) else ""
    value = f"{headline}\narticle {code(citation.article_id)}{passage}\n> {quote_text}"
    return name, truncate(value, FIELD_VALUE_CHARS)


def citation_footer(citations: Sequence[Citation]) -> str:
    """The citation ids, for `/source id:` and the REST API."""
    ids = " · ".join(f"[{c.n}] {c.id}" for c in citations)
    return truncate(f"/source id: {ids}", FOOTER_CHARS)


def answer_text(answer: Answer) -> str:
    """The answer's text, escaped, its short answer (when it has one) in bold first."""
    rest = answer.after_short_answer()
    if answer.short_answer is None or rest is None:
        return escape(answer.answer)
    return f"**{escape(answer.short_answer.text)}**: {escape(rest)}"


def render_answer(question: str, answer: Answer, public_url: str = "") -> list[discord.Embed]:
    """An answer as embeds, each sent as one message: the text, then the numbered sources."""
    title = truncate(escape(" ".join(question.split())), TITLE_CHARS)
    if not answer.answerable or not answer.citations:
        text = escape(answer.answer.strip()) or DECLINED_TEXT
        embed = discord.Embed(
            title=title, description=truncate(text, DESCRIPTION_CHARS), colour=DECLINE_COLOUR
        )
        embed.set_footer(text="No cited answer: try other words, or /search for passages.")
        return [embed]
    # Leave room in the first embed for the title and footer within the 6,000 total.
    parts = split_text(answer_text(answer), DESCRIPTION_CHARS - 100)
    embeds = [discord.Embed(title=title, description=parts[0], colour=ANSWER_COLOUR)]
    embeds += [discord.Embed(description=part, colour=ANSWER_COLOUR) for part in parts[1:]]
    footer = citation_footer(answer.citations)
    for citation in answer.citations:
        name, value = source_field(citation, public_url)
        last = embeds[-1]
        room = EMBED_TOTAL_CHARS - embed_size(last) - len(footer)
        if len(last.fields) >= FIELDS_PER_EMBED or len(name) + len(value) > room:
            last = discord.Embed(title="Sources (continued)", colour=ANSWER_COLOUR)
            embeds.append(last)
        last.add_field(name=name, value=value, inline=False)
    embeds[-1].set_footer(text=footer)
    return embeds


def render_passage(passage: CitationContext, n: int | None = None) -> discord.Embed:
    """The exact quote in bold, with a little of the article before and after it; however long
    the quote, the bold closes and the footer ends with the passage's id."""
    before, after = " ".join(passage.before.split()), " ".join(passage.after.split())
    head = f"{ELLIPSIS}{escape(before[-400:])} **"
    tail = f"** {escape(after[:400])}{ELLIPSIS}"
    quote_text = truncate(escape(passage.quote.strip()), DESCRIPTION_CHARS - len(head) - len(tail))
    label = f"[{n}] " if n else ""
    embed = discord.Embed(
        title=truncate(f"{label}{escape(passage.title or passage.article_id)}", TITLE_CHARS),
        url=safe_url(passage.url),
        description=head + quote_text + tail,
        colour=ANSWER_COLOUR,
    )
    facts = [f"article {passage.article_id}", passage.published or "", passage.source]
    room = min(FOOTER_CHARS, EMBED_TOTAL_CHARS - len(embed)) - len(passage.id) - 3
    embed.set_footer(text=f"{truncate(' · '.join(f for f in facts if f), room)} · {passage.id}")
    return embed


def render_search(query: str, passages: Sequence[Passage]) -> discord.Embed:
    """The top passages for a query, one field each, their snippets shortened so that all of
    them fit in the 6,000 characters of one embed."""
    embed = discord.Embed(
        title=truncate(f"Passages for: {escape(query)}", TITLE_CHARS), colour=ANSWER_COLOUR
    )
    hits = [p.chunk for p in passages[:10]]
    if not hits:
        embed.description = "No passages found."
        return embed
    share = (EMBED_TOTAL_CHARS - len(embed)) // len(hits)
    for n, hit in enumerate(hits, start=1):
        url = safe_url(hit.url)
        head = link_text(truncate(hit.title or hit.article_id, 200))
        headline = f"[{head}]({url})" if url else f"**{head}**"
        facts = " · ".join(p for p in (hit.published or "", code(hit.id)) if p)
        name = truncate(f"{n}. {escape(hit.title or hit.article_id)}", FIELD_NAME_CHARS)
        room = min(FIELD_VALUE_CHARS, share - len(name))
        lead = f"{headline} · {facts}\n"
        snippet = escape(truncate(" ".join(hit.text.split()), max(room - len(lead), 1)))
        embed.add_field(name=name, value=truncate(lead + snippet, room), inline=False)
    return embed


def render_about(
    stats: Mapping[str, object], version: str, feedback: Mapping[str, int]
) -> discord.Embed:
    """The archive's numbers, the bot's version and how answers were rated."""
    embed = discord.Embed(
        title="newsbot",
        description="Answers questions from a news archive; every claim cites its passage.",
        colour=ANSWER_COLOUR,
    )
    for key in ("articles", "chunks", "duplicates", "default_mode", "embedding_model"):
        if key in stats:
            embed.add_field(name=key.replace("_", " "), value=escape(str(stats[key])[:200]))
    embed.add_field(
        name="feedback", value=f"👍 {feedback.get('up', 0)} · 👎 {feedback.get('down', 0)}"
    )
    embed.set_footer(text=f"newsbot {version} · discord.py {discord.__version__}")
    return embed


@dataclass(frozen=True)
class HelpFacts:
    """What `/help` says about this server's set-up."""

    modes: Sequence[str]
    questions_per_window: int
    window_s: float
    follow_up_turns: int
    follow_up_minutes: float
    mentions: bool
    question_chars: int  # the longest question the forms and options take


HELP_COMMANDS = (
    "**/ask** `question` — a cited answer; options: `source`, `after`/`before` (YYYY-MM-DD), "
    "`private` (only you see it){modes}. Press **Follow up** under an answer to ask the next "
    "question with the same context.\n"
    "**/search** `query` — the best passages; options: `count` (1–10), `source`, `after`, "
    "`before`, `private`.\n"
    "**/source** `id` — a cited passage in full; pick from the citations shown in this "
    "channel, or press a **Passage n** button; option: `private`.\n"
    "**/about** — the archive and the bot · **/help** — this page.\n"
    "👍/👎 under an answer tell the maintainers how it did; 👎 asks what was wrong."
)
HELP_EXAMPLES = (
    "`/ask question: What was agreed at the talks?`\n"
    "`/ask question: Who is leading the negotiations? after: 2025-01-01 private: True`\n"
    "`/search query: ceasefire count: 3`"
)


def render_help(
    stats: Mapping[str, object], sources: Sequence[SourceSummary], facts: HelpFacts
) -> discord.Embed:
    """What the bot can do, with examples, the archive it answers from, and its limits."""
    modes = f", `mode` ({', '.join(facts.modes)})" if len(facts.modes) > 1 else ""
    commands = HELP_COMMANDS.format(modes=modes)
    if facts.mentions:
        commands += (
            "\nOr mention me in a channel: I answer in a thread, and reply to questions there."
        )
    embed = discord.Embed(
        title="newsbot — help",
        description="I answer questions from a news archive, quoting the articles: every claim "
        "carries a numbered citation [n] you can open.",
        colour=ANSWER_COLOUR,
    )
    embed.add_field(name="Commands", value=truncate(commands, FIELD_VALUE_CHARS), inline=False)
    embed.add_field(name="Examples", value=HELP_EXAMPLES, inline=False)
    dated = [d for s in sources for d in (s.oldest, s.newest) if d]
    span = f", {min(dated)} to {max(dated)}" if dated else ""
    archive = f"{stats.get('articles', 0)} articles from {len(sources)} sources{span}."
    listed = ", ".join(f"{escape(s.name)} ({s.articles})" for s in sources[:15])
    more = f" and {len(sources) - 15} more" if len(sources) > 15 else ""
    embed.add_field(
        name="The archive",
        value=truncate(f"{archive}\n{listed}{more}".strip(), FIELD_VALUE_CHARS),
        inline=False,
    )
    seconds = round(facts.window_s)
    limits = (
        "I only know what the archive holds, up to its newest article; when it holds no "
        "answer I say so instead of guessing.\n"
        f"{facts.questions_per_window} questions per {seconds} s each; questions up to "
        f"{facts.question_chars:,} characters.\n"
        f"Follow-ups remember the last {facts.follow_up_turns} questions for "
        f"{facts.follow_up_minutes:g} minutes."
    )
    embed.add_field(name="Limits", value=limits, inline=False)
    return embed
