"""The real thing, for the integration tests and the benchmarks: an SMTP server, a Redis broker of our own and Celery
worker processes. Nothing here imports pytest.

Isolation: every broker key carries a prefix unique to the test (kombu's global_keyprefix), so that runs sharing a
Redis database never see each other's queues, and at the end only those keys are deleted, never the whole database.
The database is REDIS_URL's, the one this test run was given (the suite flushes it through the cache, but only between
tests), or TEST_BROKER_REDIS_DB.
"""

import asyncio
import email
import email.policy
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

from django.conf import settings

PROJECT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"


def wait_until(condition, *, timeout: float, interval: float = 0.05, message: str = "condition"):
    """Poll `condition` until it returns something true; fail after `timeout` seconds. Returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{message}: not met within {timeout:g} s")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


# SMTP.


@dataclass
class Received:
    to: tuple[str, ...]
    subject: str
    raw: bytes


class SmtpSink:
    """aiosmtpd on a loopback port; keeps every message it accepted (answered 250 to).

    refuse_attempt(n): the n-th message offered (1 = the first) is answered 451, a temporary failure.
    hold_attempt(n): the n-th message offered waits at the end of DATA, unanswered, until the client goes away
    (`dropped` is set and nothing is kept: the sender never had the 250 that hands the message over) or until
    release() (answered 451)."""

    def __init__(self):
        self.received: list[Received] = []
        self.held = threading.Event()
        self.dropped = threading.Event()
        self._released = threading.Event()
        self._hold: set[int] = set()
        self._refuse: set[int] = set()
        self.attempts = 0
        self._lock = threading.Lock()
        self._controller = None

    # aiosmtpd handler hook
    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.attempts += 1
            refuse = self.attempts in self._refuse
            hold = self.attempts in self._hold
        if refuse:
            return "451 Try again later"
        if hold:
            self.held.set()
            try:
                while not self._released.is_set():
                    await asyncio.sleep(0.02)
            except asyncio.CancelledError:  # aiosmtpd cancels the handler when the connection is lost
                self.dropped.set()
                raise
            return "451 Released without delivery"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        # Django folds a long encoded subject onto a continuation line; the parser keeps the fold's space.
        with self._lock:
            self.received.append(Received(tuple(envelope.rcpt_tos), str(message["Subject"]).strip(), envelope.content))
        return "250 Message accepted for delivery"

    def hold_attempt(self, number: int):
        with self._lock:
            self._hold.add(number)

    def refuse_attempt(self, number: int):
        with self._lock:
            self._refuse.add(number)

    def release(self):
        self._released.set()

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def recipients(self) -> list[str]:
        with self._lock:
            return sorted(address for message in self.received for address in message.to)

    @property
    def port(self) -> int:
        return self._controller.port

    @property
    def url(self) -> str:
        return f"smtp://{LOOPBACK}:{self.port}"

    def start(self) -> "SmtpSink":
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname=LOOPBACK, port=free_port())
        self._controller.start()
        return self

    def stop(self):
        self.release()
        if self._controller is not None:
            self._controller.stop()


# Brokers: our own, a hung one, a refusing one.


class SilentServer:
    """Accepts TCP connections and never answers a byte: a hung Redis."""

    def __init__(self):
        self._socket = socket.create_server((LOOPBACK, 0))
        self._socket.settimeout(0.1)
        self.port = self._socket.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while not self._stopped.is_set():
            try:
                connection, _address = self._socket.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)  # kept open, never read, never answered

    def start(self) -> "SilentServer":
        self._thread.start()
        return self

    def stop(self):
        self._stopped.set()
        self._thread.join(timeout=5)
        for connection in [*self.connections, self._socket]:
            connection.close()


@contextmanager
def refusing_port():
    """A loopback port where nothing listens: connecting is refused at once. (Bound without listening, so that no
    other program takes it meanwhile.)"""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        yield s.getsockname()[1]


@dataclass
class Broker:
    """A Redis database and a key prefix of our own."""

    url: str
    prefix: str = field(default_factory=lambda: f"tcr-test-{uuid.uuid4().hex[:12]}:")

    @classmethod
    def beside(cls, redis_url: str) -> "Broker":
        """The Redis server of `redis_url`, in its database or in TEST_BROKER_REDIS_DB when set."""
        parsed = urlparse(redis_url)
        db = os.environ.get("TEST_BROKER_REDIS_DB")
        return cls(urlunparse(parsed._replace(path=f"/{int(db)}")) if db else redis_url)

    def transport_options(self) -> dict:
        return {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": self.prefix}

    def worker_env(self) -> dict:
        return {"REDIS_URL": self.url, "BROKER_KEY_PREFIX": self.prefix}

    def _client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)

    def _queue_keys(self, name: str) -> list[str]:
        from kombu.transport.redis import PRIORITY_STEPS, Channel

        # kombu keeps one Redis list per priority step: "celery", "celery\x06\x163", ...
        return [self.prefix + (f"{name}{Channel.sep}{step}" if step else name) for step in PRIORITY_STEPS]

    def queued_tasks(self, name: str = "celery") -> list[tuple[str, str]]:
        """(task name, repr of its arguments) of every message waiting in a queue."""
        client = self._client()
        try:
            messages = [json.loads(raw) for key in self._queue_keys(name) for raw in client.lrange(key, 0, -1)]
        finally:
            client.close()
        return [(m["headers"]["task"], m["headers"].get("argsrepr", "")) for m in messages]

    def unacked(self) -> dict[str, float]:
        """Delivery tag → when it was handed to a worker (epoch seconds), for messages no worker acknowledged yet."""
        client = self._client()
        try:
            rows = client.zrange(f"{self.prefix}unacked_index", 0, -1, withscores=True)
            return {tag.decode(): score for tag, score in rows}
        finally:
            client.close()

    def delete_keys(self):
        client = self._client()
        try:
            keys = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def _drop_connections(app):
    # Celery caches its connection and producer pools on first use; forget them so that the next publish connects to
    # the broker now configured. (The pools themselves stay in kombu's registry, keyed by URL and options.)
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def publishing_to(app, url: str, transport_options: dict):
    """This process's Celery app publishes to `url` (queued for real, never eager) until the block ends."""
    conf = app.conf
    saved = (conf.broker_url, conf.broker_transport_options, conf.task_always_eager)

    def switch(values):
        _drop_connections(app)
        conf.broker_url, conf.broker_transport_options, conf.task_always_eager = values

    switch((url, transport_options, False))
    try:
        yield
    finally:
        switch(saved)


