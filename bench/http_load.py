"""Requests per second and latency of the public pages under gunicorn, as ratios to a static file served by the same
server in the same pass (the ceiling), with the page cache off (PUBLIC_CACHE_SECONDS=0) and on, at one or more sizes of
the registry; then, at the first size, the same with two gunicorn instances on one database and one Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/http_load.py --services 10000,100000 [--duration 5] [--no-pair]

The portal runs as deployed: DEBUG off, a random SECRET_KEY, collected static files served by whitenoise, PostgreSQL
(a database of the size's own, `tcr_bench_http_<pid>`, dropped at the end: the one DATABASE_URL names is not touched),
Redis (REDIS_URL's database; the keys the run adds are removed at the end), a Celery worker and beat. Every request
carries X-Forwarded-Proto: https, as from the TLS proxy in front of a deployment. Each size after the first runs in a
process of its own (this script again, with --json): Django is set up once per process, on one database.

(Not named http.py: run as a script, a file of that name would shadow the standard library's http package.)
"""

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from bench import common as c  # noqa: E402
from bench import wrk as w  # noqa: E402

PORT_A = 8105
PORT_B = 8106
# Before wrk: at most this many requests, for at most this long (a page that takes a second with the cache off
# would otherwise spend the whole budget warming up). Enough to load the code and open a connection in both workers.
WARM_UP_REQUESTS = 20
WARM_UP_SECONDS = 3.0
# Issue 17's goals, against the static file of the same pass: p99 at most 3x its p99; throughput as GOALS below.
MAX_P99_RATIO = 3.0
# At the larger size a page costs (1 / req/s, cache off) at most twice what it costs at the smaller one.
MAX_GROWTH = 2.0
# Issue 8: the admin dossier list under 300 ms a page, one client at a time.
ADMIN_PAGE_MS = 300
# A search with results at 10,000 and at 100,000 services (seed_bench names many services "... Cloud ...").
FILTERED_SEARCH = "/registry/?" + urlencode({"q": "cloud", "model": "iaas"})


@dataclass
class Endpoint:
    label: str
    path: str
    signed_in: bool = False
    # Throughput goals as a fraction of the static file's req/s in the same pass, cache off and on (issue 17); None
    # for the rows that have none (the static file, the floors, the admin list).
    goal_off: float | None = None
    goal_on: float | None = None
    expect: bytes = b""


@dataclass
class Row:
    """One line of a table: what wrk measured, its ratios to the pass's static file, the goal and whether it is met."""

    label: str
    path: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    x_rps: float | None = None
    x_p99: float | None = None
    goal: float | None = None
    met: str = ""


def setup_django(env: dict):
    """This process talks to the run's database with the server's settings (same SECRET_KEY: the session it writes
    is one the server reads)."""
    os.environ.update(env)
    import django

    django.setup()


