"""The production server under load: `gunicorn -c gunicorn.conf.py`, real HTTP on 127.0.0.1 only.

Four measurements, each starting gunicorn on an existing database (DATABASE_URL given with
--url; the demo company with its users, e.g. `flask --app app init-demo --lines 1000000`) and
stopping it at the end:

  load     --sessions signed-in sessions (leaders, every --manager-every-th the manager of
           team North: their frames are a private copy of the team's part, per worker) for
           --seconds, each replaying what a user does on Sales by Customer: open the page, period
           -> This quarter, + team North, + two categories, a click on the top customer's bar,
           period -> All data, again and again with --think seconds (0.5x-1.5x, seeded) between
           actions. The requests are those the Dash renderer posts (bench/callbacks.py's Browser).
           Prints the requests' p50/p95/p99 (filter changes, and page loads), every error, and
           the workers' memory at the end.
  memory   --workers workers: the data mapped, every worker warmed by a few sessions; RSS, PSS,
           USS and anonymous (heap, not file) memory of each worker and of the master
           (/proc/PID/smaps_rollup; a snapshot page only one process touched is in its USS), the snapshot's
           size, and the peak RSS of the child process that built the snapshot (from the log).
  start    the time from the launch (on an empty --snapshots folder: the snapshot is built
           first) to a signed-in leader's first page, every callback of / answered; the build's
           time and the builder child's peak RSS.
  reload   --sessions sessions as in `load`; after --before seconds an `import-lines` of
           --import-lines new order lines (a CSV of new orders, written first) runs; prints the
           longest request while the workers rebuild, when each worker switched (its /healthz,
           polled every 0.25 s) and the lines before and after.
  sql      SALES_ENGINE=sql on --url (PostgreSQL or SQLite; the database computes): signed in
           as the leader, the manager of North and the salesperson SP01, every screen sql
           serves opened as the browser does (the page, its layout, every callback it leads
           to), then its CSV export, and the page of the user's top customer (the first row of
           their Sales by Customer CSV) with its PDF brief, the default view (the last 12
           months); the leader twice (the first time on a fresh server: every question asked
           the first time; the master read the lists of data.lists before forking, as it logs);
           the KPI export.
           Prints each screen's time per user, the peak RSS (VmHWM) of the master and of each
           worker, and the snapshot files built (none: the frames are never loaded).

    PYTHONPATH=. python bench/serve.py load --url sqlite:///big.db [--workers 2] [--seconds 180]
    PYTHONPATH=. python bench/serve.py memory --url ... --workers 4
    PYTHONPATH=. python bench/serve.py start --url ...
    PYTHONPATH=. python bench/serve.py reload --url ... [--import-lines 100000]
    PYTHONPATH=. python bench/serve.py sql --url postgresql://... [--workers 2]

Every request loop is bounded by --seconds (load) or by the reload's own end plus --after
seconds; nothing is sent anywhere but the server this script started on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_callbacks", ROOT / "bench" / "callbacks.py")
bench_callbacks = importlib.util.module_from_spec(_spec)
sys.modules["bench_callbacks"] = bench_callbacks  # dataclasses look their module up there
_spec.loader.exec_module(bench_callbacks)  # the Dash renderer stand-in (Browser, Dep)
Browser, Dep = bench_callbacks.Browser, bench_callbacks.Dep

ROLES = {"leader": "leadership", "manager": "manager", "sales": "salesperson"}
CALLBACK_TARGET_MS = 1000  # every screen's callbacks at 50M lines in a DuckDB file (issue 13)
SHOWN_MS = 100  # callbacks under this are summed per page, not named
CUSTOMER_PAGE = "customer-page"  # the user's top customer's page; its export: the PDF brief
PASSWORDS = {"leader": "leader-demo-pass", "manager": "manager-demo-pass",
             "sales": "sales-demo-pass"}  # fmt: skip
CATEGORIES = ["Apparel", "Home"]


# ---- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn -c gunicorn.conf.py on a free loopback port; its log in a file."""

    def __init__(self, url: str, workers: int, snapshots: Path, log: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        env = {**os.environ, "DATABASE_URL": url, "PORT": str(self.port),
               "WEB_CONCURRENCY": str(workers), "SECRET_KEY": "bench-serve",
               "SALES_SNAPSHOT_DIR": str(snapshots), **env}  # fmt: skip
        self.log = open(log, "w")  # noqa: SIM115 (closed in stop)
        started = self.launched = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        while True:
            try:
                if requests.get(f"{self.base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
            if time.perf_counter() - started > 3600:
                raise RuntimeError("gunicorn did not answer /healthz within an hour")
            time.sleep(0.5)
        self.start_seconds = time.perf_counter() - started
        self.workers = self.worker_pids(workers)

    def worker_pids(self, count: int) -> list[int]:
        for _ in range(100):
            children = psutil.Process(self.process.pid).children()
            pids = [c.pid for c in children if "gunicorn" in " ".join(c.cmdline())]
            if len(pids) >= count:
                return sorted(pids)
            time.sleep(0.1)
        raise RuntimeError(f"expected {count} workers, found {pids}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=120)
        self.log.close()


def memory(pid: int) -> dict[str, float]:
    """MB of RSS, PSS (shared pages divided among their users) and USS (private) of a process."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss", "Private_Clean", "Private_Dirty", "Anonymous"):
            values[key] = int(rest.split()[0]) / 1024
    return {"rss": values["Rss"], "pss": values["Pss"],
            "uss": values["Private_Clean"] + values["Private_Dirty"],
            "anon": values["Anonymous"]}  # fmt: skip


def print_memory(server: Server, snapshot_mb: float | None = None) -> None:
    rows = [("master", server.process.pid)] + [(f"worker {p}", p) for p in server.workers]
    figures = {name: memory(pid) for name, pid in rows}
    for name, m in figures.items():
        print(
            f"  {name:<14} RSS {m['rss']:7.0f} MB  PSS {m['pss']:7.0f} MB  USS {m['uss']:7.0f} MB"
            f"  anonymous {m['anon']:6.0f} MB"
        )
    workers = [figures[n] for n, _ in rows[1:]]
    one = max(w["rss"] for w in workers)
    total = sum(m["pss"] for m in figures.values())
    together = sum(w["pss"] for w in workers)
    print(f"  one worker's RSS (largest): {one:,.0f} MB; sum of the workers' RSS: "
          f"{sum(w['rss'] for w in workers):,.0f} MB (counts shared pages once per worker)")  # fmt: skip
    print(f"  the workers together (sum of their PSS: shared pages counted once, split): "
          f"{together:,.0f} MB = {together / one:.2f} x one worker's RSS (target <= 1.3)")  # fmt: skip
    print(f"  the whole server (master + workers, sum of PSS): {total:,.0f} MB "
          f"= {total / one:.2f} x one worker's RSS")  # fmt: skip
    builders = [memory(pid) for pid in builder_children(server.workers)]
    if builders:
        print(f"  ready builder children (not counted above): {len(builders)}, PSS "
              f"{sum(m['pss'] for m in builders):,.0f} MB, USS {sum(m['uss'] for m in builders):,.0f} MB")  # fmt: skip
    if snapshot_mb:
        print(f"  snapshot file: {snapshot_mb:,.0f} MB")


def builder_children(parents: list[int]) -> list[int]:
    """The snapshot builder children (python -m data.snapshot) of the processes `parents`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if parent in parents and b"data.snapshot" in command:
            found.append(int(stat.parent.name))
    return found


# ---- sessions -----------------------------------------------------------------------------------


def sign_in(base: str, user: str) -> requests.Session:
    """Sign in through the form. The sessions share a few accounts and start together: the
    login brake counts a sign-in as failed until its password is checked, so more than five
    at once on one account are told to wait (429, "Try again in N s"); they wait and retry, as
    a person would."""
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {"username": user, "password": PASSWORDS[user], "csrf_token": token, "next": ""}
    for _ in range(5):
        response = http.post(f"{base}/login", data=form, allow_redirects=False, timeout=60)
        if response.status_code != 429:
            break
        wait = re.search(r"Try again in (\d+)", response.text)
        time.sleep(int(wait.group(1)) if wait else 2)
    if response.status_code != 302:
        raise RuntimeError(f"sign-in as {user}: HTTP {response.status_code}")
    return http


class Session(threading.Thread):
    """One signed-in user replaying the scenario until `stop_at` (monotonic seconds)."""

    def __init__(self, base: str, user: str, stop_at: float, think: float, seed: int, records):
        super().__init__(daemon=True)
        self.base, self.user, self.stop_at, self.think = base, user, stop_at, think
        self.random = random.Random(seed)
        self.records = records  # (start monotonic, wall ms, kind, status or error, what)
        self.errors: list[str] = []

    def run(self) -> None:
        try:
            http = sign_in(self.base, self.user)
            raw = http.get(f"{self.base}/_dash-dependencies", timeout=60).json()
            deps = [Dep.parse(d, {}) for d in raw if not d.get("clientside_function")]
        except Exception as error:  # noqa: BLE001 (counted, printed)
            self.errors.append(f"{self.user} sign-in: {error}")
            return
        while time.monotonic() < self.stop_at:
            browser = Browser(http, self.base, deps)
            for kind, action in self.actions():
                if time.monotonic() >= self.stop_at:
                    return
                self.act(browser, kind, action)
                time.sleep(self.think * self.random.uniform(0.5, 1.5))

    def actions(self):
        open_page = ("page", lambda b: b.open("/sales-by-customer"))
        team = lambda b: b.change(  # noqa: E731
            bench_callbacks.first_matching(b, "filter-values", key="team"), "value", ["North"]
        )
        categories = lambda b: b.change(  # noqa: E731
            bench_callbacks.first_matching(b, "filter-values", key="category"), "value", CATEGORIES
        )
        return [
            open_page,
            ("filter", lambda b: b.change("filter-preset", "value", "this_quarter")),
            ("filter", team),
            ("filter", categories),
            ("filter", bench_callbacks.click_top_bar),
            ("filter", lambda b: b.change("filter-preset", "value", "all")),
        ]

    def act(self, browser, kind: str, action) -> None:
        browser.log = []
        started = time.monotonic()
        try:
            action(browser)
            error = None
        except Exception as exc:  # noqa: BLE001 (an error is a finding: counted and printed)
            error = f"{type(exc).__name__}: {str(exc)[:200]}"
            self.errors.append(f"{self.user} {kind}: {error}")
        moment = started
        for request in browser.log:
            label = f"{self.user}: {request.name}"
            self.records.append((moment, request.wall_ms, kind, request.status, label))
            moment += request.wall_ms / 1000
        if error and not browser.log:
            wall = (time.monotonic() - started) * 1000
            self.records.append((started, wall, kind, error, f"{self.user}: {kind}"))


def run_sessions(
    base: str, count: int, seconds: float, think: float, records, manager_every: int = 5
) -> list[Session]:
    stop_at = time.monotonic() + seconds
    users = [
        "manager" if manager_every and i % manager_every == manager_every - 1 else "leader"
        for i in range(count)
    ]
    sessions = [Session(base, u, stop_at, think, i, records) for i, u in enumerate(users)]
    for s in sessions:
        s.start()
        time.sleep(0.05)
    return sessions


def percentiles(values: list[float]) -> str:
    if not values:
        return "no requests"
    q = statistics.quantiles(values, n=100, method="inclusive")
    return (f"n={len(values):,}  p50 {q[49]:6.0f} ms  p95 {q[94]:6.0f} ms  p99 {q[98]:6.0f} ms  "
            f"max {max(values):6.0f} ms")  # fmt: skip


def load_text() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---- the three measurements ---------------------------------------------------------------------


def measure_load(args, server: Server) -> None:
    records: list = []
    print(f"{args.sessions} sessions for {args.seconds:.0f} s, think time {args.think} s "
          f"(x0.5-1.5); {load_text()} at start")  # fmt: skip
    sessions = run_sessions(server.base, args.sessions, args.seconds, args.think, records,
                            args.manager_every)  # fmt: skip
    for s in sessions:
        s.join(args.seconds + 300)
    errors = [e for s in sessions for e in s.errors]
    bad = [r for r in records if r[3] not in (200, 204)]
    for kind in ("filter", "page"):
        walls = [r[1] for r in records if r[2] == kind]
        print(f"  {kind + ' requests':<16} {percentiles(walls)}")
    served = [int(ms) for ms in re.findall(r'"POST /_dash-update-component [^"]*" 200 \d+ (\d+)ms',
                                           server.log_path.read_text())]  # fmt: skip
    print(f"  server side (access log, callbacks) {percentiles(served)}")
    print(f"  errors: {len(errors)} actions failed, {len(bad)} requests not 200/204")
    for error in errors[:10]:
        print(f"    {error}")
    print(f"  {load_text()} at the end")
    print("memory at the end:")
    print_memory(server)


def measure_memory(args, server: Server, snapshots: Path) -> None:
    records: list = []
    sessions = run_sessions(server.base, args.sessions, args.seconds, args.think, records,
                            args.manager_every)  # fmt: skip
    for s in sessions:
        s.join(args.seconds + 600)
    served = {r[3] for r in records}
    print(f"warm-up: {len(records):,} requests by {args.sessions} sessions in {args.seconds:.0f} s "
          f"(statuses {sorted(map(str, served))})")  # fmt: skip
    files = list(snapshots.glob("*.arrow"))
    parts = [f for f in files if ".part-" in f.name]  # the scopes' parts (data.snapshot)
    size = sum(f.stat().st_size for f in files if f not in parts) / 2**20
    print_memory(server, size)
    print(f"  parts of the snapshot (one per scope in use): {len(parts)} files, "
          f"{sum(f.stat().st_size for f in parts) / 2**20:,.0f} MB")  # fmt: skip
    print_build(server, size)


def print_build(server: Server, size: float) -> None:
    """The build's time and the builder child's peak RSS, from the server's log."""
    log = server.log_path.read_text()
    peaks = re.findall(r"builder done: .*peak RSS (\d+) MB", log)
    built = re.findall(r"snapshot .* built: ([\d,]+) lines, ([\d.]+) MB, ([\d.]+) s", log)
    if peaks and built:
        peak = int(peaks[-1])
        print(f"  building the snapshot (child process): {built[-1][2]} s, peak RSS {peak:,} MB "
              f"= {peak / size:.2f} x the snapshot (target <= 2)")  # fmt: skip
    else:
        print(
            "  the snapshot already existed: start with an empty --snapshots folder to measure the build"
        )


def measure_start(args, server: Server, snapshots: Path) -> None:
    """From the launch to a signed-in leader's first page (/ with every callback answered)."""
    http = sign_in(server.base, "leader")
    raw = http.get(f"{server.base}/_dash-dependencies", timeout=60).json()
    browser = Browser(http, server.base, [Dep.parse(d, {}) for d in raw
                                          if not d.get("clientside_function")])  # fmt: skip
    browser.open("/")
    first_page = time.perf_counter() - server.launched
    print(f"  first page (leader, /, {len(browser.log)} callbacks answered): {first_page:.1f} s "
          f"after the launch (target <= 60 s); {load_text()}")  # fmt: skip
    files = [f for f in snapshots.glob("*.arrow") if ".part-" not in f.name]
    print_build(server, sum(f.stat().st_size for f in files) / 2**20)


def new_orders_csv(path: Path, lines: int) -> int:
    """`lines` order lines of new orders (IDs prefixed N-) for existing customers and items."""
    from data.demo import generate

    tables = generate(lines=lines, seed=11, end=date(2026, 11, 21))
    orders = tables["orders"].rename(columns={"status": "order_status"})
    orders["order_id"] = "N-" + orders["order_id"].astype(str)
    lines_t = tables["order_lines"].rename(columns={"status": "line_status"})
    lines_t["order_id"] = "N-" + lines_t["order_id"].astype(str)
    flat = lines_t[
        [
            "order_id",
            "item_id",
            "quantity",
            "unit_price",
            "discount_pct",
            "vat_rate",
            "prices_include_vat",
            "unit_cost",
            "line_status",
        ]
    ].merge(  # fmt: skip
        orders[["order_id", "order_date", "customer_id", "order_status", "salesperson", "channel"]],
        on="order_id",
    )
    flat["order_date"] = flat["order_date"].dt.strftime("%Y-%m-%d")
    flat.to_csv(path, index=False)
    return len(flat)


def imported_before(url: str) -> bool:
    """Whether an earlier reload run's new orders (IDs N-…) are in the database already."""
    from sqlalchemy import create_engine, text

    from data.db import normal_url

    with create_engine(normal_url(url)).connect() as conn:
        found = conn.execute(text("SELECT 1 FROM orders WHERE order_id LIKE 'N-%' LIMIT 1"))
        return found.first() is not None


def measure_reload(args, server: Server, url: str) -> None:
    csv_path, rows = args.csv_path, args.csv_rows
    records: list = []
    health: list = []  # (monotonic, worker pid, data version, lines)
    before = requests.get(f"{server.base}/healthz", timeout=60).json()
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                h = requests.get(f"{server.base}/healthz", timeout=30,
                                 headers={"Connection": "close"}).json()  # fmt: skip
                health.append((time.monotonic(), h["worker"], h["data_version"], h["lines"]))
            except Exception:  # noqa: BLE001,S110 (a missed poll is only a gap)
                pass
            time.sleep(0.25)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    budget = args.before + 1800
    sessions = run_sessions(server.base, args.sessions, budget, args.think, records,
                            args.manager_every)  # fmt: skip
    time.sleep(args.before)
    print(f"{args.sessions} sessions running; {load_text()}; importing...")
    started = time.monotonic()
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "import-lines", str(csv_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    imported = time.monotonic()
    print(f"  import-lines: exit {result.returncode} in {imported - started:.1f} s: "
          f"{result.stdout.strip().splitlines()[0] if result.stdout else result.stderr[-500:]}")  # fmt: skip
    target = before["lines"] + rows
    switched: dict[int, float] = {}
    deadline = imported + 1800
    while len(switched) < len(server.workers) and time.monotonic() < deadline:
        for moment, pid, _version, lines in list(health):
            if lines == target and pid not in switched and moment >= imported:
                switched[pid] = moment
        time.sleep(0.25)
    done = max(switched.values()) if switched else time.monotonic()
    time.sleep(args.after)
    for s in sessions:
        s.stop_at = 0
    stop.set()
    for s in sessions:
        s.join(600)
    for pid in sorted(switched):
        print(
            f"  worker {pid} serves the new data {switched[pid] - imported:.1f} s after the import"
        )
    during = [r for r in records if started <= r[0] <= done]
    others = [r for r in records if r[0] < started]
    print(f"  lines before {before['lines']:,}, after {target:,} (expected before + {rows:,})")
    print(
        f"  requests while importing and rebuilding ({done - started:.1f} s): {percentiles([r[1] for r in during])}"
    )
    print(f"  requests before the import:               {percentiles([r[1] for r in others])}")
    for moment, wall, _kind, _status, what in sorted(during, key=lambda r: -r[1])[:5]:
        print(f"    slowest while rebuilding: {wall:6.0f} ms at {moment - started:5.1f} s  {what}")
    bad = [r for r in records if r[3] not in (200, 204)]
    errors = [e for s in sessions for e in s.errors]
    print(f"  errors: {len(errors)} actions failed, {len(bad)} requests not 200/204; {load_text()}")
    for error in errors[:10]:
        print(f"    {error}")
    events = re.findall(r"\[([\d:-]+ [\d:]+) [^]]*\] \[(\d+)\] \[INFO\] (sales\.(?:store|snapshot): "
                        r"(?:snapshot .* (?:built|merged): .*|data changed: .*|serving .*|"
                        r"builder done: .*))", server.log_path.read_text())  # fmt: skip
    print("  the server's log of builds and swaps:")
    for moment, pid, what in events:
        print(f"    {moment} [{pid}] {what}")


def peak_rss_mb(pid: int) -> float:
    """The highest RSS the process has had (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def callback_names() -> dict[str, str]:
    """A server callback's output key -> `module.function`, from the app built in this process
    on a new empty SQLite file (the server's own database is not opened)."""
    from app import create_dash

    with tempfile.TemporaryDirectory(prefix="bench-names-") as folder:
        app = create_dash({"DATABASE_URL": f"sqlite:///{folder}/names.db"})
        names = bench_callbacks.callback_names(app)
        app.server.extensions["sales_store"].engine.dispose()
    return names


def measure_sql(args, server: Server, snapshots: Path) -> None:
    """Every screen on SALES_ENGINE=sql, page (with its callbacks) and CSV, per user: the
    leader's first pass once (the server's first requests), then --repeat passes per user,
    medians; the user's top customer's page last (finding it asks a question)."""
    from views.pages import SCREENS, may_open

    names = callback_names()
    runs = [("leader", "leader, first", 1), ("leader", "leader", args.repeat),
            ("manager", "manager", args.repeat), ("sales", "salesperson", args.repeat)]  # fmt: skip
    runs = [run for run in runs if not args.users or run[0] in args.users.split(",")]
    times: dict[str, dict[str, tuple[float, float]]] = {}
    logs: dict[tuple[str, str], list[list]] = {}  # (screen, label) -> each pass's requests
    kpis = {}
    sessions: dict[str, requests.Session] = {}
    for user, label, count in runs:
        if user not in sessions:  # the leader's second run on the same connection (worker)
            sessions[user] = sign_in(server.base, user)
        http = sessions[user]
        raw = http.get(f"{server.base}/_dash-dependencies", timeout=60).json()
        deps = [Dep.parse(d, names) for d in raw if not d.get("clientside_function")]
        chosen = [s for s in SCREENS if not args.screens or s in args.screens.split(",")]
        screens = [s for s in chosen if may_open(ROLES[user], s)]
        if not args.screens or CUSTOMER_PAGE in args.screens.split(","):
            screens.append(CUSTOMER_PAGE)  # last: finding the top customer asks a question
        for screen in screens:
            if screen == CUSTOMER_PAGE:
                top = quote(top_customer(http, server.base), safe="")
                path, export = f"/customers/{top}", f"/export/customers/{top}/brief.pdf"
            else:
                path, export = SCREENS[screen][1], f"/export/{screen}.csv"
            pages, exports = [], []
            for _ in range(count):
                browser = Browser(http, server.base, deps, user)
                started = time.perf_counter()
                browser.open(path)  # raises on any answer but 200 / 204
                pages.append(time.perf_counter() - started)
                logs.setdefault((screen, label), []).append(browser.log)
                started = time.perf_counter()
                answer = http.get(f"{server.base}{export}", timeout=3600)
                if answer.status_code != 200:
                    raise RuntimeError(f"{export} as {user}: HTTP {answer.status_code}")
                exports.append(time.perf_counter() - started)
            times.setdefault(screen, {})[label] = (statistics.median(pages),
                                                   statistics.median(exports))  # fmt: skip
            print(f"  ({label}, {screen}: page {times[screen][label][0]:.2f} s, CSV "
                  f"{times[screen][label][1]:.2f} s; {load_text()})", flush=True)  # fmt: skip
        if user != "sales" and "overview" in chosen:  # the Overview's export: not a salesperson's
            exports = []
            for _ in range(count):
                started = time.perf_counter()
                if http.get(f"{server.base}/export/kpis.csv", timeout=3600).status_code != 200:
                    raise RuntimeError(f"kpis.csv as {user}")
                exports.append(time.perf_counter() - started)
            kpis[label] = statistics.median(exports)
    labels = [label for _, label, _ in runs]
    print(f"seconds per screen: page (every callback) / CSV export (the customer page: its PDF brief), median of {args.repeat} "
          f"(the leader's first pass: one); {load_text()}")  # fmt: skip
    print(f"  {'screen':<20}" + "".join(f"{label:>22}" for label in labels))
    for screen, by_label in times.items():
        cells = "".join(f"{by_label[lb][0]:>13.2f} / {by_label[lb][1]:5.2f}" if lb in by_label
                        else f"{'-':>22}" for lb in labels)  # fmt: skip
        print(f"  {screen:<20}{cells}")
    print(f"  {'KPI export':<20}"
          + "".join(f"{kpis[lb]:>22.2f}" if lb in kpis else f"{'-':>22}" for lb in labels))  # fmt: skip
    print_callbacks(logs, labels, args.repeat)
    rows = [("master", server.process.pid)] + [(f"worker {p}", p) for p in server.workers]
    peaks = {name: peak_rss_mb(pid) for name, pid in rows}
    print("peak RSS (VmHWM): " + ", ".join(f"{n} {mb:,.0f} MB" for n, mb in peaks.items())
          + f"; the largest {max(peaks.values()):,.0f} MB (target <= 400)")  # fmt: skip
    print(f"snapshot files built: {len(list(snapshots.glob('*')))}; {load_text()}")


def top_customer(http: requests.Session, base: str) -> str:
    """The user's top customer: the first row of their Sales by Customer CSV (default view)."""
    answer = http.get(f"{base}/export/sales-by-customer.csv?headers=fields", timeout=3600)
    if answer.status_code != 200:
        raise RuntimeError(f"sales-by-customer.csv: HTTP {answer.status_code}")
    return next(csv.DictReader(io.StringIO(answer.text)))["customer_id"]


def print_callbacks(logs: dict[tuple[str, str], list[list]], labels: list[str], repeat: int):
    """Per user and screen, each callback request of the page load (in the order posted; those
    under SHOWN_MS together) and their sum: the median ms of the passes (the client's wall time
    of each request, the loopback round trip included); then the callbacks over
    CALLBACK_TARGET_MS."""
    print(f"callbacks of each page load, median ms of {repeat} (wall time of each request; the "
          f"page's GETs left out; sum: all its callbacks, posted one after the other; those under "
          f"{SHOWN_MS} ms summed as others)")  # fmt: skip
    over = []
    for label in labels:
        for (screen, of), passes in logs.items():
            if of != label:
                continue
            posted = [[r for r in log if not r.name.startswith("GET ")] for log in passes]
            if any([r.name for r in p] != [r.name for r in posted[0]] for p in posted):
                raise RuntimeError(f"{screen} as {label}: the passes posted different requests")
            cells, others = [], []
            for i, request in enumerate(posted[0]):
                ms = statistics.median(p[i].wall_ms for p in posted)
                if ms < SHOWN_MS:
                    others.append(ms)
                    continue
                cells.append(f"{request.name} {ms:,.0f}")
                if ms > CALLBACK_TARGET_MS:
                    over.append(f"{label} {screen} {request.name} {ms:,.0f} ms")
            cells.append(f"{len(others)} others {sum(others):,.0f}")
            total = statistics.median(sum(r.wall_ms for r in p) for p in posted)
            print(f"  {label:<12} {screen:<20} sum {total:>7,.0f}: " + ", ".join(cells))
    print(f"callbacks over {CALLBACK_TARGET_MS:,} ms: {len(over)}")
    for line in over:
        print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["load", "memory", "reload", "start", "sql"])
    parser.add_argument("--url", required=True, help="DATABASE_URL of a demo database")
    parser.add_argument(
        "--analytics",
        help="sql: ANALYTICS_URL (default: --url), e.g. "
        "duckdb:///path/demo-50m.duckdb; --url then only signs the users in",
    )
    parser.add_argument("--repeat", type=int, default=3, help="sql: passes per user (median)")
    parser.add_argument(
        "--screens",
        help="sql: only these screens (views.pages.SCREENS' keys, "
        "comma-separated), e.g. overview,leaderboard",
    )
    parser.add_argument(
        "--users", help="sql: only these users (leader, manager, sales; comma-separated)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--snapshots", help="snapshot folder (default: a new temporary one)")
    parser.add_argument("--manager-every", type=int, default=5,
                        help="every Nth session is the manager of team North (0: leaders only)")  # fmt: skip
    parser.add_argument("--import-lines", type=int, default=100_000)
    parser.add_argument("--before", type=float, default=20)
    parser.add_argument("--after", type=float, default=10)
    args = parser.parse_args()
    if args.what == "memory" and args.seconds == 180:
        args.seconds = 30
    print(f"bench/serve.py {args.what}, {datetime.now():%Y-%m-%d %H:%M}; {load_text()}; "
          f"{args.workers} workers; database {args.url.split('@')[-1]}"
          + (f"; analytics {args.analytics}" if args.analytics else ""))  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as work:
        args.work = work
        snapshots = Path(args.snapshots or Path(work) / "snapshots")
        if args.what == "reload":  # written first: the server should not wait for it
            args.csv_path = Path(work) / "new-lines.csv"
            args.csv_rows = new_orders_csv(args.csv_path, args.import_lines)
            if imported_before(args.url):
                sys.exit("the database holds new orders (IDs N-…) of an earlier reload run, so the"
                         " import would add no line: delete them first")  # fmt: skip
            print(f"import file: {args.csv_rows:,} new order lines "
                  f"({args.csv_path.stat().st_size / 1e6:.0f} MB)")  # fmt: skip
        engine = {}
        if args.what == "sql":  # a page's callbacks may take minutes at 10M lines and more
            engine = {"SALES_ENGINE": "sql", "GUNICORN_TIMEOUT": "3600"}
            engine.update({"ANALYTICS_URL": args.analytics} if args.analytics else {})
        server = Server(args.url, args.workers, snapshots, Path(work) / "gunicorn.log", **engine)
        try:
            health = requests.get(f"{server.base}/healthz", timeout=60).json()
            lines = f"{health['lines']:,} lines" if "lines" in health else "no frames (sql)"
            print(f"gunicorn up in {server.start_seconds:.1f} s: {lines}, "
                  f"data version {health['data_version']}, workers {server.workers}")  # fmt: skip
            if args.what == "sql":
                started = [
                    ln for ln in server.log_path.read_text().splitlines() if "SALES_ENGINE" in ln
                ]
                print("\n".join(ln.split("] ", 3)[-1] for ln in started))  # the lists read ahead
                measure_sql(args, server, snapshots)
            elif args.what == "load":
                measure_load(args, server)
            elif args.what == "memory":
                measure_memory(args, server, snapshots)
            elif args.what == "start":
                measure_start(args, server, snapshots)
            else:
                measure_reload(args, server, args.url)
        finally:
            server.stop()
            log = server.log_path.read_text().splitlines()
            errors = [i for i, ln in enumerate(log) if "[ERROR]" in ln or "Traceback" in ln]
            print(f"server log: {len(errors)} error lines")
            for i in errors[:3]:  # each with what follows it: the traceback
                print("\n".join(f"  {line}" for line in log[i : i + 40]))


if __name__ == "__main__":
    main()
