"""A fake Dukcapil verification web service: a real HTTP server on 127.0.0.1.

It answers like the service the client is written for: per element "Sesuai" / "Tidak
Sesuai", names as a similarity percentage, an unknown NIK as "Data Tidak Ditemukan".
Tests switch on outages (HTTP 503), slowness (for timeouts) and count the calls.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rapidfuzz import fuzz

NAME_ELEMENTS = ("NAMA_LGKP", "NAMA_LGKP_IBU")


class FakeDukcapil:
    def __init__(self, *, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.people: dict[str, dict[str, str]] = {}
        self.fail_next = 0  # answer HTTP 503 to this many next calls
        self.down = False  # answer HTTP 503 to every call
        self.delay_s = 0.0  # wait this long before answering
        self.calls: list[tuple[float, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def add(self, nik: str, **elements: str) -> None:
        """A resident: elements under Dukcapil's names (NAMA_LGKP, TGL_LHR as DD-MM-YYYY...)."""
        self.people[nik] = {"NIK": nik, **elements}

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/dukcapil/verify"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                status, answer = fake.answer(body)
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append((time.monotonic(), body))
            if self.down:
                return 503, {"error": "maintenance"}
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"error": "busy"}
        if body.get("user_id") != self.user or body.get("password") != self.password:
            return 401, {"error": "unauthorised"}
        person = self.people.get(str(body.get("NIK", "")))
        if person is None:
            return 200, {"content": [{"RESPON": "Data Tidak Ditemukan"}]}
        verdicts: dict[str, Any] = {"NIK": "Sesuai"}
        for element, sent in body.items():
            if element in ("user_id", "password", "threshold", "NIK") or element not in person:
                continue
            if element in NAME_ELEMENTS:
                verdicts[element] = round(fuzz.ratio(_upper(sent), _upper(person[element])), 2)
            else:
                same = _upper(sent) == _upper(person[element])
                verdicts[element] = "Sesuai" if same else "Tidak Sesuai"
        return 200, {"content": [verdicts], "lastPage": True, "numberOfElements": 1}


def _upper(value: Any) -> str:
    return " ".join(str(value).upper().split())
