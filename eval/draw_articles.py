"""Draw the BBC articles that labelled questions are written from: random, fixed seed, all sections.

    python eval/draw_articles.py ../shared/corpora/bbc --count 330 --parts 5

prints one line per article (`section/NNN.txt`), or writes `--parts` lists of them, so that
question writers never choose the articles themselves.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

SEED = 20261130


def draw(corpus: Path, count: int, seed: int = SEED) -> list[str]:
    ids = sorted(p.relative_to(corpus).as_posix() for p in corpus.glob("*/*.txt"))
    return sorted(random.Random(seed).sample(ids, count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--count", type=int, default=330)
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    drawn = draw(args.corpus, args.count, args.seed)
    random.Random(args.seed).shuffle(drawn)
    for part in range(args.parts):
        print(f"# part {part + 1}")
        print("\n".join(sorted(drawn[part :: args.parts])))


if __name__ == "__main__":
    main()