def pick_endpoints(static_url: str) -> tuple[list[Endpoint], list[Endpoint], str]:
    """The pages of issue 17's goals table (a certificate in force picked from the database, as a visitor would), the
    floors (/healthz, the bare verification form) and the admin dossier list, and the registry's size in words."""
    from registry.certificates.choices import CertificateStatus
    from registry.certificates.models import Certificate
    from registry.public import selectors as queries
    from registry.qualification.models import Dossier

    certificate = (
        queries.public_certificates()
        .filter(status=CertificateStatus.ACTIVE)
        .order_by("service__name", "number")
        .first()
    )
    if certificate is None:
        sys.exit("The seeded registry has no active certificate.")
    service = certificate.service
    counts = (
        f"{Certificate.objects.filter(status=CertificateStatus.ACTIVE).count():,} certificates in force, "
        f"{Certificate.objects.count():,} in all, {queries.public_services().count():,} public services, "
        f"{Dossier.objects.count():,} dossiers"
    )
    c.log(f"registry: {counts}")
    pages = [
        Endpoint("/", "/", goal_off=0.25, goal_on=0.8, expect=b"data-figure="),
        Endpoint("/registry/ (first page)", "/registry/", goal_off=0.25, goal_on=0.8, expect=b"<table"),
        Endpoint("/registry/?q=cloud&model=iaas", FILTERED_SEARCH, goal_off=0.25, goal_on=0.8, expect=b"<table"),
        Endpoint(
            "service page", f"/registry/{service.slug}/", goal_off=0.25, goal_on=0.8, expect=service.slug.encode()
        ),
        Endpoint(
            "/verify/<number>/",
            f"/verify/{certificate.number}/",
            goal_off=0.25,
            goal_on=0.8,
            expect=b'data-verdict="valid"',
        ),
        Endpoint("/registry/in-process/", "/registry/in-process/", goal_off=0.25, goal_on=0.6, expect=b"<table"),
        Endpoint("/registry/archive/", "/registry/archive/", goal_off=0.25, goal_on=0.6, expect=b"<table"),
        Endpoint("/api/v1/services/", "/api/v1/services/", goal_off=0.25, goal_on=0.6, expect=b'"results"'),
        Endpoint("/api/v1/certificates/", "/api/v1/certificates/", goal_off=0.25, goal_on=0.6, expect=b'"results"'),
        Endpoint("/stats/", "/stats/", goal_off=0.1, goal_on=0.8, expect=b"<h2"),
    ]
    others = [
        # Floors, measured in both passes, without goals: what Django costs before any work of ours. /healthz is
        # answered by the first middleware (one trivial query and one Redis round trip, nothing else); the bare
        # verification form is the site's layout (header, navigation, footer) around one input, no query at all.
        Endpoint("/healthz (floor: first middleware)", "/healthz", expect=b"ok"),
        Endpoint("/verify/ form (floor: the layout)", "/verify/", expect=b'name="number"'),
        Endpoint("admin dossier list", "/admin/registry/dossier/", signed_in=True, expect=b'id="result_list"'),
    ]
    return pages, others, counts


