"""What following a feed costs: a local feed of BBC articles as web pages, refreshed three ways.

    python bench/feeds.py ../shared/corpora/bbc [--quick]

A news site on loopback serves N BBC articles (500; 20 with --quick) as HTML pages and an RSS
feed linking to them. In one process, into fresh archives, it times:
  baseline  the same N articles ingested directly (Ingestor.ingest_articles, no web)
  first     the first refresh: the feed, then every page fetched, extracted and ingested
  unchanged a second refresh: one conditional GET answered 304
  one new   a refresh after one item was added: the feed, one new page, and a conditional
            GET (304) for each page taken before
and prints each as seconds and as a ratio to the baseline, the first refresh's pages per
minute, and its time split into fetching (HTTP), extracting (trafilatura) and ingesting
(chunking, embedding, entities, storing).
"""

from __future__ import annotations

import argparse
import html
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.container import build_archive
from bot.settings import Settings
from index.articles import Article
from index.ingestion import web_ingest
from index.ingestion.fetch import Fetcher, FetchPolicy
from index.ingestion.loaders import iter_article_files, load_file
from index.ingestion.web_ingest import WebIngest
from tests.news_site import NewsSite, Route, rss

DAY = "Thu, 02 Dec 2004 09:00:00 GMT"
T = TypeVar("T")


def as_page(article: Article) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article.text.split("\n\n"))
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(article.title)}</title>"
        "<meta property='og:site_name' content='BBC News'></head><body>"
        f"<article><h1>{html.escape(article.title)}</h1>{paragraphs}</article></body></html>"
    ).encode()


def timed(step: str, run: object, baseline: float | None) -> float:
    started = time.perf_counter()
    run()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    ratio = f"  ({seconds / baseline:.2f}× the baseline)" if baseline else ""
    print(f"{step:10} {seconds:7.2f} s{ratio}")
    return seconds


def _clocked(function: Callable[..., T], spent: dict[str, float], key: str) -> Callable[..., T]:
    def clocked(*args: object, **kwargs: object) -> T:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - started

    return clocked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--quick", action="store_true", help="20 articles instead of 500")
    args = parser.parse_args()
    count = 20 if args.quick else 500
    articles: list[Article] = []
    seen: set[str] = set()
    for file in iter_article_files([args.corpus]):
        for article in load_file(file, 5_000_000).articles:
            if article.content_hash not in seen:  # exact duplicates would be aliases
                seen.add(article.content_hash)
                articles.append(article)
        if len(articles) > count:
            break
    extra, articles = articles[count], articles[:count]

    site = NewsSite().start()
    paths = []
    for n, article in enumerate([*articles, extra]):
        path = f"/news/{n}.html"
        site.routes[path] = Route(body=as_page(article))
        paths.append(path)
    feed = [(a.title, p, DAY) for a, p in zip(articles, paths, strict=False)]
    site.routes["/feed.xml"] = Route(body=rss(site.url, feed), content_type="application/rss+xml",
                                     etag='"1"')  # fmt: skip

    with tempfile.TemporaryDirectory() as tmp:
        direct = build_archive(Settings(data_dir=Path(tmp) / "direct"))
        direct.embedder.embed(["warm up"])
        baseline = timed("baseline", lambda: direct.ingestor.ingest_articles(articles), None)
        direct.close()

        archive = build_archive(Settings(data_dir=Path(tmp) / "web"))
        archive.embedder.embed(["warm up"])
        fetcher = Fetcher(FetchPolicy(allow_private=True))
        web = WebIngest(archive.ingestor, fetcher, archive.feeds)
        archive.feeds.add(site.url + "/feed.xml", "bbc", 60)
        state = archive.feeds.all
        web_ingest.MAX_ITEMS_PER_REFRESH = count + 1  # the whole feed in one refresh
        spent = {"fetching": 0.0, "extracting": 0.0}
        fetcher.get = _clocked(fetcher.get, spent, "fetching")  # type: ignore[method-assign]
        web_ingest.article_from_page = _clocked(web_ingest.article_from_page, spent, "extracting")

        first = timed("first", lambda: web.refresh(state()[0]), baseline)
        ingesting = first - spent["fetching"] - spent["extracting"]
        print(f"           {count / first * 60:.0f} pages per minute; of the time: fetching "
              f"{spent['fetching'] / first:.0%}, extracting {spent['extracting'] / first:.0%}, "
              f"ingesting {ingesting / first:.0%}")  # fmt: skip
        timed("unchanged", lambda: web.refresh(state()[0]), baseline)
        site.routes["/feed.xml"] = Route(
            body=rss(site.url, [*feed, (extra.title, paths[-1], DAY)]),
            content_type="application/rss+xml",
            etag='"2"',
        )
        timed("one new", lambda: web.refresh(state()[0]), baseline)
        print(f"{archive.stats()['articles']} articles from the feed ({count} + 1)")
        archive.close()
    site.stop()


if __name__ == "__main__":
    main()
