"""Split drafted questions into dev and test by article: no article (or duplicate of one) in both.

    python eval/split_sets.py eval/drafts/part[1-5].jsonl --dev eval/bbc-dev.jsonl \
        --test eval/bbc-test.jsonl --more-dev eval/drafts/part[6-9].jsonl \
        eval/drafts/part1[0-4].jsonl --more-test eval/drafts/part1[5-7].jsonl \
        --then-dev eval/drafts/part1[89].jsonl eval/drafts/part2[01].jsonl

A question belongs to the group of every article it names (its `article` and `sources`);
groups that share an article are merged, and each merged group goes wholly to one side,
chosen by a hash of its first article id, so the split does not depend on file order.
`--more-dev` files (questions written later, for fitting) join dev, except any question that
names an article of the test side, which is left out; `--more-test` files (written later, for
measuring) join test, except any question that names an article of the dev side; `--then-dev`
files (written after those) join dev last, so that the test side stays as it was.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

DEV_SHARE = 0.6  # dev is larger: the reader's weights are fitted on it


def _side(key: str) -> str:
    digest = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return "dev" if digest / 0xFFFFFFFF < DEV_SHARE else "test"


def split(records: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for record in records:
        ids = _named(record)
        for other in ids[1:]:
            parent[find(other)] = find(ids[0])
    groups: dict[str, list[str]] = {}
    for x in list(parent):
        groups.setdefault(find(x), []).append(x)
    side_of = {root: _side(min(members)) for root, members in groups.items()}
    out: dict[str, list[dict[str, object]]] = {"dev": [], "test": []}
    for record in records:
        out[side_of[find(_named(record)[0])]].append(record)
    return out


def _read(paths: list[Path]) -> list[dict[str, object]]:
    return [
        json.loads(line) for path in paths for line in path.read_text().splitlines() if line.strip()
    ]


def _named(record: dict[str, object]) -> list[str]:
    named = [str(record["article"])] if record.get("article") else []
    return named + [str(s) for s in record.get("sources", [])]  # type: ignore[attr-defined]


def _add_later(
    sides: dict[str, list[dict[str, object]]], side: str, more: list[dict[str, object]]
) -> None:
    """Questions written later join `side`, except those naming an article of the other."""
    other = "test" if side == "dev" else "dev"
    taken = {a for r in sides[other] for a in _named(r)}
    kept = [r for r in more if not set(_named(r)) & taken]
    print(f"more {side}: {len(kept)} of {len(more)} kept (the rest name {other} articles)")
    sides[side].extend(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drafts", nargs="+", type=Path)
    parser.add_argument("--dev", type=Path, required=True)
    parser.add_argument("--test", type=Path, required=True)
    parser.add_argument("--more-dev", type=Path, nargs="*", default=[])
    parser.add_argument("--more-test", type=Path, nargs="*", default=[])
    parser.add_argument("--then-dev", type=Path, nargs="*", default=[])
    args = parser.parse_args()
    records = _read(args.drafts)
    sides = split(records)
    _add_later(sides, "dev", _read(args.more_dev))
    _add_later(sides, "test", _read(args.more_test))
    _add_later(sides, "dev", _read(args.then_dev))
    for side, path in (("dev", args.dev), ("test", args.test)):
        lines = [json.dumps(r, ensure_ascii=False) for r in sides[side]]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        unanswerable = sum(not r.get("answerable", True) for r in sides[side])
        print(f"{path}: {len(lines)} questions, {unanswerable} unanswerable")


if __name__ == "__main__":
    main()
