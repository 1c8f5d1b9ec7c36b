"""Sign-in and access control through real HTTP requests against the real app (SPEC §6)."""

import json
import re
import threading
from datetime import date

import pytest
import requests
from werkzeug.serving import make_server

from app import create_dash
from data.access import Scope, scoped
from data.db import make_engine, read_tables
from data.frames import build_frames
from metrics.filters import Filters
from metrics.kpis import kpis
from tests.conftest import PASSWORDS
from tests.servers import copy_database

PAGES = ["/", "/team", "/my-customers", "/customers/C00001", "/admin"]


@pytest.fixture(scope="module")
def base(demo_db, tmp_path_factory):
    """URL of the real app served over HTTP from a thread, on the demo database."""
    app = create_dash({"DATABASE_URL": demo_db, "SECRET_KEY": "test-secret"})
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def frames(demo_db):
    return build_frames(read_tables(make_engine(demo_db)))


def csrf(session, base_url):
    page = session.get(f"{base_url}/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def signed_in(base_url, username, next_path=""):
    session = requests.Session()
    token = csrf(session, base_url)
    response = session.post(
        f"{base_url}/login",
        data={"username": username, "password": PASSWORDS[username], "csrf_token": token,
              "next": next_path},
        allow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 302, response.text
    return session, response.headers["Location"]


def callback(session, base_url, outputs, inputs, state=()):
    """POST a crafted /_dash-update-component request: outputs [(id, prop)], inputs and state
    [(id, prop, value)]; a dict ID is written as its JSON string. An output that several
    callbacks share is named as the browser names it (from /_dash-dependencies)."""

    def ident(i):
        return json.loads(i) if i.startswith("{") else i

    if len(outputs) == 1:
        output = f"{outputs[0][0]}.{outputs[0][1]}"
        wanted = {f"{i}.{p}" for i, p, _ in inputs}
        known = session.get(f"{base_url}/_dash-dependencies")
        for dependency in known.json() if known.status_code == 200 else []:
            names = {f"{d['id']}.{d['property']}" for d in dependency["inputs"]}
            if dependency["output"].startswith(output + "@") and names == wanted:
                output = dependency["output"]
        outputs_json = {"id": ident(outputs[0][0]), "property": outputs[0][1]}
    else:
        output = ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."
        outputs_json = [{"id": ident(i), "property": p} for i, p in outputs]
    body = {
        "output": output,
        "outputs": outputs_json,
        "inputs": [{"id": ident(i), "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
        "state": [{"id": ident(i), "property": p, "value": v} for i, p, v in state],
    }
    return session.post(f"{base_url}/_dash-update-component", json=body)


def view_callback(session, base_url, search, screen):
    """POST the filter bar's callback as a page does when its URL changes (callbacks.filter_bar
    .sync: the controls from the URL, and the view of the URL to the page's stores, messages,
    chips and menu links), crafted: no filter control on the page."""
    known = session.get(f"{base_url}/_dash-dependencies").json()
    sync = next(d for d in known if d["output"].startswith("..filter-url.search...filter-preset"))
    values = {"filter-url.search": search, "view-screen.data": screen}

    def spec(ident, prop, with_value=False):
        if ident.startswith("{") and '"ALL"' in ident:  # a pattern: none of those on this page
            return []
        item = {"id": json.loads(ident) if ident.startswith("{") else ident, "property": prop}
        return {**item, "value": values.get(f"{ident}.{prop}", "")} if with_value else item

    parts = [part.rsplit(".", 1) for part in sync["output"][2:-2].split("...")]
    body = {
        "output": sync["output"],
        "outputs": [spec(ident, prop.split("@")[0]) for ident, prop in parts],
        "inputs": [spec(i["id"], i["property"], True) for i in sync["inputs"]],
        "changedPropIds": ["filter-url.search"],
        "state": [spec(i["id"], i["property"], True) for i in sync["state"]],
    }
    return session.post(f"{base_url}/_dash-update-component", json=body)


def page_callback(session, base_url, path, search=""):
    """The router callback for `path`, as the browser would call it."""
    return callback(session, base_url, [("app-page", "children")],
                    [("app-url", "pathname", path)], [("app-url", "search", search)])  # fmt: skip


# the Overview's one callback: its KPI cards, compared periods, charts and lifecycle counts
OVERVIEW_OUTPUTS = [
    ("overview-kpis", "children"),
    ("overview-compared-period", "children"),
    ("overview-pareto", "figure"),
    ("overview-trend", "figure"),
    ("overview-lifecycle", "children"),
    ("overview-bridge", "figure"),
]


def text_of(response) -> str:
    """A callback response as readable text (JSON escapes £ and other non-ASCII characters)."""
    return json.dumps(response.json(), ensure_ascii=False)


def owner_of_other_team(frames, team):
    customers = frames.customers
    return customers[customers["team"] != team].iloc[0]


def test_aut001_anonymous_pages_redirect_to_login(base):
    for path in PAGES:
        response = requests.get(base + path, allow_redirects=False)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")


def test_aut002_anonymous_dash_endpoints_and_exports_answer_401(base):
    assert requests.post(f"{base}/_dash-update-component", json={}).status_code == 401
    for path in (
        "/_dash-layout",
        "/_dash-dependencies",
        "/export/kpis.csv",
        "/export/leaderboard.csv",
    ):
        response = requests.get(base + path)
        assert response.status_code == 401, path
        assert "C0000" not in response.text


def test_aut003_wrong_password_gives_no_session(base):
    session = requests.Session()
    token = csrf(session, base)
    response = session.post(
        f"{base}/login",
        data={"username": "leader", "password": "not-the-password", "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status_code == 401
    assert "Wrong user name or password" in response.text
    assert session.get(f"{base}/", allow_redirects=False).status_code == 302
    assert session.get(f"{base}/export/kpis.csv").status_code == 401


def test_aut004_login_without_csrf_token_is_refused(base):
    session = requests.Session()
    response = session.post(
        f"{base}/login", data={"username": "leader", "password": PASSWORDS["leader"]},
        allow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 400
    assert session.get(f"{base}/", allow_redirects=False).status_code == 302


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/x"]
)
def test_aut005_next_to_another_host_is_refused(base, next_path):
    _, location = signed_in(base, "leader", next_path)
    assert location == "/"


def test_aut006_next_to_a_page_of_the_site_is_followed(base):
    _, location = signed_in(base, "sales", "/customers/C00001?x=1")
    assert location == "/customers/C00001?x=1"
    _, location = signed_in(base, "sales", "/admin")  # not open to the role: landing page instead
    assert location == "/my-customers"


def test_aut007_session_cookie_is_httponly_and_samesite(base):
    session = requests.Session()
    response = session.get(f"{base}/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    "username,allowed,refused",
    [
        ("leader", ["/", "/team", "/customers/C00001"], ["/admin", "/my-customers"]),
        ("manager", ["/team", "/"], ["/admin", "/my-customers"]),
        ("sales", ["/my-customers"], ["/", "/team", "/admin"]),
        ("admin", ["/admin", "/"], ["/team", "/my-customers"]),
    ],
)
def test_aut008_pages_by_role(base, username, allowed, refused):
    session, _ = signed_in(base, username)
    for path in allowed:
        assert session.get(base + path).status_code == 200, path
    for path in refused:
        assert session.get(base + path).status_code == 403, path
    assert session.get(f"{base}/no-such-page").status_code == 404


def test_aut009_salesperson_gets_nothing_of_a_customer_they_do_not_own(base, frames):
    session, _ = signed_in(base, "sales")
    mine = frames.customers[frames.customers["owner"] == "SP01"].iloc[0]
    theirs = frames.customers[frames.customers["owner"] != "SP01"].iloc[0]
    # the customer page callback, crafted
    own = page_callback(session, base, f"/customers/{mine['customer_id']}")
    assert own.status_code == 200 and mine["name"] in text_of(own) and "£" in text_of(own)
    other = page_callback(session, base, f"/customers/{theirs['customer_id']}")
    assert other.status_code == 200
    assert "Customer not found" in text_of(other)
    assert theirs["name"] not in text_of(other) and "£" not in text_of(other)
    # the URL, typed by hand, serves only the app shell (the data comes through the callback)
    page = session.get(f"{base}/customers/{theirs['customer_id']}")
    assert page.status_code == 200 and theirs["name"] not in page.text
    # the Overview's filter callbacks are not open to a salesperson at all
    kpi_inputs = [("view", "data", "?from=2023-01-01&to=2026-12-31")]
    assert callback(session, base, OVERVIEW_OUTPUTS, kpi_inputs).status_code == 403
    # exports hold only their own customers
    rows = session.get(f"{base}/export/leaderboard.csv?columns=customer_id").text.splitlines()[1:]
    owned = set(frames.customers.loc[frames.customers["owner"] == "SP01", "customer_id"])
    assert set(rows) == owned
    assert theirs["customer_id"] not in session.get(f"{base}/export/leaderboard.csv").text


def test_aut010_manager_sees_only_their_team(base, frames):
    session, _ = signed_in(base, "manager")
    theirs = owner_of_other_team(frames, "North")
    other = page_callback(session, base, f"/customers/{theirs['customer_id']}")
    assert "Customer not found" in text_of(other) and theirs["name"] not in text_of(other)
    # the Overview's KPI callback answers with the team's numbers, not everybody's
    kpi_inputs = [("view", "data", "?from=2023-01-01&to=2026-12-31")]
    response = callback(session, base, OVERVIEW_OUTPUTS, kpi_inputs)
    assert response.status_code == 200
    filters = Filters(start=date(2023, 1, 1), end=date(2026, 12, 31))
    team = kpis(scoped(frames, Scope("manager", team="North")), filters)
    everyone = kpis(frames, filters)
    text = text_of(response)
    assert f"£{team.sales_amount:,.2f}" in text
    assert f"£{everyone.sales_amount:,.2f}" not in text
    rows = session.get(f"{base}/export/leaderboard.csv?columns=customer_id").text.splitlines()[1:]
    team_ids = set(frames.customers.loc[frames.customers["team"] == "North", "customer_id"])
    assert set(rows) == team_ids


def test_aut011_bad_export_parameters_give_a_message(base):
    session, _ = signed_in(base, "leader")
    response = session.get(f"{base}/export/kpis.csv?from=yesterday")
    assert response.status_code == 400 and "YYYY-MM-DD" in response.text
    assert session.get(f"{base}/export/nothing.csv").status_code == 404
    sales, _ = signed_in(base, "sales")  # a screen's CSV needs the screen's role, as its PDF
    assert sales.get(f"{base}/export/team.csv").status_code == 403
    assert sales.get(f"{base}/export/kpis.csv").status_code == 403
    assert sales.get(f"{base}/export/sales-by-brand.csv").status_code == 200


def test_aut012_repeated_failed_sign_ins_are_slowed_down_and_logged(demo_db, tmp_path, app_log):
    db = copy_database(demo_db, tmp_path)  # its own sign-in state: the brake is shared by all
    app = create_dash({"DATABASE_URL": db, "SECRET_KEY": "brake-test"})
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        session = requests.Session()
        token = csrf(session, url)
        statuses = [
            session.post(f"{url}/login", allow_redirects=False,
                         data={"username": "leader", "password": f"guess-{i}", "csrf_token": token}
                         ).status_code
            for i in range(6)
        ]  # fmt: skip
        assert statuses == [401] * 5 + [429]
        # even the right password waits now, and no session is given
        right = session.post(
            f"{url}/login", allow_redirects=False,
            data={"username": "leader", "password": PASSWORDS["leader"], "csrf_token": token},
        )  # fmt: skip
        assert right.status_code == 429 and "Try again in" in right.text
        assert session.get(f"{url}/", allow_redirects=False).status_code == 302
        failures = [r for r in app_log.records if "failed sign-in for 'leader'" in r.getMessage()]
        assert len(failures) == 5
    finally:
        server.shutdown()


def filter_callbacks(other_id: str, other_name: str):
    """Every callback of the filtered screens open to every role, asked about `other_id`:
    (outputs, inputs, state), or the URL's query for the filter bar's view_callback."""
    asks = f"?from=2023-01-01&to=2026-12-31&customer={other_id}&selected={other_id}"
    pick = {"event": "click", "customers": [other_id], "add": True, "at": 1}
    return {
        "summary": ([("sbc-summary", "children")], [("view", "data", asks)], []),
        "bar and matrix": ([("sbc-bar", "figure"), ("sbc-matrix-rows", "data"),
                            ("sbc-matrix", "columnDefs"), ("sbc-matrix", "columnState"),
                            ("sbc-matrix", "filterModel"), ("sbc-empty", "children")],
                           [("view", "data", asks), ("sbc-expanded", "data", [other_id])],
                           [("view-grid", "data", asks), ("sbc-matrix", "columnDefs", None),
                            ("sbc-matrix", "columnState", None),
                            ("sbc-matrix", "filterModel", None)]),
        "pick": ([("filter-url", "search")], [("sbc-pick", "data", pick),
                 ("sbc-matrix", "cellClicked", None)], [("filter-url", "search", "?")]),
        "view and chips": asks,  # the filter bar's sync: view_callback
        "leaderboard": ([("leaderboard-rows", "data"), ("leaderboard-grid", "columnDefs"),
                         ("leaderboard-grid", "columnState"), ("leaderboard-grid", "filterModel")],
                        [("view", "data", asks)],
                        [("view-grid", "data", asks), ("leaderboard-grid", "columnDefs", None),
                         ("leaderboard-grid", "columnState", None),
                         ("leaderboard-grid", "filterModel", None)]),
        "customer search": (
            [('{"key":"customer","type":"filter-values"}', "options")],
            [('{"key":"customer","type":"filter-values"}', "search_value", other_name[:12])],
            [('{"key":"customer","type":"filter-values"}', "value", [other_id])]),
        "customer page": ([("app-page", "children")], [("app-url", "pathname", f"/customers/{other_id}")],
                          [("app-url", "search", asks)]),
    }  # fmt: skip


@pytest.mark.parametrize("username,team", [("sales", None), ("manager", "North")])
@pytest.mark.parametrize(
    "name",
    [
        "summary",
        "bar and matrix",
        "pick",
        "view and chips",
        "leaderboard",
        "customer search",
        "customer page",
    ],
)
def test_aut013_crafted_filter_requests_return_nothing_out_of_scope(
    base, frames, username, team, name
):
    session, _ = signed_in(base, username)
    customers = frames.customers
    other = (
        customers[customers["owner"] != "SP01"]
        if team is None
        else customers[customers["team"] != team]
    )
    other = other.iloc[0]
    asked = filter_callbacks(other["customer_id"], other["name"])[name]
    if name == "view and chips":
        response = view_callback(session, base, asked, "sales-by-customer")
        published = response.json()["response"]  # the view, its messages and the menu, in scope
        assert {"view", "filter-messages", "nav-menu"} <= set(published), response.text[:300]
    else:
        response = callback(session, base, *asked)
    assert response.status_code in (200, 204), response.text[:300]
    if response.status_code == 200:
        assert other["name"] not in text_of(response)
        assert other["customer_id"] not in text_of(response).replace(
            f"unknown value '{other['customer_id']}'", ""
        )


def test_aut014_malformed_callback_requests_get_400_not_a_traceback(base):
    session, _ = signed_in(base, "leader")
    report = callback(
        session, base,
        [("report-chart", "figure"), ("report-grid", "rowData"), ("report-grid", "columnDefs"),
         ("report-grid", "columnState"), ("report-grid", "filterModel"), ("report-note", "children")],
        [("view", "data", "?from=2026-01-01")],
        [("view-grid", "data", "?from=2026-01-01"), ("view-screen", "data", "sales-by-nothing")],
    )  # fmt: skip
    assert report.status_code == 400 and "Traceback" not in report.text
    unknown_output = session.post(f"{base}/_dash-update-component", json={
        "output": "nothing.children", "outputs": {"id": "nothing", "property": "children"},
        "inputs": [], "changedPropIds": []})  # fmt: skip
    assert unknown_output.status_code == 400
    assert session.post(f"{base}/_dash-update-component", data="not json").status_code == 400
    screen = view_callback(session, base, "?from=2026-01-01", "no-such-screen")
    assert screen.status_code == 400 and "no-such-screen" in screen.text
