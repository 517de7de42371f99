"""Query latency and throughput: the same requests against the store, in-process, and
through the HTTP API.

    .venv/bin/python bench/queries.py [--store sqlite|elasticsearch] [--es-url URL]
        [--clients 1,4,16] [--seconds 12] [--rounds 3] [--server-workers 2]
        [--recording on|off|both] [--store-url URL [--index ALIAS]] [PATH ...]

Indexes PATH (default: ../shared/corpus/lawrefbook and fixtures/) into a fresh store, or
uses --store-url as it is. Then, for each number of concurrent clients (closed loop: each
client sends its next request when the answer to the last one has arrived), three modes:

- "store": `Store.search` with the request: the engine's query, count and facets only;
- "library": `policy_search.search.search_response` in this process: what the API route calls (the
  store's queries plus ranking, highlighting and the response body); everything but HTTP;
- "api": `policy-search serve --workers N` in its own processes, clients on keep-alive
  HTTP connections from this process, latency measured at the client.

The server records each search for the statistics (`policy_search.stats`) as deployed,
into a file in the temporary folder (`--recording on`, the default), or not (`off`). With
`--recording both` two servers run, one recording and one not, and a fourth mode,
"api-off", is the second: `recording_cost` in the results is api ÷ api-off for each number
of clients (issue 16 asks for at most 1.05), and the figures go to
bench/results/queries-<store>-recording.json.

The modes alternate in short rounds so that each sees the same machine. The API's own
overhead is api ÷ library. Threads of one Python process share one GIL, so "store" and
"library" at several clients show contention, not what the server (one process a core)
can do; read their 1-client figures.

The request mix (fixed seed): 60 % the relevance set's queries, 15 % browsing (no words:
newest first, other sorts, page 2), 10 % facet-only (a filter and no words), 15 % words with
filters (level, region, in force, date range); default facets on every request.
A table is printed and the figures are written to bench/results/queries-<store>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure import percentile  # noqa: E402  (bench/, the script's own folder)

from indexer import Indexer  # noqa: E402
from policy_search import search as search_service  # noqa: E402
from policy_search.fields import field_names  # noqa: E402
from policy_search.stores import open_store  # noqa: E402

# fixtures first: their cut-down Civil Code has the corpus Code's id, and the last written wins
DEFAULT_PATHS = [ROOT / "fixtures", ROOT.parent / "shared" / "corpus" / "lawrefbook"]
RELEVANCE_QUERIES = ROOT / "bench" / "relevance" / "queries.jsonl"
RESULTS = ROOT / "bench" / "results"
T = TypeVar("T")


# --- the request mix ----------------------------------------------------------------------

def request_mix(store, count: int = 600, seed: int = 7) -> list[dict[str, str]]:
    """Requests as query-string parameters, drawn with fixed weights from real queries and
    from the facet values of the indexed collection."""
    rng = random.Random(seed)
    queries = [json.loads(line)["q"] for line in RELEVANCE_QUERIES.read_text(encoding="utf-8").splitlines() if line]
    facets = search_service.search_response(store, "", search_service.make_request(
        "", facets="level,region,year,kind,status"))["facets"]
    values = {field: [item["value"] for item in items] for field, items in facets.items()}

    def browse() -> dict[str, str]:
        return rng.choice([{}, {"page": "2"}, {"sort": "effective"}, {"sort": "date_asc"}])

    def facet_only() -> dict[str, str]:
        field = rng.choice(["level", "region", "year", "kind", "status"])
        return {field: rng.choice(values[field][:10])}

    def filtered() -> dict[str, str]:
        extra = rng.choice([
            {"level": rng.choice(values["level"][:5])},
            {"region": rng.choice(values["region"][:8])},
            {"current": "true"},
            {"date_from": "2015-01-01", "date_to": "2024-12-31"},
        ])
        return {"q": rng.choice(queries), **extra}

    kinds = [(0.60, lambda: {"q": rng.choice(queries)}), (0.15, browse), (0.10, facet_only), (0.15, filtered)]
    return [pick_weighted(rng, kinds)() for _ in range(count)]


def pick_weighted(rng: random.Random, choices: list[tuple[float, T]]) -> T:
    """One of (weight, value) with the weights' probabilities (one draw of `rng`)."""
    pick, total = rng.random(), 0.0
    for weight, value in choices:
        total += weight
        if pick < total:
            return value
    return choices[-1][1]


