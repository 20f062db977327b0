"""A small news site on loopback for the web ingest tests: pages, feeds and every way to fail."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Harbour Gazette</title>
<meta property="og:site_name" content="Harbour Gazette">
<meta name="author" content="{author}">
<meta property="article:published_time" content="{date}T08:00:00Z">
</head><body><nav><a href="/">Home</a> | <a href="/sport">Sport</a></nav>
<article><h1>{title}</h1>
<p>{lead}</p>
<p>The council said the work had taken longer than planned because of the winter storms,
which damaged the old stone walls along the eastern side of the harbour.</p>
<p>Local traders welcomed the news. "We have waited a long time for this," one shop owner
said, adding that visitors were expected to return in large numbers over the summer.</p>
</article><footer>Copyright Harbour Gazette</footer></body></html>"""


def page(title: str, lead: str, date: str = "2024-05-02", author: str = "Ann Reporter") -> bytes:
    return PAGE.format(title=title, lead=lead, date=date, author=author).encode()


def rss(base: str, items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed; items are (title, path or "" for no link, RFC 822 date)."""
    entries = "".join(
        f"<item><title>{escape(title)}</title>"
        + (f"<link>{base}{path}</link>" if path else "")
        + f"<pubDate>{date}</pubDate></item>"
        for title, path, date in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Harbour Gazette</title><link>{base}/</link>{entries}</channel></rss>"
    ).encode()


def atom(base: str, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f'<entry><title>{escape(title)}</title><link href="{base}{path}"/><id>{base}{path}</id>'
        f"<updated>{date}</updated></entry>"
        for title, path, date in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Gazette Atom</title><id>{base}/atom</id><updated>2024-05-03T00:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    etag: str = ""  # answer 304 to If-None-Match with this
    trickle_s: float = 0.0  # pause between the body's bytes (a server that never finishes)


class NewsSite:
    """Routes by path; `hits` counts requests per path (conditional GETs included)."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | Callable[[], Route]] = {}
        self.hits: dict[str, int] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                site.hits[path] = site.hits.get(path, 0) + 1
                found = site.routes.get(path)
                route = found() if callable(found) else found
                if route is None:
                    route = Route(404, b"not here")
                if route.delay_s:
                    time.sleep(route.delay_s)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                if route.etag:
                    self.send_header("ETag", route.etag)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    if not route.trickle_s:
                        self.wfile.write(route.body)
                    for byte in route.body if route.trickle_s else b"":
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(route.trickle_s)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def serve_feed(self, path: str, items: list[tuple[str, str, str]], etag: str = "") -> None:
        """An RSS feed at `path` of items (title, page path, date), with an ETag if given."""
        self.routes[path] = Route(
            body=rss(self.url, items), content_type="application/rss+xml", etag=etag
        )

    def start(self) -> NewsSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
