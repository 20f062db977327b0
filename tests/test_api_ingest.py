"""POST /v1/ingest and DELETE /v1/articles over real HTTP, in a data dir of their own."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.api_support import API_KEY, ApiParts, LiveApi, assert_error, live_api, seeded_parts

KEY = {"Authorization": f"Bearer {API_KEY}"}
BRIDGE = {
    "id": "local/2024/bridge.json",
    "title": "Springfield opens the Millbrook bridge",
    "text": "Mayor Ada Quimby opened the Millbrook bridge in Springfield on Monday. "
    "The bridge took four years to build and cost 12 million dollars.",
    "url": "https://news.example/bridge",
    "published": "2024-02-05",
    "source": "springfield-gazette",
    "author": "R. Reporter",
}
FERRY = {
    "id": "local/2024/ferry.json",
    "body": "The Springfield ferry service will stop running in March, the harbour office said.",
    "published": "2024-02-07",
    "source": "springfield-gazette",
}


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiParts]:
    with seeded_parts(tmp_path_factory.mktemp("api-ingest") / "data") as seeded:
        yield seeded


@pytest.fixture(scope="module")
def api(parts: ApiParts) -> Iterator[LiveApi]:
    with live_api(parts, api_keys=[API_KEY], rate_limit="") as running:
        yield running


@pytest.fixture(scope="module")
def http(api: LiveApi) -> Iterator[httpx.Client]:
    with api.client() as client:
        yield client


def test_ingest_one_article_then_find_read_and_cite_it(http: httpx.Client) -> None:
    response = http.post("/v1/ingest", json=BRIDGE, headers=KEY)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["new"] == 1 and report["failed"] == [] and report["chunks_added"] >= 1
    article = http.get(f"/v1/articles/{BRIDGE['id']}").json()  # an id with slashes
    assert article["title"] == BRIDGE["title"]
    assert article["published"] == "2024-02-05"
    assert article["source"] == "springfield-gazette" and article["author"] == "R. Reporter"
    results = http.post("/v1/search", json={"query": "Millbrook bridge Springfield"}).json()
    assert results["results"][0]["article_id"] == BRIDGE["id"]
    answer = http.post("/v1/ask", json={"question": "Who opened the Millbrook bridge?"}).json()
    assert answer["answerable"] is True
    assert BRIDGE["id"] in {c["article_id"] for c in answer["citations"]}
    dated = http.post(
        "/v1/search",
        json={"query": "bridge", "filters": {"published_after": "2024-02-01",
                                              "source": "springfield-gazette"}},
    ).json()["results"]  # fmt: skip
    assert [r["article_id"] for r in dated] == [BRIDGE["id"]]


def test_ingest_is_idempotent_and_takes_lists(http: httpx.Client) -> None:
    http.post("/v1/ingest", json=BRIDGE, headers=KEY)
    report = http.post("/v1/ingest", json=[BRIDGE, FERRY], headers=KEY).json()
    assert report["unchanged"] == 1 and report["new"] == 1
    assert http.get(f"/v1/articles/{FERRY['id']}").json()["text"] == FERRY["body"]
    changed = {**BRIDGE, "url": "https://news.example/bridge-2"}
    assert http.post("/v1/ingest", json=changed, headers=KEY).json()["updated"] == 1
    assert http.get(f"/v1/articles/{BRIDGE['id']}").json()["url"].endswith("bridge-2")


def test_ingest_reports_bad_articles_and_keeps_the_good(http: httpx.Client) -> None:
    good = {"id": "local/good.json", "text": "The library reopened after repairs on Tuesday."}
    bad_date = {"id": "local/bad-date.json", "text": "Some text.", "published": "not a date"}
    report = http.post("/v1/ingest", json=[good, bad_date], headers=KEY).json()
    assert report["new"] == 1
    assert report["failed"] == [
        {"where": "local/bad-date.json", "reason": report["failed"][0]["reason"]}
    ]
    assert "published" in report["failed"][0]["reason"]
    assert http.get("/v1/articles/local/bad-date.json").status_code == 404


def test_control_characters_leave_every_field(http: httpx.Client) -> None:
    sent = {
        "id": "p3/\u0000clean", "text": "Caf&eacute; opens\u0007 today.", "url": "https://e/\u0000x",
        "source": "wire\u0000", "author": "A.\u0000 Reporter",
    }  # fmt: skip
    assert http.post("/v1/ingest", json=sent, headers=KEY).json()["new"] == 1
    stored = http.get("/v1/articles/p3/clean").json()
    assert (stored["text"], stored["url"], stored["source"], stored["author"]) == (
        "Café opens today.", "https://e/x", "wire", "A. Reporter",
    )  # fmt: skip


def test_ingest_without_an_id_gets_a_stable_one(http: httpx.Client) -> None:
    text = "A parade will close Main Street on Saturday morning."
    first = http.post("/v1/ingest", json={"text": text}, headers=KEY).json()
    again = http.post("/v1/ingest", json={"text": text}, headers=KEY).json()
    assert first["new"] == 1 and again["unchanged"] == 1


@pytest.mark.parametrize(
    ("payload", "status", "says"),
    [
        ({"id": "x", "published": "2024-01-01"}, 422, "text"),
        ([], 422, ""),
        ({"id": "x", "text": "   "}, 422, "text"),
        ({"id": "x", "text": "words", "published": "someday"}, 422, "published"),
        ("just a string", 422, ""),
        ({"id": 5, "text": "words"}, 422, "id"),
        ({"id": "p3/only-nul", "text": "\u0000\u0000\u0000"}, 422, "no text left after cleaning"),
    ],
)
def test_ingest_with_nothing_readable_is_422(
    http: httpx.Client, payload: object, status: int, says: str
) -> None:
    message = assert_error(http.post("/v1/ingest", json=payload, headers=KEY), status)
    assert says in message


def test_ingest_needs_a_key(http: httpx.Client) -> None:
    assert_error(http.post("/v1/ingest", json=BRIDGE), 401, "unauthorized")


def test_delete_removes_the_article_everywhere(http: httpx.Client) -> None:
    doomed = {"id": "local/doomed.json", "text": "The old water tower at Elm Road will be "
              "demolished next week, the council said."}  # fmt: skip
    assert http.post("/v1/ingest", json=doomed, headers=KEY).json()["new"] == 1
    hit = http.post("/v1/search", json={"query": "water tower Elm Road"}).json()["results"][0]
    assert hit["article_id"] == doomed["id"]
    response = http.delete(f"/v1/articles/{doomed['id']}", headers=KEY)
    assert response.status_code == 200
    assert response.json() == {"id": doomed["id"], "deleted": True}
    assert_error(http.get(f"/v1/articles/{doomed['id']}"), 404)
    assert "has changed or been deleted" in assert_error(
        http.get(f"/v1/citations/{hit['id']}"), 410, "citation_gone"
    )
    after = http.post("/v1/search", json={"query": "water tower Elm Road"}).json()["results"]
    assert doomed["id"] not in {r["article_id"] for r in after}
    assert_error(http.delete(f"/v1/articles/{doomed['id']}", headers=KEY), 404)


def test_a_citation_resolves_until_its_article_changes(http: httpx.Client) -> None:
    story = {"id": "local/ferry.json", "text": "The island ferry will run twice a day from May. "
             "Tickets cost four pounds, the operator said."}  # fmt: skip
    assert http.post("/v1/ingest", json=story, headers=KEY).json()["new"] == 1
    answer = http.post("/v1/ask", json={"question": "How much do ferry tickets cost?"}).json()
    [cited] = [c for c in answer["citations"] if c["article_id"] == story["id"]]
    assert cited["quote"] == "Tickets cost four pounds, the operator said."
    found = http.get(f"/v1/citations/{cited['id']}").json()
    assert (found["quote"], found["start"], found["end"]) == (
        cited["quote"], cited["start"], cited["end"],
    )  # fmt: skip
    assert found["before"].endswith("from May. ") and found["after"] == ""
    changed = {**story, "text": story["text"].replace("four", "five")}
    assert http.post("/v1/ingest", json=changed, headers=KEY).json()["updated"] == 1
    assert_error(http.get(f"/v1/citations/{cited['id']}"), 410, "citation_gone")


def _metric(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def test_ingest_and_delete_are_counted(http: httpx.Client) -> None:
    new, deleted = (
        'newsbot_ingested_articles_total{outcome="new"}',
        "newsbot_deleted_articles_total",
    )
    before = http.get("/metrics").text
    note = {"id": "local/counted.json", "text": "The town fair starts on Friday at noon."}
    http.post("/v1/ingest", json=note, headers=KEY)
    http.delete(f"/v1/articles/{note['id']}", headers=KEY)
    after = http.get("/metrics").text
    assert _metric(after, new) == _metric(before, new) + 1
    assert _metric(after, deleted) == _metric(before, deleted) + 1


def test_readiness_counts_follow_writes(http: httpx.Client) -> None:
    before = http.get("/readyz").json()["articles"]
    note = {"id": "local/ready.json", "text": "The swimming pool opens for the summer in June."}
    http.post("/v1/ingest", json=note, headers=KEY)
    assert http.get("/readyz").json()["articles"] == before + 1
    http.delete(f"/v1/articles/{note['id']}", headers=KEY)
    assert http.get("/readyz").json()["articles"] == before


def test_searches_during_ingests_never_fail(api: LiveApi) -> None:
    statuses: list[int] = []
    done = threading.Event()

    def search() -> None:
        with api.client() as client:
            while not done.is_set():
                statuses.append(client.post("/v1/search", json={"query": "bridge"}).status_code)

    searchers = [threading.Thread(target=search) for _ in range(3)]
    for thread in searchers:
        thread.start()
    try:
        with api.client() as client:
            for n in range(6):
                batch = [
                    {"id": f"busy/{n}/{k}.json", "text": f"Bridge {n}-{k} opens to traffic."}
                    for k in range(3)
                ]
                response = client.post("/v1/ingest", json=batch, headers=KEY)
                assert response.status_code == 200, response.text
    finally:
        done.set()
        for thread in searchers:
            thread.join()
    assert statuses and set(statuses) == {200}, statuses
