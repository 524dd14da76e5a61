"""Referrals on PostgreSQL: holds under concurrent clients, the time from a referral to its
notification, and the metrics over 100,000 referrals.

Seeds (once) a small synthetic directory into its own database (`lantern_bench_referrals`;
`BENCH_DATABASE_URL` overrides it) with bench/directory.py's helpers, one account
organization per provider organization with one provider staff member (who receives the
"new referral" notifications), and one advocate organization with --clients-max advocates.
Each run gives every advocate a fresh API token and revokes it at the end. Then:

- referral_hold: for each client count, that many threads (each with its own database
  connection and Django test Client, in-process through the full middleware stack) send
  `POST /api/v1/referrals` with `hold: true` and a bearer token, --requests in all per
  round, a fifth of them to five "hot" services so that some find nothing open (409).
  Every capacity is set back to `min(maximum, --units)` before each round.
- referral_to_notification: for the referrals created in that round, the time from
  `Referral.created` to `Notification.handed_at` of their `referral_new` e-mail, with the
  immediate task backend (delivery runs in the request, after commit; the e-mail backend
  is Django's dummy one, so SMTP is not part of it).
- referral_metrics_sql / referral_metrics_python: `referral_metrics` over a year holding
  --metrics-referrals synthetic referrals (timestamps and codes only, bulk-inserted once),
  on PostgreSQL's path and on the Python path the embedded SQLite run uses.

Prints a JSON list of {"operation", "clients", "n", "p50_ms", "p95_ms", ...} to stdout;
progress goes to stderr.

    .venv/bin/python bench/referrals.py [--clients 1 4 16] [--requests 400] [--units 3]
                                        [--services 200] [--metrics-referrals 100000]
"""

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

# bench/directory.py (this folder is on sys.path when a benchmark runs as a script): the one
# copy of the database helpers every benchmark uses.
import directory as directory_bench

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lantern_bench_referrals"
ADVOCATE_ORG = "Bench Advocates"
PROVIDER_EMAIL = "bench-provider-{}@bench.lantern.test"
ADVOCATE_EMAIL = "bench-advocate-{}@bench.lantern.test"
HOT_SERVICES = 5
METRICS_YEAR = 2020  # the synthetic metrics referrals live in this year only


def log(message: str) -> None:
    print(f"[referrals] {message}", file=sys.stderr, flush=True)


def percentiles(samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return {"p50_ms": None, "p95_ms": None}
    if len(samples) == 1:
        return {"p50_ms": round(samples[0], 2), "p95_ms": round(samples[0], 2)}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49], 2), "p95_ms": round(cuts[94], 2)}


# --- seeding ----------------------------------------------------------------------------


def seed_people(advocates: int) -> list[Any]:
    """Account organizations and provider staff for every provider organization that has a
    capacity, and the advocates. Idempotent. Returns the advocate users."""
    from lantern.accounts.models import Organization, Role, User
    from lantern.accounts.services import membership_add
    from lantern.directory.models import Organization as HsdsOrganization
    from lantern.directory.models import ServiceCapacity

    with_capacity = HsdsOrganization.objects.filter(
        services__in=ServiceCapacity.objects.values("service_id")
    ).distinct()
    created = 0
    for index, hsds in enumerate(with_capacity.order_by("id")):
        account, made = Organization.objects.get_or_create(
            hsds_organization=hsds, defaults={"name": hsds.name}
        )
        email = PROVIDER_EMAIL.format(index)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, None, display_name=f"Bench provider {index}")
        membership_add(user=user, organization=account, role=Role.PROVIDER_STAFF, actor=None)
        created += made
    advocacy, _ = Organization.objects.get_or_create(name=ADVOCATE_ORG, hsds_organization=None)
    users = []
    for index in range(advocates):
        email = ADVOCATE_EMAIL.format(index)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, None, display_name=f"Bench advocate {index}")
        membership_add(user=user, organization=advocacy, role=Role.ADVOCATE, actor=None)
        users.append(user)
    log(f"{with_capacity.count()} provider organizations ({created} new), {advocates} advocates")
    return users


