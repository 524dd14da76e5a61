"""The load generator of bench/load.py and its figures: the request mix, the HTTP clients
(run as a second process, `bench/load.py --worker`, config as JSON on stdin) and the summary
of their samples."""

import argparse
import asyncio
import json
import math
import random
import resource
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PROXIMITY_M = 50_000
PER_PAGE = 20
POINTS = 500  # distinct places the proximity searches are centred on
TARGET_P95_MS = 100.0
TIMED_MARKER = "--- timed phase ---"
REQUEST_TIMEOUT_S = 30.0


# --- the mix ------------------------------------------------------------------------------
# One operation per line: a name, a default weight, and a function that turns the inventory
# and the client's random generator into one HTTP call. A new feature (matching, referrals)
# is one more line in OPERATIONS, with weight 0 until it should be part of the default mix.


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: dict[str, Any] | None = None
    token: bool = False  # send the provider's bearer token


@dataclass
class Inventory:
    """What the calls are built from; gathered once, before the load starts."""

    services: int
    service_ids: list[str]
    capacities: list[tuple[str, int | None]]  # (id, maximum) the provider may update
    points: list[tuple[float, float]] = field(default_factory=list)


def _sal_near_path(lat: float, lon: float) -> str:
    return f"/api/v1/service_at_locations?latitude={lat}&longitude={lon}&proximity={PROXIMITY_M}"


def _sal_near(inv: Inventory, rng: random.Random) -> Call:
    lat, lon = rng.choice(inv.points)
    return Call("GET", _sal_near_path(lat, lon))


def _services_page(inv: Inventory, rng: random.Random) -> Call:
    page = rng.randint(1, max(1, math.ceil(inv.services / PER_PAGE)))
    return Call("GET", f"/api/v1/services?page={page}&per_page={PER_PAGE}")


def _service_get(inv: Inventory, rng: random.Random) -> Call:
    return Call("GET", f"/api/v1/services/{rng.choice(inv.service_ids)}")


def _capacity_patch(inv: Inventory, rng: random.Random) -> Call:
    capacity_id, maximum = rng.choice(inv.capacities)
    available = rng.randint(0, maximum if maximum is not None else 10)
    return Call(
        "PATCH", f"/api/v1/service_capacities/{capacity_id}", {"available": available}, True
    )


@dataclass(frozen=True)
class Operation:
    name: str
    weight: float
    make: Callable[[Inventory, random.Random], Call]


OPERATIONS = (
    Operation("service_at_locations_near", 60, _sal_near),
    Operation("services_page", 20, _services_page),
    Operation("service_get", 10, _service_get),
    Operation("capacity_patch", 10, _capacity_patch),
)
OPERATIONS_BY_NAME = {op.name: op for op in OPERATIONS}


def parse_mix(text: str | None) -> dict[str, float]:
    """`name=weight,...` over the default weights; weight 0 leaves an operation out."""
    weights = {op.name: op.weight for op in OPERATIONS}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        name, sep, value = item.partition("=")
        if not sep or name not in weights:
            raise ValueError(f"--mix: expected NAME=WEIGHT with NAME in {sorted(weights)}")
        weights[name] = float(value)
        if weights[name] < 0:
            raise ValueError(f"--mix: weight of {name} must not be negative")
    weights = {name: w for name, w in weights.items() if w > 0}
    if not weights:
        raise ValueError("--mix: at least one operation needs a positive weight")
    return weights


# --- load generator (the second process: `bench/load.py --worker`) ------------------------


