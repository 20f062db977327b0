"""Where the API spends its time under load: py-spy samples `newsbot serve` while 8 clients call it.

    python bench/profile_api.py --data-dir data             # 20 s of samples
    python bench/profile_api.py --data-dir data --quick     # 5 s: a smoke run

Starts `newsbot serve` on a free loopback port, sends bench/latency.py's flat-out mix (half
/v1/ask, half /v1/search, a new headline each call) and records the server with py-spy (a dev
dependency; it reads the process from outside, so the server runs unmodified). Prints the
frames that hold the most samples, by inclusive and by own time, as shares of all samples.
`--raw FILE` keeps py-spy's collapsed stacks (e.g. for a flame graph tool).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latency import free_port, over_http, questions_from, start_server

SAMPLES_PER_SECOND = 200


def top_frames(raw: Path, count: int) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """The `count` frames with the most samples, inclusive and own, as shares of all samples."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        n = int(samples)
        frames = stack.split(";")
        total += n
        own[frames[-1]] += n
        for frame in set(frames[1:]):  # the first frame names the process
            inclusive[frame] += n
    share = max(total, 1)
    return (
        [(f, n / share) for f, n in inclusive.most_common(count)],
        [(f, n / share) for f, n in own.most_common(count)],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="An ingested index.")
    parser.add_argument("--quick", action="store_true", help="5 s of samples instead of 20")
    parser.add_argument("--seconds", type=float, help="Seconds of load (overrides --quick).")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--top", type=int, default=25, help="Frames to print in each list")
    parser.add_argument("--raw", type=Path, help="Keep py-spy's collapsed stacks here.")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise SystemExit("py-spy not found: pip install py-spy (it is in the dev extras)")
    seconds = args.seconds or (5.0 if args.quick else 20.0)
    data_dir = args.data_dir.resolve()
    questions = questions_from(data_dir, None)

    with tempfile.TemporaryDirectory() as tmp:
        raw = args.raw or Path(tmp) / "stacks.txt"
        port = free_port()
        server = start_server(data_dir, port)
        try:
            command = [py_spy, "record", "--pid", str(server.pid), "--duration", f"{seconds:g}"]
            command += ["--rate", str(SAMPLES_PER_SECOND), "--subprocesses", "--nonblocking"]
            command += ["--format", "raw", "--output", str(raw)]
            recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            load = asyncio.run(
                over_http(f"http://127.0.0.1:{port}", questions, args.clients, seconds, None)
            )
            _, errors = recorder.communicate(timeout=120)
        finally:
            server.terminate()
            server.wait(timeout=30)
        if recorder.returncode != 0 or not raw.exists():
            raise SystemExit(f"py-spy failed: {errors.decode(errors='replace')[-500:]}")
        calls = {endpoint: len(values) for endpoint, values in load.seconds.items()}
        print(f"{seconds:g} s, {args.clients} clients, calls {calls}; shares of all samples")
        inclusive, own = top_frames(raw, args.top)
    for title, rows in (("inclusive", inclusive), ("own", own)):
        print(f"\n| {title} | frame |\n|---:|---|")
        for frame, share in rows:
            print(f"| {share:.1%} | `{frame[:120]}` |")


if __name__ == "__main__":
    main()
