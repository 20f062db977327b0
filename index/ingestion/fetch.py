"""Fetching article pages and feeds over HTTP: safe, bounded, polite.

- No server-side request forgery: every host (and every redirect's host) is resolved and
  refused when any address is loopback, private, link-local, multicast or reserved, unless
  `allow_private` (NEWSBOT_FETCH_ALLOW_PRIVATE). (A name that resolves differently between
  the check and the connection is not caught: run behind an egress proxy where that matters.)
- Bounded: a timeout per request, a size limit read as the body streams in, at most
  `MAX_REDIRECTS` redirects and never the same URL twice.
- Polite: one request at a time per host, robots.txt obeyed (the standard library's parser,
  cached per site), requests name newsbot in their User-Agent, and conditional GETs (ETag,
  Last-Modified) let an unchanged feed or page cost one 304.
- Transient failures (connection errors, timeouts, 5xx, 429) are retried with exponential
  backoff (tenacity); anything else fails at once with a FetchError that says why.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

MAX_REDIRECTS = 5
USER_AGENT = "newsbot/0.1 (+https://github.com/newsbot; a news question-answering bot)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(Exception):
    """A URL could not be fetched; the message says why in words a person can act on."""


class _Transient(FetchError):
    """A failure worth retrying (the network, a timeout, a 5xx)."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 when a conditional GET found nothing new
    content_type: str
    body: bytes
    etag: str = ""
    last_modified: str = ""
    charset: str = ""  # from the Content-Type, as httpx reads it

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        try:
            return self.body.decode(self.charset or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class FetchPolicy:
    timeout_s: float = 20.0
    max_bytes: int = 5_000_000
    allow_private: bool = False  # NEWSBOT_FETCH_ALLOW_PRIVATE: loopback and LAN addresses too
    obey_robots: bool = True
    attempts: int = 3
    backoff_s: float = 1.0


class Fetcher:
    """GETs http(s) URLs under a FetchPolicy; thread-safe."""

    def __init__(self, policy: FetchPolicy | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout_s, connect=min(10.0, self.policy.timeout_s)),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )
        self._robots: dict[str, RobotFileParser] = {}
        self._lock = threading.Lock()
        self._hosts: dict[str, threading.Lock] = {}  # one request at a time per host
        self._follow_retrying = retry(
            retry=retry_if_exception(lambda e: isinstance(e, _Transient)),
            stop=stop_after_attempt(max(1, self.policy.attempts)),
            wait=wait_exponential(multiplier=self.policy.backoff_s, max=30),
            reraise=True,
        )(self._follow)

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, etag: str = "", last_modified: str = "") -> Fetched:
        """The body at `url` (following redirects), or 304 when the conditional headers match."""
        check_url(url)
        if self.policy.obey_robots and not self._robots_allow(url):
            raise FetchError(f"{url}: robots.txt does not allow fetching it")
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        try:
            return self._follow_retrying(url, conditional)
        except _Transient as exc:
            raise FetchError(str(exc)) from None

    def _follow(self, url: str, headers: dict[str, str]) -> Fetched:
        seen: set[str] = set()
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if current in seen:
                raise FetchError(f"{url}: redirect loop at {current}")
            seen.add(current)
            self._guard(current)
            with self._host_lock(current):
                answered = self._send(current, headers)
            if isinstance(answered, Fetched):
                return answered
            try:
                current = urljoin(current, answered)  # a redirect's Location
            except ValueError:
                raise FetchError(f"{url}: redirect to a malformed URL {answered!r}") from None
            check_url(current)
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _send(self, url: str, headers: dict[str, str]) -> Fetched | str:
        """The response, or the Location it redirects to."""
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f"{url}: redirect ({status}) without a Location")
                    return location
                if status == 304:
                    return Fetched(url, 304, "", b"")
                if status in RETRY_STATUSES:
                    raise _Transient(f"{url}: the server answered {status}")
                if status >= 400:
                    raise FetchError(f"{url}: the server answered {status}")
                body = self._read(url, response)
                return Fetched(
                    url=url,
                    status=status,
                    content_type=response.headers.get("content-type", ""),
                    body=body,
                    etag=response.headers.get("etag", ""),
                    last_modified=response.headers.get("last-modified", ""),
                    charset=response.charset_encoding or "",
                )
        except httpx.TimeoutException:
            raise _Transient(f"{url}: no answer within {self.policy.timeout_s:g} s") from None
        except httpx.TransportError as exc:
            raise _Transient(f"{url}: cannot connect ({exc.__class__.__name__})") from None
        except (httpx.HTTPError, ValueError) as exc:  # a body that does not decode, a bad header
            raise FetchError(f"{url}: unreadable response ({exc.__class__.__name__})") from None

    def _read(self, url: str, response: httpx.Response) -> bytes:
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(
                f"{url}: {int(declared) / 1e6:.1f} MB is over the {limit / 1e6:g} MB limit"
            )
        chunks: list[bytes] = []
        size = 0
        # httpx's timeout is per read: a body trickled a byte at a time needs a deadline too
        deadline = time.monotonic() + self.policy.timeout_s
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(f"{url}: over the {limit / 1e6:g} MB limit")
            if time.monotonic() > deadline:
                raise _Transient(f"{url}: the body took over {self.policy.timeout_s:g} s")
            chunks.append(chunk)
        return b"".join(chunks)

    def _host_lock(self, url: str) -> threading.Lock:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            return self._hosts.setdefault(host, threading.Lock())

    def _guard(self, url: str) -> None:
        if not self.policy.allow_private:
            refuse_private(url)

    def _robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            parser = self._robots.get(site)
        if parser is None:
            parser = RobotFileParser()
            try:  # redirects followed, size and time bounded, like any fetch
                lines = self._follow(site + "/robots.txt", {}).text().splitlines()
            except FetchError:
                lines = []  # no robots.txt to read: nothing is forbidden
            parser.parse(lines)
            with self._lock:
                self._robots[site] = parser
        return parser.can_fetch(USER_AGENT, url)


def check_url(url: str) -> None:
    """Only absolute http(s) URLs with a host are fetched."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise FetchError(f"{url}: not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: only http:// and https:// URLs can be fetched")


def refuse_private(url: str) -> None:
    """FetchError when the URL's host is, or resolves to, an address that is not public."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"{url}: cannot resolve {host} ({exc})") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                f"{url}: {host} is a private, loopback or link-local address ({address}); "
                "set NEWSBOT_FETCH_ALLOW_PRIVATE=true to allow it"
            )
