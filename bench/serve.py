"""Throughput and latency of `dslgen serve` under N concurrent clients, and a count check that
nothing accepted is lost.

Usage: .venv/bin/python bench/serve.py [--model M] [--clients 32] [--requests 2] [--queue 8]
                                       [--deadline 120] [--k 2] [--max-tokens 200] [--no-retrieval]
                                       [--runtime auto|llama.cpp|transformers]
                                       [--kill-after N]

Starts `dslgen serve` as a subprocess on a free port with a fresh SQLite log, waits for /healthz,
then runs N client threads; each sends `--requests` generation requests (pdflow example tasks
with their fixtures), waiting Retry-After after a 429 before its next one. Prints the machine,
the status counts (429 and 504 included), throughput of accepted requests, p50/p95 latency, and
checks that every accepted request (200) has exactly one stored row and there is no other row.

With `--kill-after N` it is the fault test instead: once N requests have been acknowledged (200
with an id) the server is killed with SIGKILL mid-load, restarted on the same database, and must
still hold every acknowledged interaction, pass SQLite's `PRAGMA integrity_check`, and answer a
new request. Requests cut off by the kill count as unacknowledged; a row the server committed
but never acknowledged is allowed (and counted).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from dslgen.domain import get_domain
from dslgen.store import open_store


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(args: argparse.Namespace, port: int, db: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "dslgen.cli", "serve", "--port", str(port), "--db", db]
    command += ["--queue", str(args.queue), "--deadline", str(args.deadline)]
    command += ["--model", args.model] if args.model else []
    command += ["--no-retrieval"] if args.no_retrieval else []
    command += ["--runtime", args.runtime]
    log = open(Path(db.removeprefix("sqlite:///")).with_suffix(".log"), "wb")  # noqa: SIM115
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(url: str, server: subprocess.Popen[bytes], timeout_s: float = 600) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode} while starting")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer /healthz within {timeout_s} s")


def example_requests(n: int, k: int, max_tokens: int) -> list[dict]:
    """n varied pdflow requests (held-out tasks of every level, with their fixtures)."""
    domain, rng = get_domain("pdflow"), random.Random(11)
    tasks = [domain.make_task(rng, rng.choice(domain.levels), "test") for _ in range(n)]
    return [
        {"instruction": t.instruction, "fixture": t.fixture, "k": k, "max_tokens": max_tokens}
        | {"repair_rounds": 0, "client_id": "bench"}
        for t in tasks
    ]


CUT_OFF = 0  # the status recorded for a request whose connection died (the server was killed)


def run_client(url: str, bodies: list[dict], results: list, lock: threading.Lock) -> None:
    with httpx.Client(timeout=None) as client:
        for body in bodies:
            started = time.monotonic()
            try:
                response = client.post(f"{url}/v1/generate", json=body)
            except httpx.TransportError:
                with lock:
                    results.append((CUT_OFF, time.monotonic() - started, None, None))
                return  # the server is gone; this client stops
            seconds = time.monotonic() - started
            data = response.json() if response.status_code == 200 else {}
            with lock:
                results.append((response.status_code, seconds, data.get("id"), data.get("tokens")))
            if response.status_code == 429:
                time.sleep(float(response.headers.get("Retry-After", "1")))


def stored_ids(db: str) -> list[int]:
    ids: list[int] = []
    with open_store(db) as store:
        while True:
            page = store.list_interactions(limit=1000, offset=len(ids))
            ids += [item.id for item in page.items]
            if len(ids) >= page.total:
                return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="Model folder (default: the fetched default model).")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=2, help="Requests per client.")
    parser.add_argument("--queue", type=int, default=8)
    parser.add_argument("--deadline", type=float, default=120.0)
    parser.add_argument("--k", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--no-retrieval", action="store_true")
    parser.add_argument("--runtime", default="auto", choices=["auto", "llama.cpp", "transformers"])
    parser.add_argument(
        "--kill-after",
        type=int,
        default=0,
        help="Fault test: SIGKILL the server after this many acknowledged requests, restart it.",
    )
    args = parser.parse_args()
    if args.kill_after:
        fault_test(args)
        return

    with tempfile.TemporaryDirectory(prefix="dslgen-bench-") as tmp:
        db, port = f"sqlite:///{tmp}/interactions.sqlite", free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(args, port, db)
        try:
            load_s = wait_healthy(url, server)
            bodies = example_requests(args.clients * args.requests, args.k, args.max_tokens)
            started = time.monotonic()
            threads, results = start_clients(url, bodies, args.clients)
            for thread in threads:
                thread.join()
            wall_s = time.monotonic() - started
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(60)
        report(args, results, wall_s, load_s, stored_ids(db))


def report(
    args: argparse.Namespace, results: list, wall_s: float, load_s: float, rows: list
) -> None:
    statuses = Counter(status for status, *_ in results)
    accepted = [(seconds, rid, tokens) for status, seconds, rid, tokens in results if status == 200]
    latencies = sorted(seconds for seconds, _, _ in accepted)
    ids = [rid for _, rid, _ in accepted]
    p50 = statistics.median(latencies) if latencies else float("nan")
    p95 = (
        latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        if latencies
        else float("nan")
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"model: {args.model or 'default'} ({args.runtime}); clients {args.clients} x {args.requests} requests; "
        f"queue {args.queue}, deadline {args.deadline:g} s; k {args.k}, max_tokens {args.max_tokens}; "
        f"server ready in {load_s:.1f} s"
    )
    print(
        f"{'sent':>6}{'200':>6}{'429':>6}{'504':>6}{'other':>7}{'wall s':>9}{'req/s':>8}{'p50 s':>8}{'p95 s':>8}{'tok/s':>8}"
    )
    other = len(results) - statuses[200] - statuses[429] - statuses[504]
    tokens = sum(t or 0 for *_, t in accepted)
    print(
        f"{len(results):>6}{statuses[200]:>6}{statuses[429]:>6}{statuses[504]:>6}{other:>7}"
        f"{wall_s:>9.1f}{len(accepted) / wall_s:>8.2f}{p50:>8.2f}{p95:>8.2f}{tokens / wall_s:>8.0f}"
    )
    lost = sorted(set(ids) - set(rows))
    extra = sorted(set(rows) - set(ids))
    duplicated = len(ids) - len(set(ids))
    verdict = (
        "OK" if not lost and not extra and not duplicated and len(rows) == len(ids) else "FAILED"
    )
    print(
        f"rows check: {len(ids)} accepted, {len(rows)} stored rows; lost {len(lost)}, "
        f"rows without an accepted request {len(extra)}, duplicated ids {duplicated}: {verdict}"
    )
    if verdict != "OK":
        raise SystemExit(1)


def start_clients(url: str, bodies: list[dict], clients: int) -> tuple[list, list]:
    results: list = []
    lock = threading.Lock()
    threads = [
        threading.Thread(target=run_client, args=(url, bodies[i::clients], results, lock))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    return threads, results


def integrity(db: str) -> str:
    """SQLite's own verdict on the database file ("ok" when every page and index is sound)."""
    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("PRAGMA integrity_check")).scalars().all()
    finally:
        engine.dispose()
    return "; ".join(str(row) for row in rows)


