"""REST API latency under a bounded loopback load, as ratios to the same calls made in-process.

    python bench/latency.py --data-dir data            # 8 clients, 30 s per phase, flat out
    python bench/latency.py --data-dir data --rate 20  # 8 clients sending 20 requests/s in all
    python bench/latency.py --data-dir data --quick    # 5 s per phase: a smoke run

Phase 1 calls the answering service directly from 8 threads (no HTTP): the baseline.
Phase 2 starts `newsbot serve` on a free 127.0.0.1 port against the same index and sends the
same mix from 8 concurrent HTTP clients: half ask (/v1/ask, extractive), half search.
Both phases share the machine's cores with the load generator, as a deployment on one host
would. Prints p50/p95/p99, throughput and errors per endpoint, HTTP/in-process ratios and the
CPU time each call cost.

Every call asks a question not asked before in its phase (questions are the index's own
headlines, "What happened: <headline>?"), so no cache answers for the model; with more calls
than headlines the questions come round again, and the report says how many were repeats.
Without `--rate` each client sends its next request as soon as the last one is answered
(closed loop: latency is then mostly queueing, about clients ÷ throughput). With `--rate`,
requests are due at fixed times whatever the answers (open loop) and latency counts from when
a request was due, so a server falling behind shows in the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.container import build_archive, build_service  # noqa: E402
from bot.settings import Settings  # noqa: E402

ENDPOINTS = ("ask", "search")
TOP_K = 5


@dataclass
class Samples:
    """Latencies (seconds) of successful calls and a count of failed ones, per endpoint."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: {e: [] for e in ENDPOINTS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENDPOINTS, 0))
    error_examples: list[str] = field(default_factory=list)
    wall: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the serving process(es) over the phase
    repeats: int = 0  # calls whose question had been asked before in the phase

    def add(self, endpoint: str, seconds: float, error: str | None = None) -> None:
        if error is None:
            self.seconds[endpoint].append(seconds)
        else:
            self.errors[endpoint] += 1
            if len(self.error_examples) < 5:
                self.error_examples.append(f"{endpoint}: {error}")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def questions_from(data_dir: Path, count: int | None, seed: int = 7) -> list[str]:
    """Questions from the index's own headlines, so the mix fits any archive."""
    archive = build_archive(Settings(data_dir=data_dir))
    titles = sorted({c.title for c in archive.catalog.chunks() if c.title})
    archive.close()
    if not titles:
        raise SystemExit(f"the index in {data_dir} is empty: ingest something first")
    random.Random(seed).shuffle(titles)
    return [f"What happened: {title}?" for title in titles[:count]]


class QuestionStream:
    """Hands out the questions in turn, to any number of threads or tasks."""

    def __init__(self, questions: list[str]) -> None:
        self.questions = questions
        self.handed = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            question = self.questions[self.handed % len(self.questions)]
            self.handed += 1
            return question

    @property
    def repeats(self) -> int:
        return max(0, self.handed - len(self.questions))


@dataclass
class Pace:
    """When each client's requests are due: flat out (rate None) or `rate` per second in all."""

    clients: int
    rate: float | None
    start: float = 0.0

    def due(self, client: int, k: int) -> float | None:
        """The time client `client`'s k-th request is due, or None to send it now."""
        if self.rate is None:
            return None
        return self.start + (k * self.clients + client) / self.rate


