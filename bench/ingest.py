"""Ingest throughput on the BBC corpus, as ratios to the bare embedding model in the same run.

    python bench/ingest.py            # all 2,225 files
    python bench/ingest.py --quick    # 200 files: a smoke run in about a minute

Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
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

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "bbc"
NAIVE_SAMPLE = 64


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
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as tmp:
        corpus = slice_corpus(args.corpus, 200, Path(tmp) / "corpus") if args.quick else args.corpus
        archive = build_archive(Settings(_env_file=None, data_dir=Path(tmp) / "data"))  # type: ignore[call-arg]
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
        started = time.perf_counter()
        embedder.embed(texts)
        bare = time.perf_counter() - started

        sample = texts[:NAIVE_SAMPLE]
        started = time.perf_counter()
        for text in sample:
            embedder.embed([text])
        naive_rate = len(sample) / (time.perf_counter() - started)

        stats = archive.stats()
        chunks = int(stats["chunks"])  # type: ignore[call-overload]
        pipeline_rate, bare_rate = chunks / cold, chunks / bare
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
                f"{report.new / cold:.1f} · {pipeline_rate:.1f} · {tokens / cold:,.0f}",
            ),
            ("bare model, same texts, length-batched", f"{bare:.1f} s ({bare_rate:.1f} chunks/s)"),
            ("bare model, one text at a time", f"{naive_rate:.1f} chunks/s"),
            ("pipeline ÷ bare batched model", f"{pipeline_rate / bare_rate:.2f}"),
            ("batched ÷ one-at-a-time", f"{bare_rate / naive_rate:.2f}×"),
            ("unchanged re-ingest", f"{warm:.2f} s"),
        ]
        print(f"| ingest of {corpus.name if not args.quick else '200-file slice'} | |")
        print("|---|---|")
        for name, value in rows:
            print(f"| {name} | {value} |")
        archive.close()


if __name__ == "__main__":
    main()
