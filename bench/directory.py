"""Directory API latency on PostgreSQL, through the full middleware stack.

Seeds (once) a synthetic directory of --services services into its own database, then times
each operation in-process with Django's test Client and prints a JSON list to stdout:

    [{"operation", "services", "n", "p50_ms", "p95_ms", "p99_ms", "mean_ms",
      "django_cpu_mean_ms", "errors", "queries_per_request", "queries_max"}, ...]

Progress goes to stderr, so stdout is pure JSON. See bench/README.md.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lantern_bench"
PROVIDER_EMAIL = "provider@demo.lantern.test"
PROXIMITY_M = 50_000
POINTS = 200
PER_PAGE = 20
QUERY_SAMPLE = 20  # requests per operation replayed while counting SQL queries
SEARCH_TERMS = [
    "Harbor",
    "Beacon",
    "Shelter",
    "Legal",
    "Counseling",
    "Help Line",
    "Recovery",
    "Pantry",
    "Springfield",
    "Houston",
    "Alliance",
    "Immigration",
]
OPERATIONS = (
    "service_at_locations_near",
    "service_at_locations_near_cold",
    "services_page",
    "services_page_cold",
    "services_search",
    "capacity_patch",
)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- database ---------------------------------------------------------------------------


def _admin_conninfo(url: str) -> tuple[dict[str, Any], str]:
    """Connection keywords for the server's `postgres` database, and the bench db's name."""
    import dj_database_url

    cfg = dj_database_url.parse(url)
    if cfg["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit(f"BENCH_DATABASE_URL must be a PostgreSQL URL, got {cfg['ENGINE']}")
    kwargs = {
        "dbname": "postgres",
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
        "autocommit": True,
    }
    return {k: v for k, v in kwargs.items() if v is not None}, cfg["NAME"]


def ensure_database(url: str, *, recreate: bool = False) -> None:
    import psycopg
    from psycopg import sql

    kwargs, name = _admin_conninfo(url)
    with psycopg.connect(**kwargs) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            log(f"dropping database {name}")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            log(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def vacuum_analyze() -> None:
    """VACUUM ANALYZE the benchmark database, as autovacuum does on a running server.

    A PostgreSQL server may run with autovacuum off (this machine's does): then the rows a
    migration or a previous run rewrote stay dead, the visibility map stays empty and the
    planner's statistics go stale, and plans (an index walk for `ORDER BY name, id`, say)
    differ from a production server's. Measuring after a vacuum keeps runs comparable."""
    from django.db import connections

    started = time.perf_counter()
    with connections["default"].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"vacuumed and analyzed in {time.perf_counter() - started:.1f} s")