def staff_session() -> tuple[str, str]:
    """A registry administrator (superuser) who signed in with a password and an authenticator code, as
    tests/e2e/test_csp_browser.py::session_cookie builds one: the cookie's name and value."""
    from django.conf import settings
    from django.test import Client

    from registry.qualification.workflow import ADMINISTRATORS
    from tests import factories as f

    user = f.user(email=f"bench-admin-{f.n()}@agency.test", groups=[ADMINISTRATORS], is_superuser=True)
    client = Client()
    f.login_with_mfa(client, user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def check(server: c.Gunicorn, endpoint: Endpoint, cookie: dict) -> str:
    """The answer wrk will count must be the page itself: a redirect to the sign-in or an error page would be fast
    and meaningless. Returns why not, or ""."""
    response = c.get(server.port, endpoint.path, cookie if endpoint.signed_in else None)
    if response.status >= 500:
        c.log(f"{endpoint.path}: HTTP {response.status}; the server's log ends with:\n{server.log_tail()}")
    if response.status != 200:
        return f"HTTP {response.status}"
    if endpoint.expect and endpoint.expect not in response.body:
        return f"answer without {endpoint.expect.decode()!r}"
    return ""


def warm_up(port: int, endpoint: Endpoint, cookie: dict):
    started = time.monotonic()
    for _ in range(WARM_UP_REQUESTS):
        c.get(port, endpoint.path, cookie if endpoint.signed_in else None)
        if time.monotonic() - started > WARM_UP_SECONDS:
            break


def drain(port: int, static_url: str, timeout: float = 180):
    """Wait until the server has finished what wrk left in its queue: a sync worker serves every connection it
    accepted, even one whose client has gone, so a slow page's backlog would otherwise be counted against the next
    endpoint. A new connection is served after those queued before it: two quick static answers in a row mean idle."""
    deadline = time.monotonic() + timeout
    quick = 0
    while quick < 2 and time.monotonic() < deadline:
        started = time.monotonic()
        c.get(port, static_url)
        quick = quick + 1 if time.monotonic() - started < 0.05 else 0


def measure(server: c.Gunicorn, endpoint: Endpoint, cookie: dict, static_url: str, *, duration: int, **wrk_options):
    problem = check(server, endpoint, cookie)
    if problem:
        c.log(f"{endpoint.label}: {endpoint.path} answers {problem}; measured anyway, marked failed")
    warm_up(server.port, endpoint, cookie)
    result = w.wrk(
        server.port, endpoint.path, headers=cookie if endpoint.signed_in else None, duration=duration, **wrk_options
    )
    if problem:
        result.errors = max(result.errors, 1)
    drain(server.port, static_url)
    c.log(f"{endpoint.label}: {result.rps:.1f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms")
    return Row(endpoint.label, endpoint.path, result.requests, result.rps, result.p50_ms, result.p99_ms, result.errors)


def judge(row: Row, goal: float | None, ceiling: Row):
    """The row's ratios to the pass's static file, and whether it meets its goal: req/s at least `goal` times the
    static file's, p99 at most MAX_P99_RATIO times its p99."""
    row.x_rps = row.rps / ceiling.rps if ceiling.rps else None
    row.x_p99 = row.p99_ms / ceiling.p99_ms if ceiling.p99_ms else None
    row.goal = goal
    if goal is None:
        return
    if row.errors or not row.requests:
        row.met = f"no ({row.errors} failed)" if row.errors else "no (no answer)"
        return
    missed = [
        name
        for name, ok in (("req/s", row.x_rps >= goal), ("p99", row.x_p99 <= MAX_P99_RATIO))
        if not ok  # fmt: skip
    ]
    row.met = "yes" if not missed else f"no ({', '.join(missed)})"


def ceiling_of(first: Row, again: Row) -> Row:
    """The pass's ceiling: the mean of its two static-file runs (one before the pages, one after them)."""
    return Row(
        "static file (mean)",
        first.path,
        first.requests + again.requests,
        (first.rps + again.rps) / 2,
        (first.p50_ms + again.p50_ms) / 2,
        (first.p99_ms + again.p99_ms) / 2,
        first.errors + again.errors,
    )


def run_pass(
    stack, env: dict, pages: list[Endpoint], others: list[Endpoint], cookie: dict, static_url: str, *, cache: bool,
    duration: int,
) -> list[Row]:  # fmt: skip
    """One gunicorn instance (2 sync workers) with `env`; the static file, every page, the floors, the admin list
    (cache on only), the static file again. Every row judged against the mean of the two static runs."""
    waited = stack.wait_worker_idle()
    if waited > 5:
        c.log(f"waited {waited:.0f} s for the Celery worker to finish what the seed queued")
    static = Endpoint("static file (whitenoise)", static_url)
    server = c.Gunicorn(env, PORT_A, workers=2, scratch=stack.scratch).start()
    try:
        server.wait_ready(static_url)
        c.log(f"pass with the page cache {'on' if cache else 'off'}, load average {os.getloadavg()[0]:.1f}")
        first = measure(server, static, cookie, static_url, duration=duration)
        rows = [(page, measure(server, page, cookie, static_url, duration=duration)) for page in pages]
        stack.wait_healthy(PORT_A)
        # The floors in both passes; the admin list (signed in: the page cache is not for it) with the cache on.
        measured = [other for other in others if cache or not other.signed_in]
        rows += [(other, measure(server, other, cookie, static_url, duration=duration)) for other in measured]
        again = measure(server, static, cookie, static_url, duration=duration)
        again.label = "static file, again"
        ceiling = ceiling_of(first, again)
        out = [first, *(row for _, row in rows), again]
        for endpoint, row in rows:
            judge(row, endpoint.goal_on if cache else endpoint.goal_off, ceiling)
        for row in (first, again):
            judge(row, None, ceiling)
        if cache:
            # The admin list's goal is a time per page: one client, one page after the other.
            admin = next(other for other in others if other.signed_in)
            one = measure(server, admin, cookie, static_url, duration=duration, threads=1, connections=1)
            one.label = "admin dossier list, 1 client"
            one.met = "yes" if one.p99_ms < ADMIN_PAGE_MS and not one.errors else "no"
            out.append(one)
        return out
    finally:
        server.stop()


def run_pair(stack, endpoints: list[Endpoint], cookie: dict, single: dict, static_url: str, *, duration: int) -> list:
    """Two instances on one database and Redis (cache on), wrk on both at once, each with half the threads and
    connections of the single run."""
    servers = [c.Gunicorn(stack.env, port, workers=2, scratch=stack.scratch).start() for port in (PORT_A, PORT_B)]
    try:
        for server in servers:
            server.wait_ready(static_url)
        rows = []
        for endpoint in endpoints:
            for port in (PORT_A, PORT_B):
                warm_up(port, endpoint, cookie)
            a, b = w.wrk_together(
                [(PORT_A, endpoint.path), (PORT_B, endpoint.path)],
                headers=cookie if endpoint.signed_in else None,
                threads=w.WRK_THREADS // 2,
                connections=w.WRK_CONNECTIONS // 2,
                duration=duration,
            )
            for port in (PORT_A, PORT_B):
                drain(port, static_url)
            row = Row(
                endpoint.label,
                endpoint.path,
                a.requests + b.requests,
                a.rps + b.rps,
                max(a.p50_ms, b.p50_ms),
                max(a.p99_ms, b.p99_ms),
                a.errors + b.errors,
            )
            row.met = f"{row.rps / single[endpoint.label]:.2f}x one instance" if single.get(endpoint.label) else ""
            c.log(f"{endpoint.label}, two instances: {a.rps:.0f} + {b.rps:.0f} req/s")
            rows.append(row)
        for row in rows:
            judge(row, None, rows[0])
        write_seen = write_seen_across()
        return rows, write_seen
    finally:
        for server in servers:
            server.stop()


def write_seen_across() -> bool:
    """A registry administrator suspends a certificate through instance A's admin (the real form: CSRF token, POST,
    redirect); instance B, which has just served the certificate as valid, must show it suspended on its next
    request: no page, session or cache is kept inside one process."""
    from django.utils import timezone

    from registry.certificates.choices import CertificateStatus
    from registry.public import selectors as queries

    # The run's database is dropped at the end: the suspension needs no undoing.
    certificate = queries.public_certificates().filter(status=CertificateStatus.ACTIVE).order_by("-number").first()
    verify = f"/verify/{certificate.number}/"
    api = f"/api/v1/certificates/{certificate.number}/"
    before = c.get(PORT_B, verify).body, c.get(PORT_B, api).body
    if b'data-verdict="valid"' not in before[0] or b'"active"' not in before[1]:
        c.log(f"instance B does not show {certificate.number} as valid before the change")
        return False

    # A fresh sign-in: suspending asks for one less than 15 minutes old, and the run's may be older by now.
    cookie = {"Cookie": "=".join(staff_session())}
    move = f"/admin/registry/certificate/{certificate.pk}/move/suspend/"
    page = c.get(PORT_A, move, cookie)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    csrf_cookie = re.search(r"((?:__Host-)?csrftoken)=([^;]+)", page.headers.get("set-cookie", ""))
    if page.status != 200 or not token or not csrf_cookie:
        c.log(f"the suspend form on instance A answered {page.status} without a CSRF token")
        return False
    origin = f"https://{c.LOOPBACK}"  # the Host every request names (common.PROXY_HEADERS)
    session = "; ".join(f"{name}={value}" for name, value in [cookie["Cookie"].split("=", 1), csrf_cookie.groups()])
    today = timezone.localdate()
    body = urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "reason": "Benchmark: a write seen across instances.",
            "reason_fr": "Mesure : une écriture vue d'une instance à l'autre.",
            "effective_on": today.isoformat(),
            "review_on": (today + datetime.timedelta(days=30)).isoformat(),
        }
    )
    posted = c.get(
        PORT_A,
        move,
        {
            "Cookie": session,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": origin + move,
        },
        method="POST",
        body=body.encode(),
    )
    certificate.refresh_from_db()
    if posted.status != 302 or certificate.status != CertificateStatus.SUSPENDED:
        errors = re.findall(rb'class="errorlist[^"]*"[^>]*>(.*?)</ul>', posted.body, re.S)
        c.log(
            f"the suspension through instance A did not happen (HTTP {posted.status}, status {certificate.status}); "
            f"form errors: {b' '.join(errors)[:500].decode(errors='replace') or 'none shown'}"
        )
        return False
    after = c.get(PORT_B, verify).body, c.get(PORT_B, api).body
    seen = b'data-verdict="suspended"' in after[0] and b'"suspended"' in after[1]
    c.log(
        f"{certificate.number} suspended through instance A; instance B's next /verify/ and API answers show it "
        f"{'suspended' if seen else 'STILL VALID'}"
    )
    return seen


