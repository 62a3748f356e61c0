"""A fake bank host-to-host service: a real HTTP server on 127.0.0.1.

It takes disbursement files, answers with a receipt, and returns for each line the status
a test planted (paid unless told otherwise). Tests switch on outages (HTTP 503).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeBank:
    def __init__(self, *, user: str, password: str) -> None:
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.files: dict[str, bytes] = {}
        self.statuses: dict[str, tuple[str, str]] = {}  # reference -> (status, reason)
        self.fail_next = 0
        self.calls = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, path: str, headers: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.calls += 1
        if self.fail_next:
            self.fail_next -= 1
            return 503, {"error": "busy"}
        if headers.get("Authorization") != self.auth:
            return 401, {"error": "unauthorised"}
        if path == "/disbursements":
            receipt = f"R{len(self.files) + 1:05d}"
            self.files[receipt] = base64.b64decode(body["content"])
            return 200, {"receipt": receipt}
        if path == "/returns":
            return 200, {"content": base64.b64encode(self._return_file(body["receipt"])).decode()}
        return 404, {"error": "no such path"}

    def _return_file(self, receipt: str) -> bytes:
        rows = csv.reader(io.StringIO(self.files[receipt].decode()), delimiter=";")
        out = ["reference;amount;status;reason"]
        for row in rows:
            if row and row[0] not in ("H", "T"):
                status, reason = self.statuses.get(row[0], ("00", ""))
                out.append(f"{row[0]};{row[3]};{status};{reason}")
        return ("\r\n".join(out) + "\r\n").encode()

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                status, answer = fake.answer(
                    self.path, self.headers, json.loads(self.rfile.read(length))
                )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
