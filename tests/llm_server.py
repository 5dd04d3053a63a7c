"""A stand-in for an OpenAI-compatible chat endpoint (Ollama, llama.cpp's server) on 127.0.0.1.

The first path segment picks the behaviour: ``/good/v1`` answers a brief with queries, ``/fenced/v1``
the same inside a Markdown code fence, ``/nonsense/v1`` text that is not the JSON asked for,
``/extra/v1`` JSON with keys nobody asked for, ``/stall/v1`` waits 30 s, ``/late/v1`` the good answer after
4 s, ``/error/v1`` answers 500, ``/split/v1`` the good answer in two writes with a pause between,
``/nested/v1`` 20,000 nested brackets.
Every request body is kept in ``requests`` (what the kiosk sent).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GOOD = {
    "brief": "Bright, bouncy pop with hand claps for a cheerful room.",
    "queries": ["feel good pop hits", "happy dance songs 2020s", "upbeat acoustic"],
}


def completion(content: str) -> bytes:
    choice = {"index": 0, "message": {"role": "assistant", "content": content}}
    return json.dumps({"id": "x", "object": "chat.completion", "choices": [choice]}).encode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        server: LlmServer = self.server.owner  # type: ignore[attr-defined]
        server.requests.append(body)
        mode = self.path.strip("/").split("/")[0]
        if not self.path.endswith("/v1/chat/completions"):
            return self.answer(404, b'{"error": "not found"}')
        if mode == "stall":
            time.sleep(30)
        if mode == "late":
            time.sleep(4)  # the brief comes well after the track started
        if mode == "error":
            return self.answer(500, b'{"error": "the model crashed"}')
        if mode == "nested":
            return self.answer(200, b"[" * 20_000 + b"]" * 20_000)
        content = {
            "good": json.dumps(GOOD),
            "split": json.dumps(GOOD),
            "late": json.dumps(GOOD),
            "fenced": "```json\n" + json.dumps(GOOD) + "\n```",
            "nonsense": "Sure! Here are some songs you might like: Happy by Pharrell.",
            "extra": json.dumps({**GOOD, "faces": "please send a photo"}),
        }.get(mode, "")
        return self.answer(200, completion(content))

    def answer(self, status: int, data: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.path.startswith("/split/"):  # half now, the rest a moment later
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                time.sleep(0.3)
                data = data[len(data) // 2 :]
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the kiosk gave up waiting


class LlmServer:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.owner = self  # type: ignore[attr-defined]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/{mode}/v1"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
