"""Load benchmark of the HTTP service: requests/s and p50/p99 latency under concurrent clients.

Run: ``python bench/service_load.py [--clients 16] [--seconds 10] [--virtuoso URL]``

Starts ``medfuse serve`` on loopback over a freshly built embedded store and, when a Virtuoso
endpoint is given (``--virtuoso`` or ``$MEDFUSE_TEST_VIRTUOSO``), a second server over the same
graph loaded into Virtuoso, then drives each with a fixed number of concurrent clients for a
fixed time per endpoint: dataset search, dataset detail, compatibility lookup and one SPARQL
query. The in-run baseline is ``/api/v1/health`` (the cheapest route: what the HTTP stack alone
costs), so every row also prints its latency as a multiple of that. Last, it checks the time
limit: a runaway SPARQL query must be stopped within 1 s of the limit while detail requests
keep being answered.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ENDPOINTS = {
    "health (baseline)": lambda ids: ("GET", "/api/v1/health", None),
    "search": lambda ids: ("GET", "/api/v1/datasets", {"modality": random.choice(["CT", "MRI", "X-ray", "fundus photography"]),
                                                        "anatomy": random.choice(["abdomen", "brain", "lung", "retina"]),
                                                        "per_page": 20}),
    "detail": lambda ids: ("GET", f"/api/v1/datasets/{random.choice(ids)}", None),
    "compat": lambda ids: ("GET", f"/api/v1/compat/{random.choice(ids[:50])}", {"top": 10}),
    "sparql": lambda ids: ("GET", "/sparql", {"query": "SELECT ?d ?t WHERE { ?d <https://w3id.org/medfuse/vocab#anatomy> ?t } LIMIT 50"}),
}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(store: str, timeout: float) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "medfuse.service.cli", "serve", "--store", store, "--port", str(port),
                                "--timeout", str(timeout)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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


async def _drive(url: str, make, ids: list[str], clients: int, seconds: float) -> dict:  # noqa: ANN001
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < stop:
                method, path, params = make(ids)
                started = time.perf_counter()
                try:
                    answer = await client.request(method, path, params=params)
                    if answer.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(worker() for _ in range(clients)))
    latencies.sort()
    return {"requests": len(latencies), "rps": len(latencies) / seconds, "errors": errors,
            "p50": latencies[len(latencies) // 2] * 1000, "p99": latencies[int(len(latencies) * 0.99)] * 1000}


def _time_limit(url: str, limit: float) -> tuple[float, int, int]:
    served = failed = 0
    with httpx.Client(base_url=url, timeout=60) as client:
        import threading

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--timeout", type=float, default=5.0, help="the servers' query time limit")
    parser.add_argument("--virtuoso", default=os.environ.get("MEDFUSE_TEST_VIRTUOSO"))
    parser.add_argument("--virtuoso-token", default=os.environ.get("MEDFUSE_TEST_VIRTUOSO_TOKEN", "dba:dba"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "store")
        subprocess.run([sys.executable, "-m", "medfuse.service.cli", "build", "--store", store], check=True, capture_output=True)
        backends = {"embedded": store}
        if args.virtuoso:
            subprocess.run([sys.executable, "-m", "medfuse.service.cli", "build", "--store", args.virtuoso, "--token",
                            args.virtuoso_token], check=True, capture_output=True)
            backends["virtuoso"] = args.virtuoso
        rows: dict[str, dict[str, dict]] = {}
        limits = {}
        for name, location in backends.items():
            process, url = _start(location, args.timeout)
            try:
                ids = [d["id"] for d in httpx.get(url + "/api/v1/datasets", params={"per_page": 500}, timeout=60).json()["strict"]["items"]]
                for endpoint, make in ENDPOINTS.items():
                    asyncio.run(_drive(url, make, ids, args.clients, 1.0))  # warm-up
                    rows.setdefault(endpoint, {})[name] = asyncio.run(_drive(url, make, ids, args.clients, args.seconds))
                if name == "embedded":
                    limits[name] = _time_limit(url, args.timeout)
            finally:
                process.terminate()
                process.wait(timeout=30)
    names = list(backends)
    print(f"{args.clients} concurrent clients, {args.seconds:g} s per endpoint, loopback, client and server on this machine")
    header = "endpoint".ljust(20) + "".join(f"| {n}: req/s   p50 ms   p99 ms  errors  p50/baseline ".ljust(58) for n in names)
    print(header)
    for endpoint, per_backend in rows.items():
        line = endpoint.ljust(20)
        for n in names:
            r, base = per_backend[n], rows["health (baseline)"][n]
            line += f"| {r['rps']:8.0f} {r['p50']:8.1f} {r['p99']:8.1f} {r['errors']:7d} {r['p50'] / base['p50']:10.1f}x".ljust(58)
        print(line)
    for name, (seconds, served, failed) in limits.items():
        print(f"time limit ({name}): runaway query answered after {seconds:.2f} s with a {args.timeout:g} s limit "
              f"(overshoot {seconds - args.timeout:+.2f} s); {served} health requests served meanwhile, {failed} failed")


if __name__ == "__main__":
    main()
