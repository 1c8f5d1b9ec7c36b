"""PDF exports of the Overview and Sales by Customer screens (SPEC §4, issue 4) over real HTTP
against the real app, checked with poppler's tools (pdfinfo, pdftoppm, pdftotext)."""

import base64
import csv
import io
import re
import subprocess
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
import requests

from data.access import Scope, scoped
from layouts.formatting import money
from metrics.filters import Filters
from metrics.kpis import kpis
from metrics.matrix import matrix
from metrics.overview import top_customers
from reports.screens import fit_widths
from tests import test_auth
from tests.test_auth import signed_in

pytestmark = (
    pytest.mark.slow
)  # every PDF rendered through kaleido's Chromium: not in the fast subset

base = test_auth.base  # the real app over HTTP on the demo database (module-scoped fixture)
frames = test_auth.frames  # the demo database's frames, unscoped

SCREENS = ["overview", "sales-by-customer"]
TITLES = {"overview": "Overview", "sales-by-customer": "Sales by Customer"}
QUERY = "from=2026-01-01&to=2026-10-31&compare=previous_year&team=South&category=Home&f.tier=Gold"
FILTERS = Filters(
    start=date(2026, 1, 1),
    end=date(2026, 10, 31),
    teams=("South",),
    categories=("Home",),
    custom=(("tier", ("Gold",)),),
)


def download(session, base_url, screen, query=""):
    return session.get(f"{base_url}/export/{screen}.pdf{'?' + query if query else ''}")


def save(tmp_path, response, name) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(response.content)
    return str(path)