def run(stack, *, duration: int, pair: bool = True) -> dict:
    """The cache-off pass, the cache-on pass, then (pair) the two-instance table and the cross-instance write, on the
    stack's database. Needs Django set up on it (setup_django). Returns what print_size and growth print."""
    w.ensure_wrk()
    static_url = c.static_path(Path(stack.env["STATIC_ROOT"]))
    pages, others, counts = pick_endpoints(static_url)
    name, value = staff_session()
    cookie = {"Cookie": f"{name}={value}"}
    common = {"pages": pages, "others": others, "cookie": cookie, "static_url": static_url, "duration": duration}
    off = run_pass(stack, {**stack.env, "PUBLIC_CACHE_SECONDS": "0"}, cache=False, **common)
    on = run_pass(stack, stack.env, cache=True, **common)
    outcome = {
        "services": stack.services,
        "seeded": stack.seeded,
        "seed_seconds": stack.seed_seconds + stack.grow_seconds,
        "counts": counts,
        "duration": duration,
        "off": off,
        "on": on,
        "pair": None,
        "write_seen": None,
    }
    if pair:
        single = {row.label: row.rps for row in on}
        # The public pages of issue 8 and the admin list: the question here is what two processes change.
        keep = {"/registry/ (first page)", "service page", "/verify/<number>/", "/api/v1/services/"}
        shared = [Endpoint("static file (whitenoise)", static_url)]
        shared += [page for page in pages if page.label in keep] + [other for other in others if other.signed_in]
        outcome["pair"], outcome["write_seen"] = run_pair(stack, shared, cookie, single, static_url, duration=duration)
    return outcome


