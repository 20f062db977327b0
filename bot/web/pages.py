"""The web pages: `/` (ask), `/c/{citation}`, `/a/{article}`, `/search`, `/key`.

Rendered by Jinja2 with autoescaping on, so nothing from an article is ever live markup; the
only scripts are the two files under /static (no inline script: the Content-Security-Policy
forbids it). With NEWSBOT_REQUIRE_KEY_FOR_READ the pages ask for the key once (`/key`) and keep
it in an HttpOnly, SameSite=Strict cookie, which the read API accepts too (never the writes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from bot.answer import AnswerService
from bot.api.access import KEY_COOKIE
from bot.api.deps import ApiState, get_state, rate_limit
from bot.errors import NewsbotError
from bot.links import safe_url
from bot.models import CITATION_MARKER, Answer
from index.search.retrieval import SearchFilters

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescapes .html
templates.env.filters["safe_url"] = safe_url
templates.env.filters["urlpath"] = lambda value: quote(str(value), safe="/:")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
SEARCH_RESULTS = 10

StateDep = Annotated[ApiState, Depends(get_state)]


def _render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    return templates.TemplateResponse(
        request, template, context, status_code=status_code, headers=SECURITY_HEADERS
    )


def _key_ok(request: Request, state: ApiState) -> bool:
    if not state.settings.require_key_for_read:
        return True
    key = request.cookies.get(KEY_COOKIE, "")
    return bool(key) and state.keys.identify(key) is not None


class KeyNeeded(Exception):
    """The server wants a key for reads and this browser has not given one."""


def _require_key(request: Request, state: StateDep) -> None:
    if not _key_ok(request, state):
        raise KeyNeeded


async def _ask_for_key(request: Request, exc: Exception) -> Response:
    """The key form, to come back to this page once the key is given."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/key?next={quote(back, safe='')}", status_code=303)


# Counted against NEWSBOT_RATE_LIMIT like the API (an answer costs the same from a page, and
# wrong keys sent to /key are guesses); every page but the key form needs the key when reads do.
router = APIRouter(include_in_schema=False, dependencies=[Depends(rate_limit)])
pages = APIRouter(include_in_schema=False, dependencies=[Depends(_require_key)])


def install_pages(app: FastAPI) -> None:
    """The pages, their static files, and the redirect to the key form."""
    app.include_router(router)
    app.include_router(pages, dependencies=[Depends(rate_limit)])
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.add_exception_handler(KeyNeeded, _ask_for_key)


class BadFilter(ValueError):
    """A date typed into a filter is not one."""