# Workers.


def database_url() -> str:
    """The URL of the database this process uses now (under pytest: the test database)."""
    db = settings.DATABASES["default"]
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db.get("HOST") or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


class Worker:
    """A `celery worker` process on the default queue, logs in a file. By default one task at a time in the process
    itself (solo pool): killing the process kills the task."""

    def __init__(self, env: dict, log_path: Path, name: str | None = None, *, concurrency: int = 1):
        self.name = name or f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.env = {**os.environ, **env}
        self.log_path = Path(log_path)
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        pool = "solo" if self.concurrency == 1 else "prefork"
        command = [
            sys.executable, "-m", "celery", "-A", "trustedcloud", "worker",  # the venv's celery, as .venv/bin/celery
            f"--pool={pool}", f"--concurrency={self.concurrency}", "-Q", "celery",
            "--without-heartbeat", "--without-mingle", "--without-gossip",
            "-l", "info", "-n", self.name,
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            # In pytest's process group: whatever stops the run (^C, a CI timeout) stops the workers too.
            self.process = subprocess.Popen(command, cwd=PROJECT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, app, timeout: float = 60):
        """Until the worker says it is ready in its log or answers a ping through the broker, or fail with its log.

        The log line counts on its own: a solo worker busy with a task held on purpose by a test answers no ping."""

        def answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            if f"{self.name} ready." in self.log_tail(lines=10_000):
                return True
            return app.control.ping(destination=[self.name], timeout=0.5, limit=1)

        try:
            wait_until(answers, timeout=timeout, interval=0.1, message=f"worker {self.name} ready")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{self.log_tail()}") from None
        return self

    def task_result(self, task_id: str, timeout: float = 30) -> str:
        """What the task returned, as the worker logged it ("Task name[id] succeeded in 0.01s: <value>")."""
        pattern = re.compile(rf"\[{re.escape(task_id)}\] succeeded in [0-9.e-]+s: (.*)$", re.MULTILINE)

        def logged():
            match = pattern.search(self.log_path.read_text(errors="replace"))
            return match and match.group(1)

        try:
            return wait_until(logged, timeout=timeout, message=f"task {task_id} logged as succeeded")
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n{self.log_tail()}") from None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def kill(self):
        """SIGKILL: no warm shutdown, no chance to put its message back in the queue or to acknowledge it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 15):
        """Warm shutdown (SIGTERM), then SIGKILL if it does not end in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
