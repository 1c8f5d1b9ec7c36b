"""The cache: loaded once, reloaded after another program writes to the database."""

import subprocess
import sys

from data.db import make_engine, write_tables
from data.store import Store
from metrics.filters import Filters
from metrics.kpis import kpis
from tests.factory import make_tables

WRITER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("INSERT INTO orders (order_id, document_type, status, order_date, customer_id) "
             "VALUES ('EXT1', 'invoice', 'confirmed', '2026-05-02', 'C1')")
conn.execute("INSERT INTO order_lines (order_id, line_no, item_id, quantity, unit_price, "
             "discount_pct, vat_rate, prices_include_vat, cost_non_inv, status) "
             "VALUES ('EXT1', 1, 'I1', 3, 25.0, 0, 0, 0, 0, 'delivered')")
conn.commit()
"""


def test_sto001_reloads_after_an_external_write(tmp_path):
    path = tmp_path / "sales.db"
    engine = make_engine(f"sqlite:///{path}")
    write_tables(
        engine, make_tables([{"order_id": "O1", "order_date": "2026-05-01"}]), replace=True
    )
    store = Store(engine)
    first = store.frames()
    assert store.frames() is first  # no change, no reload
    assert kpis(first, Filters()).sales_amount == 10.0

    subprocess.run([sys.executable, "-c", WRITER, str(path)], check=True)
    second = store.frames()
    assert second is not first
    assert kpis(second, Filters()).sales_amount == 85.0  # 10 + 3 × 25
    assert second.as_of >= first.as_of
    assert store.frames() is second


def test_sto002_the_next_callback_sees_an_external_write(tmp_path):
    """Real HTTP: another process inserts an order; the next KPI callback includes it."""
    import threading

    from werkzeug.serving import make_server

    from app import create_dash
    from data.users import create_user
    from tests.test_auth import callback, signed_in, text_of

    path = tmp_path / "sales.db"
    engine = make_engine(f"sqlite:///{path}")
    write_tables(
        engine, make_tables([{"order_id": "O1", "order_date": "2026-05-01"}]), replace=True
    )
    create_user(engine, "leader", "leader-demo-pass", "leadership")
    app = create_dash({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "store-test"})
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        session, _ = signed_in(base, "leader")
        ask = [("filter-url", "search", "?from=2026-05-01&to=2026-05-31")]
        outputs = [("overview-kpis", "children"), ("overview-compared-period", "children")]
        assert "£10.00" in text_of(callback(session, base, outputs, ask))
        subprocess.run([sys.executable, "-c", WRITER, str(path)], check=True)
        assert "£85.00" in text_of(callback(session, base, outputs, ask))  # 10 + 3 × 25
    finally:
        server.shutdown()
