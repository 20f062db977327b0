"""Articles from the web: pages, feeds, bad input of every kind, and the SSRF guard, against a
real HTTP server on loopback (NEWSBOT_FETCH_ALLOW_PRIVATE lets the tests reach it)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.container import Archive, build_archive
from bot.feed_watch import refresh_due
from index.ingestion import web_ingest
from index.ingestion.feeds import FeedStore, parse_every
from index.ingestion.fetch import Fetcher, FetchError, FetchPolicy, refuse_private
from index.ingestion.web_ingest import WebIngest
from tests.api_support import API_KEY, ApiParts, live_api
from tests.conftest import make_settings, newsbot
from tests.news_site import NewsSite, Route, atom, page, rss

DAY = "Thu, 02 May 2024 09:00:00 GMT"
FAST = FetchPolicy(timeout_s=1.0, allow_private=True, attempts=2, backoff_s=0.01)


@pytest.fixture
def site() -> Iterator[NewsSite]:
    news = NewsSite().start()
    news.routes["/news/harbour.html"] = Route(
        body=page("Harbour reopens after repairs", "The harbour reopened on Monday.")
    )
    news.routes["/news/bridge.html"] = Route(
        body=page("Bridge painted blue", "The old bridge was painted blue.", date="2024-05-01")
    )
    news.routes["/news/undated.html"] = Route(
        body=page("Ferry timetable", "The ferry runs twice a day.", date="")
    )
    news.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /private/\n",
                                       content_type="text/plain")  # fmt: skip
    news.routes["/private/memo.html"] = Route(body=page("Memo", "Not for robots."))
    yield news
    news.stop()


@pytest.fixture
def web_archive(tmp_path: Path) -> Iterator[Archive]:
    archive = build_archive(make_settings(tmp_path / "data", fetch_allow_private=True))
    yield archive
    archive.close()


def web(archive: Archive, policy: FetchPolicy = FAST) -> WebIngest:
    return WebIngest(archive.ingestor, Fetcher(policy), archive.feeds)


def test_a_page_becomes_one_article_with_its_metadata(web_archive: Archive, site: NewsSite) -> None:
    url = site.url + "/news/harbour.html"
    report = web(web_archive).ingest_url(url)
    assert (report.new, report.failed) == (1, [])
    article = web_archive.catalog.article(url)
    assert article is not None
    assert article.title == "Harbour reopens after repairs"
    assert "reopened on Monday" in article.text and "Copyright" not in article.text
    assert (article.url, article.source, article.published) == (
        url, "Harbour Gazette", date(2024, 5, 2),
    )  # fmt: skip
    assert "Ann Reporter" in article.author
    named = web(web_archive).ingest_url(site.url + "/news/bridge.html", source="gazette")
    assert named.new == 1
    assert web_archive.catalog.article(site.url + "/news/bridge.html").source == "gazette"  # type: ignore[union-attr]


def test_a_feed_is_followed_reported_and_checked_conditionally(
    web_archive: Archive, site: NewsSite
) -> None:
    items = [
        ("Harbour reopens", "/news/harbour.html", DAY),
        ("Undated ferry", "/news/undated.html", "Wed, 01 May 2024 07:00:00 GMT"),
        ("No link at all", "", DAY),
        ("A page that is gone", "/news/gone.html", DAY),
    ]
    site.serve_feed("/feed.xml", items, etag='"v1"')
    ingest = web(web_archive)
    web_archive.feeds.add(site.url + "/feed.xml", "gazette", parse_every("30m"))
    [first] = ingest.refresh_due()
    assert first.error == "" and first.report.new == 2
    reasons = {p.where: p.reason for p in first.report.failed}
    assert any("no http(s) link" in r for r in reasons.values())
    assert "404" in reasons[site.url + "/news/gone.html"]
    ferry = web_archive.catalog.article(site.url + "/news/undated.html")
    assert ferry is not None and ferry.published == date(2024, 5, 1)  # the item's date
    assert ferry.source == "gazette"

    state = web_archive.feeds.get(site.url + "/feed.xml")
    assert state is not None and state.articles == 2 and state.failures == 0
    assert state.etag == ""  # a page failed: the feed is read again next time, not 304'd
    assert ingest.refresh_due() == []  # not due again for 30 minutes
    site.routes["/news/gone.html"] = Route(body=page("Back again", "The page is back."))
    retried = ingest.refresh(state)
    assert retried.report.new == 1 and not retried.not_modified
    again = ingest.refresh(web_archive.feeds.get(site.url + "/feed.xml"))  # type: ignore[arg-type]
    harbour_hits = site.hits["/news/harbour.html"]
    assert again.report.failed == [x for x in again.report.failed if "no http(s) link" in x.reason]
    still = ingest.refresh(web_archive.feeds.get(site.url + "/feed.xml"))  # type: ignore[arg-type]
    assert still.not_modified  # ETag matched: one 304, no page fetched
    assert site.hits["/news/harbour.html"] == harbour_hits

    # a new item and an edited page: the new page is fetched, the edited one updated in
    # place, the unchanged one asked for conditionally (304) and left alone
    items.append(("Bridge painted", "/news/bridge.html", DAY))
    site.serve_feed("/feed.xml", items, etag='"v2"')
    site.routes["/news/harbour.html"] = Route(
        body=page("Harbour reopens after repairs", "The harbour reopened on Tuesday, not Monday.")
    )
    site.routes["/news/undated.html"] = Route(
        body=page("Ferry timetable", "The ferry runs twice a day.", date=""), etag='"ferry-1"'
    )
    newer = ingest.refresh(web_archive.feeds.get(site.url + "/feed.xml"))  # type: ignore[arg-type]
    assert (newer.report.new, newer.report.updated) == (1, 1), newer.report
    assert site.hits["/news/bridge.html"] == 1
    edited = web_archive.catalog.article(site.url + "/news/harbour.html")
    assert edited is not None and "Tuesday" in edited.text
    assert web_archive.stats()["articles"] == 4  # nothing doubled: ids are the pages' URLs
    site.serve_feed("/feed.xml", [*items, ("x", "/news/x.html", DAY)], etag='"v3"')
    ferry_hits = site.hits["/news/undated.html"]
    ingest.refresh(web_archive.feeds.get(site.url + "/feed.xml"))  # type: ignore[arg-type]
    assert site.hits["/news/undated.html"] == ferry_hits + 1  # asked, answered 304
    assert web_archive.catalog.article(site.url + "/news/undated.html") is not None


def test_a_page_is_known_by_its_canonical_url(web_archive: Archive, site: NewsSite) -> None:
    canonical = "https://www.harbour-gazette.example/2024/05/harbour-reopens"
    body = page("Harbour reopens", "The harbour reopened on Monday.").replace(
        b"</head>", f'<link rel="canonical" href="{canonical}"></head>'.encode()
    )
    site.routes["/news/harbour.html"] = Route(body=body)
    for tracked in ("/news/harbour.html?utm_source=feed", "/news/harbour.html?ref=home"):
        web(web_archive).ingest_url(site.url + tracked)
    assert web_archive.stats()["articles"] == 1  # one article, under its canonical URL
    assert web_archive.catalog.article(canonical) is not None


def test_an_atom_feed_given_to_ingest_reads_every_item(
    web_archive: Archive, site: NewsSite
) -> None:
    site.routes["/atom.xml"] = Route(
        body=atom(site.url, [("Harbour", "/news/harbour.html", "2024-05-02T09:00:00Z"),
                             ("Bridge", "/news/bridge.html", "2024-05-01T09:00:00Z")]),
        content_type="application/atom+xml",
    )  # fmt: skip
    report = web(web_archive).ingest_url(site.url + "/atom.xml")
    assert report.new == 2 and report.failed == []


@pytest.mark.parametrize(
    ("route", "says"),
    [
        (Route(body=b"<?xml version='1.0'?><rss><channel><item><title>broken"), "not an RSS"),
        (Route(body=page("A page", "Not a feed.")), "not an RSS or Atom feed"),
        (Route(410, b"gone"), "410"),
        (Route(500, b"oops"), "500"),
        (Route(body=b"x" * 10, delay_s=3.0, content_type="application/rss+xml"), "no answer"),
        (Route(body=b"\x00\x01" * 100, content_type="application/octet-stream"), "not an RSS"),
        (Route(body=b"<rss>" + b"x" * 2_000_000, content_type="application/rss+xml"), "limit"),
    ],
    ids=["invalid-xml", "html", "410", "500", "timeout", "binary", "huge"],
)
def test_a_bad_feed_is_reported_backs_off_and_never_stops_the_others(
    web_archive: Archive, site: NewsSite, route: Route, says: str
) -> None:
    site.routes["/bad"] = route
    site.serve_feed("/good.xml", [("Harbour", "/news/harbour.html", DAY)])
    policy = FetchPolicy(timeout_s=1.0, allow_private=True, attempts=2, backoff_s=0.01,
                         max_bytes=1_000_000)  # fmt: skip
    ingest = web(web_archive, policy)
    web_archive.feeds.add(site.url + "/bad", "", 600)
    web_archive.feeds.add(site.url + "/good.xml", "", 600)
    done = {d.url: d for d in refresh_due(ingest)}
    assert done[site.url + "/good.xml"].report.new == 1
    bad = done[site.url + "/bad"]
    assert says in bad.error
    state = web_archive.feeds.get(site.url + "/bad")
    assert state is not None and state.failures == 1 and says in state.last_error
    waited = state.next_due - state.last_checked  # type: ignore[operator]
    assert waited == pytest.approx(1200)  # twice `every` after one failure
    web_archive.feeds.failed(site.url + "/bad", "again")
    later = web_archive.feeds.get(site.url + "/bad")
    assert later is not None and later.next_due - later.last_checked == pytest.approx(2400)  # type: ignore[operator]


def test_hostile_and_broken_responses_are_failures_never_crashes(
    web_archive: Archive, site: NewsSite, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text(rss(site.url, [("Secret", "/news/harbour.html", DAY)]).decode())
    site.routes["/path.xml"] = Route(body=str(secret).encode(), content_type="application/rss+xml")
    site.routes["/charset"] = Route(body=page("Odd", "Odd charset."),
                                    content_type="text/html; charset=x-unknown")  # fmt: skip
    site.routes["/gzip"] = Route(body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    site.routes["/bad-location"] = Route(302, headers={"Location": "http://[bad"})
    site.routes["/trickle"] = Route(body=b"x" * 200, trickle_s=0.02)
    site.routes["/xhtml"] = Route(
        body=b'<?xml version="1.0"?>\n' + page("XHTML page", "Served as XML.")
    )
    policy = FetchPolicy(timeout_s=1.0, allow_private=True, attempts=1)
    ingest = web(web_archive, policy)
    # a body naming a local file is never opened as one
    taken = ingest.ingest_url(site.url + "/path.xml")
    assert taken.new == 0 and taken.failed and web_archive.stats()["articles"] == 0
    assert ingest.ingest_url(site.url + "/charset").new == 1  # read as UTF-8
    for path, says in (("/gzip", "unreadable"), ("/bad-location", "malformed"),
                       ("/trickle", "took over")):  # fmt: skip
        report = ingest.ingest_url(site.url + path)
        assert report.new == 0 and says in report.failed[0].reason, report.failed
    assert ingest.ingest_url(site.url + "/xhtml").new == 1  # XML, but a page


def test_a_long_feed_is_taken_over_several_refreshes(
    web_archive: Archive, site: NewsSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_ingest, "MAX_ITEMS_PER_REFRESH", 1)
    items = [("Harbour", "/news/harbour.html", DAY), ("Bridge", "/news/bridge.html", DAY)]
    site.serve_feed("/feed.xml", items, etag='"same"')
    ingest = web(web_archive)
    web_archive.feeds.add(site.url + "/feed.xml", "", 60)
    first = ingest.refresh(web_archive.feeds.all()[0])
    assert first.report.new == 1 and first.left_over
    second = ingest.refresh(web_archive.feeds.all()[0])  # not a 304: one item is still to come
    assert second.report.new == 1 and web_archive.stats()["articles"] == 2
    assert not second.left_over
    assert ingest.refresh(web_archive.feeds.all()[0]).not_modified  # all taken: 304 again


def test_one_item_listed_twice_is_one_article(web_archive: Archive, site: NewsSite) -> None:
    twice = [("Harbour", "/news/harbour.html", DAY), ("Harbour", "/news/harbour.html", DAY)]
    site.serve_feed("/twice.xml", twice)
    report = web(web_archive).ingest_url(site.url + "/twice.xml")
    assert (report.new, report.failed) == (1, [])


def test_a_failed_page_is_retried_even_when_the_feed_is_unchanged(
    web_archive: Archive, site: NewsSite
) -> None:
    items = [("Harbour", "/news/harbour.html", DAY), ("Later", "/news/later.html", DAY)]
    site.serve_feed("/feed.xml", items, etag='"same"')
    ingest = web(web_archive)
    web_archive.feeds.add(site.url + "/feed.xml", "", 60)
    first = ingest.refresh(web_archive.feeds.all()[0])
    assert first.report.new == 1 and len(first.report.failed) == 1  # /news/later.html: 404
    site.routes["/news/later.html"] = Route(body=page("Later", "The page is up now."))
    second = ingest.refresh(web_archive.feeds.all()[0])
    assert not second.not_modified and second.report.new == 1


def test_redirects_are_followed_but_never_in_a_loop(web_archive: Archive, site: NewsSite) -> None:
    site.routes["/moved"] = Route(301, headers={"Location": "/news/harbour.html"})
    site.routes["/loop-a"] = Route(302, headers={"Location": "/loop-b"})
    site.routes["/loop-b"] = Route(302, headers={"Location": "/loop-a"})
    fetcher = Fetcher(FAST)
    assert fetcher.get(site.url + "/moved").url == site.url + "/news/harbour.html"
    with pytest.raises(FetchError, match="redirect loop"):
        fetcher.get(site.url + "/loop-a")
    with pytest.raises(FetchError, match=r"robots\.txt"):
        fetcher.get(site.url + "/private/memo.html")
    with pytest.raises(FetchError, match="only http"):
        fetcher.get("file:///etc/passwd")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/", "http://localhost:8000/x", "http://10.1.2.3/", "http://192.168.0.1/",
     "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://0.0.0.0/"],
)  # fmt: skip
def test_private_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match="NEWSBOT_FETCH_ALLOW_PRIVATE"):
        refuse_private(url)


def test_a_redirect_to_a_private_address_is_refused(site: NewsSite) -> None:
    """Each hop is checked: the test server counts as public here, its redirect target not."""
    site.routes["/to-metadata"] = Route(302, headers={"Location": "http://169.254.169.254/"})

    class OnlyTheTestSiteIsPublic(Fetcher):
        def _guard(self, url: str) -> None:
            if not url.startswith(site.url):
                refuse_private(url)

    fetcher = OnlyTheTestSiteIsPublic(FetchPolicy(allow_private=False, obey_robots=False))
    with pytest.raises(FetchError, match=r"169\.254\.169\.254"):
        fetcher.get(site.url + "/to-metadata")


def test_the_watcher_outlives_a_failing_round(
    web_archive: Archive, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(WebIngest):
        def refresh_due(self) -> list:  # type: ignore[override,type-arg]
            raise RuntimeError("disk on fire")

    broken = Broken(web_archive.ingestor, Fetcher(FAST), web_archive.feeds)
    with caplog.at_level(logging.ERROR, logger="newsbot.feeds"):
        assert refresh_due(broken) == []
    assert "refreshing feeds failed" in caplog.text


def test_feed_state_survives_a_reopen(tmp_path: Path) -> None:
    store = FeedStore(tmp_path / "catalog.sqlite3")
    assert store.add("https://example.org/feed.xml", "ex", 60)
    assert not store.add("https://example.org/feed.xml", "ex2", 120)  # updated, not doubled
    store.close()
    again = FeedStore(tmp_path / "catalog.sqlite3")
    [state] = again.all()
    assert (state.source, state.every_s) == ("ex2", 120)
    assert again.remove(state.url) and again.all() == []
    again.close()
    with pytest.raises(ValueError, match="not a duration"):
        parse_every("soon")


def test_the_cli_and_the_api_take_urls(tmp_path: Path, site: NewsSite) -> None:
    data = tmp_path / "data"
    env = {"NEWSBOT_FETCH_ALLOW_PRIVATE": "true"}
    site.serve_feed("/feed.xml", [("Bridge", "/news/bridge.html", DAY)])
    one = newsbot(data, "ingest", site.url + "/news/harbour.html", "--json", env=env)
    assert json.loads(one.stdout)["new"] == 1, one.stdout + one.stderr
    added = newsbot(data, "feeds", "add", site.url + "/feed.xml", "--every", "2h", env=env)
    assert added.returncode == 0 and "following" in added.stdout
    refreshed = json.loads(newsbot(data, "feeds", "refresh", "--json", env=env).stdout)
    assert [f["new"] for f in refreshed["feeds"]] == [1]
    listed = json.loads(newsbot(data, "feeds", "list", "--json", env=env).stdout)["feeds"]
    assert listed[0]["every_s"] == 7200 and listed[0]["articles"] == 1
    refused = newsbot(data, "ingest", site.url + "/news/bridge.html", "--json")  # guard on
    assert "private, loopback" in json.loads(refused.stdout)["failed"][0]["reason"]
    assert newsbot(data, "feeds", "remove", site.url + "/feed.xml").returncode == 0
    assert newsbot(data, "feeds", "remove", site.url + "/feed.xml").returncode == 2

    settings = make_settings(tmp_path / "api")
    archive = build_archive(settings)
    try:
        from bot.container import build_service

        parts = ApiParts(settings, archive, build_service(settings, archive))
        with live_api(parts, rate_limit="", api_keys=[API_KEY]) as api, api.client() as http:
            key = {"X-API-Key": API_KEY}
            body = {"url": site.url + "/news/harbour.html"}
            guarded = http.post("/v1/ingest/url", json=body, headers=key).json()
            assert (
                guarded["new"] == 0
                and "NEWSBOT_FETCH_ALLOW_PRIVATE" in guarded["failed"][0]["reason"]
            )
            assert http.post("/v1/ingest/url", json={"url": "file:///etc/passwd"},
                             headers=key).status_code == 422  # fmt: skip
            assert http.get("/v1/feeds", headers=key).json() == {"feeds": []}
            feed = {"url": site.url + "/feed.xml", "source": "gazette", "every": "2h"}
            made = http.post("/v1/feeds", json=feed, headers=key)
            assert made.status_code == 201 and made.json()["every_s"] == 7200
            assert http.post("/v1/feeds", json=feed).status_code == 401  # a key is needed
            listed = http.get("/v1/feeds", headers=key).json()["feeds"]
            assert [f["url"] for f in listed] == [feed["url"]]
            gone = http.delete("/v1/feeds", params={"url": feed["url"]}, headers=key)
            assert gone.json() == {"url": feed["url"], "deleted": True}
            again = http.delete("/v1/feeds", params={"url": feed["url"]}, headers=key)
            assert again.status_code == 404
        with live_api(parts, rate_limit="", api_keys=[API_KEY], fetch_allow_private=True) as api:
            archive.__dict__.pop("web", None)  # rebuilt under the new setting
            archive.settings = api.settings
            with api.client() as http:
                fetched = http.post("/v1/ingest/url", json=body, headers={"X-API-Key": API_KEY})
                assert fetched.json()["new"] == 1, fetched.text
    finally:
        archive.close()
