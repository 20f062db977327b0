"""How newsbot grows: ingest time, query latency, memory and disk from ~10k to ~100k chunks.

The archive is synthetic: BBC articles varied (a third of each article's sentences swapped for
sentences of other articles in its category, figures changed, dates spread over 2004–05), so
that every article is new text with the corpus's vocabulary and shape. It is ingested in steps
through the real pipeline (catalog, Chroma, BM25, sentence vectors, stories) and measured after
each step in a fresh process: search and answer latency (one client), resident memory, disk.

Embedding 100,000 chunks with the packaged model takes over an hour on 2 cores, so by default
vectors come from a stand-in (`--vectors hashed`: each word a fixed random vector, a text the
normalised sum of its words'), which keeps the run to minutes and leaves every other part real;
the model's own time for the same chunks is measured on a sample in the same run and reported
beside it. `--vectors model` uses the real model throughout.

    python bench/scale.py                 # steps of 10k, 25k, 50k, 100k chunks
    python bench/scale.py --quick         # 2k and 5k chunks
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.container import Archive, build_archive, build_service  # noqa: E402
from bot.settings import Settings  # noqa: E402
from index.ingestion.loaders import decode  # noqa: E402
from index.sentences import sentence_spans  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "bbc"
STEPS = (10_000, 25_000, 50_000, 100_000)
QUICK_STEPS = (2_000, 5_000)
QUERIES = 100
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"\w+")


class HashedEmbedder:
    """A stand-in embedder: a word is a fixed random unit vector, a text the normalised sum.

    Texts sharing words land near each other, so the vector index sees clustered data as it
    would with a model, at a small fraction of the model's cost.
    """

    name = "hashed-bag-of-words-384"

    def __init__(self) -> None:
        self._words: dict[str, np.ndarray] = {}

    def _word(self, word: str) -> np.ndarray:
        vector = self._words.get(word)
        if vector is None:
            seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
            vector = np.random.default_rng(seed).standard_normal(384).astype(np.float32)
            self._words[word] = vector
        return vector

    def _one(self, text: str) -> np.ndarray:
        words = _WORD.findall(text.lower())
        total = np.sum([self._word(w) for w in words], axis=0) if words else np.ones(384)
        return (total / (np.linalg.norm(total) or 1.0)).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, 384), np.float32)

    def embed_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        pooled = [
            np.stack([self._one(text[s:e]) for s, e in own]) if own else np.zeros((0, 384))
            for text, own in zip(texts, spans, strict=True)
        ]
        return self.embed(texts), pooled


def load_corpus(corpus: Path) -> dict[str, list[tuple[str, str]]]:
    """(headline, body) pairs by category."""
    by_category: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(corpus.glob("*/*.txt")):
        text, _ = decode(path.read_bytes())
        headline, _, body = text.strip().partition("\n")
        by_category.setdefault(path.parent.name, []).append((headline.strip(), body.strip()))
    return by_category


def varied_articles(corpus: dict[str, list[tuple[str, str]]], start: int, count: int) -> list[dict]:
    """Articles `start` … `start + count - 1` of the synthetic archive (deterministic)."""
    categories = sorted(corpus)
    records = []
    for n in range(start, start + count):
        rng = random.Random(n)
        category = categories[n % len(categories)]
        articles = corpus[category]
        headline, body = articles[(n // len(categories)) % len(articles)]
        paragraphs = []
        for paragraph in body.split("\n\n"):
            sentences = [paragraph[s:e] for s, e in sentence_spans(paragraph)]
            for i in range(len(sentences)):
                if rng.random() < 1 / 3:
                    _, other = rng.choice(articles)
                    spans = sentence_spans(other)
                    if spans:
                        s, e = rng.choice(spans)
                        sentences[i] = other[s:e]
            paragraphs.append(" ".join(sentences))
        text = _changed_figures("\n\n".join(paragraphs), rng)
        published = date(2004, 1, 1) + timedelta(days=rng.randint(0, 729))
        records.append(
            {
                "id": f"synthetic/{category}/{n:06d}",
                "title": headline,
                "text": text,
                "published": published.isoformat(),
                "source": f"synthetic/{category}",
            }
        )
    return records


def _changed_figures(text: str, rng: random.Random) -> str:
    return _NUMBER.sub(lambda m: str(int(m.group()) + rng.randint(1, 9)), text)


def open_archive(data_dir: Path, vectors: str) -> Archive:
    archive = build_archive(Settings(_env_file=None, data_dir=data_dir))  # type: ignore[call-arg]
    if vectors == "hashed":
        archive.__dict__["embedder"] = HashedEmbedder()  # before anything asks for the model
        # Answers weigh sentences with the stand-in too: the packaged model would embed every
        # candidate sentence (the stand-in stores no sentence vectors for it to reuse), which
        # measures the model, not the archive's size.
        archive.__dict__["answer_embedder"] = archive.query_embedder
    return archive


def measure(data_dir: Path, vectors: str, queries: list[str]) -> dict[str, float]:
    """Search and answer latency in this (fresh) process, then its resident memory."""
    archive = open_archive(data_dir, vectors)
    service = build_service(archive.settings, archive)
    service.search(queries[0])  # load BM25 and open Chroma
    service.answer(queries[0])
    search_ms, answer_ms = [], []
    for query in queries:
        started = time.perf_counter()
        service.search(query, top_k=5)
        search_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        service.answer(query)
        answer_ms.append((time.perf_counter() - started) * 1000)
    status = Path("/proc/self/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]
    return {
        "search_p50_ms": statistics.median(search_ms),
        "search_p95_ms": float(np.percentile(search_ms, 95)),
        "answer_p50_ms": statistics.median(answer_ms),
        "answer_p95_ms": float(np.percentile(answer_ms, 95)),
        "rss_mb": rss,
    }


def model_seconds_per_chunk(archive: Archive, sample: int = 300) -> float:
    """The packaged model's time per chunk on a sample of this archive's chunk texts."""
    from index.embedding import OnnxMiniLM

    chunks = random.Random(3).sample(archive.catalog.chunks(), sample)
    texts = [f"{c.title}\n\n{c.text}" for c in chunks]
    model = OnnxMiniLM()
    model.embed(texts[:8])  # load the session
    started = time.perf_counter()
    model.embed(texts)
    return (time.perf_counter() - started) / len(texts)


def disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--quick", action="store_true", help="2k and 5k chunks")
    parser.add_argument("--vectors", choices=["hashed", "model"], default="hashed")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    corpus = load_corpus(args.corpus)
    queries = [h for articles in corpus.values() for h, _ in articles[:QUERIES]]
    queries = random.Random(5).sample(queries, QUERIES)
    if args.measure:
        print(json.dumps(measure(args.measure, args.vectors, queries)))
        return

    steps = QUICK_STEPS if args.quick else STEPS
    print(f"vectors: {args.vectors}; {QUERIES} headline queries per step, one client")
    print(
        "| chunks | articles | ingest step s | chunks/s (step) | model time for all chunks "
        "| search p50 / p95 ms | answer p50 / p95 ms | RSS MB | disk MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="newsbot-scale-") as tmp:
        data_dir = Path(tmp) / "data"
        archive = open_archive(data_dir, args.vectors)
        articles = 0
        per_chunk = None
        for target in steps:
            chunks_before = archive.catalog.counts()["chunks"]
            started = time.perf_counter()
            while archive.catalog.counts()["chunks"] < target:
                have = archive.catalog.counts()["chunks"]
                batch = max(50, int((target - have) / 3.2))  # ~3.2 chunks per article
                feed = Path(tmp) / f"feed-{articles:06d}.jsonl"
                records = varied_articles(corpus, articles, batch)
                feed.write_text("\n".join(json.dumps(r) for r in records) + "\n")
                archive.ingestor.ingest_paths([feed])
                feed.unlink()
                articles += batch
            seconds = time.perf_counter() - started
            counts = archive.catalog.counts()
            if per_chunk is None:
                per_chunk = model_seconds_per_chunk(archive)
            child = subprocess.run(
                [sys.executable, __file__, "--vectors", args.vectors, "--measure", str(data_dir)],
                capture_output=True, text=True, check=True, cwd=ROOT,
            )  # fmt: skip
            m = json.loads(child.stdout.strip().splitlines()[-1])
            added = counts["chunks"] - chunks_before
            print(
                f"| {counts['chunks']:,} | {counts['articles']:,} | {seconds:.0f} "
                f"| {added / seconds:.0f} | {counts['chunks'] * per_chunk / 60:.0f} min "
                f"| {m['search_p50_ms']:.1f} / {m['search_p95_ms']:.1f} "
                f"| {m['answer_p50_ms']:.1f} / {m['answer_p95_ms']:.1f} "
                f"| {m['rss_mb']:.0f} | {disk_mb(data_dir):.0f} |",
                flush=True,
            )
        archive.close()


if __name__ == "__main__":
    main()