def pdf_info(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^([^:]+):\s+(.*)$", out, flags=re.M))


def text(path, page: int | None = None) -> str:
    """pdftotext in layout mode, runs of spaces made one: "Team:      South" reads "Team: South"."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(
        ["pdftotext", "-layout", *pages, path, "-"], capture_output=True, text=True, check=True
    ).stdout
    return "\n".join(re.sub(r"\s+", " ", line).strip() for line in out.splitlines())


def render(path, tmp_path, name) -> list:
    subprocess.run(["pdftoppm", "-png", "-r", "80", path, str(tmp_path / name)], check=True)
    return sorted(tmp_path.glob(f"{name}-*.png"))


@pytest.mark.parametrize("screen", SCREENS)
def test_spd001_pdf_of_the_view_lists_the_applied_filters_on_page_1(base, frames, screen, tmp_path):
    session, _ = signed_in(base, "leader")
    response = download(session, base, screen, QUERY)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f'filename="{screen}-' in disposition
    path = save(tmp_path, response, screen)
    info = pdf_info(path)
    assert info["Page size"].startswith("841.89 x 595.276")  # A4 landscape
    pages = int(info["Pages"])
    assert pages >= 1
    assert len(render(path, tmp_path, screen)) == pages
    first = text(path, 1)
    for expected in (
        TITLES[screen],
        "Data as of",
        "Applied filters",
        "Period: 2026-01-01 to 2026-10-31",
        "Compared with: Same period last year: 2025-01-01 to 2025-10-31",
        "Team: South",
        "Category: Home",
        "Tier: Gold",
        "Sales Amount",
        "Average Reorder Time",
    ):
        assert expected in first, expected
    # the KPI table holds the metric engine's numbers for these filters
    assert money(kpis(frames, FILTERS).sales_amount) in first


def test_spd002_anonymous_gets_401(base):
    for screen in SCREENS:
        response = requests.get(f"{base}/export/{screen}.pdf?{QUERY}")
        assert response.status_code == 401
        assert not response.content.startswith(b"%PDF")


def test_spd003_overview_pdf_is_refused_to_a_salesperson_and_unknown_screens_404(base):
    session, _ = signed_in(base, "sales")
    refused = download(session, base, "overview", QUERY)
    assert refused.status_code == 403 and not refused.content.startswith(b"%PDF")
    assert download(session, base, "sales-by-customer").status_code == 200
    assert download(session, base, "team").status_code == 403  # not a salesperson's page
    leader, _ = signed_in(base, "leader")
    assert download(leader, base, "nothing").status_code == 404
    for screen in ("leaderboard", "team"):  # the other screens export too, filters on page 1
        pdf = download(leader, base, screen, QUERY)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), screen
    for username in ("manager", "admin"):
        allowed, _ = signed_in(base, username)
        assert download(allowed, base, "overview").status_code == 200, username


def test_spd004_salespersons_pdf_holds_only_their_own_customers(base, frames, tmp_path):
    session, _ = signed_in(base, "sales")
    customers = frames.customers
    own = customers[customers["owner"] == "SP01"]
    others = customers[customers["owner"] != "SP01"]
    mine = scoped(frames, Scope("salesperson", salesperson="SP01"))
    period = Filters(start=date(2023, 1, 1), end=date(2026, 12, 31))
    top = top_customers(mine, period, 1)["customer_name"].iloc[0]
    query = "from=2023-01-01&to=2026-12-31"
    response = download(session, base, "sales-by-customer", query)
    assert response.status_code == 200
    path = save(tmp_path, response, "sales")
    whole = text(path)
    assert top in whole
    rows = matrix(mine, period, "kpis")
    assert f"Matrix: {len(rows):,} customers" in whole
    assert all(name in whole for name in rows["name"])  # every matrix row, over all pages
    own_names = list(own["name"])
    foreign = [n for n in set(others["name"]) if not any(n in o for o in own_names)]
    assert foreign and not [n for n in foreign if n in whole]
    # the same check finds them in a leader's PDF of the same view: it would catch a leak
    leader, _ = signed_in(base, "leader")
    everyone = text(save(tmp_path, download(leader, base, "sales-by-customer", query), "all"))
    assert len([n for n in foreign if n in everyone]) > 100
    # asking for another salesperson's customer by id gets a message, and no PDF
    other_id = others["customer_id"].iloc[0]
    crafted = download(session, base, "sales-by-customer", f"{query}&customer={other_id}")
    assert crafted.status_code == 400 and not crafted.content.startswith(b"%PDF")
    assert f"customer: unknown value '{other_id}' ignored." in crafted.text


def test_spd005_manager_overview_pdf_holds_the_teams_numbers(base, frames, tmp_path):
    session, _ = signed_in(base, "manager")
    response = download(session, base, "overview", "from=2023-01-01&to=2026-12-31")
    assert response.status_code == 200
    first = text(save(tmp_path, response, "manager"), 1)
    filters = Filters(start=date(2023, 1, 1), end=date(2026, 12, 31))
    team = kpis(scoped(frames, Scope("manager", team="North")), filters)
    assert money(team.sales_amount) in first
    assert money(kpis(frames, filters).sales_amount) not in first


@pytest.mark.parametrize("screen", SCREENS)
def test_spd006_bad_query_values_are_refused_with_the_screens_messages(base, screen):
    session, _ = signed_in(base, "leader")
    response = download(session, base, screen, "from=yesterday&channel=nope&zzz=1&amount_min=x")
    assert response.status_code == 400 and not response.content.startswith(b"%PDF")
    csv = session.get(f"{base}/export/{screen if screen != 'overview' else 'kpis'}.csv"
                      "?from=yesterday&channel=nope&zzz=1&amount_min=x")  # fmt: skip
    assert csv.status_code == 400 and csv.text == response.text  # one rule, one set of messages
    for message in (
        "from: 'yesterday' is not a date",
        "channel: unknown value 'nope' ignored.",
        "Unknown filter 'zzz' ignored.",
        "amount_min: 'x' is not a number; ignored.",
    ):
        assert message in response.text, message


@pytest.mark.parametrize("screen", SCREENS)
def test_spd007_no_sales_reads_no_sales_match_these_filters(base, frames, screen, tmp_path):
    session, _ = signed_in(base, "leader")
    response = download(session, base, screen, "from=2010-01-01&to=2010-01-31")
    assert response.status_code == 200
    whole = text(save(tmp_path, response, f"empty-{screen}"))
    assert "No sales match these filters" in whole
    assert "Period: 2010-01-01 to 2010-01-31" in whole


def test_spd008_picked_customers_are_printed_narrow_the_kpis_and_are_marked_in_the_matrix(
    base, frames, tmp_path
):
    session, _ = signed_in(base, "leader")
    period = Filters(start=date(2023, 1, 1), end=date(2026, 12, 31))
    two = top_customers(frames, period, 2)
    picked = list(two["customer_id"])
    query = "from=2023-01-01&to=2026-12-31&" + "&".join(f"selected={c}" for c in picked)
    response = download(session, base, "sales-by-customer", query)
    path = save(tmp_path, response, "picked")
    whole = text(path)
    names = list(two["customer_name"])
    assert f"Picked customers: {names[0]} ({picked[0]}), {names[1]} ({picked[1]})" in whole
    rows = matrix(frames, period, "kpis")
    assert f"Matrix: {len(rows):,} customers" in whole  # the matrix keeps every row
    assert f"yes {names[0]} {picked[0]}" in whole and f"yes {names[1]} {picked[1]}" in whole
    narrowed = kpis(frames, replace(period, customers=tuple(picked)))
    assert money(narrowed.sales_amount) in text(path, 1)


def bar_chart(session, base, query: str) -> dict:
    """Sales by Customer's bar chart for the view `query`, as its callback (with the matrix)
    answers over HTTP."""
    response = test_auth.callback(
        session, base,
        [("sbc-bar", "figure"), ("sbc-matrix-rows", "data"), ("sbc-matrix", "columnDefs"),
         ("sbc-matrix", "columnState"), ("sbc-matrix", "filterModel"), ("sbc-empty", "children")],
        [("view", "data", query), ("sbc-expanded", "data", [])],
        [("view-grid", "data", query), ("sbc-matrix", "columnDefs", None),
         ("sbc-matrix", "columnState", None), ("sbc-matrix", "filterModel", None)],
    )  # fmt: skip
    return response.json()["response"]["sbc-bar"]["figure"]


def test_spd009_the_pdf_shows_the_screens_bar_kpi_and_its_numbers(base, frames, tmp_path):
    """The PDF of Sales by Customer ranked by Gross Profit: its chart is the screen's (the bar
    and matrix callback's figure, over HTTP), and the customers on it carry the same Gross Profit."""
    session, _ = signed_in(base, "leader")
    query = "?from=2025-01-01&to=2025-12-31&kpi=gross_profit"
    bar = bar_chart(session, base, query)
    assert bar["layout"]["title"]["text"].startswith("Customers by Gross Profit: 30 of ")
    values = bar["data"][0]["y"]
    if isinstance(values, dict):  # plotly sends numbers as a typed array
        values = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    on_screen = dict(zip(bar["data"][0]["customdata"], values, strict=True))
    pdf = download(session, base, "sales-by-customer", query.lstrip("?"))
    whole = text(save(tmp_path, pdf, "gross-profit"))
    assert "Bar chart KPI: Gross Profit" in whole and "Customers by Gross Profit" in whole
    names = dict(zip(frames.customers["customer_id"], frames.customers["name"], strict=True))
    for customer, profit in list(on_screen.items())[:10]:  # the chart's customers, in the matrix
        assert re.search(rf"{re.escape(names[customer])} {customer} .*{re.escape(money(profit))}",
                         whole), customer  # fmt: skip


def test_spd010_team_pdf_says_what_commission_is_not_narrowed_by(base, tmp_path):
    session, _ = signed_in(base, "leader")
    filtered = session.get(f"{base}/export/team.csv?from=2023-01-01&to=2026-12-31&category=Home")
    everything = session.get(f"{base}/export/team.csv?from=2023-01-01&to=2026-12-31")
    pay = [
        {r["Code"]: r["Commission"] for r in csv.DictReader(io.StringIO(response.text))}
        for response in (filtered, everything)
    ]
    assert pay[0] == pay[1]  # the same commission with and without the category filter...
    response = download(session, base, "team", "from=2023-01-01&to=2026-12-31&category=Home")
    words = " ".join(text(save(tmp_path, response, "team")).split())
    assert "Commission is earned on every sale of the period" in words  # ...and the PDF says so


def test_spd011_pdf_columns_narrow_above_the_width_of_their_headers_longest_word():
    # 50 too wide: the 100 of slack above the floors (60 + 0 + 40) gives up half of each
    assert fit_widths([100, 50, 50], [40, 50, 10], 150) == [70, 50, 30]
    assert fit_widths([10, 20], [5, 5], 60) == [20, 40]  # room to spare: spread out
    assert fit_widths([10, 20], [40, 50], 60) == [20, 40]  # floors too wide: all scaled


def test_spd012_a_pick_below_the_top_30_still_shows_on_the_bar_chart(base, frames):
    session, _ = signed_in(base, "leader")
    period = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31))
    ranked = matrix(frames, period, "kpis").sort_values("gross_profit")
    last = ranked["key"].iloc[0]  # the lowest Gross Profit of the year: far below the top 30
    query = f"?from=2025-01-01&to=2025-12-31&kpi=gross_profit&selected={last}"
    bar = bar_chart(session, base, query)
    customers = list(bar["data"][0]["customdata"])
    assert len(customers) == 31 and customers[-1] == last
    assert bar["layout"]["title"]["text"] == f"Customers by Gross Profit: 31 of {len(ranked):,}"
