"""The results page of a 3,500-person experiment under 50 concurrent users, on loopback.

Builds Groningen's trial with 3,500 synthetic people through the registry (as the demo does:
enrol, consent, randomize, import municipal and CBS months and three survey waves) unless
``--db`` names a database that already has it, starts the app with uvicorn in a subprocess on
127.0.0.1 and times the first results view after a start twice: on the first start (the analysis
runs) and after a restart (the results kept on disk, ``PROEFTUIN_WEB_RESULTS_CACHE``). Then it
starts the server again, logs ``--users`` clients in as the demo researcher, warms the page once, and then lets every client request
``/results/groningen`` back to back (no think time: the worst case) until ``--requests`` are done
or ``--seconds`` have passed. Prints p50/p95/p99 latency and requests per second.

    python bench/bench_web.py [--db sqlite:///bench-web.db] [--users 50] [--requests 3000] [--workers CORES] [--think 0] [--client wrk|httpx]

``--client wrk`` drives the same closed loop with ``wrk`` (C, from Debian's packages) instead of
Python's httpx, so the load generator takes little of the two cores the server needs: 50
connections, each logged in as the researcher, for ``--seconds``.

``--think S`` gives every user a pause of S seconds on average between page views (uniform
0.5 S - 1.5 S), a model of people reading; the default 0 is the worst case, a closed loop.

Measured in the same run: the first view after the start (one researcher, nothing else running
against the server) and the floor, the same load against the login page (the same server, session
and network path without the results); the machine's load is printed before and after and the
last line is a JSON record (``--json FILE`` appends it to FILE, for ``bench/table.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

SLUG = "groningen"
PEOPLE = 3500
PASSWORD = "bench-password-not-secret"
SEED = 2017
WEB_SECRET = "bench-web-n6lOyRWKnuzBeiG8Qv8Uu5teShTEumamAUcJ"
TARGET_P95_MS = 200.0
PATH = f"/results/{SLUG}"
THINK = 0.0
"""Mean pause of a user between two page views (s); 0 = back to back, the worst case."""
RNG = np.random.default_rng(0)


def build(url: str) -> None:
    """Groningen with ``PEOPLE`` participants, through the registry, unless it is there; the researcher's password set."""
    from proeftuin.design import catalog
    from proeftuin.registry.audit import keyed_engine
    from proeftuin.registry.crud import RegistryError, get_experiment
    from proeftuin.registry.db import make_engine, migrate, session_scope
    from proeftuin.registry.roles import Role, add_user
    from proeftuin.web.accounts import get_account, set_password
    from proeftuin.workflow.demo import ADMIN, INTAKE, RESEARCHER, DemoSeeds, build_experiment, demo_settings

    settings = demo_settings(SEED)
    engine = keyed_engine(make_engine(url), settings)  # the audit chain is keyed, as the demo keys it
    migrate(engine)
    with session_scope(engine) as session:
        if get_account(session=session, name=ADMIN) is None:
            add_user(session=session, actor=None, name=ADMIN, role=Role.admin)
            add_user(session=session, actor=ADMIN, name=INTAKE, role=Role.case_manager)
            add_user(session=session, actor=ADMIN, name=RESEARCHER, role=Role.researcher)
        set_password(session=session, name=RESEARCHER, password=PASSWORD)
        try:
            get_experiment(session=session, slug=SLUG)
            present = True
        except RegistryError:
            present = False
    if not present:
        started = time.perf_counter()
        index, spec = next((i, s) for i, s in enumerate(catalog()) if s.slug == SLUG)
        build_experiment(engine, spec, DemoSeeds.derive(SEED, index), n=PEOPLE, settings=settings,
                         files=Path(tempfile.mkdtemp(prefix="bench-web-")))
        print(f"built {SLUG} with {PEOPLE} people in {time.perf_counter() - started:.1f} s")
    engine.dispose()


