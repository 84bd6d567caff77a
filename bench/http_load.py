"""Requests per second and latency of the portal's pages under gunicorn, against a static file served by the same
server (the ceiling), then the same with two gunicorn instances on one database and one Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/http_load.py --services 10000

The portal runs as deployed: DEBUG off, a random SECRET_KEY, collected static files served by whitenoise, PostgreSQL
(a database of the run's own, `tcr_bench_http_<pid>`, dropped at the end: the one DATABASE_URL names is not touched),
Redis (REDIS_URL's database; the keys the run adds are removed at the end), a Celery worker and beat. Every request
carries X-Forwarded-Proto: https, as from the TLS proxy in front of a deployment.

(Not named http.py: run as a script, a file of that name would shadow the standard library's http package.)
"""

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from bench import common as c  # noqa: E402
from bench import wrk as w  # noqa: E402

PORT_A = 8105
PORT_B = 8106
WARM_UP_REQUESTS = 20
# Targets of issue 8, against the static file served by the same server in the same run.
MIN_THROUGHPUT_RATIO = 0.5
MAX_P99_RATIO = 10
ADMIN_PAGE_MS = 300


@dataclass
class Endpoint:
    label: str
    path: str
    signed_in: bool = False
    # "public": at least half the static file's throughput, p99 under ten times its p99. "admin": each page under
    # 300 ms, measured with one client at a time (with 16 at once on 2 workers a page waits for the ones before it).
    target: str = ""
    expect: bytes = b""


def setup_django(env: dict):
    """This process talks to the run's database with the server's settings (same SECRET_KEY: the session it writes
    is one the server reads)."""
    os.environ.update(env)
    import django

    django.setup()


def pick_endpoints(static_url: str) -> list[Endpoint]:
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
    word = re.findall(r"\w{4,}", service.name)
    search = {"q": word[0] if word else service.name, "model": service.service_model}
    log_counts = (
        f"{Certificate.objects.count()} certificates, {queries.public_services().count()} public services, "
        f"{Dossier.objects.count()} dossiers"
    )
    c.log(f"registry: {log_counts}")
    return [
        Endpoint("static file (whitenoise)", static_url),
        Endpoint("/healthz", "/healthz", expect=b"ok"),
        Endpoint("/registry/ (first page)", "/registry/", target="public", expect=b"<table"),
        Endpoint("/registry/ (filtered search)", f"/registry/?{urlencode(search)}", target="public", expect=b"<table"),
        Endpoint("service page", f"/registry/{service.slug}/", target="public", expect=service.slug.encode()),
        Endpoint(
            "/verify/<number>/", f"/verify/{certificate.number}/", target="public", expect=b'data-verdict="valid"'
        ),
        Endpoint("/api/v1/services/", "/api/v1/services/", expect=b'"results"'),
        Endpoint("admin dossier list", "/admin/registry/dossier/", signed_in=True, expect=b'id="result_list"'),
    ]


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
    for _ in range(WARM_UP_REQUESTS):
        c.get(port, endpoint.path, cookie if endpoint.signed_in else None)


def verdict(endpoint: Endpoint, result: w.WrkResult, static: w.WrkResult, single: w.WrkResult | None) -> str:
    if result.errors:
        return f"no ({result.errors} failed)"
    if not result.requests:
        return "no (no answer)"
    if endpoint.target == "public":
        ok = result.rps >= MIN_THROUGHPUT_RATIO * static.rps and result.p99_ms < MAX_P99_RATIO * static.p99_ms
        return "yes" if ok else "no"
    if endpoint.target == "admin" and single is not None:
        return "yes" if single.p99_ms < ADMIN_PAGE_MS else "no"
    return ""


def print_table(title: str, rows: list[tuple[Endpoint, w.WrkResult, str]], static: w.WrkResult):
    print()
    print(title)
    header = f"{'endpoint':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x static req/s':>15} {'x static p99':>13}  target met"
    print(header)
    print("-" * len(header))
    for endpoint, result, met in rows:
        # One client at a time is not comparable with the static file's 16: no ratio for that row.
        alone = endpoint.target == "admin"
        ratios = (
            f"{'-':>15} {'-':>13}"
            if alone
            else f"{result.rps / static.rps:>15.2f} {result.p99_ms / static.p99_ms:>13.1f}"
        )
        print(f"{endpoint.label:<34} {result.rps:>8.0f} {result.p50_ms:>8.1f} {result.p99_ms:>8.1f} {ratios}  {met}")


