"""Case records on PostgreSQL at 100,000 cases: lists, search, opening a case, the
de-identified HTCDS export and the retention purge.

Seeds (once) --cases synthetic cases into their own database (`lantern_bench_cases`;
`BENCH_DATABASE_URL` overrides it), spread over --organizations organizations, each with one
supervisor and caseworkers holding about --per-caseworker cases each. Cases are written
through a bulk path that seals every case with its own data key and indexes it exactly as
`lantern.cases.services.case_create` does (per-case keys, blind-index digests), because
100,000 audited single creations would take longer than the measurement.

Then, in-process through the full middleware stack with Django's test Client and a bearer
token:
- case_list_caseworker / case_list_supervisor: `GET /api/v1/cases?limit=25` (one audit event
  naming the cases shown, aliases opened);
- case_search_alias / case_search_number / case_search_status: the same list filtered by
  an alias word (blind index), a case number, a status and opened-date range (supervisor);
- case_open: `GET /api/v1/cases/{id}` (the case decrypted with its own key, audited);
- export_deidentified: `lantern.cases.htcds_export.export_deidentified` of every case
  (k-anonymity k=11), one run, seconds;
- purge_10k: `lantern cases purge` over --purge cases closed long ago (re-created before
  every run), one run, seconds.

Prints a JSON list of {"operation", "cases", "n", "p50_ms", "p95_ms", "p99_ms", ...} to
stdout; progress goes to stderr.

    .venv/bin/python bench/cases.py [--cases 100000] [--organizations 50] [--n 200]
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import directory as directory_bench

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lantern_bench_cases"
ORG_NAME = "Bench Case Org {}"
WORKER_EMAIL = "bench-caseworker-{}-{}@bench.lantern.test"
SUPERVISOR_EMAIL = "bench-supervisor-{}@bench.lantern.test"
PURGE_ORG = "Bench Purge Org"
FIRST = ["Ana", "Rosa", "Lucia", "Marta", "Ines", "Sofia", "Elena", "Nadia", "Jon", "Pedro"]
LAST = ["Fictional", "Example", "Sample", "Testa", "Demo", "Placeholder", "Nominal", "Modelo"]
# Synthetic but HTCDS-coded; COUNTIES are real FIPS codes (public geography, no people).
COUNTIES = ["17031", "06037", "48201", "04013", "36061", "12086", "53033", "13121"]


def log(message: str) -> None:
    print(f"[cases] {message}", file=sys.stderr, flush=True)


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
        "mean_ms": round(statistics.fmean(samples), 2),
    }


# --- seeding ----------------------------------------------------------------------------


def _people(organizations: int, per_org_workers: int) -> dict[Any, dict[str, Any]]:
    from lantern.accounts.models import Organization, Role, User
    from lantern.accounts.services import membership_add

    out: dict[Any, dict[str, Any]] = {}
    for index in range(organizations):
        org, _ = Organization.objects.get_or_create(name=ORG_NAME.format(index))
        workers = []
        for w in range(per_org_workers):
            email = WORKER_EMAIL.format(index, w)
            user = User.objects.filter(email=email).first() or User.objects.create_user(
                email, None, display_name=f"Bench caseworker {index}-{w}"
            )
            membership_add(user=user, organization=org, role=Role.CASEWORKER, actor=None)
            workers.append(user)
        email = SUPERVISOR_EMAIL.format(index)
        supervisor = User.objects.filter(email=email).first() or User.objects.create_user(
            email, None, display_name=f"Bench supervisor {index}"
        )
        membership_add(user=supervisor, organization=org, role=Role.CASE_SUPERVISOR, actor=None)
        out[org.pk] = {"org": org, "workers": workers, "supervisor": supervisor}
    return out


def bulk_cases(
    *,
    organization: Any,
    workers: list[Any],
    count: int,
    rng: random.Random,
    number_prefix: str,
    closed_long_ago: bool = False,
) -> int:
    """Insert `count` cases sealed with their own keys and indexed as the service does."""
    from cryptography.fernet import Fernet

    from lantern.cases import vocab
    from lantern.cases.indexing import plain_keys
    from lantern.cases.keys import CaseCipher, blind_digest
    from lantern.cases.models import (
        Case,
        CaseAssignment,
        CaseKey,
        CaseSearchKey,
        ExploitationPlace,
    )

    genders = list(vocab.GENDER)
    statuses = list(vocab.TRAFFICKING_STATUS)
    types = list(vocab.TYPES_OF_EXPLOITATION)
    controls = list(vocab.METHODS_OF_CONTROL)
    place_type = list(vocab.PLACE_TYPES)[-1]
    made = 0
    batch = 2000
    today = datetime.now(UTC).date()
    while made < count:
        size = min(batch, count - made)
        cases, keys, assignments, search, places = [], [], [], [], []
        for i in range(size):
            n = made + i
            data_key = Fernet.generate_key()
            cipher = CaseCipher(Fernet(data_key))
            alias = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            year = rng.randint(1950, 1990) if closed_long_ago else rng.randint(1960, 2008)
            county = rng.choices(COUNTIES, weights=[30, 20, 15, 10, 10, 8, 4, 3])[0]
            opened = today - timedelta(days=rng.randint(0, 1500))
            closed = None
            status = rng.choice(["Active", "Active", "FollowUp", "Closed"])
            if closed_long_ago:
                opened = date(2001, 1, 1) + timedelta(days=rng.randint(0, 300))
                closed = opened + timedelta(days=200)
                status = "Closed"
            elif status == "Closed":
                closed = min(today, opened + timedelta(days=rng.randint(30, 400)))
            case = Case(
                organization=organization,
                number=f"{number_prefix}{n:07d}",
                owner=workers[n % len(workers)],
                status=status,
                trafficking_status=rng.choice(statuses),
                # Skewed like real caseloads (a few values carry most cases), so that the
                # de-identified export's k-anonymity classes are as full as a coalition's.
                gender=rng.choices(genders[:3], weights=[70, 25, 5])[0],
                age_band=vocab.age_band(vocab.age_at(year, opened)),
                citizenship=rng.choices(["US", "MX", "GT", "HN", "PH"], weights=[60, 20, 8, 7, 5])[
                    0
                ],
                primary_language=rng.choice(["eng", "spa", "tgl"]),
                types_of_exploitation=[rng.choices(types[:4], weights=[45, 45, 6, 4])[0]],
                methods_of_control=rng.sample(controls, 2),
                identified_on=opened,
                opened_on=opened,
                closed_on=closed,
                alias_sealed=cipher.seal(alias),
                contact_sealed=cipher.seal(f"text 555-01{n % 100:02d}"),
                birth_year_sealed=cipher.seal(str(year)),
            )
            cases.append(case)
            keys.append(CaseKey(case=case, wrapped=data_key.decode()))
            assignments.append(CaseAssignment(case=case, user=workers[n % len(workers)]))
            places.append(
                ExploitationPlace(
                    case=case, place_type=place_type, country="US", state=county[:2], county=county
                )
            )
            for key in plain_keys(
                alias=alias,
                birth_year=str(year),
                language=case.primary_language,
                places=[{"state": county[:2], "county": county}],
            ):
                search.append(
                    CaseSearchKey(case=case, organization=organization, digest=blind_digest(key))
                )
        Case.objects.bulk_create(cases)
        CaseKey.objects.bulk_create(keys)
        CaseAssignment.objects.bulk_create(assignments)
        ExploitationPlace.objects.bulk_create(places)
        CaseSearchKey.objects.bulk_create(search, batch_size=5000)
        made += size
        if made % 20000 == 0 or made == count:
            log(f"  {made}/{count} cases")
    return made


def seed(args: argparse.Namespace) -> dict[Any, dict[str, Any]]:
    from lantern.cases.models import Case

    per_org = args.cases // args.organizations
    workers = max(1, per_org // args.per_caseworker)
    people = _people(args.organizations, workers)
    have = Case.objects.exclude(number__startswith="P").count()
    if have == per_org * args.organizations and not args.reseed:
        log(f"reusing {have} seeded cases")
        return people
    if have:
        log(f"{have} cases seeded, not {per_org * args.organizations}: reseeding")
        _delete_cases(Case.objects.all())
    rng = random.Random(args.seed)
    started = time.perf_counter()
    log(f"seeding {per_org * args.organizations} cases in {args.organizations} organizations")
    for info in people.values():
        bulk_cases(
            organization=info["org"],
            workers=info["workers"],
            count=per_org,
            rng=rng,
            number_prefix="C",
        )
    directory_bench.vacuum_analyze()
    log(f"seeded in {time.perf_counter() - started:.1f} s")
    return people


def _delete_cases(queryset: Any) -> None:
    from django.db import connection

    ids = list(queryset.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            for table in (
                "cases_casesearchkey",
                "cases_casekey",
                "cases_caseassignment",
                "cases_exploitationplace",
                "cases_caseaccess",
                "cases_casechange",
            ):
                cursor.execute(f"DELETE FROM {table} WHERE case_id = ANY(%s)", [chunk])  # noqa: S608
            cursor.execute("DELETE FROM cases_case WHERE id = ANY(%s)", [chunk])


def reset_purge_set(count: int, seed_value: int) -> Any:
    """`count` cases closed in 2001 in an organization that keeps nothing after closure."""
    from lantern.accounts.models import Organization, Role
    from lantern.cases.models import Case, RetentionSchedule

    org, _ = Organization.objects.get_or_create(name=PURGE_ORG)
    RetentionSchedule.objects.update_or_create(organization=org, defaults={"days_after_closure": 0})
    from lantern.accounts.models import User
    from lantern.accounts.services import membership_add

    email = "bench-purge-worker@bench.lantern.test"
    worker = User.objects.filter(email=email).first() or User.objects.create_user(email, None)
    membership_add(user=worker, organization=org, role=Role.CASEWORKER, actor=None)
    _delete_cases(Case.objects.filter(organization=org))
    bulk_cases(
        organization=org,
        workers=[worker],
        count=count,
        rng=random.Random(seed_value),
        number_prefix="P",
        closed_long_ago=True,
    )
    directory_bench.vacuum_analyze()
    return org


# --- measuring --------------------------------------------------------------------------


def timed(name: str, calls: list[Any], cases: int, warmup: int = 10) -> dict[str, Any]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for call in calls[:warmup]:
        call()
    samples = []
    errors = 0
    for call in calls:
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            errors += 1
    with CaptureQueriesContext(connection) as ctx:
        reset_queries()
        calls[0]()
    result = {
        "operation": name,
        "cases": cases,
        "n": len(samples),
        **percentiles(samples),
        "errors": errors,
        "queries_per_request": len(ctx.captured_queries),
    }
    log(f"{name}: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, {errors} errors")
    return result


def run(args: argparse.Namespace) -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantern.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ["LANTERN_TASKS"] = "immediate"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ.setdefault("LANTERN_SITE_URL", "http://127.0.0.1:8000")
    directory_bench.ensure_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from lantern.accounts.models import ApiToken
    from lantern.accounts.services import token_create
    from lantern.cases.models import Case

    call_command("migrate", verbosity=0, interactive=False)
    people = seed(args)
    total = Case.objects.count()
    rng = random.Random(args.seed + 1)
    orgs = list(people.values())
    issued = []

    def token_for(user: Any) -> str:
        token = token_create(user=user, name="bench")
        issued.append(token.token)
        return token.secret

    client = Client()
    results: list[dict[str, Any]] = []
    directory_bench.check_load("before", busy=0.7)
    limits = dict.fromkeys(settings.LANTERN_RATE_LIMITS, "1000000/m")
    try:
        with override_settings(LANTERN_RATE_LIMITS=limits):
            worker_calls, super_calls, alias_calls, number_calls, status_calls, open_calls = (
                [],
                [],
                [],
                [],
                [],
                [],
            )
            tokens: dict[Any, str] = {}

            def auth(user: Any) -> dict[str, str]:
                if user.pk not in tokens:
                    tokens[user.pk] = token_for(user)
                return {"HTTP_AUTHORIZATION": f"Bearer {tokens[user.pk]}"}

            for _ in range(args.n):
                info = rng.choice(orgs)
                worker = rng.choice(info["workers"])
                supervisor = info["supervisor"]
                hw, hs = auth(worker), auth(supervisor)
                worker_calls.append(lambda h=hw: client.get("/api/v1/cases?limit=25", **h))
                super_calls.append(lambda h=hs: client.get("/api/v1/cases?limit=25", **h))
                word = rng.choice(FIRST)
                alias_calls.append(
                    lambda h=hs, w=word: client.get(f"/api/v1/cases?alias={w}&limit=25", **h)
                )
                number = f"C{rng.randrange(args.cases // args.organizations):07d}"
                number_calls.append(
                    lambda h=hs, n=number: client.get(f"/api/v1/cases?number={n}", **h)
                )
                since = (datetime.now(UTC).date() - timedelta(days=365)).isoformat()
                status_calls.append(
                    lambda h=hs, s=since: client.get(
                        f"/api/v1/cases?status=Active&opened_from={s}&limit=25", **h
                    )
                )
                case_id = (
                    Case.objects.filter(organization=info["org"], owner=worker)
                    .values_list("pk", flat=True)
                    .first()
                )
                open_calls.append(lambda h=hw, c=case_id: client.get(f"/api/v1/cases/{c}", **h))
            results.append(timed("case_list_caseworker", worker_calls, total))
            results.append(timed("case_list_supervisor", super_calls, total))
            results.append(timed("case_search_alias", alias_calls, total))
            results.append(timed("case_search_number", number_calls, total))
            results.append(timed("case_search_status_dates", status_calls, total))
            results.append(timed("case_open", open_calls, total))

            from lantern.cases.htcds_export import export_deidentified

            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "cases.csv"
                started = time.perf_counter()
                summary = export_deidentified(path)
                seconds = time.perf_counter() - started
            results.append(
                {
                    "operation": "export_deidentified",
                    "cases": total,
                    "seconds": round(seconds, 2),
                    "summary": str(summary),
                }
            )
            log(f"export_deidentified: {seconds:.1f} s ({summary})")

            reset_purge_set(args.purge, args.seed)
            started = time.perf_counter()
            call_command("cases", "purge", stdout=sys.stderr)
            seconds = time.perf_counter() - started
            purged = Case.objects.filter(number__startswith="P", purged_at__isnull=False).count()
            results.append(
                {
                    "operation": "purge",
                    "cases": args.purge,
                    "purged": purged,
                    "seconds": round(seconds, 2),
                }
            )
            log(f"purge: {purged} cases in {seconds:.1f} s")
    finally:
        ApiToken.objects.filter(pk__in=[t.pk for t in issued]).update(revoked=timezone.now())
    directory_bench.check_load("after", busy=0.7)
    print(json.dumps(results, indent=2))
    return 1 if any(r.get("errors") for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--organizations", type=int, default=50)
    parser.add_argument("--per-caseworker", type=int, default=50)
    parser.add_argument("--purge", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=200, help="timed requests per operation")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--reseed", action="store_true", help="seed the cases again")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
