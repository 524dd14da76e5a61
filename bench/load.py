"""Lantern under load: gunicorn on PostgreSQL, a mixed API load from a second process.

Seeds (once) a synthetic directory of --services services into its own database, starts
gunicorn (several workers, production settings, Redis-shared rate-limit counters) on a free
loopback port, then runs the load generator as a separate process: --clients concurrent
HTTP clients (httpx, asyncio) send a weighted mix of API calls until --requests responses or
--duration seconds, whichever comes first. Prints one JSON object to stdout:

    {"clients", "requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors", ...,
     "by_operation": {operation: {"n", "errors", "p50_ms", "p95_ms", "p99_ms"}}}

`errors` counts non-2xx responses and exceptions (timeouts, refused connections).
Progress and server logs go to stderr, so stdout is pure JSON. The server is always stopped,
also on Ctrl-C. The named rate limits are raised for the run (reported as "rate_limits"):
one loopback address would otherwise be throttled like a scraper.

Each client pauses about --think-ms (default 1000 ms, exponentially distributed) between
requests, so 50 clients offer about 50 requests/s; before the timed run every list page is
requested once (--no-prewarm skips it), as on a server that has been up a while. With
--think-ms 0 clients run a closed loop: each sends its next request as soon as the last one
is answered. Latency then includes the wait for a free worker, and by Little's
law the mean is about clients / throughput; "cpu_ms_per_request" (gunicorn workers, the
PostgreSQL backends, the load generator) says what limits the throughput, and depends far
less than latency on whatever else the machine is doing ("loadavg_1m").

    .venv/bin/python bench/load.py [--clients 50] [--requests 5000] [--duration 60]
        [--workers 4] [--worker-class sync|gthread] [--mix service_get=30,...] [--think-ms 1000]
        [--no-prewarm]
"""