SERVER = """
import uvicorn
from pydantic import SecretStr
from proeftuin.web import create_app
from proeftuin.web.security import WebSettings
from proeftuin.workflow.demo import demo_settings

app = create_app({url!r}, settings=demo_settings({seed}), web_settings=WebSettings(secret=SecretStr({secret!r}), results_cache={cache!r}))
"""
TARGET_FIRST_VIEW_MS = 1000.0
"""The first results view after a restart, served from the results kept on disk."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _login(client: httpx.AsyncClient) -> None:
    page = (await client.get("/login")).text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = await client.post("/login", data={"username": "demo-onderzoeker", "password": PASSWORD, "csrf_token": token, "next": "/results"})
    assert response.status_code == 303, response.text


async def load(base: str, users: int, requests: int, seconds: float, pid: int) -> tuple[list[float], float, int, float]:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx.AsyncClient(base_url=base, limits=limits, timeout=60) for _ in range(users)]
    for client in clients:
        await _login(client)
    started = time.perf_counter()
    cold = await clients[0].get(f"/results/{SLUG}")
    assert cold.status_code == 200 and "Figuur 1" in cold.text, cold.text[-500:]
    print(f"first request of the load run (results kept on disk): {1000 * (time.perf_counter() - started):.0f} ms; page {len(cold.content) / 1024:.0f} KiB")
    await asyncio.gather(*(c.get(PATH) for c in clients))  # every worker process computes its own cache: warm them all
    latencies: list[float] = []
    errors = 0
    remaining = requests
    deadline = time.perf_counter() + seconds

    async def user(client: httpx.AsyncClient) -> None:
        nonlocal remaining, errors
        while remaining > 0 and time.perf_counter() < deadline:
            remaining -= 1
            t0 = time.perf_counter()
            response = await client.get(PATH)
            latencies.append(time.perf_counter() - t0)
            errors += response.status_code != 200
            if THINK:
                await asyncio.sleep(THINK * (0.5 + RNG.random()))

    t0, cpu0 = time.perf_counter(), _cpu_seconds(pid)
    await asyncio.gather(*(user(c) for c in clients))
    elapsed, server_cpu = time.perf_counter() - t0, _cpu_seconds(pid) - cpu0
    for client in clients:
        await client.aclose()
    return latencies, elapsed, errors, server_cpu


WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("WRK %d %d %.3f %.3f %.3f %.3f\\n", summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3))
end
"""


async def _session_cookie(base: str, users: int) -> str:
    """A researcher's session cookie, after every worker has computed its analysis (the cold request)."""
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=users)) as client:
        await _login(client)
        warm = await asyncio.gather(*(client.get(PATH) for _ in range(users)))
        assert all(r.status_code == 200 for r in warm), warm[0].text[-500:]
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def load_wrk(base: str, users: int, seconds: float, pid: int) -> tuple[int, int, float, float, float, float, float]:
    """Requests, errors, seconds, p50/p95/p99 (ms) and server CPU seconds of a wrk run."""
    cookie = asyncio.run(_session_cookie(base, users))
    script = Path(tempfile.mkdtemp(prefix="bench-web-wrk-")) / "report.lua"
    script.write_text(WRK_REPORT, encoding="utf-8")
    cpu0 = _cpu_seconds(pid)
    output = subprocess.run(["wrk", "-t2", f"-c{users}", f"-d{max(1, int(seconds))}s", "-H", f"Cookie: {cookie}", "-s", str(script), base + PATH],
                            capture_output=True, text=True, check=True).stdout
    server_cpu = _cpu_seconds(pid) - cpu0
    fields = next(line for line in output.splitlines() if line.startswith("WRK ")).split()[1:]
    requests, errors = int(fields[0]), int(fields[1])
    return requests, errors, float(fields[2]), float(fields[3]), float(fields[4]), float(fields[5]), server_cpu


async def _first_view(base: str) -> float:
    """Milliseconds of one researcher's first view of the results page after the server started."""
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        await _login(client)
        started = time.perf_counter()
        response = await client.get(f"/results/{SLUG}")
        assert response.status_code == 200, response.text[-500:]
        return 1000 * (time.perf_counter() - started)


def _run_load(args: argparse.Namespace, base: str, pid: int) -> tuple[int, int, float, float, float, float, float]:
    """Requests, errors, seconds, p50/p95/p99 (ms) and server CPU of ``args.users`` users on ``PATH``."""
    if args.client == "wrk":
        return load_wrk(base, args.users, args.seconds, pid)
    latencies, elapsed, errors, server_cpu = asyncio.run(load(base, args.users, args.requests, args.seconds, pid))
    p50, p95, p99 = np.percentile(1000 * np.asarray(latencies), [50, 95, 99])
    return len(latencies), errors, elapsed, float(p50), float(p95), float(p99), server_cpu


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds so far of ``pid`` and every process under it, with the children each has
    reaped (uvicorn's workers are live children, which their parent's ``cutime`` counts only once they
    end; Linux /proc, 0 elsewhere)."""
    total = 0.0
    for process in _process_tree(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        total += sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def _process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (``/proc/PID/task/TID/children``)."""
    found, queue = [], [pid]
    while queue:
        process = queue.pop()
        found.append(process)
        for children in Path(f"/proc/{process}/task").glob("*/children"):
            try:
                queue.extend(int(child) for child in children.read_text().split())
            except OSError:
                continue
    return found