async def _run_clients(config: dict[str, Any]) -> dict[str, Any]:
    import httpx

    from lantern.core import postcodes

    rng = random.Random(config["seed"])
    places = postcodes.all_places()
    inv = Inventory(
        services=config["services"],
        service_ids=config["service_ids"],
        capacities=[(c, m) for c, m in config["capacities"]],
        points=[(p.latitude, p.longitude) for p in rng.sample(places, min(POINTS, len(places)))],
    )
    ops = [OPERATIONS_BY_NAME[name] for name in config["mix"]]
    weights = [config["mix"][op.name] for op in ops]
    auth = {"Authorization": f"Bearer {config['token']}"}
    think_s = config["think_ms"] / 1000
    origin = time.perf_counter()

    async def client(
        name: str, index: int, budget: list[int], deadline: float, samples: list[Any]
    ) -> None:
        crng = random.Random(f"{config['seed']}:{name}:{index}")
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(
            base_url=config["base_url"], timeout=REQUEST_TIMEOUT_S, limits=limits
        ) as http:
            if think_s:
                # Clients arrive spread out, as people do, not all in the same millisecond.
                await asyncio.sleep(crng.uniform(0, think_s))
            while budget[0] > 0 and time.monotonic() < deadline:
                budget[0] -= 1
                op = crng.choices(ops, weights)[0]
                call = op.make(inv, crng)
                started = time.perf_counter()
                try:
                    response = await http.request(
                        call.method, call.path, json=call.json, headers=auth if call.token else None
                    )
                    outcome: int | str = response.status_code
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                ended = time.perf_counter()
                samples.append((op.name, outcome, (ended - started) * 1000, started - origin))
                if think_s:
                    await asyncio.sleep(crng.expovariate(1 / think_s))

    async def phase(name: str, total: int, seconds: float) -> tuple[list[Any], float]:
        nonlocal origin
        samples: list[Any] = []
        budget = [total]
        origin = time.perf_counter()
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(client(name, i, budget, deadline, samples) for i in range(config["clients"]))
        )
        return samples, time.monotonic() - started

    if config["prewarm"]:
        # A server that has been up a while has rendered every list page once: request each
        # proximity point and each services page once, untimed (the document cache fills).
        pages = math.ceil(inv.services / PER_PAGE)
        pending = [Call("GET", _sal_near_path(lat, lon)) for lat, lon in inv.points] + [
            Call("GET", f"/api/v1/services?page={p}&per_page={PER_PAGE}")
            for p in range(1, pages + 1)
        ]
        swept: list[int | str] = []

        async def sweeper() -> None:
            async with httpx.AsyncClient(base_url=config["base_url"], timeout=60) as http:
                while pending:
                    call = pending.pop()
                    try:
                        swept.append((await http.request(call.method, call.path)).status_code)
                    except httpx.HTTPError as exc:
                        swept.append(type(exc).__name__)

        started_prewarm = time.monotonic()
        await asyncio.gather(*(sweeper() for _ in range(config["clients"])))
        bad = sum(1 for outcome in swept if not _is_ok(outcome))
        print(
            f"[load] pre-warm: {len(swept)} list requests in "
            f"{time.monotonic() - started_prewarm:.0f} s, {bad} errors",
            file=sys.stderr,
            flush=True,
        )
    if config["warmup"]:
        warm, _ = await phase("warmup", config["warmup"], config["duration"])
        bad = sum(1 for _, outcome, *_ in warm if not _is_ok(outcome))
        print(f"[load] warm-up: {len(warm)} requests, {bad} errors", file=sys.stderr, flush=True)
    print(TIMED_MARKER, flush=True)  # the parent starts counting server CPU time here
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    samples, wall = await phase("timed", config["requests"], config["duration"])
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {"samples": samples, "wall_s": wall, "cpu_s": cpu}


def worker_main() -> int:
    config = json.loads(sys.stdin.read())
    result = asyncio.run(_run_clients(config))
    print(json.dumps(result), flush=True)
    return 0


# --- results ------------------------------------------------------------------------------


def _is_ok(outcome: int | str) -> bool:
    return isinstance(outcome, int) and 200 <= outcome < 300


def percentiles(samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    if len(samples) == 1:
        cuts = [samples[0]] * 99
    else:
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
    }


def summarize(
    raw: dict[str, Any],
    server_cpu: dict[str, float],
    args: argparse.Namespace,
    extra: dict[str, Any],
) -> dict[str, Any]:
    samples = raw["samples"]
    outcomes = Counter(str(outcome) for _, outcome, *_ in samples)
    errors = sum(n for outcome, n in outcomes.items() if not _is_ok(_as_outcome(outcome)))
    five_xx = sum(n for o, n in outcomes.items() if o.isdigit() and 500 <= int(o) < 600)
    wall = raw["wall_s"]
    result: dict[str, Any] = {
        "clients": args.clients,
        "requests": len(samples),
        "rps": round(len(samples) / wall, 1) if wall else None,
        **percentiles([sample[2] for sample in samples]),
        "errors": errors,
        "server_errors_5xx": five_xx,
        "outcomes": dict(sorted(outcomes.items())),
        "duration_s": round(wall, 2),
        "stopped_by": "requests" if len(samples) >= args.requests else "duration",
    }
    result.update(extra)
    by_op: dict[str, Any] = {}
    for name in args.mix:
        op_samples = [(outcome, ms) for op, outcome, ms, _ in samples if op == name]
        by_op[name] = {
            "n": len(op_samples),
            "errors": sum(1 for outcome, _ in op_samples if not _is_ok(outcome)),
            **percentiles([ms for _, ms in op_samples]),
        }
    result["by_operation"] = by_op
    n = max(1, len(samples))
    result["cpu_ms_per_request"] = {
        "app": round(server_cpu["app"] * 1000 / n, 1),
        "db": round(server_cpu["db"] * 1000 / n, 1),
        "loadgen": round(raw["cpu_s"] * 1000 / n, 1),
    }
    p95 = result["p95_ms"]
    result["target"] = {
        "p95_ms_below": TARGET_P95_MS,
        "errors": 0,
        "met": bool(p95 is not None and p95 < TARGET_P95_MS and errors == 0),
    }
    return result


def _as_outcome(text: str) -> int | str:
    return int(text) if text.isdigit() else text
