"""What several qualification test modules share: Celery tasks run inline, and a stand-in clamd on a unix socket (the
document checks' reasons and the antivirus client).

Its helper modules (dossier_events, document_files) are registered for assertion rewriting in tests/conftest.py: other
folders import them too, before this file is read."""

import os
import socket
import struct
import tempfile
import threading

import pytest

from trustedcloud.celery import app as celery_app


@pytest.fixture
def inline_tasks(monkeypatch):
    # With REDIS_URL set (CI), .delay() would queue for a worker that is not there: these tests run tasks inline.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


class StandInClamd:
    """A unix socket speaking INSTREAM: it reads the chunks, then answers `reply` (None: never answers)."""

    def __init__(self, reply):
        self.dir = tempfile.TemporaryDirectory(prefix="clamd-")  # a short path: unix socket paths are limited
        self.path = os.path.join(self.dir.name, "clamd.sock")
        self.reply = reply
        self.received = bytearray()
        self.release = threading.Event()
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def _exact(self, conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def serve(self):
        conn, _address = self.server.accept()
        with conn:
            assert self._exact(conn, 10) == b"zINSTREAM\0"
            while length := struct.unpack("!L", self._exact(conn, 4))[0]:
                self.received += self._exact(conn, length)
            if self.reply is None:
                self.release.wait(10)
            else:
                conn.sendall(self.reply)

    def close(self):
        self.release.set()
        self.thread.join(timeout=5)
        self.server.close()
        self.dir.cleanup()


@pytest.fixture
def stand_in(settings):
    servers = []

    def start(reply):
        server = StandInClamd(reply)
        servers.append(server)
        settings.CLAMD_SOCKET = server.path
        settings.CLAMD_TIMEOUT = 1
        return server

    yield start
    for server in servers:
        server.close()
