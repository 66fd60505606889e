"""Load benchmark of the HTTP service: requests/s and p50/p99 latency under concurrent clients.

Run: ``python bench/service_load.py [--clients 16] [--seconds 8] [--virtuoso URL] [--serve-option=--answer-cache-mb=0]``
(needs aiohttp: ``pip install -e '.[bench]'``).

Starts ``medfuse serve`` on loopback over a freshly built embedded store and, when a Virtuoso
endpoint is given (``--virtuoso`` or ``$MEDFUSE_TEST_VIRTUOSO``), a second server over the same
graph loaded into Virtuoso, then drives each with a fixed number of concurrent clients for a
fixed time per row: dataset search, dataset detail, compatibility lookup and one SPARQL query.
The load comes from an aiohttp client in a process of its own, so the client neither shares a
GIL with the rest of the bench nor costs more CPU than it must (it shares the machine's cores
with the server all the same). The in-run baseline is ``/api/v1/health`` (the cheapest route:
what the HTTP stack alone costs), so every row also prints its latency as a multiple of that.

Cache honesty: the service keeps per-snapshot answers of search, detail and compat. The
``search``, ``detail`` and ``compat`` rows repeat their parameters, so once warm they are mostly
answered from that cache; ``search (uncached)`` never repeats its parameters within a run, so
every one of its requests is computed (only the per-term facet matches of ``kg.search`` are
reused). The ``hits`` column counts the answers the server marked ``X-Cache: hit``, and ``cpu``
is the CPU time the server (its process and children) spent per request.

Last, it checks the time limit: a runaway SPARQL query must be stopped within 1 s of the limit
while health requests keep being answered.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import httpx

#: One request: path and query parameters.
Call = tuple[str, dict[str, str | int] | None]
#: p50 and p99 targets of the rows issue 5 sets, in ms.
TARGETS = {"search": (10, 50), "search (uncached)": (10, 50), "detail": (10, 50), "compat": (10, 50)}
SEARCH_COMBOS = [{"modality": m, "anatomy": a, "per_page": 20}
                 for m in ("CT", "MRI", "X-ray", "fundus photography") for a in ("abdomen", "brain", "lung", "retina")]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
_FACETS = {"modality": "modalities", "anatomy": "anatomy", "disease": "diseases", "task": "tasks"}


@dataclass
class Pool:
    """What requests are drawn from: dataset ids and, per dataset, its facet terms (id, label)."""

    ids: list[str]
    terms: dict[str, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)


class Row(NamedTuple):
    make: Callable[[random.Random, Pool], Call]
    cache: str  # what the answer cache can do for this row, printed under the table


def _uncached_search(rng: random.Random, pool: Pool) -> Call:
    # Terms of one dataset (so there are matches), 2-3 facets, label or CURIE, a page and a page
    # size the cached row never uses: the same combination seldom comes twice, and the driver
    # skips it when it does.
    dataset = rng.choice([d for d in pool.ids if len(pool.terms.get(d, {})) >= 2])
    facets = pool.terms[dataset]
    params: dict[str, str | int] = {}
    for option in rng.sample(sorted(facets), k=min(len(facets), rng.choice((2, 3)))):
        curie, label = rng.choice(facets[option])
        params[option] = rng.choice((curie, label))
    params["page"] = rng.choice((1, 1, 2))
    params["per_page"] = rng.choice((10, 25, 50))
    return "/api/v1/datasets", params


ROWS: dict[str, Row] = {
    "health (baseline)": Row(lambda rng, pool: ("/api/v1/health", None), "never cached"),
    "search": Row(lambda rng, pool: ("/api/v1/datasets", rng.choice(SEARCH_COMBOS)),
                  f"{len(SEARCH_COMBOS)} parameter combinations: answer cache once warm"),
    "search (uncached)": Row(_uncached_search, "parameters never repeat in a run: always computed"),
    "detail": Row(lambda rng, pool: (f"/api/v1/datasets/{rng.choice(pool.ids)}", None),
                  "every dataset id: answer cache after its first request"),
    "compat": Row(lambda rng, pool: (f"/api/v1/compat/{rng.choice(pool.ids[:50])}", {"top": 10}),
                  "50 dataset ids: answer cache once warm"),
    "sparql": Row(lambda rng, pool: ("/sparql", {"query": "SELECT ?d ?t WHERE { ?d <https://w3id.org/medfuse/vocab#anatomy> ?t } LIMIT 50"}),
                  "never cached (query workers)"),
}
#: Rows whose parameters must not repeat within a run.
UNIQUE = {"search (uncached)"}


# ---------------------------------------------------------------------------------- the driver


def _drive(url: str, row: str, pool: Pool, clients: int, seconds: float, seed: int,
           used: frozenset = frozenset()) -> tuple[dict, frozenset]:
    """Drive one row for ``seconds`` (runs in the load process); return stats and the calls made."""
    return asyncio.run(_drive_async(url, row, pool, clients, seconds, seed, set(used)))


async def _drive_async(url: str, row: str, pool: Pool, clients: int, seconds: float, seed: int,
                       used: set) -> tuple[dict, frozenset]:
    import aiohttp

    rng, make, unique = random.Random(seed), ROWS[row].make, row in UNIQUE
    latencies: list[float] = []
    errors, hits, skipped = 0, 0, 0
    samples: list[str] = []
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(url, connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        cpu, stop = time.process_time(), time.monotonic() + seconds

        def next_call() -> Call:
            nonlocal skipped
            for _ in range(1000):
                path, params = make(rng, pool)
                if not unique:
                    return path, params
                key = (path, tuple(sorted((params or {}).items())))
                if key not in used:
                    used.add(key)
                    return path, params
                skipped += 1
            raise RuntimeError(f"{row}: ran out of unused parameter combinations")

        async def worker() -> None:
            nonlocal errors, hits
            while time.monotonic() < stop:
                path, params = next_call()
                started = time.perf_counter()
                try:
                    async with session.get(path, params=params) as answer:
                        await answer.read()
                        if answer.status >= 400:
                            errors += 1
                            if len(samples) < 3:
                                samples.append(f"{answer.status} {path} {params}")
                        hits += answer.headers.get("X-Cache") == "hit"
                except (aiohttp.ClientError, TimeoutError) as error:
                    errors += 1
                    if len(samples) < 3:
                        samples.append(f"{type(error).__name__} {path} {params}")
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(worker() for _ in range(clients)))
        client_cpu = time.process_time() - cpu
    latencies.sort()
    n = max(len(latencies), 1)
    stats = {"requests": len(latencies), "rps": len(latencies) / seconds, "errors": errors, "hits": hits,
             "p50": latencies[n // 2] * 1000 if latencies else 0.0,
             "p99": latencies[int(n * 0.99)] * 1000 if latencies else 0.0,
             "client_cpu": client_cpu * 1000 / n, "samples": samples, "skipped": skipped}
    return stats, frozenset(used)


# ---------------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(store: str, timeout: float, extra: list[str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "medfuse.service.cli", "serve", "--store", store, "--port", str(port),
                                "--timeout", str(timeout), *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/api/v1/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"server over {store} did not start: {process.stderr.read().decode()[-2000:]}")


def _build(store: str, *options: str) -> None:
    done = subprocess.run([sys.executable, "-m", "medfuse.service.cli", "build", "--store", store, *options],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"building the graph at {store} failed:\n{done.stderr[-3000:]}")


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of a process and all its descendants, from /proc (Linux)."""
    total, stack, tick = 0.0, [pid], os.sysconf("SC_CLK_TCK")
    try:
        while stack:
            current = stack.pop()
            try:
                fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
                for task in Path(f"/proc/{current}/task").iterdir():
                    stack.extend(int(c) for c in (task / "children").read_text().split())
            except FileNotFoundError:
                continue  # exited meanwhile
    except OSError:
        return None
    return total