def _start(command: list[str], folder: Path, environment: dict[str, str], base: str) -> subprocess.Popen[bytes]:
    """Start the server and wait until it answers."""
    server = subprocess.Popen(command, cwd=folder, env=environment)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/login", timeout=1)
            return server
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit("the server did not start") from None
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=f"sqlite:///{Path(tempfile.gettempdir()) / 'proeftuin-bench-web.db'}")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each load run (the page, then the floor)")
    parser.add_argument("--json", type=Path, help="append the JSON record to this file")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn workers (default: one per core, as deployed)")
    parser.add_argument("--path", default=PATH, help="another page to compare with (default: the results page)")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause between a user's page views, in seconds (default 0)")
    parser.add_argument("--client", choices=("httpx", "wrk"), default="wrk" if shutil.which("wrk") else "httpx",
                        help="load generator (default wrk when installed: C, so it takes little of the cores; closed loop, no think time)")
    args = parser.parse_args()
    globals()["PATH"], globals()["THINK"] = args.path, args.think
    load_before = os.getloadavg()[0]
    print(f"load (1 min) {load_before:.2f} on {os.cpu_count()} cores")
    build(args.db)
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="bench-web-app-"))
    (folder / "bench_web_app.py").write_text(SERVER.format(url=args.db, seed=SEED, secret=WEB_SECRET, cache=str(folder / "results")), encoding="utf-8")
    command = [sys.executable, "-m", "uvicorn", "bench_web_app:app", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
               "--no-access-log", "--workers", str(args.workers)]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}
    base = f"http://127.0.0.1:{port}"
    first: dict[str, float] = {}
    for start in ("start (analysis included)", "restart (results kept on disk)"):
        server = _start(command, folder, environment, base)
        try:
            first[start] = asyncio.run(_first_view(base))
        finally:
            server.terminate()
            server.wait(timeout=20)
        print(f"first view after the {start}: {first[start]:.0f} ms")
    cold_ms, restart_ms = first.values()
    print(f"target first view after a restart < {TARGET_FIRST_VIEW_MS:.0f} ms: {'met' if restart_ms < TARGET_FIRST_VIEW_MS else 'NOT met'}")
    server = _start(command, folder, environment, base)
    try:
        done, errors, elapsed, p50, p95, p99, server_cpu = _run_load(args, base, server.pid)
        globals()["PATH"] = "/login"
        floor_done, _, floor_elapsed, _, floor_p95, _, _ = _run_load(args, base, server.pid)
        globals()["PATH"] = args.path
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"{done} requests of {PATH} ({PEOPLE} people) by {args.users} concurrent users (think time {args.think:g} s), {args.workers} worker(s), "
          f"client {args.client}, {elapsed:.1f} s: {done / elapsed:.0f} requests/s, p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, {errors} errors")
    print(f"server CPU {1000 * server_cpu / max(done, 1):.1f} ms per request (the client shares the machine's cores)")
    print(f"floor, the login page under the same load: {floor_done / floor_elapsed:.0f} requests/s, p95 {floor_p95:.0f} ms")
    print(f"target p95 < {TARGET_P95_MS:.0f} ms: {'met' if p95 < TARGET_P95_MS else 'NOT met'}")
    record = {"bench": "web", "cores": os.cpu_count(), "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2),
              "people": PEOPLE, "users": args.users, "workers": args.workers, "client": args.client, "path": args.path,
              "requests": done, "errors": errors, "requests_per_s": done / elapsed, "p50_ms": p50, "p95_ms": p95, "p99_ms": p99,
              "server_cpu_ms_per_request": 1000 * server_cpu / max(done, 1), "cold_ms": cold_ms, "restart_ms": restart_ms,
              "floor_requests_per_s": floor_done / floor_elapsed, "floor_p95_ms": floor_p95}
    print(f"load (1 min) {record['load_after']:.2f} after")
    line = json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in record.items()})
    print(line)
    if args.json is not None:
        with args.json.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


if __name__ == "__main__":
    main()
