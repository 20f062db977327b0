"""Start and stop a real `chroma run` server for tests (the `chroma` command ships in chromadb)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.local_process import free_port, stop, wait_until_ready


class ChromaServer:
    """One `chroma run` process on loopback; `stop()` and `start()` again keep the same data."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = path
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> ChromaServer:
        chroma = Path(sys.executable).with_name("chroma")
        command = [str(chroma), "run", "--path", str(self.path), "--host", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_ready(self.process, f"{self.url}/api/v2/heartbeat", timeout)
        return self

    def stop(self) -> None:
        stop(self.process)
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"