def seed_metrics_referrals(count: int, seed: int) -> None:
    """`count` synthetic referrals in METRICS_YEAR with a plausible spread of outcomes and
    timestamps (no personal data at all), inserted once."""
    from django.db import connection

    from lantern.accounts.models import Organization
    from lantern.referrals.models import DeclineReason, Referral, Status

    start = datetime(METRICS_YEAR, 1, 1, tzinfo=UTC)
    year = Referral.objects.filter(
        created__gte=start, created__lt=start.replace(year=start.year + 1)
    )
    have = year.count()
    if have == count:
        log(f"reusing {have} metrics referrals")
        return
    if have:
        log(f"{have} metrics referrals, not {count}: replacing them")
        year.delete()
    rng = random.Random(seed)
    advocacy = Organization.objects.get(name=ADVOCATE_ORG)
    targets = list(
        Organization.objects.filter(hsds_organization__isnull=False).values_list(
            "pk", "hsds_organization__services__pk"
        )
    )
    reasons = list(DeclineReason.values)
    log(f"inserting {count} metrics referrals")
    started = time.perf_counter()
    batch: list[Referral] = []

    def minutes(mean: float) -> timedelta:
        return timedelta(minutes=rng.expovariate(1 / mean))

    for _ in range(count):
        organization_id, service_id = rng.choice(targets)
        created = start + timedelta(seconds=rng.uniform(0, 364 * 86400))
        r = Referral(
            service_id=service_id,
            referring_organization=advocacy,
            receiving_organization_id=organization_id,
            created=created,
            status_changed_at=created,
            status=Status.SENT,
        )
        roll = rng.random()
        if roll < 0.08:
            r.status = Status.EXPIRED
            r.closed_at = created + timedelta(hours=72)
        elif roll < 0.12:
            r.status = Status.WITHDRAWN
            r.closed_at = created + minutes(300)
        elif roll > 0.14:
            r.viewed_at = created + minutes(45)
            r.responded_at = r.viewed_at + minutes(90)
            answer = rng.random()
            if answer < 0.55:
                r.accepted_at = r.responded_at
                r.status = Status.ACCEPTED
                later = rng.random()
                if later < 0.6:
                    r.status = Status.INTAKE_COMPLETED
                    r.intake_completed_at = r.accepted_at + minutes(2 * 24 * 60)
                    r.closed_at = r.intake_completed_at
                elif later < 0.7:
                    r.status = Status.NO_SHOW
                    r.closed_at = r.accepted_at + minutes(2 * 24 * 60)
            elif answer < 0.85:
                r.status = Status.DECLINED
                r.decline_reason = rng.choice(reasons)
                r.closed_at = r.responded_at
            else:
                r.status = Status.WAITLISTED
        batch.append(r)
        if len(batch) == 5000:
            Referral.objects.bulk_create(batch)
            batch = []
    Referral.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"inserted in {time.perf_counter() - started:.1f} s")


# --- measuring --------------------------------------------------------------------------


def hot_and_cold_services() -> tuple[list[str], list[str]]:
    """Services that take referrals (a receiving organization) and have a capacity."""
    from lantern.accounts.models import Organization
    from lantern.directory.models import Service, ServiceCapacity, ServiceStatus

    ids = [
        str(pk)
        for pk in Service.objects.filter(
            pk__in=ServiceCapacity.objects.filter(maximum__gt=0).values("service_id"),
            organization__in=Organization.objects.values("hsds_organization_id"),
        )
        .exclude(status=ServiceStatus.DEFUNCT)
        .order_by("id")
        .values_list("pk", flat=True)
    ]
    return ids[:HOT_SERVICES], ids[HOT_SERVICES:]


def replenish(units: int) -> None:
    from django.db.models import F, Value
    from django.db.models.functions import Least

    from lantern.directory.models import ServiceCapacity

    ServiceCapacity.objects.filter(maximum__isnull=False).update(
        available=Least(F("maximum"), Value(units))
    )
    ServiceCapacity.objects.filter(maximum__isnull=True).update(available=units)


def hold_round(
    clients: int, requests: int, tokens: list[str], services: tuple[list[str], list[str]], seed: int
) -> tuple[dict[str, Any], list[str]]:
    """One round of `requests` hold requests over `clients` threads."""
    from django.db import connection
    from django.test import Client

    hot, cold = services
    per_client = [requests // clients + (i < requests % clients) for i in range(clients)]
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()
    samples: list[float] = []
    statuses: dict[int, int] = {}
    created: list[str] = []
    failures: list[str] = []

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        client = Client()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[index]}"}
        mine: list[tuple[float, int, str | None]] = []
        try:
            barrier.wait()
            for _ in range(per_client[index]):
                service = rng.choice(hot) if rng.random() < 0.2 else rng.choice(cold)
                body = {
                    "service_id": service,
                    "hold": True,
                    "needs": {"age": rng.randint(18, 60), "help_types": ["emergency-shelter"]},
                }
                started = time.perf_counter()
                response = client.post(
                    "/api/v1/referrals",
                    json.dumps(body),
                    content_type="application/json",
                    **headers,
                )
                elapsed = (time.perf_counter() - started) * 1000
                made = response.json()["id"] if response.status_code == 201 else None
                mine.append((elapsed, response.status_code, made))
        except Exception as exc:  # reported below, and the run fails
            failures.append(repr(exc))
        finally:
            connection.close()
            with lock:
                for elapsed, status, made in mine:
                    samples.append(elapsed)
                    statuses[status] = statuses.get(status, 0) + 1
                    if made:
                        created.append(made)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        log(f"{clients} clients: {len(failures)} client(s) failed: {failures[0]}")
    ok, conflicts = statuses.get(201, 0), statuses.get(409, 0)
    errors = sum(statuses.values()) - ok - conflicts + len(failures)
    result = {
        "operation": "referral_hold",
        "clients": clients,
        "n": len(samples),
        **percentiles(samples),
        "mean_ms": round(statistics.fmean(samples), 2) if samples else None,
        "rps": round(len(samples) / wall, 1),
        "ok": ok,
        "conflicts": conflicts,
        "errors": errors,
    }
    if errors:
        log(f"{clients} clients: statuses {statuses}")
    return result, created


