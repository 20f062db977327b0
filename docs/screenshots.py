"""Take the README's screenshots of the web pages (Debian's chromium, driven by Playwright).

python docs/screenshots.py        # writes docs/images/ask.png and docs/images/citation.png
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from bot.container import build_archive, build_service
from bot.settings import Settings
from tests.api_support import ApiParts, live_api

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
QUESTION = "When will the negotiations in Saudi Arabia take place?"


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Debian's chromium is needed: apt-get install chromium")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        archive = build_archive(settings)
        archive.ingestor.ingest_paths([ROOT / "seeds"])
        parts = ApiParts(settings, archive, build_service(settings, archive))
        with live_api(parts, rate_limit="") as api, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 900, "height": 700})
            page.goto(api.url + "/")
            page.get_by_label("Your question").fill(QUESTION)
            page.get_by_role("button", name="Ask").click()
            page.locator(".turn ol.sources").wait_for(timeout=30_000)
            page.screenshot(path=str(OUT / "ask.png"), full_page=True)
            page.locator(".turn .answer a.marker").first.click()
            page.locator("mark#cited").wait_for()
            page.screenshot(path=str(OUT / "citation.png"))
            browser.close()
        archive.close()
    print(f"wrote {OUT / 'ask.png'} and {OUT / 'citation.png'}")


if __name__ == "__main__":
    main()