def prepare(url: str, services: int, seed: int) -> bool:
    """Migrate, and seed unless the database already holds exactly this seeded directory.

    True when it seeded.
    """
    from django.core.management import call_command
    from django.db import connections

    from lantern.audit.models import AuditEvent
    from lantern.directory.demo import demo_seed
    from lantern.directory.models import Service

    call_command("migrate", verbosity=0, interactive=False)
    have = Service.objects.count()
    last_seed = (
        AuditEvent.objects.filter(action="demo.seed")
        .order_by("-id")
        .values_list("detail", flat=True)
        .first()
    )
    if have == services and last_seed == {"services": services, "seed": seed}:
        log(f"reusing seeded directory ({have} services, seed {seed})")
        vacuum_analyze()
        return False
    if have or last_seed is not None:
        log(f"database holds {have} services (seed {last_seed}); recreating it")
        connections.close_all()
        ensure_database(url, recreate=True)
        call_command("migrate", verbosity=0, interactive=False)
    log(f"seeding {services} services (seed {seed})")
    started = time.perf_counter()
    result = demo_seed(services=services, seed=seed)
    vacuum_analyze()
    log(
        f"seeded {result.services} services in {result.organizations} organizations "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return True


# --- measuring --------------------------------------------------------------------------


@dataclass
class Operation:
    name: str
    call: Callable[[int], Any]  # request number -> response
    paged: bool = False  # a page envelope: log the spread of total_items
    # "warm": the rendered-document cache has seen every input once (a server that has been
    # up a while); "cold": the cache is emptied before every timed request.
    cache: str = "warm"


def percentiles(samples: list[float]) -> dict[str, float]:
    if len(samples) == 1:
        only = samples[0]
        return {"p50_ms": only, "p95_ms": only, "p99_ms": only}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50_ms": cuts[49], "p95_ms": cuts[94], "p99_ms": cuts[98]}


def _ok(response: Any) -> bool:
    if response.status_code != 200:
        return False
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return True


class GcWatch:
    """Full (generation 2) garbage collections during the timed requests, and their time."""

    def __init__(self) -> None:
        self.full = 0
        self.full_ms = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.full += 1
            self.full_ms += (time.perf_counter() - self._started) * 1000


class BuildCount:
    """How many documents `doccache` built (cache misses): proof that cold is cold."""

    def __init__(self) -> None:
        self.built = 0

    def __enter__(self) -> "BuildCount":
        from lantern.directory import doccache

        self._doccache = doccache
        self._original = original = doccache.cached_entries

        def counting(kind: str, ids: Any, build: Callable[[list[Any]], Any]) -> Any:
            def counted(missing: list[Any]) -> Any:
                self.built += len(missing)
                return build(missing)

            return original(kind, ids, counted)

        doccache.cached_entries = counting
        return self

    def __exit__(self, *exc: object) -> None:
        self._doccache.cached_entries = self._original


def measure(op: Operation, n: int, warmup: int, services: int) -> dict[str, Any]:
    import gc

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lantern.directory import doccache

    for i in range(warmup):
        op.call(-1 - i)
    if op.cache == "warm" and op.paged:
        for i in range(n):  # every timed input once, untimed
            op.call(i)
    samples: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    items: list[int] = []
    watch = GcWatch()
    gc.callbacks.append(watch)
    cpu_started = time.process_time()
    with BuildCount() as builds:
        for i in range(n):
            if op.cache == "cold":
                cache.clear()
                if cache.get(doccache.GENERATION_KEY) is not None:
                    raise SystemExit("cache.clear() left the document cache in place")
            started = time.perf_counter()
            response = op.call(i)
            ok = _ok(response)
            samples.append((time.perf_counter() - started) * 1000)
            if not ok:
                errors += 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            elif op.paged:
                items.append(response.json()["total_items"])
    gc.callbacks.remove(watch)
    # CPU of this (Django) process only, not PostgreSQL's: wall time far above it means
    # waiting on the database, or on a CPU that other work holds.
    cpu_ms = (time.process_time() - cpu_started) * 1000 / n
    if errors:
        log(f"{op.name}: {errors} non-200 responses {statuses}")
    if items:
        items.sort()
        log(
            f"{op.name}: total_items min {items[0]}, median {items[len(items) // 2]}, "
            f"p95 {items[int(len(items) * 0.95)]}, max {items[-1]}"
        )

    query_counts = []
    for i in range(min(n, QUERY_SAMPLE)):
        if op.cache == "cold":
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            op.call(i)
        query_counts.append(len(captured.captured_queries))

    result: dict[str, Any] = {"operation": op.name, "services": services, "n": n}
    if op.paged:
        result["cache"] = op.cache
        # Cold: the whole cache was emptied before every timed request (checked), so each
        # page's documents were built from the database; warm: built once beforehand.
        result["cache_emptied_before_each_request"] = op.cache == "cold"
        result["documents_built_per_request"] = round(builds.built / n, 1)
    result.update({k: round(v, 2) for k, v in percentiles(samples).items()})
    result["mean_ms"] = round(statistics.fmean(samples), 2)
    result["django_cpu_mean_ms"] = round(cpu_ms, 2)
    result["errors"] = errors
    result["queries_per_request"] = round(statistics.fmean(query_counts), 1)
    result["queries_max"] = max(query_counts)
    result["gc_full_collections"] = watch.full
    result["gc_full_ms"] = round(watch.full_ms, 1)
    result["load_average_1m"] = round(os.getloadavg()[0], 2)
    return result


def profile(op: Operation, n: int, top: int) -> None:
    from django.core.cache import cache

    profiler = cProfile.Profile()
    for i in range(n):
        if op.cache == "cold":
            cache.clear()  # outside the profile, as outside the timings
        profiler.enable()
        op.call(i)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    print(f"--- profile: {op.name} ({n} requests) ---\n{out.getvalue()}", file=sys.stderr)


def check_load(when: str, *, busy: float) -> None:
    """Latency on a shared machine means little: say how busy it was (1-minute load)."""
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    note = ""
    if load > busy * cores:
        note = " (other work is competing for the CPU: the figures are inflated)"
    log(f"load average {when}: {load:.2f} on {cores} cores{note}")


# --- operations -------------------------------------------------------------------------

_SAMPLE_POINTS = """
import json, random, sys
from lantern.core import postcodes
places = random.Random(int(sys.argv[1])).sample(postcodes.all_places(), int(sys.argv[2]))
print(json.dumps([[p.latitude, p.longitude] for p in places]))
"""


def sample_points(seed: int) -> list[tuple[float, float]]:
    """POINTS real postcode centroids, picked in a child process.

    The postcode table is about 200,000 Python objects; loaded here, it would slow every
    full garbage collection of the measured process by ~0.2 s, which a web worker answering
    latitude/longitude queries never pays.
    """
    out = subprocess.run(
        [sys.executable, "-c", _SAMPLE_POINTS, str(seed), str(POINTS)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [(lat, lon) for lat, lon in json.loads(out)]


def build_operations(services: int, seed: int) -> tuple[list[Operation], Callable[[], None]]:
    from django.test import Client

    from lantern.accounts.models import User
    from lantern.accounts.services import token_create
    from lantern.directory.selectors import capacities_of_user

    rng = random.Random(seed)
    client = Client()
    points = sample_points(seed)
    pages = max(1, -(-services // PER_PAGE))

    def near(i: int) -> Any:
        latitude, longitude = points[i % len(points)]
        query = urlencode({"latitude": latitude, "longitude": longitude, "proximity": PROXIMITY_M})
        return client.get(f"/api/v1/service_at_locations?{query}")

    page_numbers = [rng.randint(1, pages) for _ in range(POINTS)]

    def services_page(i: int) -> Any:
        page = page_numbers[i % len(page_numbers)]
        return client.get(f"/api/v1/services?per_page={PER_PAGE}&page={page}")

    def services_search(i: int) -> Any:
        term = SEARCH_TERMS[i % len(SEARCH_TERMS)]
        return client.get("/api/v1/services?" + urlencode({"search": term, "per_page": PER_PAGE}))

    provider = User.objects.get(email=PROVIDER_EMAIL)
    issued = token_create(user=provider, name="bench")
    headers = {"Authorization": f"Bearer {issued.secret}"}
    capacities = [(str(c.id), c.maximum) for c in capacities_of_user(provider)]
    if not capacities:
        raise SystemExit(f"{PROVIDER_EMAIL} has no capacities to update")
    visits: dict[str, int] = {}

    def capacity_patch(i: int) -> Any:
        cap_id, maximum = capacities[i % len(capacities)]
        visit = visits[cap_id] = visits.get(cap_id, 0) + 1
        # Consecutive updates of one capacity differ, and stay within its maximum.
        available = visit % ((maximum if maximum is not None else 10) + 1)
        return client.patch(
            f"/api/v1/service_capacities/{cap_id}",
            data=json.dumps({"available": available}),
            content_type="application/json",
            headers=headers,
        )

    operations = [
        Operation("service_at_locations_near", near, paged=True),
        Operation("service_at_locations_near_cold", near, paged=True, cache="cold"),
        Operation("services_page", services_page, paged=True),
        Operation("services_page_cold", services_page, paged=True, cache="cold"),
        Operation("services_search", services_search, paged=True),
        Operation("capacity_patch", capacity_patch),
    ]

    def cleanup() -> None:
        issued.token.delete()

    return operations, cleanup


# --- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000, help="directory size")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per operation")
    parser.add_argument("--seed", type=int, default=20240601, help="seed for data and inputs")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per operation")
    parser.add_argument(
        "--only", nargs="+", choices=OPERATIONS, default=list(OPERATIONS), help="operations"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile each operation (printed to stderr, not in the JSON)",
    )
    args = parser.parse_args(argv)
    if args.services < 3 or args.requests < 1 or args.warmup < 0:
        parser.error("--services at least 3, --requests at least 1, --warmup at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    # Settings read the environment once, at import: set everything before django.setup().
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantern.settings")
    os.environ.setdefault("DEBUG", "false")  # as deployed; DEBUG also logs every query
    ensure_database(url)

    import django

    django.setup()

    from django.test.utils import override_settings

    started = time.perf_counter()
    if prepare(url, args.services, args.seed):
        # Seeding loaded the postcode table and left a large heap behind, which would slow
        # the measured process's garbage collections: measure in a fresh process instead.
        if os.environ.get("BENCH_RESTARTED"):
            raise SystemExit("seeded twice: the seeded directory is not recognised")
        log("measuring in a fresh process")
        from django.db import connections

        connections.close_all()
        env = {**os.environ, "BENCH_RESTARTED": "1"}
        return subprocess.run([sys.executable, *sys.argv], env=env, check=False).returncode
    # Start as the deployed server does (lantern/wsgi.py: system checks, then gc.freeze()
    # of everything loaded), so full collections scan what requests leave, as they would.
    import lantern.wsgi  # noqa: F401

    check_load("before", busy=0.5)
    log(f"database ready in {time.perf_counter() - started:.1f} s")

    # Rate limiting stays on (its cache work is part of every request), with limits a single
    # benchmarking client cannot reach.
    from django.conf import settings

    limits = dict.fromkeys(settings.LANTERN_RATE_LIMITS, "1000000/m")
    results = []
    with override_settings(LANTERN_RATE_LIMITS=limits):
        operations, cleanup = build_operations(args.services, args.seed)
        try:
            for op in operations:
                if op.name not in args.only:
                    continue
                log(f"measuring {op.name}: {args.warmup} warm-up + {args.requests} requests")
                result = measure(op, args.requests, args.warmup, args.services)
                log(
                    f"{op.name}: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
                    f"{result['queries_per_request']} queries/request"
                )
                results.append(result)
                if args.profile:
                    profile(op, min(args.requests, 100), top=30)
        finally:
            cleanup()
    check_load("after", busy=1.0)
    print(json.dumps(results, indent=2))
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