# Tables.


def _fmt(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _ratio(value: float | None) -> str:
    """Two decimals, or two significant digits below 0.1 (a page at 0.0005 of the static file is not 0.00)."""
    if value is None:
        return "–"
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


def _rate(rps: float) -> str:
    return f"{rps:.0f}" if rps >= 100 else f"{rps:.1f}" if rps >= 1 else f"{rps:.2f}"


def print_table(title: str, rows: list[Row], *, goal_header: str = "goal x static"):
    print()
    print(title)
    print()
    header = ["page", "req/s", "p50 ms", "p99 ms", "x static req/s", "x static p99", goal_header, "met"]
    lines = []
    for row in rows:
        alone = row.label.endswith("1 client")  # one client is not comparable with the static file's 16
        lines.append(
            [
                row.label,
                _rate(row.rps),
                _fmt(row.p50_ms, 1),
                _fmt(row.p99_ms, 1),
                "–" if alone else _ratio(row.x_rps),
                "–" if alone else _fmt(row.x_p99, 1),
                f"≥ {row.goal:g}, p99 ≤ {MAX_P99_RATIO:g}" if row.goal is not None else "",
                row.met + (f" [{row.errors} failed]" if row.errors and not row.met.startswith("no (") else ""),
            ]
        )
    _print_markdown(header, lines)


def _print_markdown(header: list[str], lines: list[list[str]]):
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    right = [False] + [True] * 5 + [False] * (len(header) - 6)

    def fmt(cells):
        return (
            "| "
            + " | ".join(
                str(x).rjust(w) if r else str(x).ljust(w) for x, w, r in zip(cells, widths, right, strict=True)
            )
            + " |"
        )

    print(fmt(header))
    print("| " + " | ".join(("-" * (w - 1) + ":") if r else "-" * w for w, r in zip(widths, right, strict=True)) + " |")
    for line in lines:
        print(fmt(line))


def print_size(result: dict):
    """The cache-off and cache-on tables of one size (and its two-instance table when there is one)."""
    size = f"{result['services']:,} services ({result['counts']}; seeded in {result['seed_seconds']:.0f} s)"
    wrk_line = f"wrk -t{w.WRK_THREADS} -c{w.WRK_CONNECTIONS} -d{result['duration']}s"
    for key, state in (("off", "OFF (PUBLIC_CACHE_SECONDS=0)"), ("on", "ON")):
        print_table(
            f"{size}: page cache {state}; one gunicorn, 2 sync workers; {wrk_line}; "
            "x static = against the mean of the pass's two static-file runs",
            result[key],
        )
    if result.get("pair"):
        print_table(
            f"{size}: two gunicorn instances (2 sync workers each) on one database and one Redis, cache on, wrk on "
            f"both at once (-t1 -c{w.WRK_CONNECTIONS // 2} each); req/s summed, latencies the worse of the two",
            result["pair"],
            goal_header="",
        )
        print(f"A write through instance A seen by instance B at once: {'yes' if result['write_seen'] else 'NO'}")


def print_growth(results: list[dict]):
    """Per page, the cost of a request (1 / req/s, cache off) at each larger size over its cost at the smallest;
    also the same over the static file's cost, which takes out how fast the machine was in each run."""
    small = results[0]
    for big in results[1:]:
        n, m = f"{small['services']:,}", f"{big['services']:,}"
        print()
        print(f"Growth, page cache off: cost per request at {m} services / at {n} (goal ≤ {MAX_GROWTH:g})")
        print()
        header = [
            "page", f"ms/req at {n}", f"ms/req at {m}", "growth", "growth x static", "goal", "met",
        ]  # fmt: skip
        before = {row.label: row for row in small["off"]}
        lines = []
        for row in big["off"]:
            if row.goal is None or row.label not in before:
                continue
            a, b = before[row.label], row
            growth = a.rps / b.rps if b.rps else float("inf")
            relative = a.x_rps / b.x_rps if b.x_rps else float("inf")
            met = "yes" if growth <= MAX_GROWTH and not b.errors else "no"
            lines.append(
                [
                    row.label,
                    _fmt(1000 / a.rps if a.rps else None, 1),
                    _fmt(1000 / b.rps if b.rps else None, 1),
                    _fmt(growth, 2),
                    _fmt(relative, 2),
                    f"≤ {MAX_GROWTH:g}",
                    met,
                ]
            )
        _print_markdown(header, lines)
        print(
            "(ms/req: wall time per request with 16 connections on 2 workers, 1000 / req/s; growth x static: the same "
            "ratio with each page's req/s taken as a fraction of its own pass's static file.)"
        )


# More sizes: this script again in a process of its own.


def to_json(result: dict) -> str:
    def plain(value):
        if isinstance(value, Row):
            return asdict(value)
        raise TypeError(type(value))

    return json.dumps(result, default=plain)


def from_json(text: str) -> dict:
    result = json.loads(text)
    for key in ("off", "on", "pair"):
        if result.get(key):
            result[key] = [Row(**row) for row in result[key]]
    return result


def measure_in_process(services: int, *, duration: int, pair: bool) -> dict:
    """One size in a process of its own (bench/http_load.py --json): its log goes to this process's output."""
    with tempfile.NamedTemporaryFile(suffix=".json", prefix="tcr-bench-http-") as out:
        argv = [sys.executable, str(Path(__file__).resolve()), "--services", str(services), "--duration", str(duration)]
        argv += ["--json", out.name] + ([] if pair else ["--no-pair"])
        subprocess.run(argv, check=True, cwd=PROJECT)
        return from_json(Path(out.name).read_text())


def sizes(text: str) -> list[int]:
    values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not values or values != sorted(set(values)):
        raise argparse.ArgumentTypeError("sizes in increasing order, comma-separated: 10000,100000")
    return values


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--services", type=sizes, default=[10_000], help="services seeded (seed_bench), one size or more: 10000,100000"
    )
    parser.add_argument("--duration", type=int, default=w.WRK_DURATION, help="seconds of wrk per endpoint")
    parser.add_argument("--no-pair", action="store_true", help="skip the two-instance run (only at the first size)")
    parser.add_argument("--json", help="write the results to this file (one size) instead of printing the tables")
    return parser.parse_args(argv)


def main():
    args = parse_args()
    started = time.monotonic()
    if len(args.services) == 1:
        with c.Stack(args.services[0], label="http") as stack:
            setup_django(stack.env)
            result = run(stack, duration=args.duration, pair=not args.no_pair)
        if args.json:
            Path(args.json).write_text(to_json(result))
            return
        results = [result]
    else:
        results = [
            measure_in_process(n, duration=args.duration, pair=not args.no_pair and i == 0)
            for i, n in enumerate(args.services)
        ]
    for result in results:
        print_size(result)
    print_growth(results)
    print(f"\nbench/http_load.py took {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
