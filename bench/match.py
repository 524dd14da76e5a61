"""Matching latency: `POST /api/v1/match` on PostgreSQL at 10,000 and 100,000 services.

For each size, seeds (once) a synthetic directory into its own database (`lantern_bench`
for 10,000, as bench/directory.py does, and `lantern_bench_100k`), then times the endpoint
in-process through the full middleware stack over varied needs profiles and prints a JSON
list to stdout:

    [{"operation", "services", "n", "p50_ms", "p95_ms", "p99_ms", "mean_ms",
      "errors", "queries_per_request", "mean_total", "profiles"}, ...]

One operation per profile family plus "match" over the whole mix. Every profile is sent
once untimed before the timed pass (warm document cache). Progress goes to stderr.

    .venv/bin/python bench/match.py [--sizes 10000 100000] [--requests 300] [--seed N]
        [--with-load] [--load-args "--clients 50 --think-ms 1000"]

With --with-load, bench/load.py runs beside the measurement (its own gunicorn and database,
`lantern_load`, its default mix of 50 clients): timing starts once its clients are running
and it is stopped at the end. Its summary goes to stderr; each row gets `"with_load": true`.
"""

import argparse
import json
import os
import random
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

# bench/directory.py (this folder is on sys.path when a benchmark runs as a script): the one
# copy of the database helpers every benchmark uses.
import directory as directory_bench

DATABASES = {
    10_000: "postgres://postgres@127.0.0.1:5432/lantern_bench",
    100_000: "postgres://postgres@127.0.0.1:5432/lantern_bench_100k",
}
HELP = ["emergency-shelter", "residential-program", "legal", "medical", "mental-health"]
FAMILIES = ("survivor_nearby", "advocate_filters", "ranked_no_limit", "no_location")


def log(message: str) -> None:
    print(f"[match] {message}", file=sys.stderr, flush=True)


def profiles(points: list[tuple[float, float]], n: int, seed: int) -> list[tuple[str, dict]]:
    """Varied needs profiles: what survivors and advocates actually send."""
    rng = random.Random(seed)
    out: list[tuple[str, dict]] = []
    for i in range(n):
        lat, lon = points[i % len(points)]
        family = FAMILIES[i % len(FAMILIES)]
        body: dict[str, Any] = {}
        if family == "survivor_nearby":
            body = {
                "location": {"latitude": lat, "longitude": lon},
                "max_distance_km": rng.choice([25, 50, 100]),
                "help_types": rng.sample(HELP, rng.randint(1, 2)),
            }
            if rng.random() < 0.5:
                body["gender"] = rng.choice(["woman", "man", "nonbinary"])
            if rng.random() < 0.3:
                body["children"] = rng.randint(1, 3)
            if rng.random() < 0.3:
                body["languages"] = ["es", "en"]
        elif family == "advocate_filters":
            body = {
                "location": {"latitude": lat, "longitude": lon},
                "max_distance_km": 80,
                "help_types": rng.sample(HELP, 3),
                "age": rng.randint(16, 60),
                "gender": rng.choice(["woman", "man", "transgender_woman"]),
                "trafficking_types": rng.sample(["sex", "labor"], rng.randint(1, 2)),
                "has_id_documents": rng.random() < 0.5,
                "only_open": rng.random() < 0.5,
                "limit": 50,
            }
        elif family == "ranked_no_limit":
            body = {
                "location": {"latitude": lat, "longitude": lon},
                "help_types": [rng.choice(HELP)],
            }
        else:
            body = {"help_types": [rng.choice(["hotline", "legal", "immigration-legal"])]}
        out.append((family, body))
    return out


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
    }


def measure(services: int, requests: int, seed: int) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    points = directory_bench.sample_points(seed)
    client = Client()
    work = profiles(points, requests, seed)

    def call(body: dict) -> Any:
        return client.post("/api/v1/match", json.dumps(body), content_type="application/json")

    # Warm-up: every profile once, untimed, as on a server that has been up a while (the
    # rendered service documents of the results are then cached; see doccache).
    for _, body in work:
        call(body)
    by_family: dict[str, list[float]] = {f: [] for f in FAMILIES}
    totals: dict[str, list[int]] = {f: [] for f in FAMILIES}
    errors: dict[str, int] = dict.fromkeys(FAMILIES, 0)
    for family, body in work:
        started = time.perf_counter()
        response = call(body)
        by_family[family].append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            errors[family] += 1
        else:
            totals[family].append(response.json()["total"])
    queries: dict[str, float] = {}
    for family in FAMILIES:
        counts = []
        for _, body in [w for w in work if w[0] == family][:5]:
            with CaptureQueriesContext(connection) as captured:
                call(body)
            counts.append(len(captured.captured_queries))
        queries[family] = statistics.fmean(counts)
    results = []
    every = [ms for family in FAMILIES for ms in by_family[family]]
    results.append(
        {
            "operation": "match",
            "services": services,
            "n": len(every),
            **percentiles(every),
            "mean_ms": round(statistics.fmean(every), 2),
            "errors": sum(errors.values()),
            "queries_per_request": round(statistics.fmean(queries.values()), 1),
        }
    )
    for family in FAMILIES:
        samples = by_family[family]
        results.append(
            {
                "operation": f"match_{family}",
                "services": services,
                "n": len(samples),
                **percentiles(samples),
                "mean_ms": round(statistics.fmean(samples), 2),
                "errors": errors[family],
                "queries_per_request": round(queries[family], 1),
                "mean_total": round(statistics.fmean(totals[family] or [0]), 1),
            }
        )
        log(
            f"{services} services, {family}: p50 {results[-1]['p50_ms']} ms, "
            f"p95 {results[-1]['p95_ms']} ms, {results[-1]['mean_total']} matches on average"
        )
    return results