def _day(text: str, name: str) -> date | None:
    """A date field of a form: empty means none (browsers send empty fields)."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadFilter(f"{name}: {text!r} is not a date like 2005-03-01") from None


def _filters(source: str, after: str, before: str) -> SearchFilters:
    return SearchFilters(
        (source,) if source else (),
        _day(after, "Published on or after"),
        _day(before, "Published on or before"),
    )


@dataclass(frozen=True)
class Asked:
    """What the ask and search forms send: the words, and the filters as typed."""

    q: str
    source: str
    after: str
    before: str

    def filters(self) -> SearchFilters:
        """BadFilter when a date field holds no date."""
        return _filters(self.source, self.after, self.before)


def _asked(
    q: Annotated[str, Query(max_length=1000)] = "",
    source: Annotated[str, Query(max_length=200)] = "",
    after: Annotated[str, Query(max_length=40)] = "",
    before: Annotated[str, Query(max_length=40)] = "",
) -> Asked:
    return Asked(q, source, after, before)


AskedDep = Annotated[Asked, Depends(_asked)]


@pages.get("/", response_class=HTMLResponse)
async def ask_page(request: Request, state: StateDep, form: AskedDep) -> Response:
    """The question box; with `q` (a form sent without JavaScript) the answer is on the page."""
    service = state.service
    answer: Answer | None = None
    nearest: list[Any] = []
    error = ""
    if form.q.strip():
        try:
            filters = form.filters()
            answer = await run_in_threadpool(service.answer, form.q, filters)
            if not answer.answerable:
                nearest = await run_in_threadpool(service.search, form.q, 3, filters)
        except (NewsbotError, BadFilter) as exc:
            error = str(exc)
    sources = await run_in_threadpool(service.sources)
    return _render(
        request,
        "ask.html",
        {
            "form": form, "sources": sources, "answer": answer, "nearest": nearest,
            "error": error,
            "parts": _answer_parts(answer) if answer else [],
            "lead": bool(answer and answer.after_short_answer() is not None),
        },
    )  # fmt: skip


def _answer_parts(answer: Answer) -> list[tuple[str, int | None]]:
    """The answer text (after its short answer, which the page shows in bold) cut at its [n]
    markers: (text, None) and ("[n]", n) pieces, so the page can make each marker a link to
    its citation without writing any markup from the text."""
    text = answer.after_short_answer()
    text = answer.answer if text is None else text
    parts: list[tuple[str, int | None]] = []
    cited = {c.n for c in answer.citations}
    at = 0
    for found in CITATION_MARKER.finditer(text):
        n = int(found[1])
        if n not in cited:
            continue
        parts.append((text[at : found.start()], None))
        parts.append((found[0], n))
        at = found.end()
    parts.append((text[at:], None))
    return parts


@pages.get("/c/{citation_id}", response_class=HTMLResponse)
async def citation_page(request: Request, citation_id: str, state: StateDep) -> Response:
    """The article with the cited passage highlighted: the permalink people paste in chats."""
    service = state.service
    found = await run_in_threadpool(service.citation, citation_id, 0)
    if found is None:
        was = await run_in_threadpool(service.citation_retired, citation_id)
        message = (
            f"The article this citation came from ({was}) has changed or been deleted since."
            if was
            else "No citation has this id in this archive."
        )
        return _render(
            request, "missing.html", {"message": message}, status_code=410 if was else 404
        )
    article = await run_in_threadpool(service.article, found.article_id)
    if article is None:
        return _render(request, "missing.html", {"message": "No such article."}, 404)
    text = article.text
    before, quoted, after = text[: found.start], text[found.start : found.end], text[found.end :]
    return _render(
        request,
        "citation.html",
        {"article": article, "citation": found, "before": before, "quoted": quoted,
         "after": after},
    )  # fmt: skip


@pages.get("/a/{article_id:path}", response_class=HTMLResponse)
async def article_page(request: Request, article_id: str, state: StateDep) -> Response:
    article = await run_in_threadpool(state.service.article, article_id)
    if article is None:
        return _render(request, "missing.html", {"message": "No article has this id."}, 404)
    return _render(request, "article.html", {"article": article})


@pages.get("/search", response_class=HTMLResponse)
async def search_page(request: Request, state: StateDep, form: AskedDep) -> Response:
    service: AnswerService = state.service
    results: list[Any] = []
    error = ""
    if form.q.strip():
        try:
            results = await run_in_threadpool(
                service.search, form.q, SEARCH_RESULTS, form.filters()
            )
        except BadFilter as exc:
            error = str(exc)
    sources = await run_in_threadpool(service.sources)
    return _render(
        request,
        "search.html",
        {"form": form, "sources": sources, "results": results, "error": error},
    )  # fmt: skip


@router.get("/key", response_class=HTMLResponse)
async def key_form(request: Request, next: str = "/") -> Response:
    return _render(request, "key.html", {"next": _local(next), "wrong": False})


@router.post("/key", response_class=HTMLResponse)
async def key_given(
    request: Request,
    state: StateDep,
    key: Annotated[str, Form(max_length=500)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    if state.keys.identify(key.strip()) is None:
        return _render(request, "key.html", {"next": _local(next), "wrong": True}, 401)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        KEY_COOKIE,
        key.strip(),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def _local(path: str) -> str:
    """A path on this site (never another site: no open redirect)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"