def run_single(server: c.Gunicorn, endpoints: list[Endpoint], cookie: dict, *, duration: int) -> list:
    port = server.port
    results = []
    for endpoint in endpoints:
        problem = check(server, endpoint, cookie)
        if problem:
            c.log(f"{endpoint.label}: {endpoint.path} answers {problem}; measured anyway, marked failed")
        warm_up(port, endpoint, cookie)
        result = w.wrk(port, endpoint.path, headers=cookie if endpoint.signed_in else None, duration=duration)
        if problem:
            result.errors = max(result.errors, 1)
        c.log(f"{endpoint.label}: {result.rps:.0f} req/s, p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms")
        results.append((endpoint, result))
    static = results[0][1]
    rows = [(endpoint, result, verdict(endpoint, result, static, None)) for endpoint, result in results]
    # The admin list's target is a time per page: one client, one page after the other.
    admin = next(endpoint for endpoint in endpoints if endpoint.signed_in)
    one = w.wrk(port, admin.path, headers=cookie, threads=1, connections=1, duration=duration)
    admin_one = Endpoint("admin dossier list, 1 client", admin.path, signed_in=True, target="admin")
    rows.append((admin_one, one, verdict(admin_one, one, static, one)))
    c.log(f"{admin_one.label}: {one.rps:.1f} pages/s, p50 {one.p50_ms:.1f} ms, p99 {one.p99_ms:.1f} ms")
    return rows


def run_pair(endpoints: list[Endpoint], cookie: dict, single: dict, *, duration: int) -> list:
    """wrk on both instances at once, each with half the threads and connections of the single run."""
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
        total = w.WrkResult(
            requests=a.requests + b.requests,
            rps=a.rps + b.rps,
            p50_ms=max(a.p50_ms, b.p50_ms),
            p99_ms=max(a.p99_ms, b.p99_ms),
            errors=a.errors + b.errors,
        )
        c.log(
            f"{endpoint.label}, two instances: {a.rps:.0f} + {b.rps:.0f} req/s (one instance: {single[endpoint.label]:.0f})"
        )
        rows.append((endpoint, total, f"{total.rps / single[endpoint.label]:.2f}x one instance"))
    return rows


def write_seen_across() -> bool:
    """A registry administrator suspends a certificate through instance A's admin (the real form: CSRF token, POST,
    redirect); instance B, which has just served the certificate as valid, must show it suspended on its next
    request: no page, session or cache is kept inside one process."""
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
    origin = f"https://{c.LOOPBACK}:{PORT_A}"
    session = "; ".join(f"{name}={value}" for name, value in [cookie["Cookie"].split("=", 1), csrf_cookie.groups()])
    body = urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "reason": "Benchmark: a write seen across instances."}
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
        c.log(f"the suspension through instance A did not happen (HTTP {posted.status}, status {certificate.status})")
        return False
    after = c.get(PORT_B, verify).body, c.get(PORT_B, api).body
    seen = b'data-verdict="suspended"' in after[0] and b'"suspended"' in after[1]
    c.log(
        f"{certificate.number} suspended through instance A; instance B's next /verify/ and API answers show it "
        f"{'suspended' if seen else 'STILL VALID'}"
    )
    return seen


def run(stack, *, duration: int, pair: bool = True) -> dict:
    """The single-instance table, then (pair) the two-instance one and the cross-instance write. Needs Django set up
    on the stack's database (setup_django)."""
    w.ensure_wrk()
    static_url = c.static_path(Path(stack.env["STATIC_ROOT"]))
    endpoints = pick_endpoints(static_url)
    name, value = staff_session()
    cookie = {"Cookie": f"{name}={value}"}

    a = c.Gunicorn(stack.env, PORT_A, workers=2, scratch=stack.scratch).start()
    b = None
    try:
        a.wait_ready(static_url)
        stack.wait_healthy(PORT_A)
        rows = run_single(a, endpoints, cookie, duration=duration)
        print_table(
            f"One gunicorn instance, 2 sync workers; wrk -t{w.WRK_THREADS} -c{w.WRK_CONNECTIONS} -d{duration}s on "
            f"the same machine ({c.machine()}); registry: {stack.seeded}",
            rows,
            rows[0][1],
        )
        outcome = {"single": rows}
        if pair:
            b = c.Gunicorn(stack.env, PORT_B, workers=2, scratch=stack.scratch).start().wait_ready(static_url)
            single = {endpoint.label: result.rps for endpoint, result, _ in rows}
            # The pages of the single run but /healthz and the filtered search (the first page stands for it): the
            # question here is what two processes change, and `make bench` must stay well under ten minutes.
            shared = [e for e in endpoints if e.label not in ("/healthz", "/registry/ (filtered search)")]
            pair_rows = run_pair(shared, cookie, single, duration=duration)
            print_table(
                "Two gunicorn instances (2 sync workers each) on one database and one Redis, wrk on both at once "
                f"(-t1 -c{w.WRK_CONNECTIONS // 2} each); req/s summed, latencies the worse of the two",
                pair_rows,
                pair_rows[0][1],
            )
            seen = write_seen_across()
            print(f"A write through instance A seen by instance B at once: {'yes' if seen else 'NO'}")
            outcome |= {"pair": pair_rows, "write_seen": seen}
        return outcome
    finally:
        for server in (a, b):
            if server is not None:
                server.stop()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=10_000, help="services seeded (seed_bench); default 10000")
    parser.add_argument("--duration", type=int, default=w.WRK_DURATION, help="seconds of wrk per endpoint")
    parser.add_argument("--no-pair", action="store_true", help="skip the two-instance run")
    return parser.parse_args(argv)


def main():
    args = parse_args()
    with c.Stack(args.services, label="http") as stack:
        setup_django(stack.env)
        run(stack, duration=args.duration, pair=not args.no_pair)


if __name__ == "__main__":
    main()
