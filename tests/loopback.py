"""A scriptable HTTP server on 127.0.0.1 for tests: each path answers from a queue of responses."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class ServerInThread:
    """A ThreadingHTTPServer on 127.0.0.1 (any free port) serving from a daemon thread; a context manager."""

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class LoopbackServer(ServerInThread):
    """`server.route("/x", Reply(...), Reply(...))`: answers in order, the last one repeats."""

    def __init__(self) -> None:
        self.routes: dict[str, deque[Reply]] = {}
        self.log: list[tuple[str, str, dict[str, str]]] = []
        self.hits: dict[str, int] = defaultdict(int)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path
                outer.log.append(("GET", path, dict(self.headers)))
                outer.hits[path.split("?")[0]] += 1
                queue = outer.routes.get(path) or outer.routes.get(path.split("?")[0])
                if not queue:
                    reply = Reply(404, b'{"error": "not found"}')
                else:
                    reply = queue.popleft() if len(queue) > 1 else queue[0]
                if reply.delay:
                    threading.Event().wait(reply.delay)
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.serve(Handler)

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = deque(replies)
        return self.base + path
