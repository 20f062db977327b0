"""Draw the BBC articles that labelled questions are written from: random, fixed seed, all sections.

    python eval/draw_articles.py ../shared/corpora/bbc --count 330 --parts 5
    python eval/draw_articles.py ../shared/corpora/bbc --count 500 --parts 5 \
        --exclude eval/drafts/articles-part*.txt --first-part 10

prints one line per article (`section/NNN.txt`), or writes `--parts` lists of them, so that
question writers never choose the articles themselves.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

SEED = 20261130


def draw(
    corpus: Path, count: int, seed: int = SEED, exclude: frozenset[str] = frozenset()
) -> list[str]:
    ids = sorted(p.relative_to(corpus).as_posix() for p in corpus.glob("*/*.txt"))
    return sorted(random.Random(seed).sample([i for i in ids if i not in exclude], count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--count", type=int, default=330)
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--exclude", type=Path, nargs="*", default=[], help="lists of articles already drawn"
    )
    parser.add_argument("--first-part", type=int, default=1, help="number of the first part")
    args = parser.parse_args()
    used = frozenset(
        line.strip()
        for path in args.exclude
        for line in path.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    drawn = draw(args.corpus, args.count, args.seed, used)
    random.Random(args.seed).shuffle(drawn)
    for part in range(args.parts):
        print(f"# part {part + args.first_part}")
        print("\n".join(sorted(drawn[part :: args.parts])))


if __name__ == "__main__":
    main()