def run_size(args: argparse.Namespace) -> int:
    """In a child process: one size, one database; prints the JSON list."""
    services = args.one_size
    url = os.environ.get("BENCH_DATABASE_URL") or DATABASES[services]
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantern.settings")
    os.environ.setdefault("DEBUG", "false")
    directory_bench.ensure_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    if directory_bench.prepare(url, services, args.seed):
        # Seeding left a large heap behind: measure in a fresh process.
        return subprocess.run([sys.executable, *sys.argv], check=False).returncode
    limits = dict.fromkeys(settings.LANTERN_RATE_LIMITS, "1000000/m")
    with override_settings(LANTERN_RATE_LIMITS=limits):
        results = measure(services, args.requests, args.seed)
    print(json.dumps(results))
    return 0


LOAD_READY_TIMEOUT_S = 900.0  # load.py may seed its directory first
LOAD_SETTLE_S = 5.0  # let its clients reach a steady pace before timing


def start_load(extra: str) -> subprocess.Popen:
    """bench/load.py in the background until stopped; returns once its clients are running."""
    command = [sys.executable, str(Path(__file__).with_name("load.py"))]
    command += ["--requests", "1000000000", "--duration", "86400", "--warmup", "0"]
    command += ["--no-prewarm", *shlex.split(extra)]
    log(f"starting the load beside: {shlex.join(command[1:])}")
    load = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    ready = threading.Event()
    started = threading.Event()

    def relay() -> None:
        for line in load.stderr or ():
            sys.stderr.write(line)
            if line.startswith("[load] load:"):
                started.set()
                ready.set()
        ready.set()  # it ended

    threading.Thread(target=relay, daemon=True).start()
    # "Ready" because it ended is not started: a load that failed (a refused migration, say)
    # must stop the run, never leave rows marked "with_load" that ran without it.
    if not ready.wait(LOAD_READY_TIMEOUT_S) or not started.is_set() or load.poll() is not None:
        stop_load(load)
        raise SystemExit("bench/load.py did not start its clients")
    time.sleep(LOAD_SETTLE_S)
    if load.poll() is not None:
        raise SystemExit("bench/load.py stopped before the measurement began")
    return load


def stop_load(load: subprocess.Popen) -> None:
    """SIGTERM: load.py stops its clients and gunicorn and revokes its token."""
    if load.poll() is None:
        load.send_signal(signal.SIGTERM)
        try:
            load.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(load.pid, signal.SIGKILL)
            load.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=300, help="timed requests per size")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument(
        "--with-load", action="store_true", help="run bench/load.py beside the measurement"
    )
    parser.add_argument("--load-args", default="", help="extra arguments for bench/load.py")
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_size:
        return run_size(args)
    for size in args.sizes:
        if size not in DATABASES and not os.environ.get("BENCH_DATABASE_URL"):
            parser.error(f"no database configured for {size} services ({sorted(DATABASES)})")
    everything: list[dict[str, Any]] = []
    status = 0
    for size in args.sizes:
        command = [sys.executable, __file__, "--one-size", str(size)]
        command += ["--requests", str(args.requests), "--seed", str(args.seed)]
        if args.with_load:
            # Seed (once) before the load starts, so seeding is not measured under load.
            subprocess.run([*command, "--requests", "8"], stdout=subprocess.DEVNULL, check=True)
        load = start_load(args.load_args) if args.with_load else None
        try:
            done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
        finally:
            if load is not None:
                stop_load(load)
        status |= done.returncode
        lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
        if lines:
            rows = json.loads(lines[-1])
            for row in rows:
                row["with_load"] = args.with_load
            everything.extend(rows)
    print(json.dumps(everything, indent=2))
    return 1 if status or any(r["errors"] for r in everything) else status


if __name__ == "__main__":
    sys.exit(main())