def fault_test(args: argparse.Namespace) -> None:
    """Kill the server mid-load with SIGKILL, restart it, check nothing acknowledged was lost."""
    with tempfile.TemporaryDirectory(prefix="dslgen-fault-") as tmp:
        db, port = f"sqlite:///{tmp}/interactions.sqlite", free_port()
        url = f"http://127.0.0.1:{port}"
        server = start_server(args, port, db)
        try:
            load_s = wait_healthy(url, server)
            bodies = example_requests(args.clients * args.requests, args.k, args.max_tokens)
            threads, results = start_clients(url, bodies, args.clients)
            started = time.monotonic()
            while sum(1 for status, *_ in results if status == 200) < args.kill_after:
                if not any(thread.is_alive() for thread in threads):
                    raise SystemExit("every request finished before the kill; raise --requests")
                time.sleep(0.01)
            server.send_signal(signal.SIGKILL)
            server.wait(60)
            killed_s = time.monotonic() - started
            for thread in threads:
                thread.join()
        finally:
            if server.poll() is None:
                server.kill()
        acknowledged = sorted(rid for status, _, rid, _ in list(results) if status == 200)
        in_flight = sum(1 for status, *_ in results if status == CUT_OFF)

        server = start_server(args, port, db)
        try:
            restart_s = wait_healthy(url, server)
            after = httpx.post(f"{url}/v1/generate", json=bodies[0], timeout=None)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(60)
        rows = set(stored_ids(db))
        verdict_db = integrity(db)
    lost = [rid for rid in acknowledged if rid not in rows]
    unacknowledged = len(rows) - len(acknowledged) - (1 if after.status_code == 200 else 0)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"model: {args.model or 'default'}; {args.clients} clients; server ready in {load_s:.1f} s; "
        f"SIGKILL {killed_s:.1f} s into the load, after {len(acknowledged)} acknowledged "
        f"requests ({in_flight} cut off in flight); restarted in {restart_s:.1f} s"
    )
    print(
        f"after the restart: {len(lost)} of {len(acknowledged)} acknowledged interactions lost; "
        f"{max(0, unacknowledged)} committed but unacknowledged; integrity_check: {verdict_db}; "
        f"a new request: {after.status_code}"
    )
    ok = not lost and verdict_db == "ok" and after.status_code == 200
    print(f"fault test: {'OK' if ok else 'FAILED'}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
