"""A relying party's webhook receiver, for real: an HTTP server on 127.0.0.1 (an ephemeral port, in a thread) that
verifies every request with the `standardwebhooks` library, as a relying party's program would, and answers 401 when
the signature does not verify, else the status the test asks for."""

import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    payload: object  # what verify() returned; None when it refused
    refusal: str  # why verify() refused; "" when it verified
    status: int  # what the receiver answered


class Receiver:
    def __init__(self):
        self.secrets: dict[str, str] = {}  # path -> signing secret of the endpoint there
        self.answers: list[int] = []  # the statuses to answer next, in order; then `default`
        self.default = 200
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def expect(self, endpoint) -> None:
        """Verify what comes to this endpoint's path with its secret."""
        self.secrets[endpoint.url.removeprefix(f"http://127.0.0.1:{self.port}")] = endpoint.secret

    @property
    def verified(self) -> list:
        return [r.payload for r in self.received if not r.refusal]

    def _answer(self, path, headers, body) -> Received:
        secret = self.secrets.get(path)
        try:
            if secret is None:
                raise WebhookVerificationError("no secret for this path")
            payload, refusal = Webhook(secret).verify(body, headers), ""
        except WebhookVerificationError as error:
            payload, refusal = None, str(error) or type(error).__name__
        with self._lock:
            status = 401 if refusal else (self.answers.pop(0) if self.answers else self.default)
            received = Received(path, headers, body, payload, refusal, status)
            self.received.append(received)
        return received

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received = receiver._answer(self.path, dict(self.headers.items()), body)
                self.send_response(received.status)
                if 300 <= received.status < 400:
                    self.send_header("Location", receiver.url("/elsewhere"))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        return Handler

    def post(self, path: str, body: bytes, headers: dict) -> int:
        """POST as someone else would (a forger, a replay): the status the receiver answered."""
        request = urllib.request.Request(self.url(path), data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 — our own loopback server
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


@pytest.fixture
def receiver():
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
    thread.join(5)
