"""What a person waits for: time from navigation to every visual of a screen rendered, in a real
headless Chromium against the production server (`gunicorn -c gunicorn.conf.py`, 127.0.0.1 only).

It starts gunicorn on an existing demo database (--url; e.g. `flask --app app init-demo --lines
1000000`), signs in through the login form as each demo user (leader, manager of team North,
salesperson SP01, admin) and opens each screen of that role --repeat times (after one warm-up
load). A load is timed in the page's own clock, from the navigation's start to the first moment
at which, and for a quiet stretch of 300 ms after which:

  - the page holds its content (the router has rendered it),
  - no `/_dash-update-component` request is in flight (a script added to every document before
    the app's own counts them) and no component is marked as loading by Dash,
  - every chart is drawn with data (a plotly graph whose traces are not empty and that does not
    read "Loading"), and every grid shows rows or its "no sales" message (not "Loading…").

Prints per role and screen the median, min and max in ms and the number of callback requests a
load made, then whether each median is within --target ms. Static files come from the browser's
cache after the warm-up, as for a returning user; every page is a fresh document load.

    PYTHONPATH=. python bench/pages.py --url sqlite:////path/demo-1m.db [--repeat 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_serve", ROOT / "bench" / "serve.py")
bench_serve = importlib.util.module_from_spec(_spec)
sys.modules["bench_serve"] = bench_serve
_spec.loader.exec_module(bench_serve)  # Server (gunicorn on a free port), load_text

PASSWORDS = {"leader": "leader-demo-pass", "manager": "manager-demo-pass",
             "sales": "sales-demo-pass", "admin": "admin-demo-pass"}  # fmt: skip

# Counts the callback requests in flight and remembers when the last one ended.
COUNT_REQUESTS = """
window.__bench = {inflight: 0, requests: 0, last: 0};
const originalFetch = window.fetch;
window.fetch = function (resource, options) {
  const url = String((resource && resource.url) || resource);
  const counted = url.includes('/_dash-update-component');
  if (counted) { window.__bench.inflight++; window.__bench.requests++; }
  const done = () => { if (counted) { window.__bench.inflight--; window.__bench.last = performance.now(); } };
  return originalFetch.apply(this, arguments).then(
    (response) => { done(); return response; },
    (error) => { done(); throw error; });
};
"""

# Resolves with the time (ms since navigation start) at which the screen became complete and
# stayed so for 300 ms, or -1 after 60 s.
WAIT_COMPLETE = """
const finish = arguments[arguments.length - 1];
function incomplete() {  // what is still missing, or '' when the screen is complete
  const b = window.__bench;
  const page = document.getElementById('app-page');
  if (!b || !page || page.children.length === 0) return 'no page yet';
  if (b.inflight > 0) return `${b.inflight} callback requests in flight`;
  if (document.querySelector('[data-dash-is-loading="true"]')) return 'a component is loading';
  if (!page.querySelector('h1, h2, .ag-root-wrapper, .js-plotly-plot')) return 'no content';
  for (const g of page.querySelectorAll('.js-plotly-plot')) {
    const text = g.textContent || '';
    const empty = !g._fullData || g._fullData.length === 0;
    if (empty && !/no sales|no data|nothing/i.test(text)) return `chart ${g.parentElement.id} empty`;
    if (/Loading/.test(text)) return `chart ${g.parentElement.id} loading`;
  }
  for (const grid of page.querySelectorAll('.ag-root-wrapper')) {
    const rows = grid.querySelector('.ag-center-cols-container .ag-row');
    const overlay = grid.querySelector('.ag-overlay-wrapper');
    const says = overlay ? overlay.textContent : '';
    if (!rows && (!says || /Loading/.test(says))) return 'a grid without rows or message';
  }
  return '';
}
let since = null;
const started = performance.now();
function tick() {
  const now = performance.now();
  const b = window.__bench || {last: 0};
  const missing = incomplete();
  if (!missing) {
    if (since === null || b.last > since) since = Math.max(now, since || 0);
    if (now - since >= 300 && now - b.last >= 300) { finish([since, b.requests]); return; }
  } else {
    since = null;
  }
  if (now - started > 60000) { finish([-1, missing]); return; }
  requestAnimationFrame(tick);
}
tick();
"""


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1366,768"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options)
    driver.set_script_timeout(90)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": COUNT_REQUESTS})
    return driver


def sign_in(driver, base: str, user: str) -> None:
    driver.get(f"{base}/login")
    driver.find_element(By.ID, "username").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(PASSWORDS[user])
    driver.find_element(By.ID, "sign-in").click()
    deadline = time.monotonic() + 120
    while "/login" in driver.current_url and time.monotonic() < deadline:
        time.sleep(0.1)


def load_ms(driver, url: str) -> tuple[float, int]:
    driver.get(url)
    ms, requests = driver.execute_async_script(WAIT_COMPLETE)
    if ms < 0:
        raise RuntimeError(f"{url}: not complete within 60 s: {requests}")
    return ms, requests


def customers(url: str) -> tuple[str, str]:
    """The biggest customer (by lines) of all, and a median-sized one of salesperson SP01."""
    engine = create_engine(url)
    per_customer = (
        "SELECT o.customer_id, COUNT(*) AS n FROM order_lines l "
        "JOIN orders o ON o.order_id = l.order_id JOIN customers c ON c.customer_id = o.customer_id "
    )
    with engine.connect() as conn:
        biggest = conn.execute(
            text(per_customer + "GROUP BY o.customer_id ORDER BY n DESC LIMIT 1")
        ).scalar_one()
        own = conn.execute(text(per_customer + "WHERE c.owner = 'SP01' GROUP BY o.customer_id "
                                "ORDER BY n")).all()  # fmt: skip
    engine.dispose()
    return biggest, own[len(own) // 2][0]


def screens(url: str) -> dict[str, list[tuple[str, str]]]:
    biggest, own = customers(url)
    shared = [("Sales by Customer", "/sales-by-customer"), ("Leaderboard", "/leaderboard"),
              ("Sales by Category", "/reports/sales-by-category")]  # fmt: skip
    return {
        "leader": [
            ("Overview", "/"),
            *shared,
            ("Team performance", "/team"),
            ("Customer page (biggest)", f"/customers/{biggest}"),
        ],  # fmt: skip
        "manager": [("Team performance", "/team"), ("Overview", "/"), *shared],
        "sales": [
            ("My customers", "/my-customers"),
            *shared,
            ("Customer page (median of theirs)", f"/customers/{own}"),
        ],  # fmt: skip
        "admin": [("Admin", "/admin")],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="DATABASE_URL of a demo database")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--target", type=float, default=1000.0, help="ms per screen")
    args = parser.parse_args()
    print(f"bench/pages.py, {datetime.now():%Y-%m-%d %H:%M}; {bench_serve.load_text()}; "
          f"{args.workers} workers; database {args.url.split('@')[-1]}")  # fmt: skip
    plan = screens(args.url)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as work:
        server = bench_serve.Server(args.url, args.workers, Path(work) / "snapshots",
                                    Path(work) / "gunicorn.log")  # fmt: skip
        print(f"gunicorn up in {server.start_seconds:.1f} s")
        results = []
        try:
            for user, pages in plan.items():
                driver = browser()
                try:
                    sign_in(driver, server.base, user)
                    for title, path in pages:
                        load_ms(driver, server.base + path)  # warm-up: caches, first map
                        runs = [load_ms(driver, server.base + path) for _ in range(args.repeat)]
                        times = [ms for ms, _ in runs]
                        results.append((user, title, times, runs[0][1]))
                        print(f"  {user:8} {title:34} median {statistics.median(times):7.0f} ms"
                              f"  min {min(times):6.0f}  max {max(times):6.0f}"
                              f"  callbacks {runs[0][1]}", flush=True)  # fmt: skip
                finally:
                    driver.quit()
        finally:
            server.stop()
    slow = [(u, t, statistics.median(x)) for u, t, x, _ in results
            if statistics.median(x) > args.target]  # fmt: skip
    print(f"{len(results) - len(slow)} of {len(results)} screens within {args.target:.0f} ms "
          f"(median of {args.repeat}); {bench_serve.load_text()}")  # fmt: skip
    for user, title, ms in slow:
        print(f"  over: {user} {title} {ms:.0f} ms")


if __name__ == "__main__":
    main()
