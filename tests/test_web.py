"""The web pages in a real browser: Debian's chromium driven by Playwright, over real HTTP.

Playwright never downloads a browser here: it launches the system `chromium` (apt), which
`make install-test` installs when it is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.api_support import API_KEY, ApiParts, LiveApi, live_api, seeded_parts

SUMMIT = "When will the negotiations in Saudi Arabia take place?"
HOSTILE = {
    "id": "hostile/1.json",
    "title": '<script>window.pwned=4</script><img src=x onerror="window.pwned=1"> Harbour news',
    "text": "The harbour reopened <script>window.pwned=2</script> on Monday after repairs. "
    "[help desk](https://evil.example/phish) said the ferry runs at noon.",
    "url": "javascript:window.pwned=3",
    "author": "<b>Mallory</b>",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: `make install-test` installs it")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """The seeds and one hostile article, served with an API key for writes."""
    with (
        seeded_parts(tmp_path_factory.mktemp("web") / "data") as parts,
        live_api(parts, rate_limit="", api_keys=[API_KEY]) as api,
    ):
        with api.client() as http:
            sent = http.post("/v1/ingest", json=HOSTILE, headers={"X-API-Key": API_KEY})
            assert sent.json()["new"] == 1, sent.text
        yield api


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield opened
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_ask_streams_an_answer_whose_marker_opens_the_cited_passage(
    page: Page, site: LiveApi
) -> None:
    page.goto(site.url + "/")
    page.get_by_label("Your question").fill(SUMMIT)
    page.get_by_role("button", name="Ask").click()
    turn = page.locator(".turn").first
    expect(turn.locator(".answer a.marker").first).to_be_visible(timeout=30_000)
    expect(turn.locator(".answer")).to_contain_text("February 18")
    expect(turn.locator("ol.sources li").first).to_be_visible()
    assert page.url == site.url + "/"  # streamed into the page, no reload

    # a follow-up in the same conversation
    page.get_by_label("Your question").fill("Who will attend them?")
    page.keyboard.press("Enter")
    expect(page.locator(".turn")).to_have_count(2)
    expect(page.locator(".turn").nth(1).locator(".answer a.marker").first).to_be_visible(
        timeout=30_000
    )

    marker = turn.locator(".answer a.marker").first
    href = marker.get_attribute("href")
    assert href and href.startswith("/c/")
    marker.click()
    page.wait_for_url(site.url + href)
    with httpx.Client(base_url=site.url) as http:
        cited = http.get(f"/v1/citations/{href.removeprefix('/c/')}").json()
    mark = page.locator("mark#cited")
    expect(mark).to_have_text(cited["quote"])
    expect(mark).to_be_in_viewport()
    expect(page.get_by_role("heading", level=1)).to_have_text(cited["title"])


def test_a_declined_question_lists_the_nearest_articles(page: Page, site: LiveApi) -> None:
    page.goto(site.url + "/")
    page.get_by_label("Your question").fill("What is the recipe for sourdough bread?")
    page.get_by_role("button", name="Ask").click()
    expect(page.locator(".turn ul.nearest li a").first).to_be_visible(timeout=30_000)
    expect(page.locator(".turn .answer a.marker")).to_have_count(0)


def test_article_text_is_never_live_markup(page: Page, site: LiveApi) -> None:
    page.goto(site.url + "/a/hostile/1.json")
    expect(page.get_by_role("heading", level=1)).to_contain_text("<script>window.pwned=4</script>")
    expect(page.get_by_role("heading", level=1)).to_contain_text("<img src=x")
    expect(page.locator(".text")).to_contain_text("<script>window.pwned=2</script>")
    expect(page.locator(".meta").first).to_contain_text("<b>Mallory</b>")
    assert page.evaluate("window.pwned") is None
    assert page.locator("main img, main script, main b").count() == 0
    assert page.get_by_role("link", name="the original").count() == 0  # javascript: URL
    assert page.locator("a[href^='https://evil']").count() == 0


def test_the_citation_page_works_with_javascript_off(browser: Browser, site: LiveApi) -> None:
    with httpx.Client(base_url=site.url, timeout=60) as http:
        cited = http.post("/v1/ask", json={"question": SUMMIT}).json()["citations"][0]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site.url}/c/{cited['id']}")
    expect(page.locator("mark#cited")).to_have_text(cited["quote"])
    expect(page.get_by_role("heading", level=1)).to_have_text(cited["title"])
    page.goto(site.url + "/")  # the ask form posts as a plain GET and the answer is rendered
    page.get_by_label("Your question").fill(SUMMIT)
    page.get_by_role("button", name="Ask").click()
    expect(page.locator(".turn .answer a.marker").first).to_be_visible()
    context.close()


def test_pages_work_without_javascript(site: LiveApi) -> None:
    with httpx.Client(base_url=site.url, timeout=60) as http:
        answered = http.get("/", params={"q": SUMMIT})
        assert answered.status_code == 200
        assert "February 18" in answered.text and 'href="/c/' in answered.text
        assert "script-src 'self'" in answered.headers["content-security-policy"]
        found = http.get("/search", params={"q": "Lavrov Rubio", "source": "seeds"})
        assert found.status_code == 200 and found.text.count('href="/c/') >= 1
        assert http.get("/c/0a1b2c3d4e5f6a7b:1-5").status_code == 404
        assert http.get("/a/no/such.txt").status_code == 404
        empty_dates = http.get("/", params={"q": SUMMIT, "after": "", "before": ""})
        assert empty_dates.status_code == 200 and 'href="/c/' in empty_dates.text
        bad_date = http.get("/search", params={"q": "Lavrov", "after": "March"})
        assert bad_date.status_code == 200 and "is not a date like 2005-03-01" in bad_date.text
        stale = http.post("/v1/search", json={"query": "Lavrov"}, cookies={"newsbot_key": "old"})
        assert stale.status_code == 200  # reads are open: an old page cookie is no key at all
        escaped = http.get("/search", params={"q": "harbour reopened"}).text
        assert "&lt;script&gt;" in escaped and "<script>window" not in escaped


def test_a_server_that_needs_a_key_asks_for_it_once(page: Page, site: LiveApi) -> None:
    parts = site.app.state.newsbot
    locked = ApiParts(parts.settings, parts.archive, parts.service)
    with live_api(locked, rate_limit="", api_keys=[API_KEY], require_key_for_read=True) as api:
        page.goto(api.url + "/search?q=Lavrov")
        assert "/key" in page.url
        page.get_by_label("API key").fill("wrong")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("alert")).to_contain_text("not valid")
        page.get_by_label("API key").fill(API_KEY)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(api.url + "/search?q=Lavrov")
        expect(page.locator("ol.results li").first).to_be_visible()
        page.goto(api.url + "/")
        page.get_by_label("Your question").fill(SUMMIT)
        page.get_by_role("button", name="Ask").click()  # the stream is read with the cookie
        expect(page.locator(".turn .answer a.marker").first).to_be_visible(timeout=30_000)
        with httpx.Client(base_url=api.url) as http:
            assert http.get("/search?q=Lavrov").status_code == 303  # no cookie, no page
            cookie = {"newsbot_key": API_KEY}
            writes = http.post("/v1/ingest", json={"text": "x y z"}, cookies=cookie)
            assert writes.status_code == 401  # a cookie never writes


def test_a_page_is_readable_on_a_phone(browser: Browser, site: LiveApi) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(site.url + "/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the screen
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip"
    context.close()
