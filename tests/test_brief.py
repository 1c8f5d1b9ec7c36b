"""The one-page PDF customer brief, on a small demo company, checked with poppler's tools."""

import dataclasses
import re
import subprocess
from datetime import date

import numpy as np
import pytest

from data.demo import generate
from data.frames import build_frames
from reports.brief import CROSS_SELL, LAPSED, customer_brief_pdf
from views.customer import customer_sections
from views.view import parse

TODAY = date(2026, 11, 21)
YEAR = "?from=2025-11-22&to=2026-11-21"  # the customer page's default view on TODAY


@pytest.fixture(scope="module")
def frames():
    return build_frames(generate(lines=20_000, seed=7, end=TODAY))


def biggest(frames) -> str:
    lines = frames.lines[frames.lines["revenue"]]
    sales = np.bincount(lines["customer"], lines["sales_amount"], len(frames.customers))
    return str(frames.customers["customer_id"].iloc[int(sales.argmax())])


def pdf_info(path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(re.findall(r"^([^:]+):\s+(.*)$", out.stdout, flags=re.M))


def write(tmp_path, pdf: bytes, name="brief"):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return path


def test_brf001_one_a4_page_that_renders(frames, tmp_path):
    customer = biggest(frames)
    pdf = customer_brief_pdf(customer_sections(frames, customer, parse(YEAR, frames)))
    assert pdf.startswith(b"%PDF-")
    path = write(tmp_path, pdf)
    info = pdf_info(path)
    assert info["Pages"] == "1"
    assert info["Page size"].startswith("595.276 x 841.89")  # A4
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "page")], check=True)
    assert [p.name for p in tmp_path.glob("page*.png")] == ["page-1.png"]

    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    name = frames.customers.set_index("customer_id").loc[customer, "name"]
    for expected in (
        name,
        "Owner:",
        "Customer since",
        "Status:",
        "Sales Amount",
        "Gross Profit Margin",
        "Confirmed orders",
        "Sales Amount and Gross Profit by month, 22 Nov 2025 to 21 Nov 2026",
        "Items bought most",
        "Lapsed items",
        "Cross-sell gaps",
    ):
        assert expected in text


def test_brf002_long_names_and_a_customer_without_orders_stay_on_one_page(frames, tmp_path):
    customers = frames.customers.copy()
    customers["name"] = "The Extremely Long-Named Hospitality & Catering Supplies Company Ltd " * 2
    items = frames.items.copy()
    items["name"] = items["name"] + " with an exceptionally long descriptive variant name"
    long = dataclasses.replace(frames, customers=customers, items=items)
    pdf = customer_brief_pdf(customer_sections(long, biggest(frames), parse(YEAR, long)))
    assert pdf_info(write(tmp_path, pdf, "long"))["Pages"] == "1"

    never = np.bincount(frames.lines["customer"], minlength=len(frames.customers)) == 0
    prospect = str(frames.customers["customer_id"][never].iloc[0])
    sections = customer_sections(frames, prospect, parse(YEAR, frames))
    path = write(tmp_path, customer_brief_pdf(sections), "prospect")
    assert pdf_info(path)["Pages"] == "1"
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "No sales in this period." in text
    assert "prospect" in text


def test_brf003_same_data_same_bytes_and_unknown_customer(frames):
    customer = biggest(frames)
    view = parse(YEAR, frames)
    first = customer_brief_pdf(customer_sections(frames, customer, view))
    assert first == customer_brief_pdf(customer_sections(frames, customer, view))
    with pytest.raises(ValueError, match="unknown customer"):
        customer_sections(frames, "NOPE", view)


def test_brf004_lapsed_items_and_cross_sell_say_what_the_page_says(frames, tmp_path):
    """The brief's lapsed items and cross-sell gaps are the page's rows (views.customer, the one
    source of both), with the same evidence words, whole."""
    view = parse(YEAR, frames)
    customers = frames.customers["customer_id"]
    sections = next(
        s
        for s in (customer_sections(frames, c, view) for c in customers)
        if len(s.lapsed) >= 2 and len(s.cross_sell) >= 2
    )
    pdf = customer_brief_pdf(sections)
    path = write(tmp_path, pdf)
    assert pdf_info(path)["Pages"] == "1"
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    words = " ".join(text.split())
    for table in (sections.lapsed.head(LAPSED), sections.cross_sell.head(CROSS_SELL)):
        for row in table.itertuples():
            assert " ".join(row.evidence.split()) in words
            assert row.product_name in words