def to_request(params: dict[str, str]):
    """The same parsing the API does, for the in-process run."""
    filters = {field: [params[field]] for field in field_names() if field in params}
    return search_service.make_request(
        params.get("q", ""), page=int(params.get("page", 1)), sort=params.get("sort"), filters=filters,
        date_from=date.fromisoformat(params["date_from"]) if "date_from" in params else None,
        date_to=date.fromisoformat(params["date_to"]) if "date_to" in params else None,
        current=params.get("current") == "true",
    )


# --- load ----------------------------------------------------------------------------------

def run_clients(clients: int, seconds: float, mix: list[dict], make_caller) -> tuple[list[float], int, float]:
    """`clients` threads, each calling its own caller over the mix (from its own offset)
    until the time is up: (latencies in ms, errors, elapsed seconds)."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop = threading.Event()

    def client(number: int) -> None:
        call = make_caller()
        position = number * len(mix) // clients
        while not stop.is_set():
            params = mix[position % len(mix)]
            position += 1
            started = time.perf_counter()
            try:
                call(params)
            except Exception:
                errors[number] += 1
                continue
            latencies[number].append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return [value for values in latencies for value in values], sum(errors), time.perf_counter() - started


def summarize(clients: int, latencies: list[float], errors: int, seconds: float) -> dict:
    every = sorted(latencies)
    if not every:
        raise RuntimeError(f"no request succeeded ({errors} errors)")

    return {
        "clients": clients, "requests": len(every), "errors": errors, "seconds": round(seconds, 2),
        "per_second": round(len(every) / seconds, 1), "mean_ms": round(statistics.fmean(every), 2),
        "p50_ms": round(percentile(every, 50), 2), "p95_ms": round(percentile(every, 95), 2),
        "p99_ms": round(percentile(every, 99), 2),
    }


def measure(clients: int, seconds: float, rounds: int, mix: list[dict], callers: dict) -> list[dict]:
    """Each mode in turn, `rounds` times, so that all modes see the same machine (other
    load on it comes and goes); the rounds of a mode are pooled."""
    pooled = {mode: ([], 0, 0.0) for mode in callers}
    for _ in range(rounds):
        for mode, make_caller in callers.items():
            latencies, errors, elapsed = run_clients(clients, seconds / rounds, mix, make_caller)
            before = pooled[mode]
            pooled[mode] = (before[0] + latencies, before[1] + errors, before[2] + elapsed)
    return [{"mode": mode, **summarize(clients, *pooled[mode])} for mode in callers]


def store_caller(store):
    def make():
        def call(params: dict[str, str]) -> None:
            store.search(to_request(params))
        return call
    return make


def library_caller(store):
    def make():
        def call(params: dict[str, str]) -> None:
            search_service.search_response(store, params.get("q", ""), to_request(params))
        return call
    return make


def api_caller(port: int):
    def make():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def call(params: dict[str, str]) -> None:
            connection.request("GET", "/api/v1/search?" + urlencode(params))
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{response.status}: {body[:200]!r}")
        return call
    return make


# --- the server ----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(store_url: str, index: str, workers: int, log: Path,
                 env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int]:
    """`policy-search serve` as an operator runs it (access log on, written to `log`), with
    `env` added to this process's environment."""
    port = free_port()
    env = {**os.environ, **(env or {}), "POLICY_SEARCH_STORE": store_url, "POLICY_SEARCH_INDEX": index}
    process = subprocess.Popen(
        [sys.executable, "-m", "policy_search.cli", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not become ready: " + log.read_text(errors="replace")[-2000:])


# --- main ----------------------------------------------------------------------------------

def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `open_bench_store` reads: which store, and an existing one to use as it is."""
    parser.add_argument("--store", choices=["sqlite", "elasticsearch"], default="sqlite")
    parser.add_argument("--es-url", default="http://127.0.0.1:9200")
    parser.add_argument("--store-url", help="use this store as it is instead of indexing PATH")
    parser.add_argument("--index", default=None, help="Elasticsearch alias (with --store-url)")


def open_bench_store(args: argparse.Namespace, paths: list[Path], tmp: Path, name: str):
    """The store a benchmark runs on, as its options say: --store-url as it is, or a fresh
    store (a file in `tmp`, or an index on --es-url) holding `paths`: (store, URL, alias)."""
    index = args.index or f"bench-{name}-{os.getpid()}"
    if args.store_url:
        return open_store(args.store_url, index), args.store_url, index
    store_url = f"sqlite:///{tmp}/bench.db" if args.store == "sqlite" else args.es_url
    store = open_store(store_url, index)
    print(Indexer(store, progress=False).index_paths(paths).describe(), file=sys.stderr)
    return store, store_url, index


def server_modes(recording: str) -> dict[str, bool]:
    """The API modes to run and whether each one's server records searches."""
    return {"on": {"api": True}, "off": {"api": False}, "both": {"api": True, "api-off": False}}[recording]


def recording_env(recording: bool, tmp: Path) -> dict[str, str]:
    """A server's settings for the statistics: on, into a file of the run's temporary folder."""
    return {"POLICY_SEARCH_SEARCH_STATS": "true" if recording else "false",
            "POLICY_SEARCH_STATS_FILE": str(tmp / "stats.db")}


def recording_cost(runs: list[dict]) -> list[dict]:
    """api ÷ api-off, p50 and mean, for each number of clients."""
    off = {run["clients"]: run for run in runs if run["mode"] == "api-off"}
    return [{"clients": run["clients"], "p50": round(run["p50_ms"] / off[run["clients"]]["p50_ms"], 3),
             "mean": round(run["mean_ms"] / off[run["clients"]]["mean_ms"], 3)}
            for run in runs if run["mode"] == "api"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=DEFAULT_PATHS)
    add_store_arguments(parser)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=12.0, help="per mode and number of clients")
    parser.add_argument("--rounds", type=int, default=3, help="the modes alternate this many times")
    parser.add_argument("--server-workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--recording", choices=["on", "off", "both"], default="on",
                        help="the server records each search for the statistics (on, as deployed), or not (off); "
                        "both: a server of each, compared")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    clients = [int(n) for n in args.clients.split(",")]

    with tempfile.TemporaryDirectory() as tmp:
        store, store_url, index = open_bench_store(args, args.paths, Path(tmp), "queries")
        documents = store.count()
        mix = request_mix(store)
        for params in mix[:50]:  # warm caches the same way for both runs
            search_service.search_response(store, params.get("q", ""), to_request(params))

        runs = []
        servers = {mode: start_server(store_url, index, args.server_workers, Path(tmp) / f"{mode}.log",
                                      recording_env(recording, Path(tmp)))
                   for mode, recording in server_modes(args.recording).items()}
        try:
            callers = {"store": store_caller(store), "library": library_caller(store)}
            for mode, (_, port) in servers.items():
                run_clients(2, 2.0, mix, api_caller(port))  # warm the server processes
                callers[mode] = api_caller(port)
            for n in clients:
                runs.extend(measure(n, args.seconds, args.rounds, mix, callers))
        finally:
            for server, _ in servers.values():
                server.terminate()
                server.wait(10)
        if not args.store_url and args.store == "elasticsearch":
            store.drop()

    library = {run["clients"]: run for run in runs if run["mode"] == "library"}
    for run in runs:
        if run["mode"].startswith("api"):
            run["p50_vs_library"] = round(run["p50_ms"] / library[run["clients"]]["p50_ms"], 2)
            run["mean_vs_library"] = round(run["mean_ms"] / library[run["clients"]]["mean_ms"], 2)
    report = {
        "store": args.store if not args.store_url else store_url.split(":")[0],
        "documents": documents, "requests_in_mix": len(mix), "seconds_per_run": args.seconds,
        "server_workers": args.server_workers, "rounds": args.rounds, "recording": args.recording,
        **({"recording_cost": recording_cost(runs)} if args.recording == "both" else {}),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "runs": runs,
    }
    print(f"{report['store']}: {documents} documents, mix of {len(mix)} requests, {args.seconds:g} s per mode "
          f"in {args.rounds} alternating rounds, server with {args.server_workers} worker processes")
    print(f"{'mode':8} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6} {'api/lib p50':>11}")
    for run in runs:
        print(f"{run['mode']:8} {run['clients']:>7} {run['per_second']:>8} {run['p50_ms']:>8} {run['p95_ms']:>8} "
              f"{run['p99_ms']:>8} {run['errors']:>6} {run.get('p50_vs_library', ''):>11}")
    if args.recording == "both":
        print("recording on ÷ off (api ÷ api-off): " + ", ".join(
            f"{cost['clients']} clients p50 {cost['p50']} mean {cost['mean']}" for cost in report["recording_cost"]))
    suffix = "-recording" if args.recording == "both" else ""
    output = args.output or RESULTS / f"queries-{report['store']}{suffix}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