import argparse
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# bench/directory.py (this folder is on sys.path when a benchmark runs as a script): the one
# copy of the database helpers every benchmark uses.
import directory as directory_bench
from load_clients import (
    OPERATIONS,
    TIMED_MARKER,
    parse_mix,
    summarize,
    worker_main,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lantern_load"
REDIS_URL = "redis://127.0.0.1:6379/5"
PROVIDER_EMAIL = "provider@demo.lantern.test"
BENCH_LABEL = "bench-load"
SEED = 1  # demo data seed (the same directory every time)
# Each client pauses about a second between requests (exponentially distributed): 50 clients
# then offer ~50 requests/s, a very busy coalition's whole API traffic. With no pause
# (--think-ms 0) the clients saturate the server and latency is clients / throughput.
THINK_MS = 1000.0
# Environment variables behind settings.LANTERN_RATE_LIMITS, all raised for the run.
RATE_LIMIT_ENV = (
    "LANTERN_RATE_LOGIN",
    "LANTERN_RATE_LOGIN_IP",
    "LANTERN_RATE_OTP",
    "LANTERN_RATE_TOKEN",
    "LANTERN_RATE_ANON_API",
    "LANTERN_RATE_ANON_PAGES",
    "LANTERN_RATE_ONE_TAP",
    "LANTERN_RATE_HELP_REQUEST",
)
RAISED_RATE = "100000000/m"
READY_TIMEOUT_S = 60.0


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def _bin(name: str) -> str:
    for folder in (PROJECT_DIR / ".venv" / "bin", Path(sys.executable).parent):
        if (folder / name).exists():
            return str(folder / name)
    raise SystemExit(f"{name} not found in .venv/bin: run `make setup`")


# --- database -----------------------------------------------------------------------------


def _admin_conninfo(url: str) -> tuple[dict[str, Any], str]:
    return directory_bench._admin_conninfo(url)


def ensure_database(url: str, *, recreate: bool = False) -> None:
    directory_bench.ensure_database(url, recreate=recreate)


def analyze(url: str) -> None:
    """VACUUM ANALYZE the load database before a run."""
    import psycopg

    kwargs, name = _admin_conninfo(url)
    kwargs["dbname"] = name
    # VACUUM as well, as autovacuum would on a server (see directory_bench.vacuum_analyze);
    # it cannot run inside a transaction.
    kwargs["autocommit"] = True
    with psycopg.connect(**kwargs) as conn:
        conn.execute("VACUUM ANALYZE")


def lantern(env: dict[str, str], *args: str, capture: bool = False) -> str:
    """Run a `lantern` management command; its output goes to stderr unless captured."""
    completed = subprocess.run(
        [_bin("lantern"), *args],
        env=env,
        cwd=PROJECT_DIR,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else sys.stderr,
    )
    return completed.stdout if capture else ""


def lantern_json(env: dict[str, str], code: str) -> Any:
    """Run Python in `lantern shell`; its last stdout line is JSON."""
    out = lantern(env, "shell", "--no-imports", "-c", code, capture=True)
    return json.loads(out.strip().splitlines()[-1])


SERVICE_COUNT = """
import json
from lantern.directory.models import Service
print(json.dumps(Service.objects.count()))
"""

INVENTORY = f"""
import json
from django.conf import settings
from lantern.accounts.models import User
from lantern.directory import selectors
provider = User.objects.get(email={PROVIDER_EMAIL!r})
ids = selectors.services_list(selectors.DirectoryFilters()).values_list("id", flat=True)
print(json.dumps({{
    "service_ids": [str(i) for i in ids],
    "capacities": [[str(c.id), c.maximum] for c in selectors.capacities_of_user(provider)],
    "rate_limits": settings.LANTERN_RATE_LIMITS,
}}))
"""

REVOKE = """
import os
from django.utils import timezone
from lantern.accounts.models import ApiToken
from lantern.accounts.services import hash_token
mine = ApiToken.objects.filter(token_hash=hash_token(os.environ["BENCH_TOKEN"]))
mine.update(revoked=timezone.now())
"""


def prepare_database(url: str, env: dict[str, str], services: int) -> None:
    """Migrate; seed only when the service count differs from --services."""
    ensure_database(url)
    lantern(env, "migrate", "--noinput", "-v", "0")
    have = lantern_json(env, SERVICE_COUNT)
    if have == services:
        log(f"reusing the seeded directory ({have} services)")
        analyze(url)
        return
    if have:
        log(f"database holds {have} services, not {services}: recreating it")
        ensure_database(url, recreate=True)
        lantern(env, "migrate", "--noinput", "-v", "0")
    log(f"seeding {services} services")
    started = time.perf_counter()
    # The seed is set-up, not the server under test: production refuses demo data (its
    # accounts have a known password), so this one step runs as development, on the load's
    # own database.
    seed_env = {**env, "LANTERN_ENV": "development"}
    lantern(seed_env, "demo", "seed", "--services", str(services), "--seed", str(SEED))
    analyze(url)
    log(f"seeded in {time.perf_counter() - started:.1f} s")


def collect_static(env: dict[str, str]) -> None:
    static_root = Path(env.get("LANTERN_VAR_DIR") or PROJECT_DIR / "var") / "static"
    if static_root.is_dir() and any(static_root.iterdir()):
        return
    log("collecting static files")
    lantern(env, "collectstatic", "--noinput", "-v", "0")


# --- CPU accounting ------------------------------------------------------------------------
# The machine may be busy with other work, so besides latencies the run reports the CPU time
# the server side spent per request: gunicorn's workers and the PostgreSQL backends serving
# them. That number depends far less than latency on what else runs at the same time.

_TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a process, from /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) * _TICK_S


def _children_cpu(parent: int) -> dict[int, float]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat is not None and stat[0] == parent:
                found[int(entry.name)] = stat[1]
    return found


