"""What the HTTP, export and snapshot benchmarks share: a throwaway PostgreSQL database seeded with `seed_bench`, the
production configuration of the portal (DEBUG off, collected static files, Redis), gunicorn and Celery processes,
wrk and its parser, and the machine's description. Nothing here imports Django: the portal runs in other processes.
"""

import base64
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOOPBACK = "127.0.0.1"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
# Every request says it came through the TLS-terminating proxy a deployment has: the production settings redirect
# plain HTTP to HTTPS (SECURE_SSL_REDIRECT) and trust this header (SECURE_PROXY_SSL_HEADER). And it names the site
# as a visitor's browser does, without the port the server listens on: the page cache keeps only the hosts the site
# declares (registry/public/cache.py), so "127.0.0.1:8105" would be answered by the view every time.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Host": LOOPBACK}


def log(message: str):
    print(f"== {message}", flush=True)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    except OSError:
        mem_kb = 0
    return f"{os.cpu_count()} CPUs ({model}), {mem_kb / 1024 / 1024:.0f} GB RAM"


# PostgreSQL.


def _with_database(url: str, name: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"/{name}"))


def _admin_connection(server_url: str):
    import psycopg2

    parsed = urlparse(server_url)
    # The maintenance database of the server, whatever database the URL names: that one is never touched.
    connection = psycopg2.connect(
        dbname="postgres",
        user=parsed.username or "postgres",
        password=parsed.password,
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
    )
    connection.autocommit = True
    return connection


@dataclass
class Database:
    """A database of the run's own on the server of `server_url`, created empty, dropped by drop()."""

    server_url: str
    name: str

    @property
    def url(self) -> str:
        return _with_database(self.server_url, self.name)

    def create(self) -> "Database":
        connection = _admin_connection(self.server_url)
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            connection.close()
        return self

    def drop(self):
        connection = _admin_connection(self.server_url)
        try:
            with connection.cursor() as cursor:
                # FORCE: a gunicorn or Celery process killed a moment ago may still hold a connection.
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            connection.close()


# Redis: the run uses REDIS_URL's database and removes, at the end, the keys that appeared during the run (cache,
# sessions, broker queues under the run's prefix), never the keys that were there before it, and never a flush.


class RedisKeys:
    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)
        self.before = set(self.client.scan_iter(count=1000))

    def remove_new(self) -> int:
        new = [key for key in self.client.scan_iter(count=1000) if key not in self.before]
        for start in range(0, len(new), 500):
            self.client.delete(*new[start : start + 500])
        return len(new)


# The portal's production configuration for the run.


def signing_key_b64() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def portal_env(database_url: str, redis_url: str, scratch: Path, *, prefix: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": LOOPBACK,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "BROKER_KEY_PREFIX": prefix,
            "STATIC_ROOT": str(scratch / "static"),
            "PRIVATE_MEDIA_ROOT": str(scratch / "private"),
            "SNAPSHOT_SIGNING_KEY": signing_key_b64(),
            # Any 32 random bytes are a P-256 private scalar, but for 1 in 2**32.
            "TRUSTED_LIST_SIGNING_KEY": signing_key_b64(),
            # Second-factor secrets are encrypted with a key of their own (the production checks insist on one).
            "MFA_ENCRYPTION_KEY": secrets.token_urlsafe(64),
            "EMAIL_URL": "locmem://",
            "LOG_LEVEL": "WARNING",
            # The API's per-address throttle (120 a minute by default) would answer 429 to a load generator on one
            # address: it still runs on every request (its Redis round trip is measured), with a limit never reached.
            "API_ANON_RATE": "100000000/minute",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "trustedcloud.settings",
        }
    )
    return env


def manage(env: dict, *args: str, quiet: bool = True) -> str:
    started = time.monotonic()
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *args], cwd=PROJECT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    if not quiet:
        print(result.stdout.rstrip())
    log(f"manage.py {' '.join(args)}: {time.monotonic() - started:.1f} s")
    return result.stdout


def seed(env: dict, services: int) -> float:
    """The registry the figures are about: `seed_bench` (N services, N/10 providers, 5 N dossiers). The seeding
    commands are development tools (registry/devtools), installed for this command only, never in the served portal.
    Returns the seconds it took."""
    started = time.monotonic()
    manage({**env, "DEVTOOLS": "1"}, "seed_bench", "--services", str(services), "--seed", "8")
    return time.monotonic() - started


def prepare(env: dict, services: int) -> float:
    manage(env, "migrate", "--noinput")
    manage(env, "load_scheme")
    return seed(env, services)


