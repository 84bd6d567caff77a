"""wrk, the HTTP load generator the benchmarks drive: installed from Debian when missing, run, and its output parsed."""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from bench.common import LOOPBACK, PROXY_HEADERS, log

WRK_DURATION = 5
WRK_THREADS = 2
WRK_CONNECTIONS = 16
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ensure_wrk():
    if shutil.which("wrk"):
        return
    log("installing wrk (Debian)")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"], check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    )


@dataclass
class WrkResult:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int = 0  # non-2xx/3xx answers and socket errors
    raw: str = field(default="", repr=False)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> WrkResult:
    """The figures of wrk's --latency report: requests, Requests/sec, the 50 % and 99 % lines of the latency
    distribution, and every failure it counts (answers other than 2xx/3xx, socket errors)."""
    try:
        requests = int(re.search(r"^\s*(\d+) requests in", output, re.M).group(1))
        rps = float(re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M).group(1))
        p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
        p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    except AttributeError:
        sys.exit(f"Could not read wrk's report:\n{output}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if sockets:
        # Sync workers close the connection after each answer; wrk counts the reads that find it closed as read
        # errors although every request got its answer, so only connect failures and timeouts count here.
        errors += int(sockets.group(1)) + int(sockets.group(4))
    return WrkResult(requests, rps, p50, p99, errors, output)


def wrk_argv(port: int, path: str, *, headers: dict | None = None, threads: int, connections: int, duration: int):
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "30s"]
    for name, value in {**PROXY_HEADERS, **(headers or {})}.items():
        argv += ["-H", f"{name}: {value}"]
    return [*argv, f"http://{LOOPBACK}:{port}{path}"]


def wrk(port: int, path: str, *, headers=None, threads=WRK_THREADS, connections=WRK_CONNECTIONS, duration=WRK_DURATION):
    argv = wrk_argv(port, path, headers=headers, threads=threads, connections=connections, duration=duration)
    result = subprocess.run(argv, capture_output=True, text=True, check=True)
    return parse_wrk(result.stdout)


def wrk_together(targets: list[tuple[int, str]], *, headers=None, threads: int, connections: int, duration: int):
    """One wrk per (port, path), all started at once; their results in the same order."""
    runs = [
        subprocess.Popen(
            wrk_argv(port, path, headers=headers, threads=threads, connections=connections, duration=duration),
            stdout=subprocess.PIPE,
            text=True,
        )
        for port, path in targets
    ]
    return [parse_wrk(run.communicate()[0]) for run in runs]