def _db_backends_cpu(url: str) -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends connected to the benchmark database (local only)."""
    import psycopg

    kwargs, name = _admin_conninfo(url)
    try:
        with psycopg.connect(**kwargs) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                [name],
            ).fetchall()
    except psycopg.Error:
        return {}
    found = {}
    for (pid,) in rows:
        stat = _proc_stat(pid)
        if stat is not None:
            found[pid] = stat[1]
    return found


@dataclass
class CpuSnapshot:
    app: dict[int, float]
    db: dict[int, float]

    @classmethod
    def take(cls, server_pid: int, url: str) -> "CpuSnapshot":
        return cls(_children_cpu(server_pid), _db_backends_cpu(url))

    def since(self, before: "CpuSnapshot") -> dict[str, float]:
        def used(now: dict[int, float], then: dict[int, float]) -> float:
            return sum(cpu - then.get(pid, 0.0) for pid, cpu in now.items())

        return {"app": used(self.app, before.app), "db": used(self.db, before.db)}


# --- server -------------------------------------------------------------------------------

# Default: 4 sync workers (one request at a time per process), measured against gthread on a
# 2-core machine. A request is CPU-bound Python (about 50 ms CPU, a few ms in PostgreSQL), so
# threads add no parallelism under the GIL; they interleave requests and slow each one down.
# gthread also keeps each keep-alive connection on the worker that accepted it, so with 50
# persistent clients some workers queue far more than others: latencies split in two (a run
# with 5x2 threads had p10 0.2 s and p90 7.8 s). Sync workers take every request from the one
# kernel accept queue, first come first served, which gives the tightest tail for a given
# throughput (p95/p50 about 1.3); the price is a TCP connection per request, negligible on
# loopback and what a reverse proxy does anyway. Two workers per core cover the time spent
# waiting on PostgreSQL and Redis so both cores stay busy.


def server_env(database_url: str) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "lantern.settings",
            "LANTERN_ENV": "production",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "LANTERN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1",
            # Production requires it (lantern.E006); the load sends no message with a link.
            "LANTERN_SITE_URL": "https://lantern.bench.test",
            "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback; TLS is the proxy's job
            # Production refuses backends that print messages; the load sends none.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "LANTERN_SMS_BACKEND": "lantern.notify.sms.HttpSmsBackend",
            "LANTERN_SMS_HTTP_URL": "https://127.0.0.1:9/sms",
            "LANTERN_SMS_HTTP_TOKEN": secrets.token_urlsafe(20),
            "LANTERN_SMS_FROM": "555-0100",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "RATELIMIT_ENABLE": "true",
        }
    )
    env.update(dict.fromkeys(RATE_LIMIT_ENV, RAISED_RATE))
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str], port: int, args: argparse.Namespace) -> subprocess.Popen:
    command = [
        _bin("gunicorn"),
        args.app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        # More than one thread silently turns gunicorn's sync worker into gthread.
        "--threads",
        str(args.threads if args.worker_class == "gthread" else 1),
        "--log-level",
        "warning",
        # No --access-logfile: gunicorn then writes no access log (no client addresses).
        "--no-control-socket",
        *shlex.split(args.gunicorn_args or ""),
    ]
    log(
        f"starting gunicorn on 127.0.0.1:{port}: {args.workers} {args.worker_class} workers"
        + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
    )
    # Its own session: a Ctrl-C reaches only this script, which then stops the server.
    return subprocess.Popen(
        command, env=env, cwd=PROJECT_DIR, stdout=sys.stderr, start_new_session=True
    )


def wait_ready(server: subprocess.Popen, base_url: str) -> None:
    import httpx

    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            if httpx.get(f"{base_url}/api/v1/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn not ready after {READY_TIMEOUT_S:.0f} s")


def stop(process: subprocess.Popen | None, name: str) -> None:
    if process is None or process.poll() is not None:
        return
    log(f"stopping {name}")
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- main ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=5000, help="timed requests in all")
    parser.add_argument("--duration", type=float, default=60, help="seconds at most")
    parser.add_argument("--services", type=int, default=10_000, help="directory size")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    # sync, not gthread: see the comment at the top of the server section.
    parser.add_argument(
        "--worker-class", default="sync", choices=["sync", "gthread"], help="gunicorn -k"
    )
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (gthread only)")
    parser.add_argument(
        "--mix",
        help="weights, NAME=W,... over the defaults: "
        + ", ".join(f"{op.name}={op.weight:g}" for op in OPERATIONS),
    )
    parser.add_argument(
        "--warmup", type=int, default=1000, help="untimed requests before the timed run"
    )
    parser.add_argument(
        "--think-ms",
        type=float,
        default=THINK_MS,
        help="mean pause between one client's requests (0: back to back, for saturation)",
    )
    parser.add_argument(
        "--no-prewarm",
        dest="prewarm",
        action="store_false",
        help="skip requesting every list page once before the run (measure a cold cache)",
    )
    parser.add_argument("--seed", type=int, default=20240601, help="seed for the request mix")
    parser.add_argument("--samples", help="also write every timed request to this JSON file")
    parser.add_argument("--app", default="lantern.wsgi:application", help="WSGI application")
    parser.add_argument(
        "--gunicorn-args", help='extra gunicorn arguments, e.g. "--max-requests 1000"'
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return args
    if args.clients < 1 or args.requests < 1 or args.duration <= 0 or args.services < 3:
        parser.error("--clients, --requests at least 1, --duration > 0, --services at least 3")
    if args.workers < 1 or args.threads < 1 or args.warmup < 0 or args.think_ms < 0:
        parser.error("--workers, --threads at least 1; --warmup, --think-ms not negative")
    try:
        args.mix = parse_mix(args.mix)
    except ValueError as err:
        parser.error(str(err))
    return args


def _terminate_on_sigterm() -> None:
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def run(args: argparse.Namespace) -> int:
    url = os.environ.get("LOAD_DATABASE_URL") or DEFAULT_DATABASE_URL
    env = server_env(url)
    started = time.perf_counter()
    prepare_database(url, env, args.services)
    collect_static(env)
    inventory = lantern_json(env, INVENTORY)
    unraised = sorted(k for k, v in inventory["rate_limits"].items() if v != RAISED_RATE)
    if unraised:
        log(f"WARNING: rate limits not raised (add their env vars to RATE_LIMIT_ENV): {unraised}")
    if not inventory["capacities"] and "capacity_patch" in args.mix:
        raise SystemExit(f"{PROVIDER_EMAIL} has no capacities to update")
    log(f"database ready in {time.perf_counter() - started:.1f} s")

    server = loadgen = None
    token = ""
    try:
        # The token is printed once by `lantern token create`; it is revoked at the end.
        out = lantern(env, "token", "create", PROVIDER_EMAIL, "--name", BENCH_LABEL, capture=True)
        token = out.strip().splitlines()[-1]
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = start_server(env, port, args)
        wait_ready(server, base_url)
        config = {
            "base_url": base_url,
            "token": token,
            "services": len(inventory["service_ids"]),
            "service_ids": inventory["service_ids"],
            "capacities": inventory["capacities"],
            "mix": args.mix,
            "clients": args.clients,
            "requests": args.requests,
            "duration": args.duration,
            "warmup": args.warmup,
            "prewarm": args.prewarm,
            "think_ms": args.think_ms,
            "seed": args.seed,
        }
        log(
            f"load: {args.clients} clients, {args.requests} requests or {args.duration:g} s "
            f"(after {args.warmup} warm-up requests), mix {args.mix}"
        )
        loadavg_before = os.getloadavg()[0]
        loadgen = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            cwd=PROJECT_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        loadgen.stdin.write(json.dumps(config))
        loadgen.stdin.close()
        cpu_start = CpuSnapshot.take(server.pid, url)
        out = ""
        for line in loadgen.stdout:
            if line.strip() == TIMED_MARKER:
                cpu_start = CpuSnapshot.take(server.pid, url)
            else:
                out = line
        if loadgen.wait() != 0:
            raise SystemExit(f"load generator failed with status {loadgen.returncode}")
        server_cpu = CpuSnapshot.take(server.pid, url).since(cpu_start)
        loadavg_after = os.getloadavg()[0]
        raw = json.loads(out)
    finally:
        stop(loadgen, "load generator")
        stop(server, "gunicorn")
        if token:
            try:
                lantern({**env, "BENCH_TOKEN": token}, "shell", "--no-imports", "-c", REVOKE)
            except subprocess.CalledProcessError:
                log("could not revoke the benchmark token")

    extra = {
        "services": len(inventory["service_ids"]),
        "workers": args.workers,
        "worker_class": args.worker_class,
        "threads": args.threads if args.worker_class == "gthread" else 1,
        "cpus": os.cpu_count(),
        "think_ms": args.think_ms,
        "warmup": args.warmup,
        "prewarm": args.prewarm,
        "mix": args.mix,
        "rate_limits": "raised for benchmark" if not unraised else f"not raised: {unraised}",
        # Other work on the machine inflates latencies; the 1-minute load average shows it.
        "loadavg_1m": {"before": round(loadavg_before, 2), "after": round(loadavg_after, 2)},
    }
    result = summarize(raw, server_cpu, args, extra)
    if args.samples:
        # Every timed request: operation, status (or exception), latency ms, start s.
        Path(args.samples).write_text(json.dumps(raw["samples"]))
    print(json.dumps(result, indent=2))
    log(
        f"{result['requests']} requests at {result['rps']} req/s: p50 {result['p50_ms']} ms, "
        f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, {result['errors']} errors"
    )
    return 1 if result["errors"] else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker_main()
    _terminate_on_sigterm()
    try:
        return run(args)
    except KeyboardInterrupt:
        log("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
