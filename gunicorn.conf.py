"""Production server: `gunicorn -c gunicorn.conf.py` (settings from the environment, README).

The app is loaded once in the master (`preload_app`), which builds the current data version's
snapshot (if it is not on disk yet) before any worker is forked; each worker maps it before its
first request, and all of them share its pages.
With SALES_ENGINE=sql the master loads no frames: it reads the lists of the active users'
scopes instead (views.context.read_lists_ahead), which every worker inherits.
Each worker drops the database connections it inherited (data.db.dispose_after_fork) and
rebuilds no data itself beyond small sets: a big rebuild runs in a child process.
"""

import ctypes
import gc
import os
import time

import pyarrow

wsgi_app = "app:create_app()"
bind = f"127.0.0.1:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"  # threads: a slow export does not hold up the other users of a worker
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
preload_app = True
# Loading happens in the master before the workers start; a request's work is bounded by the
# metrics (≤ a few seconds at 10M lines), so a worker silent this long is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))  # 0: workers are not recycled
max_requests_jitter = max_requests // 10
control_socket_disable = True  # no control socket (its default path may not be writable)
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# time, client, user, request line, status, bytes, duration in ms
access_log_format = '%(t)s %(p)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms'
proc_name = "sales-by-customer"


def on_starting(server):
    """Build the current data version's snapshot before any worker is forked. Runs before
    gunicorn takes over SIGCHLD, so that the builder child is waited for by us, not reaped."""
    extensions = server.app.wsgi().extensions
    if "sql_engine" in extensions:  # SALES_ENGINE=sql: the database computes; no frames
        from views.context import read_lists_ahead  # the app is loaded by now (preload_app)

        started = time.perf_counter()
        try:
            with server.app.wsgi().app_context():
                read = read_lists_ahead()
        except Exception:  # e.g. the analytics database is down: each worker reads them when asked
            server.log.exception("SALES_ENGINE=sql: the lists were not read ahead")
        else:
            server.log.info("SALES_ENGINE=sql: no frames loaded; the lists of %d scopes read "
                            "in %.1f s", read, time.perf_counter() - started)  # fmt: skip
        gc.freeze()
        return
    store = extensions["sales_store"]
    frames = store.load()
    server.log.info("data ready: %s order lines, as of %s", f"{len(frames.lines):,}", frames.as_of)
    del frames
    store.release()  # the workers map it themselves: the master must not pin old files
    gc.freeze()  # the loaded app's objects: never scanned again, so their pages stay shared


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8  # glibc mallopt parameters


def post_fork(server, worker):
    """Give big temporaries (a request's masks and sums over millions of lines) back to the
    system when freed: glibc would otherwise raise its mmap threshold to 32 MB and keep them in
    per-thread heaps, and Arrow's own allocator (mimalloc) keeps what it frees for reuse; a
    worker's private memory would grow to several times its share.
    With SALES_ENGINE=sql on a DuckDB file a request's arrays are one customer's at most (a few
    MB each), made and freed by the hundred on a big customer's page: they come from the heaps
    up to 64 MB, which post_request trims as before. A fresh mapping each costs a page fault per
    4 KB: 127,000-146,000 on the biggest customer's page at 50M lines, ~61,000 from the heaps,
    and the page took 0.71-0.81 s against 0.95-1.17 s (README). On the other databases
    (PostgreSQL, SQLite, Trino, Spark) as with the frames, 1 MB: on PostgreSQL the page waits
    for the database (2.5 s at 10M lines) and the heaps kept the worker 30 MB higher."""
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return
    extensions = server.app.wsgi().extensions
    sql = "sql_engine" in extensions
    duckdb = sql and extensions["sql_database"].dialect == "duckdb"
    libc.mallopt(M_MMAP_THRESHOLD, (64 if duckdb else 1) << 20)
    libc.mallopt(M_TRIM_THRESHOLD, (64 if sql else 8) << 20)
    libc.mallopt(M_ARENA_MAX, 2)


def post_request(worker, req, environ, resp):
    """After each response (sent already): hand the heaps' free pages back to the system."""
    from data.memory import release_free_memory  # the app's, loaded by now

    release_free_memory()


def post_worker_init(worker):
    """Map the snapshot before this worker takes its first request (milliseconds)."""
    if "sql_engine" in worker.wsgi.extensions:  # SALES_ENGINE=sql: no frames
        return
    frames = worker.wsgi.extensions["sales_store"].load()
    worker.log.info("worker %s serves %s order lines", worker.pid, f"{len(frames.lines):,}")
