"""Headline → article retrieval on the BBC corpus: newsbot's hybrid search against baselines.

Each article is ingested without its headline (title empty, body as text); each headline is
then a query, and a hit is the article itself or any exact duplicate of it among the ranked
distinct articles. Reported side by side, from one run: BM25 only, dense only, newsbot's
hybrid retrieval (what `newsbot search` and `POST /v1/search` return), and a plain LlamaIndex
`VectorStoreIndex` over Chroma with default settings and the same embedder.

    python bench/retrieval.py            # all 2,225 articles
    python bench/retrieval.py --quick    # 300 articles
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.container import Archive, build_archive  # noqa: E402
from bot.settings import Settings  # noqa: E402
from index.ingestion.loaders import decode  # noqa: E402
from index.search.fusion import FusionSpec  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "bbc"
Ranker = Callable[[str], list[str]]  # query -> distinct article ids, best first


@dataclass(frozen=True)
class Query:
    headline: str
    article_id: str
    split: str  # "dev" or "test": tune on dev, confirm on test


def build_headless_jsonl(corpus: Path, limit: int | None, into: Path) -> list[Query]:
    """Write the corpus as JSONL without headlines; return the headline queries."""
    files = sorted(p for p in corpus.glob("*/*.txt"))
    if limit:
        step = max(1, len(files) // limit)
        files = files[::step][:limit]
    queries, lines = [], []
    for path in files:
        text, _ = decode(path.read_bytes())
        headline, _, body = text.strip().partition("\n")
        article_id = path.relative_to(corpus).as_posix()
        lines.append(json.dumps({"id": article_id, "title": "", "text": body.strip()}))
        split = "dev" if int(hashlib.sha1(article_id.encode()).hexdigest(), 16) % 2 else "test"
        queries.append(Query(headline.strip(), article_id, split))
    into.write_text("\n".join(lines) + "\n")
    return queries


def newsbot_ranker(archive: Archive, mode: str, fusion: FusionSpec | None = None) -> Ranker:
    retriever = archive.retriever
    if fusion is not None:
        retriever = copy.copy(retriever)
        retriever.fusion = fusion

    def rank(query: str) -> list[str]:
        hits = retriever.search(query, top_k=10, mode=mode)
        return [h.chunk.article_id for h in hits]

    return rank


def llamaindex_ranker(archive: Archive, jsonl: Path, folder: Path) -> tuple[Ranker, float]:
    """The obvious pipeline: VectorStoreIndex with default splitting, same embedder, Chroma."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.embedding import LlamaIndexEmbedding

    records = [json.loads(line) for line in jsonl.read_text().splitlines()]
    documents = [
        Document(text=r["text"], id_=r["id"], metadata={"article_id": r["id"]}) for r in records
    ]
    client = chromadb.PersistentClient(
        str(folder), settings=ChromaSettings(anonymized_telemetry=False)
    )
    store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("baseline"))
    started = time.perf_counter()
    index = VectorStoreIndex.from_documents(
        documents,
        storage_context=StorageContext.from_defaults(vector_store=store),
        embed_model=LlamaIndexEmbedding(archive.embedder),
    )
    seconds = time.perf_counter() - started
    retriever = index.as_retriever(similarity_top_k=30)

    def rank(query: str) -> list[str]:
        ids: list[str] = []
        for hit in retriever.retrieve(query):
            article_id = hit.node.metadata["article_id"]
            if article_id not in ids:
                ids.append(article_id)
        return ids[:10]

    return rank, seconds


def score(
    ranker: Ranker,
    queries: list[Query],
    canonical: Callable[[str], str],
    story: Callable[[str], str],
) -> dict[str, float]:
    """R@1, R@5 and MRR@10 of the article (or an exact duplicate), and R@5 of its story (the
    article or a near-duplicate of it, which is what collapsing stories shows once)."""
    hits1 = hits5 = story_hits5 = 0
    reciprocal = 0.0
    started = time.perf_counter()
    for query in queries:
        found = ranker(query.headline)
        target = canonical(query.article_id)
        ranked = [canonical(a) for a in found][:10]
        if target in ranked:
            rank = ranked.index(target) + 1
            hits1 += rank == 1
            hits5 += rank <= 5
            reciprocal += 1 / rank
        stories = list(dict.fromkeys(story(a) for a in found))[:5]
        story_hits5 += story(query.article_id) in stories
    n = len(queries) or 1
    elapsed = time.perf_counter() - started
    return {
        "R@1": hits1 / n,
        "R@5": hits5 / n,
        "MRR@10": reciprocal / n,
        "story R@5": story_hits5 / n,
        "ms/query": 1000 * elapsed / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--quick", action="store_true", help="300 articles instead of all")
    parser.add_argument("--no-baseline", action="store_true", help="skip the LlamaIndex baseline")
    parser.add_argument(
        "--keep",
        type=Path,
        help="build the index in this folder and keep it; a later run with the same folder "
        "re-ingests nothing (for trying retrieval settings without waiting for the model)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="newsbot-retrieval-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        jsonl = work / "bbc-headless.jsonl"
        queries = build_headless_jsonl(args.corpus, 300 if args.quick else None, jsonl)
        archive = build_archive(Settings(_env_file=None, data_dir=work / "data"))  # type: ignore[call-arg]
        started = time.perf_counter()
        archive.ingestor.ingest_paths([jsonl])
        ingest_seconds = time.perf_counter() - started

        def canonical(article_id: str) -> str:
            return archive.catalog.canonical_id(article_id) or article_id

        def story(article_id: str) -> str:
            return archive.catalog.story_of(canonical(article_id)) or canonical(article_id)

        rankers: dict[str, Ranker] = {
            "BM25 only": newsbot_ranker(archive, "bm25"),
            "dense only": newsbot_ranker(archive, "dense"),
            "newsbot hybrid": newsbot_ranker(archive, "hybrid"),
            "newsbot hybrid, stories not collapsed": newsbot_ranker(
                archive, "hybrid", replace(archive.fusion, collapse_stories=False)
            ),
            "newsbot hybrid, weighted fusion": newsbot_ranker(
                archive, "hybrid", replace(archive.fusion, method="weighted")
            ),
            "newsbot hybrid, RRF fusion": newsbot_ranker(
                archive, "hybrid", replace(archive.fusion, method="rrf")
            ),
        }
        baseline_seconds = None
        if not args.no_baseline:
            rankers["LlamaIndex VectorStoreIndex (defaults)"], baseline_seconds = llamaindex_ranker(
                archive, jsonl, Path(tmp) / "baseline"
            )
        print(f"{len(queries)} headline queries; newsbot ingest {ingest_seconds:.0f} s", end="")
        print(f", baseline ingest {baseline_seconds:.0f} s" if baseline_seconds else "")
        print("| retriever | split | R@1 | R@5 | MRR@10 | story R@5 | ms/query |")
        print("|---|---|---|---|---|---|---|")
        for name, ranker in rankers.items():
            for split in ("dev", "test"):
                subset = [q for q in queries if q.split == split]
                m = score(ranker, subset, canonical, story)
                print(
                    f"| {name} | {split} | {m['R@1']:.4f} | {m['R@5']:.4f} | "
                    f"{m['MRR@10']:.4f} | {m['story R@5']:.4f} | {m['ms/query']:.1f} |"
                )
        archive.close()


if __name__ == "__main__":
    main()