def _pool(url: str) -> Pool:
    items: list[dict] = []
    with httpx.Client(base_url=url, timeout=60) as client:
        while True:
            page = client.get("/api/v1/datasets", params={"per_page": 500, "page": len(items) // 500 + 1}).json()
            items += page["strict"]["items"]
            if len(items) >= page["strict"]["total"] or not page["strict"]["items"]:
                break
    terms = {d["id"]: {option: [(t["id"], t["label"]) for t in d[key]] for option, key in _FACETS.items() if d[key]}
             for d in items}
    return Pool(ids=[d["id"] for d in items], terms=terms)


def _time_limit(url: str, limit: float) -> tuple[float, int, int]:
    served = failed = 0
    with httpx.Client(base_url=url, timeout=60) as client:
        result: dict = {}

        def runaway() -> None:
            started = time.monotonic()
            result["status"] = client.get("/sparql", params={"query": RUNAWAY}).status_code
            result["seconds"] = time.monotonic() - started

        thread = threading.Thread(target=runaway)
        thread.start()
        while thread.is_alive():
            answer = client.get("/api/v1/health")
            served += answer.status_code == 200
            failed += answer.status_code != 200
            time.sleep(0.05)
        thread.join()
    return result["seconds"], served, failed


def _measure(load: ProcessPoolExecutor, process: subprocess.Popen, url: str, pool: Pool, args: argparse.Namespace) -> dict:
    rows: dict[str, dict] = {}
    for i, row in enumerate(ROWS):
        _, used = load.submit(_drive, url, row, pool, args.clients, args.warmup, seed=2 * i).result()
        before = _cpu_seconds(process.pid)
        stats, _ = load.submit(_drive, url, row, pool, args.clients, args.seconds, 2 * i + 1, used).result()
        after = _cpu_seconds(process.pid)
        stats["server_cpu"] = (after - before) * 1000 / max(stats["requests"], 1) if before is not None and after is not None else None
        rows[row] = stats
    return rows


# ---------------------------------------------------------------------------------- the report


def _report(rows: dict[str, dict[str, dict]], names: list[str], args: argparse.Namespace) -> None:
    print(f"{args.clients} concurrent clients, {args.seconds:g} s per row after {args.warmup:g} s warm-up, loopback; "
          f"load from aiohttp in its own process, client and server on this machine ({os.cpu_count()} cores)"
          + (f"; serve {' '.join(args.serve_option)}" if args.serve_option else ""))
    columns = "req/s  p50 ms  p99 ms errors p50/base cpu/req  hits"
    width = len(columns) + 3
    print("row".ljust(19) + "".join(f"| {n}".ljust(width) for n in names))
    print(" " * 19 + "".join(f"| {columns}".ljust(width) for n in names))
    for row, per_backend in rows.items():
        line = row.ljust(19)
        for n in names:
            r, base = per_backend[n], rows["health (baseline)"][n]
            cpu = f"{r['server_cpu']:5.2f}ms" if r["server_cpu"] is not None else "     - "
            hits = f"{100 * r['hits'] / max(r['requests'], 1):4.0f}%"
            line += (f"| {r['rps']:5.0f} {r['p50']:7.1f} {r['p99']:7.1f} {r['errors']:6d} {r['p50'] / base['p50']:7.1f}x"
                     f" {cpu} {hits}").ljust(width)
        print(line)
    print("cpu/req: CPU time of the medfuse server (process and children) per request; Virtuoso's own CPU is not counted.")
    print("hits: answers the server marked X-Cache: hit. What the answer cache can do for each row:")
    for row, spec in ROWS.items():
        print(f"  {row:<19} {spec.cache}")
    for n in names:
        client_cpu = ", ".join(f"{row} {r[n]['client_cpu']:.2f}" for row, r in rows.items())
        print(f"client CPU ms/request ({n}): {client_cpu}")
    missed = [f"{row} on {n} (p50 {r[n]['p50']:.1f}, p99 {r[n]['p99']:.1f}, {r[n]['errors']} errors)"
              for row, r in rows.items() if row in TARGETS for n in names
              if r[n]["p50"] > TARGETS[row][0] or r[n]["p99"] > TARGETS[row][1] or r[n]["errors"]]
    print("targets (p50 <= 10 ms, p99 <= 50 ms, no errors): " + ("all met" if not missed else "missed by " + "; ".join(missed)))
    for row, r in rows.items():
        for n in names:
            for sample in r[n]["samples"]:
                print(f"error sample ({row}, {n}): {sample}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of load before each measured row")
    parser.add_argument("--timeout", type=float, default=5.0, help="the servers' query time limit")
    parser.add_argument("--serve-option", action="append", default=[], metavar="OPTION",
                        help="pass an option to medfuse serve, e.g. --serve-option=--access-log (repeatable)")
    parser.add_argument("--only", action="append", choices=list(ROWS), help="measure only these rows (repeatable)")
    parser.add_argument("--virtuoso", default=os.environ.get("MEDFUSE_TEST_VIRTUOSO"))
    parser.add_argument("--virtuoso-token", default=os.environ.get("MEDFUSE_TEST_VIRTUOSO_TOKEN", "dba:dba"))
    args = parser.parse_args()
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        sys.exit("bench/service_load.py drives the load with aiohttp, which is not installed: "
                 "pip install -e '.[bench]'  (or: pip install 'aiohttp>=3.9')")
    if args.only:
        for row in list(ROWS):
            if row not in args.only and row != "health (baseline)":
                del ROWS[row]
    extra = args.serve_option
    with tempfile.TemporaryDirectory() as tmp, \
            ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as load:
        store = str(Path(tmp) / "store")
        _build(store)
        backends = {"embedded": store}
        if args.virtuoso:
            _build(args.virtuoso, "--token", args.virtuoso_token)
            backends["virtuoso"] = args.virtuoso
        rows: dict[str, dict[str, dict]] = {}
        limits = {}
        for name, location in backends.items():
            process, url = _start(location, args.timeout, extra)
            try:
                for row, stats in _measure(load, process, url, _pool(url), args).items():
                    rows.setdefault(row, {})[name] = stats
                if name == "embedded":
                    limits[name] = _time_limit(url, args.timeout)
            finally:
                process.terminate()
                process.wait(timeout=30)
    _report(rows, list(backends), args)
    for name, (seconds, served, failed) in limits.items():
        print(f"time limit ({name}): runaway query answered after {seconds:.2f} s with a {args.timeout:g} s limit "
              f"(overshoot {seconds - args.timeout:+.2f} s); {served} health requests served meanwhile, {failed} failed")


if __name__ == "__main__":
    main()
