"""Embedded Chroma against a `chroma run` server with the same vectors: search and ask latency.

Copies an ingested index's Chroma folder, serves the copy with `chroma run` on loopback, and
asks the same questions through two archives that share the catalog and BM25: one reading the
folder in-process (the default), one reading the server (NEWSBOT_CHROMA_HOST). One client.

    python bench/chroma_server.py --data-dir <an ingested data dir>
    python bench/chroma_server.py --data-dir <…> --quick     # 30 questions instead of 200
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.latency import questions_from  # noqa: E402
from bot.container import build_archive, build_service  # noqa: E402
from bot.settings import Settings  # noqa: E402


def serve_chroma(path: Path) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    chroma = Path(sys.executable).with_name("chroma")
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).is_success:
                return server, port
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("chroma run did not become ready in 60 s")


def timed(call: Callable[[str], object], questions: list[str]) -> tuple[float, float]:
    call(questions[0])  # warm up
    spent = []
    for question in questions:
        started = time.perf_counter()
        call(question)
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent), float(np.percentile(spent, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="An ingested index.")
    parser.add_argument("--quick", action="store_true", help="30 questions instead of 200")
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    questions = questions_from(data_dir, 30 if args.quick else 200)

    with tempfile.TemporaryDirectory(prefix="newsbot-chroma-") as tmp:
        served = Path(tmp) / "chroma"
        shutil.copytree(data_dir / "chroma", served)
        server, port = serve_chroma(served)
        try:
            rows = []
            for where, extra in (("embedded", {}), ("server", {"chroma_host": "127.0.0.1"})):
                settings = Settings(
                    _env_file=None,  # type: ignore[call-arg]
                    data_dir=data_dir,
                    chroma_port=port,
                    **extra,  # type: ignore[arg-type]
                )
                archive = build_archive(settings)
                service = build_service(settings, archive)
                dense = timed(partial(service.retriever.search, mode="dense"), questions)
                search = timed(service.search, questions)
                ask = timed(partial(service.answer, mode="extractive"), questions)
                rows.append((where, dense, search, ask))
                archive.close()
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(f"{len(questions)} questions, one client, index {data_dir}")
    print("| Chroma | dense search p50 / p95 ms | hybrid search p50 / p95 | ask p50 / p95 |")
    print("|---|---:|---:|---:|")
    for where, dense, search, ask in rows:
        print(
            f"| {where} | {dense[0]:.1f} / {dense[1]:.1f} | {search[0]:.1f} / {search[1]:.1f} "
            f"| {ask[0]:.1f} / {ask[1]:.1f} |"
        )
    (_, d0, s0, a0), (_, d1, s1, a1) = rows
    print(
        f"\nserver ÷ embedded p50: dense {d1[0] / d0[0]:.2f}×, search {s1[0] / s0[0]:.2f}×, "
        f"ask {a1[0] / a0[0]:.2f}×"
    )


if __name__ == "__main__":
    main()
