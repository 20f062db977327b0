"""A scripted LLM server speaking the real OpenAI and Ollama chat wire protocols, for tests.

Stands in for a capable hosted model (which cannot run here): replies are queued with
`enqueue(...)` and streamed back in small pieces, exactly as the real servers frame them
(OpenAI: server-sent `chat.completion.chunk` events ending in `[DONE]`; Ollama: NDJSON lines
ending with `"done": true`). Every request body is kept in `requests` for assertions.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = 1_700_000_000


def pieces(text: str) -> list[str]:
    """Token-like pieces: words with their following space, punctuation on its own."""
    return re.findall(r"\w+\s*|[^\w\s]+\s*|\s+", text)


class ScriptedLLM:
    """One in-process HTTP server on loopback; `url` (OpenAI, with /v1) and `ollama_url`."""

    def __init__(self) -> None:
        self.replies: deque[str] = deque()
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> ScriptedLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def enqueue(self, *replies: str) -> None:
        self.replies.extend(replies)

    def reset(self) -> None:
        self.replies.clear()
        self.requests.clear()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def ollama_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _next_reply(self, body: dict[str, Any]) -> str:
        self.requests.append(body)
        if not self.replies:
            raise AssertionError("the scripted LLM was asked more often than replies were queued")
        return self.replies.popleft()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/") == "/v1/models":
                    self._json({"object": "list", "data": [{"id": "scripted", "object": "model"}]})
                else:
                    self._json({"error": "not found"}, status=404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path == "/v1/chat/completions":
                    self._openai(body, scripted._next_reply(body))
                elif self.path == "/api/chat":
                    self._ollama(body, scripted._next_reply(body))
                else:
                    self._json({"error": f"no route {self.path}"}, status=404)

            def _openai(self, body: dict[str, Any], reply: str) -> None:
                model = body.get("model", "scripted")
                if not body.get("stream"):
                    message = {"role": "assistant", "content": reply}
                    choice = {"index": 0, "message": message, "finish_reason": "stop"}
                    self._json({"id": "chatcmpl-1", "object": "chat.completion",
                                "created": CREATED, "model": model, "choices": [choice],
                                "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                          "total_tokens": 2}})  # fmt: skip
                    return
                self._start("text/event-stream")
                deltas = [{"role": "assistant", "content": ""}]
                deltas += [{"content": p} for p in pieces(reply)]
                for delta in deltas:
                    self._event({"index": 0, "delta": delta, "finish_reason": None}, model)
                self._event({"index": 0, "delta": {}, "finish_reason": "stop"}, model)
                self.wfile.write(b"data: [DONE]\n\n")

            def _event(self, choice: dict[str, Any], model: str) -> None:
                chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk",
                         "created": CREATED, "model": model, "choices": [choice]}  # fmt: skip
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

            def _ollama(self, body: dict[str, Any], reply: str) -> None:
                model = body.get("model", "scripted")
                base = {"model": model, "created_at": "2024-01-01T00:00:00Z"}
                final = {**base, "done": True, "done_reason": "stop", "total_duration": 1,
                         "load_duration": 1, "prompt_eval_count": 1, "prompt_eval_duration": 1,
                         "eval_count": 1, "eval_duration": 1}  # fmt: skip
                if not body.get("stream", True):
                    self._json({**final, "message": {"role": "assistant", "content": reply}})
                    return
                self._start("application/x-ndjson")
                for piece in pieces(reply):
                    line = {**base, "message": {"role": "assistant", "content": piece}}
                    self.wfile.write((json.dumps({**line, "done": False}) + "\n").encode())
                    self.wfile.flush()
                message = {"role": "assistant", "content": ""}
                self.wfile.write((json.dumps({**final, "message": message}) + "\n").encode())

            def _start(self, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True

            def _json(self, payload: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
