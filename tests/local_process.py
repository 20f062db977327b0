"""Helpers for tests that run a real server as a subprocess on loopback."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(
    process: subprocess.Popen[bytes],
    probe_url: str,
    timeout: float,
    why: Callable[[], str] = lambda: "",
) -> None:
    """Poll `probe_url` until it answers 200; RuntimeError if the process dies or time runs out."""
    name = " ".join(str(a) for a in process.args[:3])  # type: ignore[index]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}: {why()}")
        try:
            if httpx.get(probe_url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{name} did not become ready in {timeout:.0f} s: {why()}")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    """Terminate, and kill if it does not stop within 20 s."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
