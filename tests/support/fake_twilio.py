"""A fake Twilio Messages API on loopback, for a real worker process to send to.

It answers what TwilioBackend uses: POST /2010-04-01/Accounts/<sid>/Messages.json (a
message is recorded as accepted the moment the request arrives, as Twilio would, and
answered after `delay` seconds) and GET of the same path filtered by To (newest first).
`hold_at=N` keeps the answer to the N-th message until `release()`, so a test can kill the
worker while that message is with the provider and Attend has not heard back.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")


class FakeTwilio:
    def __init__(self, *, delay: float = 0.0, hold_at: int | None = None) -> None:
        self.delay, self.hold_at = delay, hold_at
        self.messages: list[dict] = []  # in the order received
        self.lookups = 0
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeTwilio:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def release(self) -> None:
        self._released.set()

    def received(self) -> int:
        with self._lock:
            return len(self.messages)

    def texts_per_number(self) -> dict[str, int]:
        with self._lock:
            counts: dict[str, int] = {}
            for message in self.messages:
                counts[message["to"]] = counts.get(message["to"], 0) + 1
            return counts

    def _accept(self, account: str, form: dict[str, list[str]]) -> tuple[dict, bool]:
        created = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        message = {
            "sid": f"SM{uuid.uuid4().hex}", "account_sid": account, "to": form.get("To", [""])[0],
            "body": form.get("Body", [""])[0], "status": "queued", "date_created": created, "num_segments": "1",
        }  # fmt: skip
        with self._lock:
            self.messages.append(message)
            held = len(self.messages) == self.hold_at
        return message, held

    def _list(self, account: str, query: dict[str, list[str]]) -> dict:
        to = query.get("To", [None])[0]
        with self._lock:
            self.lookups += 1
            found = [m for m in reversed(self.messages) if m["account_sid"] == account and to in (None, m["to"])]
        return {"messages": found, "next_page_uri": None, "previous_page_uri": None, "page": 0,
                "page_size": len(found), "start": 0, "end": len(found), "uri": "/", "first_page_uri": "/"}  # fmt: skip

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                match = MESSAGES_PATH.match(urlsplit(self.path).path)
                if not match:
                    return self._answer(404, {"message": "not found"})
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                message, held = fake._accept(match.group(1), form)
                if held:
                    fake._released.wait(timeout=60)
                time.sleep(fake.delay)
                self._answer(201, message)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                match = MESSAGES_PATH.match(url.path)
                if not match:
                    return self._answer(404, {"message": "not found"})
                self._answer(200, fake._list(match.group(1), parse_qs(url.query)))

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the worker was killed waiting for us
                    pass

            def log_message(self, format: str, *args) -> None:
                pass

        return Handler