def in_process(
    data_dir: Path, questions: list[str], clients: int, seconds: float, rate: float | None
) -> Samples:
    """The baseline: the same calls on the answering service, from `clients` threads."""
    settings = Settings(data_dir=data_dir)
    archive = build_archive(settings)
    service = build_service(settings, archive)
    calls: dict[str, Callable[[str], object]] = {
        "ask": lambda q: service.answer(q, mode="extractive"),
        "search": lambda q: service.search(q, top_k=TOP_K),
    }
    warm_up = QuestionStream(questions[::-1])  # model, BM25, caches; not the measured questions
    for endpoint in ENDPOINTS:
        calls[endpoint](warm_up.next())
    samples = Samples()
    stream = QuestionStream(questions)
    lock = threading.Lock()
    pace = Pace(clients, rate, start=time.perf_counter())
    deadline = pace.start + seconds

    def client(n: int) -> None:
        endpoint = ENDPOINTS[n % 2]
        for k in itertools.count():
            due = pace.due(n, k)
            if due is not None and due > time.perf_counter():
                time.sleep(due - time.perf_counter())
            if time.perf_counter() >= deadline:
                return
            started = time.perf_counter() if due is None else due
            error = None
            try:
                calls[endpoint](stream.next())
            except Exception as exc:  # counted, not fatal: the run must finish
                error = repr(exc)
            with lock:
                samples.add(endpoint, time.perf_counter() - started, error)

    cpu = time.process_time()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    samples.wall = time.perf_counter() - pace.start
    samples.cpu_seconds = time.process_time() - cpu
    samples.repeats = stream.repeats
    service.close()
    return samples


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory_of(pid: int) -> dict[str, float]:
    """Resident and peak resident memory (Linux /proc) of a process and its children, in MB."""
    total = {"rss_mb": 0.0, "peak_mb": 0.0}
    for member in _process_tree(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                key = "rss_mb" if name == "VmRSS" else "peak_mb"
                total[key] += int(value.split()[0]) / 1024  # kB -> MB
    return total


def cpu_seconds_of(pid: int) -> float:
    """User + system CPU time (Linux /proc) of a process and its children so far, in seconds."""
    ticks = 0
    for member in _process_tree(pid):
        fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def _process_tree(pid: int) -> list[int]:
    members = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            members.extend(_process_tree(int(child)))
    return members


def start_server(data_dir: Path, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NEWSBOT_DATA_DIR": str(data_dir),
        "NEWSBOT_RATE_LIMIT": "",  # measure the service, not the limiter
        "NEWSBOT_REQUIRE_KEY_FOR_READ": "false",
    }
    command = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"newsbot serve exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise SystemExit("newsbot serve did not become ready in 120 s")


async def over_http(
    url: str, questions: list[str], clients: int, seconds: float, rate: float | None
) -> Samples:
    """The same mix as `in_process`, from `clients` concurrent HTTP clients on loopback."""
    samples = Samples()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:

        async def call(endpoint: str, question: str, started: float | None = None) -> None:
            started = time.perf_counter() if started is None else started
            error = None
            try:
                if endpoint == "ask":
                    body = {"question": question, "mode": "extractive"}
                    response = await http.post("/v1/ask", json=body)
                else:
                    response = await http.post(
                        "/v1/search", json={"query": question, "top_k": TOP_K}
                    )
                if response.status_code != 200:
                    error = f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                error = repr(exc)
            samples.add(endpoint, time.perf_counter() - started, error)

        warm_up = QuestionStream(questions[::-1])
        for endpoint in ENDPOINTS:
            await call(endpoint, warm_up.next())
        samples = Samples()
        stream = QuestionStream(questions)
        pace = Pace(clients, rate, start=time.perf_counter())
        deadline = pace.start + seconds

        async def client(n: int) -> None:
            endpoint = ENDPOINTS[n % 2]
            for k in itertools.count():
                due = pace.due(n, k)
                if due is not None and due > time.perf_counter():
                    await asyncio.sleep(due - time.perf_counter())
                if time.perf_counter() >= deadline:
                    return
                await call(endpoint, stream.next(), due)

        await asyncio.gather(*(client(n) for n in range(clients)))
        samples.wall = time.perf_counter() - pace.start
        samples.repeats = stream.repeats
    return samples


def summarise(samples: Samples) -> dict[str, dict[str, float]]:
    rows = {}
    for endpoint in ENDPOINTS:
        values = samples.seconds[endpoint]
        rows[endpoint] = {
            "calls": len(values),
            "errors": samples.errors[endpoint],
            "per_s": len(values) / samples.wall if samples.wall else 0.0,
            "p50_ms": percentile(values, 50) * 1000,
            "p95_ms": percentile(values, 95) * 1000,
            "p99_ms": percentile(values, 99) * 1000,
            "mean_ms": statistics.fmean(values) * 1000 if values else float("nan"),
        }
    return rows


def print_table(results: dict[str, dict[str, dict[str, float]]]) -> None:
    print("| endpoint | via | calls | errors | calls/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for endpoint in ENDPOINTS:
        for via in ("in-process", "http"):
            r = results[via][endpoint]
            print(
                f"| {endpoint} | {via} | {r['calls']:.0f} | {r['errors']:.0f} | {r['per_s']:.1f} "
                f"| {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} |"
            )
    print()
    print("| endpoint | HTTP/in-process p50 | p95 | p99 | throughput |")
    print("|---|---:|---:|---:|---:|")
    for endpoint in ENDPOINTS:
        base, http = results["in-process"][endpoint], results["http"][endpoint]

        def ratio(key: str, b: dict[str, float] = base, h: dict[str, float] = http) -> str:
            return f"{h[key] / b[key]:.2f}×" if b[key] else "n/a"

        print(
            f"| {endpoint} | {ratio('p50_ms')} | {ratio('p95_ms')} | {ratio('p99_ms')} "
            f"| {ratio('per_s')} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="An ingested index.")
    parser.add_argument("--quick", action="store_true", help="5 s per phase instead of 30 s")
    parser.add_argument("--seconds", type=float, help="Seconds per phase (overrides --quick).")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="API worker processes")
    parser.add_argument(
        "--questions", type=int, help="Use only this many headlines (default: all of them)"
    )
    parser.add_argument(
        "--rate", type=float, help="Requests per second from all clients together (open loop)"
    )
    parser.add_argument("--json", type=Path, help="Also write the numbers to this file.")
    args = parser.parse_args()
    seconds = args.seconds or (5.0 if args.quick else 30.0)
    data_dir = args.data_dir.resolve()
    questions = questions_from(data_dir, args.questions)
    load = f"{args.rate:g} requests/s in all" if args.rate else "each as fast as answered"
    print(
        f"{len(questions)} questions from {data_dir}; {args.clients} clients, {load}, "
        f"{seconds:g} s per phase"
    )

    baseline = in_process(data_dir, questions, args.clients, seconds, args.rate)
    port = free_port()
    server = start_server(data_dir, port, args.workers)
    try:
        cpu_before = cpu_seconds_of(server.pid)
        http = asyncio.run(
            over_http(f"http://127.0.0.1:{port}", questions, args.clients, seconds, args.rate)
        )
        http.cpu_seconds = cpu_seconds_of(server.pid) - cpu_before
        memory = memory_of(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    results = {"in-process": summarise(baseline), "http": summarise(http)}
    print_table(results)
    print()
    for samples, via in ((baseline, "in-process"), (http, "http")):
        calls = sum(len(v) for v in samples.seconds.values())
        print(
            f"{via}: {samples.cpu_seconds * 1000 / max(calls, 1):.1f} ms of CPU per call "
            f"(serving process), {samples.repeats} of {calls} calls repeated a question"
        )
    print(
        f"API processes ({args.workers} worker(s)) after the HTTP phase: "
        f"RSS {memory['rss_mb']:.0f} MB, peak {memory['peak_mb']:.0f} MB"
    )
    for samples, via in ((baseline, "in-process"), (http, "http")):
        for example in samples.error_examples:
            print(f"error ({via}): {example}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        cpu = {
            via: samples.cpu_seconds * 1000 / max(sum(map(len, samples.seconds.values())), 1)
            for samples, via in ((baseline, "in-process"), (http, "http"))
        }
        args.json.write_text(
            json.dumps({**results, "cpu_ms_per_call": cpu, "api_memory": memory}, indent=2)
        )


if __name__ == "__main__":
    main()
