"""`newsbot serve` as a user runs it: a real process, its logs, and a clean stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.api_support import ApiParts
from tests.local_process import free_port


def test_serve_answers_logs_request_ids_and_stops_cleanly(
    api_parts: ApiParts, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "NEWSBOT_DATA_DIR": str(api_parts.settings.data_dir),
        "NEWSBOT_API_KEYS": "",
        "NEWSBOT_RATE_LIMIT": "",
    }
    log_path = tmp_path / "serve.log"
    newsbot = Path(sys.executable).with_name("newsbot")
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(newsbot), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,  # no .env from the repo
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                assert server.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.3)
            response = httpx.post(
                f"{url}/v1/search",
                json={"query": "Saudi Arabia talks"},
                headers={"X-Request-ID": "serve-test-42"},
            )
            assert response.status_code == 200
            assert response.headers["x-request-id"] == "serve-test-42"
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                code = server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                pytest.fail("newsbot serve did not stop within 30 s of SIGTERM")
    output = log_path.read_text()
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why.
    assert code in (0, -signal.SIGTERM), output
    assert '[serve-test-42] 127.0.0.1 "POST /v1/search" 200' in output
    assert "Application shutdown complete" in output
