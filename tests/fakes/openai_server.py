"""A real HTTP server speaking the OpenAI chat-completions API, for tests.

Runs on 127.0.0.1 with a free port in a background thread. Replies are scripted, in order:
each is a :class:`Reply` (status code, headers such as Retry-After, a delay, a raw or
malformed body, usage or none) or a plain string (a 200 completion with that text) or a
function of the request body returning either. When the script runs out, ``default`` is
used (a function or a Reply), else HTTP 500. Every request is kept in ``requests``.

    with FakeOpenAIServer([Reply(status=429, headers={"Retry-After": "0"}), "hello"]) as srv:
        client = OpenAI(base_url=srv.base_url, api_key="x")
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Usage = dict[str, int]
AUTO: Usage = {}


@dataclass
class Reply:
    content: str | None = "ok"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (longer than the client timeout = a timeout)."""
    body: bytes | str | dict[str, Any] | None = None
    """Raw body instead of a completion (bytes/str sent as is, dict as JSON)."""
    usage: Usage | None = field(default_factory=lambda: AUTO)
    """AUTO: tokens estimated as characters / 4; None: no usage field; else as given."""
    finish_reason: str = "stop"
    content_type: str = "application/json"


Script = Reply | str | Callable[[dict[str, Any]], "Reply | str"]


def _tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def completion_body(reply: Reply, request: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content},
                "finish_reason": reply.finish_reason,
            }
        ],
    }
    if reply.usage is not None:
        if reply.usage is AUTO:
            prompt = sum(_tokens(str(m.get("content", ""))) for m in request.get("messages", []))
            done = _tokens(reply.content or "")
            usage = {"prompt_tokens": prompt, "completion_tokens": done}
        else:
            usage = dict(reply.usage)
        usage["total_tokens"] = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
        body["usage"] = usage
    return body


class FakeOpenAIServer:
    def __init__(
        self,
        script: Iterable[Script] = (),
        default: Script | None = None,
        models: Iterable[str] = ("fake-model",),
    ) -> None:
        self.script: deque[Script] = deque(script)
        self.default = default
        self.models = list(models)
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> FakeOpenAIServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def push(self, *items: Script) -> None:
        with self.lock:
            self.script.extend(items)

    # -- answering ------------------------------------------------------------------
    def next_reply(self, request: dict[str, Any]) -> Reply:
        with self.lock:
            self.requests.append(request)
            item = self.script.popleft() if self.script else self.default
        if item is None:
            return Reply(status=500, body={"error": {"message": "script exhausted"}})
        if callable(item) and not isinstance(item, Reply):
            item = item(request)
        return Reply(content=item) if isinstance(item, str) else item


def _make_handler(fake: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                data = {
                    "object": "list",
                    "data": [{"id": m, "object": "model"} for m in fake.models],
                }
                self._send(200, json.dumps(data).encode(), "application/json", {})
            else:
                self._send(404, b'{"error": {"message": "not found"}}', "application/json", {})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if getattr(fake, "crash_signal", 0):  # a server dying mid-request (a native crash)
                os.kill(os.getpid(), fake.crash_signal)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, b'{"error": {"message": "not found"}}', "application/json", {})
                return
            try:
                request = json.loads(raw)
            except ValueError:
                self._send(400, b'{"error": {"message": "bad json"}}', "application/json", {})
                return
            reply = fake.next_reply(request)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.body is not None:
                body = reply.body
                if isinstance(body, dict):
                    body = json.dumps(body)
                data = body.encode("utf-8") if isinstance(body, str) else body
            elif reply.status >= 400:
                data = json.dumps({"error": {"message": f"scripted {reply.status}"}}).encode()
            else:
                data = json.dumps(completion_body(reply, request)).encode()
            self._send(reply.status, data, reply.content_type, reply.headers)

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve until terminated: ``python openai_server.py --port N [--reply TEXT]``. Unknown
    arguments (such as llama_cpp.server's) are ignored, so this can stand in for it."""
    import argparse
    import signal

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model_alias", default="fake-model")
    parser.add_argument("--reply", default="stub reply")
    parser.add_argument("--crash-signal", type=int, default=0, help="die by this signal on a request")
    args, _ = parser.parse_known_args(argv)
    srv = FakeOpenAIServer(default=args.reply, models=[args.model_alias])
    srv.crash_signal = args.crash_signal  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", args.port), _make_handler(srv))
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