def collectstatic(env: dict):
    manage(env, "collectstatic", "--noinput")


# Processes.


class Process:
    def __init__(self, name: str, argv: list[str], env: dict, log_path: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.popen = None

    def start(self):
        self._log = open(self.log_path, "ab")  # noqa: SIM115 — open as long as the process lives
        # A process group of its own: stop() ends it and its children (gunicorn workers, a prefork pool) by its id.
        self.popen = subprocess.Popen(
            self.argv, cwd=PROJECT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log_tail(self, size: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def stop(self):
        if self.popen is None:
            return
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        self._log.close()
        self.popen = None


class Gunicorn(Process):
    """The portal under gunicorn, sync workers: one request at a time per worker process, as deployed behind a proxy
    that buffers slow clients. The readiness probe is a static file, which needs neither the database nor Redis."""

    def __init__(self, env: dict, port: int, workers: int, scratch: Path):
        self.port = port
        self.workers = workers
        argv = [
            str(BIN / "gunicorn"),
            "trustedcloud.wsgi",
            "--bind", f"{LOOPBACK}:{port}",
            "--workers", str(workers),
            "--worker-class", "sync",
            # A 10,000-service export streams for a few seconds; the default 30 s is kept well clear of.
            "--timeout", "120",
            "--backlog", "256",
        ]  # fmt: skip
        super().__init__(f"gunicorn:{port}", argv, env, scratch / f"gunicorn-{port}.log")

    def wait_ready(self, probe: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                sys.exit(f"{self.name} exited:\n{self.log_tail()}")
            try:
                if get(self.port, probe).status == 200 and len(self.worker_pids()) == self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        sys.exit(f"{self.name} not ready after {timeout:g} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        master = self.popen.pid
        try:
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]


def celery_processes(env: dict, scratch: Path) -> list[Process]:
    """A worker and the scheduler, as a deployment runs them: /healthz reports on the worker's heartbeat."""
    celery = str(BIN / "celery")
    return [
        Process(
            "celery worker",
            [celery, "-A", "trustedcloud", "worker", "--pool", "solo", "--loglevel", "WARNING",
             "--hostname", f"bench-{os.getpid()}@localhost", "--without-mingle", "--without-gossip"],
            env,
            scratch / "worker.log",
        ),
        Process(
            "celery beat",
            [celery, "-A", "trustedcloud", "beat", "--loglevel", "WARNING",
             "--schedule", str(scratch / "celerybeat-schedule")],
            env,
            scratch / "beat.log",
        ),
    ]  # fmt: skip


# HTTP.


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes


def get(port: int, path: str, headers: dict | None = None, *, method: str = "GET", body: bytes | None = None):
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=120)
    try:
        connection.request(method, path, body=body, headers={**PROXY_HEADERS, **(headers or {})})
        response = connection.getresponse()
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def static_path(static_root: Path, name: str = "css/site.css") -> str:
    """The URL of a collected static file as the pages link it (hashed name from the manifest)."""
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    return f"/static/{manifest['paths'][name]}"


# Memory of a process (Linux): VmHWM is the peak resident size; writing 5 to clear_refs resets it to the current size.


def _status_kb(pid: int, field_name: str) -> int:
    match = re.search(rf"^{field_name}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(match.group(1))


def rss_kb(pid: int) -> int:
    return _status_kb(pid, "VmRSS")


def peak_kb(pid: int) -> int:
    return _status_kb(pid, "VmHWM")


def reset_peak(pid: int):
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def scratch_dir(prefix: str) -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=prefix)


class Stack:
    """Everything a measurement needs but the web servers: a scratch directory, a database of the run's own (migrated,
    the scheme loaded, seeded with `services` services), collected static files, a Celery worker and beat, the
    portal's environment. A context manager: on the way out the processes stop, the database is dropped, the Redis
    keys the run added are removed and the scratch directory is deleted."""

    def __init__(self, services: int, *, label: str, celery: bool = True, static: bool = True):
        self.services = services
        self.label = label
        self.celery = celery
        self.static = static
        self.server_url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
        if not self.server_url.startswith(("postgres://", "postgresql://")):
            sys.exit(
                f"DATABASE_URL must name a PostgreSQL server (the run makes a database of its own there), not {self.server_url}"
            )
        self.redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
        self.database = Database(self.server_url, f"tcr_bench_{label}_{os.getpid()}")
        self.processes: list[Process] = []
        self.seeded = ""
        # Seconds of each seed_bench run, the first and every grow(): the README says how long a size takes to seed.
        self.seed_seconds = 0.0
        self.grow_seconds = 0.0

    def __enter__(self) -> "Stack":
        self._scratch = scratch_dir(f"tcr-bench-{self.label}-")
        self.scratch = Path(self._scratch.name)
        self.keys = RedisKeys(self.redis_url)
        log(f"database {self.database.name}, Redis {self.redis_url}, scratch {self.scratch}")
        self.database.create()
        self.env = portal_env(
            self.database.url, self.redis_url, self.scratch, prefix=f"tcr-bench-{self.label}-{os.getpid()}:"
        )
        try:
            manage(self.env, "migrate", "--noinput")
            manage(self.env, "load_scheme")
            if self.celery:
                # Started before the seed: by the time it is done the worker has a heartbeat for /healthz.
                self.processes = [process.start() for process in celery_processes(self.env, self.scratch)]
                # Beat's first heartbeat comes a minute after it starts: one queued now lets /healthz pass sooner.
                subprocess.run(
                    [str(BIN / "celery"), "-A", "trustedcloud", "call", "registry.core.tasks.worker_heartbeat"],
                    cwd=PROJECT, env=self.env, capture_output=True, check=True,
                )  # fmt: skip
            self.seed_seconds = seed(self.env, self.services)
            self.seeded = f"seed_bench --services {self.services}"
            self.restart_beat()
            if self.static:
                collectstatic(self.env)
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def grow(self, services: int):
        """Seed more services into the same database (`seed_bench --append`), up to `services` in all: a second size
        without a second database to migrate."""
        # Another seed: the added services are new draws, not the first ones again.
        started = time.monotonic()
        manage(
            {**self.env, "DEVTOOLS": "1"},
            "seed_bench",
            "--services",
            str(services - self.services),
            "--append",
            "--seed",
            "9",
        )
        self.grow_seconds = time.monotonic() - started
        self.services = services
        self.seeded = f"seed_bench --services {services}"
        self.restart_beat()

    def restart_beat(self):
        """Beat again with a fresh schedule, after a seed. The seed writes certificates without their PDFs, which a
        real registry drew one at a time as each changed; beat's safety net (render_stale_certificate_pdfs, every 15
        minutes from beat's start) would draw the whole backlog, 17,500 PDFs at 10,000 services, on one of the two
        CPUs in the middle of a measurement. Restarted, its first run is 15 minutes after the seed."""
        for process in self.processes:
            if process.name == "celery beat":
                process.stop()
                for path in self.scratch.glob("celerybeat-schedule*"):
                    path.unlink()
                process.start()

    def wait_worker_idle(self, timeout: float = 300) -> float:
        """Wait until the Celery worker has nothing to do (its queue empty and no task running), so that what the
        seed queued (the registry snapshot, certificate PDFs) does not share the CPUs with a measurement. The worker
        runs a solo pool, which answers `inspect` only between tasks: an answer with no active task means idle.
        Returns the seconds waited (at most `timeout`, then the measurement goes on and the log says so)."""
        if not self.celery:
            return 0.0
        import redis

        client = redis.Redis.from_url(self.redis_url)
        queue = f"{self.env['BROKER_KEY_PREFIX']}celery"
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if client.llen(queue) == 0:
                answer = subprocess.run(
                    [str(BIN / "celery"), "-A", "trustedcloud", "inspect", "active", "--json", "--timeout", "2"],
                    cwd=PROJECT, env=self.env, capture_output=True, text=True, check=False,
                )  # fmt: skip
                match = re.search(r"\{.*\}", answer.stdout, re.S)
                if match and all(not tasks for tasks in json.loads(match.group(0)).values()):
                    return time.monotonic() - started
            time.sleep(2)
        log(f"the Celery worker was still busy after {timeout:g} s; measuring anyway")
        return time.monotonic() - started

    def wait_healthy(self, port: int, timeout: float = 90):
        """/healthz 200 (database, Redis, worker heartbeat), or the reason it is not, after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            response = get(port, "/healthz")
            if response.status == 200 or response.status == 404 or time.monotonic() >= deadline:
                break
            time.sleep(1)
        if response.status != 200:
            log(f"/healthz answers {response.status}: {response.body[:200].decode(errors='replace')}")
            for process in self.processes:
                log(f"{process.name} log:\n{process.log_tail(1500)}")
        return response.status == 200

    def __exit__(self, *exc):
        for process in self.processes:
            process.stop()
        self.database.drop()
        removed = self.keys.remove_new()
        self._scratch.cleanup()
        log(f"cleaned up: database {self.database.name} dropped, {removed} Redis keys removed")
        return False