def notification_delays(clients: int, referral_ids: list[str]) -> dict[str, Any]:
    from django.urls import reverse

    from lantern.notify.models import Notification
    from lantern.referrals.models import Referral

    created = dict(Referral.objects.filter(pk__in=referral_ids).values_list("pk", "created"))
    paths = {reverse("referrals:inbox-detail", args=[pk]): pk for pk in created}
    handed: dict[Any, datetime] = {}
    for path, at in Notification.objects.filter(
        kind="referral_new", link_path__in=list(paths), handed_at__isnull=False
    ).values_list("link_path", "handed_at"):
        pk = paths[path]
        handed[pk] = min(at, handed.get(pk, at))
    delays = [(handed[pk] - created[pk]).total_seconds() * 1000 for pk in handed]
    return {
        "operation": "referral_to_notification",
        "clients": clients,
        "n": len(delays),
        **percentiles(delays),
        "not_handed": len(created) - len(handed),
    }


def metrics_timing(runs: int) -> list[dict[str, Any]]:
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lantern.referrals.metrics import MetricsFilters, Period, referral_metrics

    filters = MetricsFilters(period=Period(date(METRICS_YEAR, 1, 1), date(METRICS_YEAR + 1, 1, 1)))
    out = []
    for name, in_python in (("referral_metrics_sql", False), ("referral_metrics_python", True)):
        referral_metrics(filters, in_python=in_python)  # warm
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            result = referral_metrics(filters, in_python=in_python)
            samples.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            referral_metrics(filters, in_python=in_python)
        out.append(
            {
                "operation": name,
                "clients": 1,
                "n": runs,
                **percentiles(samples),
                "referrals": result.summary.counts["sent"],
                "groups": len(result.by_service_type)
                + len(result.by_organization)
                + len(result.by_region),
                "queries": len(captured.captured_queries),
            }
        )
        log(f"{name}: p50 {out[-1]['p50_ms']} ms over {out[-1]['referrals']} referrals")
    return out


def run(args: argparse.Namespace) -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantern.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ["LANTERN_TASKS"] = "immediate"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    directory_bench.ensure_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings
    from django.utils import timezone

    from lantern.accounts.models import ApiToken
    from lantern.accounts.services import token_create

    directory_bench.prepare(url, args.services, args.seed)
    advocates = seed_people(max(args.clients))
    if args.metrics_referrals:
        seed_metrics_referrals(args.metrics_referrals, args.seed)
    services = hot_and_cold_services()
    log(f"{len(services[0]) + len(services[1])} services take referrals with a hold")
    issued = [token_create(user=user, name="bench") for user in advocates]
    tokens = [token.secret for token in issued]
    directory_bench.check_load("before", busy=0.7)
    results: list[dict[str, Any]] = []
    limits = dict.fromkeys(settings.LANTERN_RATE_LIMITS, "1000000/m")
    try:
        with override_settings(LANTERN_RATE_LIMITS=limits):
            # One untimed round: connections, imports and caches warm.
            replenish(args.units)
            hold_round(1, 20, tokens, services, args.seed)
            for clients in args.clients:
                replenish(args.units)
                result, created = hold_round(clients, args.requests, tokens, services, args.seed)
                results.append(result)
                results.append(notification_delays(clients, created))
                log(
                    f"{clients} clients: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
                    f"{result['rps']} req/s, {result['ok']} held, {result['conflicts']} 409; "
                    f"notification p50 {results[-1]['p50_ms']} ms"
                )
            if args.metrics_referrals:
                results.extend(metrics_timing(args.metrics_runs))
    finally:
        ApiToken.objects.filter(pk__in=[t.token.pk for t in issued]).update(revoked=timezone.now())
    directory_bench.check_load("after", busy=0.7)
    print(json.dumps(results, indent=2))
    return 1 if any(r.get("errors") or r.get("not_handed") for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--requests", type=int, default=400, help="hold requests per round")
    parser.add_argument("--units", type=int, default=3, help="open units per capacity")
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--metrics-referrals", type=int, default=100_000)
    parser.add_argument("--metrics-runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20240601)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
