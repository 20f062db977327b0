"""Every setting newsbot reads, from NEWSBOT_* environment variables or a `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    # -- embedding --
    embedding_backend: Literal["minilm-onnx", "openai", "sentence-transformers"] = Field(
        "minilm-onnx",
        description="minilm-onnx: packaged all-MiniLM-L6-v2 (offline); openai: an "
        "OpenAI-compatible /embeddings server; sentence-transformers: a local model folder.",
    )
    embedding_model: str = Field(
        "", description="Model name (openai) or folder (sentence-transformers)."
    )
    embedding_url: str = Field("", description="Base URL of the OpenAI-compatible server.")
    embedding_api_key: str = Field("", description="API key for the embeddings server.")
    embedding_threads: int = Field(0, description="ONNX threads; 0 = one per CPU core.")

    # -- chunking and ingest --
    chunk_max_tokens: int = Field(200, ge=32, le=254, description="Word pieces per chunk, at most.")
    chunk_overlap_tokens: int = Field(40, ge=0, description="Word pieces shared by neighbours.")
    embed_titles: bool = Field(True, description="Embed each chunk with its headline in front.")
    max_file_mb: float = Field(
        5.0, gt=0, description="Files (or JSON articles) larger than this are skipped."
    )

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_dir(self) -> Path:
        return self.data_dir / "bm25"
