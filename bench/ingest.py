"""Ingest throughput on the BBC corpus, as ratios to the bare embedding model in the same run.

    python bench/ingest.py            # all 2,225 files
    python bench/ingest.py --quick    # 200 files: a smoke run in about a minute

Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.container import build_archive  # noqa: E402
from bot.settings import Settings  # noqa: E402
from index.entities import EntityTagger  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "bbc"
NAIVE_SAMPLE = 64
NER_SAMPLE = 300
BARE_SAMPLE = 1500


def slice_corpus(corpus: Path, files: int, into: Path) -> Path:
    """The first `files` articles, spread over the categories, keeping `category/name` ids."""
    categories = sorted(p for p in corpus.iterdir() if p.is_dir())
    per_category = max(1, files // len(categories))
    for category in categories:
        (into / category.name).mkdir(parents=True)
        for path in sorted(category.iterdir())[:per_category]:
            shutil.copy(path, into / category.name / path.name)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--quick", action="store_true", help="200 files instead of all")
    parser.add_argument(
        "--keep", type=Path, help="build the index in this (new) data dir and keep it"
    )
    args = parser.parse_args()
    if args.keep and args.keep.exists():
        parser.error(f"{args.keep} exists: the benchmark needs a cold start")

    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as tmp:
        corpus = slice_corpus(args.corpus, 200, Path(tmp) / "corpus") if args.quick else args.corpus
        data_dir = args.keep or Path(tmp) / "data"
        archive = build_archive(Settings(_env_file=None, data_dir=data_dir))  # type: ignore[call-arg]
        embedder, count_tokens = archive.embedder, archive.count_tokens

        started = time.perf_counter()
        report = archive.ingestor.ingest_paths([corpus])
        cold = time.perf_counter() - started

        started = time.perf_counter()
        again = archive.ingestor.ingest_paths([corpus])
        warm = time.perf_counter() - started
        assert again.new == again.updated == 0, again.as_dict()

        texts = [f"{c.title}\n\n{c.text}" for c in archive.catalog.chunks()]
        tokens = sum(count_tokens(texts))
        # The bare model on a uniform sample of the same texts: the same rate, half the wait.
        sample = random.Random(7).sample(texts, min(BARE_SAMPLE, len(texts)))
        sample_tokens = sum(count_tokens(sample))
        started = time.perf_counter()
        embedder.embed(sample)
        bare = time.perf_counter() - started

        started = time.perf_counter()
        for text in sample[:NAIVE_SAMPLE]:
            embedder.embed([text])
        naive_rate = NAIVE_SAMPLE / (time.perf_counter() - started)

        # spaCy's entity tagger alone on a sample of the stored articles: its share of ingest.
        article_ids = [a for a, _, alias in archive.catalog.origins() if not alias]
        picked = random.Random(7).sample(article_ids, min(NER_SAMPLE, len(article_ids)))
        articles = [a for a in (archive.catalog.article(i) for i in picked) if a is not None]
        started = time.perf_counter()
        EntityTagger().tag(a.text for a in articles)
        ner_per_article = (time.perf_counter() - started) / max(1, len(articles))

        stats = archive.stats()
        chunks = int(stats["chunks"])  # type: ignore[call-overload]
        pipeline_tokens, bare_tokens = tokens / cold, sample_tokens / bare
        bare_chunks, naive_chunks = len(sample) / bare, naive_rate
        mean_tokens = statistics.mean(count_tokens(texts)) if texts else 0
        rows = [
            ("files read", f"{report.files:,}"),
            (
                "articles stored (duplicates as aliases)",
                f"{stats['articles']:,} ({stats['duplicates']})",
            ),
            ("failed / warnings", f"{len(report.failed)} / {len(report.warnings)}"),
            ("chunks (mean word pieces incl. headline)", f"{chunks:,} ({mean_tokens:.0f})"),
            ("cold ingest", f"{cold:.1f} s"),
            (
                "articles/s · chunks/s · tokens/s",
                f"{report.new / cold:.1f} · {chunks / cold:.1f} · {pipeline_tokens:,.0f}",
            ),
            (
                f"bare model on {len(sample):,} of the same texts, length-batched",
                f"{bare_chunks:.1f} chunks/s · {bare_tokens:,.0f} tokens/s",
            ),
            ("bare model, one text at a time", f"{naive_chunks:.1f} chunks/s"),
            ("pipeline ÷ bare batched model (tokens/s)", f"{pipeline_tokens / bare_tokens:.2f}"),
            ("batched ÷ one-at-a-time (chunks/s)", f"{bare_chunks / naive_chunks:.2f}×"),
            ("unchanged re-ingest", f"{warm:.2f} s"),
            (
                f"entities alone (spaCy, {len(articles)} articles), share of cold ingest",
                f"{ner_per_article * 1000:.0f} ms/article · "
                f"{ner_per_article * report.new / cold:.0%}",
            ),
        ]
        print(f"| ingest of {corpus.name if not args.quick else '200-file slice'} | |")
        print("|---|---|")
        for name, value in rows:
            print(f"| {name} | {value} |")
        archive.close()


if __name__ == "__main__":
    main()
