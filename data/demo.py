"""The demo company of SPEC §7: deterministic for a seed and an end date, sized by line count.

Patterns, not noise: revenue follows a Pareto curve across customers, months have seasonality,
customers start every month, grow or shrink, some churn and some of those come back; drafts,
quotes and abandoned orders, cancelled and returned lines, ~2% lines without cost, items without
brand or category, made-to-order lines, deleted items, several channels and VAT regimes.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from data.db import Tables

MONTHS = 36
TEAMS = {"North": 7, "South": 6, "East": 6, "West": 6}
FIRST_NAMES = [
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Leo",
    "Ivy",
    "Arthur",
    "Freya",
    "Oscar",
    "Grace",
    "Harry",
    "Lily",
    "Jack",
    "Sophia",
    "Theo",
    "Ella",
    "Finley",
    "Chloe",
    "Alfie",
    "Ruby",
    "Henry",
    "Zara",
]
SURNAMES = [
    "Patel",
    "Jones",
    "Smith",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Walker",
    "Wright",
    "Khan",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Clarke",
    "Hughes",
    "Edwards",
    "Turner",
    "Hill",
    "Moore",
    "Cooper",
    "Ward",
    "Morris",
    "King",
    "Baker",
]
GROUPS = {"Wholesale": 0.15, "Retail": 0.35, "Online": 0.25, "Hospitality": 0.15, "Education": 0.10}
GROUP_QUANTITY = {
    "Wholesale": 9.0,
    "Retail": 2.0,
    "Online": 0.6,
    "Hospitality": 4.0,
    "Education": 3.0,
}
PLACES = [
    ("London", "United Kingdom", "South East"),
    ("Manchester", "United Kingdom", "North West"),
    ("Leeds", "United Kingdom", "Yorkshire"),
    ("Bristol", "United Kingdom", "South West"),
    ("Glasgow", "United Kingdom", "Scotland"),
    ("Birmingham", "United Kingdom", "Midlands"),
    ("Cardiff", "United Kingdom", "Wales"),
    ("Dublin", "Ireland", "Europe"),
    ("Paris", "France", "Europe"),
    ("Rotterdam", "Netherlands", "Europe"),
]
PLACE_WEIGHTS = np.array([0.22, 0.14, 0.1, 0.1, 0.08, 0.12, 0.06, 0.07, 0.06, 0.05])
NAME_A = [
    "North",
    "Blue",
    "Oak",
    "Silver",
    "Crown",
    "Harbour",
    "Summit",
    "River",
    "Stone",
    "Bright",
    "Cedar",
    "Elm",
    "Iron",
    "Maple",
    "Swift",
    "Golden",
    "Meadow",
    "Kestrel",
    "Willow",
    "Beacon",
    "Granite",
    "Thistle",
    "Orchard",
    "Falcon",
    "Copper",
]
NAME_B = [
    "Trading",
    "Supplies",
    "Outfitters",
    "Hospitality",
    "Retail",
    "Goods",
    "Wholesale",
    "Stores",
    "Group",
    "Partners",
    "Academy",
    "Kitchens",
    "Living",
    "Works",
    "Collective",
]
NAME_C = ["Ltd", "plc", "& Co", "LLP", "Ltd", "Ltd"]
CATEGORIES = [
    "Apparel", "Footwear", "Accessories", "Home", "Outdoor", "Electronics", "Food & Drink",
    "Services",
]  # fmt: skip
BRANDS = [
    "Northwind", "Alder & Co", "Peak", "Harbourline", "Tidewater", "Kestrel", "Oakridge",
    "Brightside", "Fable", "Lumen", "Corvid", "Marlow", "Saltire", "Vireo", "Quill",
]  # fmt: skip
COLLECTIONS = [f"{s} {y}" for y in (24, 25, 26) for s in ("Spring", "Summer", "Autumn", "Winter")]
SUPPLIERS = [
    "Acme Textiles", "Baltic Imports", "Crest Manufacturing", "Delta Goods", "Evergreen Foods",
    "Fulcrum Electronics", "Granite Works", "Hollow Oak", "Ironbridge", "Juniper Supply",
]  # fmt: skip
DEPARTMENTS = ["Retail", "Trade", "Online", "Workshop", "Services"]
VARIANTS = [["S", "M", "L", "XL"], ["Red", "Navy", "Black"], ["Small", "Large"], [None]]
CHANNELS = ["London Store", "Manchester Store", "web", "phone", "Amazon", "eBay"]
CUSTOMISATIONS = [
    "Colour: Navy; Monogram: yes", "Colour: Red", "Size: bespoke; Lining: silk",
    "Engraving: initials", "Finish: oak", "Finish: walnut; Handles: brass",
]  # fmt: skip


def generate(lines: int = 100_000, seed: int = 7, end: date | None = None) -> Tables:
    """Table frames (as data.db.write_tables takes them) for about `lines` order lines."""
    rng = np.random.default_rng(seed)
    end = end or date.today()
    salespeople = _salespeople(rng)
    items = _items(rng)
    n_customers = int(np.clip(lines // 60, 40, 1500))
    customers, fields, profile = _customers(rng, n_customers, salespeople, end)
    orders, order_profile = _orders(rng, lines, profile, salespeople, end)
    order_lines = _lines(rng, orders, order_profile, profile, items, end)
    payments = _payments(rng, orders, order_lines, end)
    return {
        "salespeople": salespeople,
        "customers": customers,
        "customer_fields": fields,
        "items": items.drop(columns=["list_price", "cost_ratio", "popularity"]),
        "orders": orders,
        "order_lines": order_lines,
        "payments": payments,
    }


def _salespeople(rng: np.random.Generator) -> pd.DataFrame:
    teams = np.repeat(list(TEAMS), list(TEAMS.values()))
    n = len(teams)
    names = [f"{FIRST_NAMES[i]} {SURNAMES[(i * 7) % len(SURNAMES)]}" for i in range(n)]
    return pd.DataFrame(
        {
            "code": [f"SP{i + 1:02d}" for i in range(n)],
            "name": names,
            "team": teams,
            "commission_rate": np.round(rng.uniform(0.02, 0.08, n) * 200) / 200,
            "commission_basis": rng.choice(
                ["items_sold", "items_delivered", "payments"], n, p=[0.6, 0.25, 0.15]
            ),
        }
    )


def _items(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    product = 0
    while len(rows) < 800:
        product += 1
        category = CATEGORIES[rng.integers(len(CATEGORIES))]
        variants = VARIANTS[rng.integers(len(VARIANTS))]
        price = float(np.exp(rng.normal(3.3, 0.8)))
        attrs = {
            "product_id": f"P{product:04d}",
            "category": None if rng.random() < 0.03 else category,
            "brand": None if rng.random() < 0.10 else BRANDS[rng.integers(len(BRANDS))],
            "collection": None if rng.random() < 0.25 else COLLECTIONS[rng.integers(12)],
            "supplier": None if rng.random() < 0.05 else SUPPLIERS[rng.integers(10)],
            "department": None if rng.random() < 0.03 else DEPARTMENTS[rng.integers(5)],
            "item_type": "service"
            if category == "Services"
            else ("non_inventory" if rng.random() < 0.04 else "inventory"),
            "made_to_order": bool(rng.random() < 0.06),
            "popularity": float(rng.pareto(1.5) + 0.05),
            "cost_ratio": float(rng.uniform(0.45, 0.78)),
        }
        base = f"{BRANDS[product % len(BRANDS)].split()[0]} {category.split()[0]} {product}"
        for v, variant in enumerate(variants):
            rows.append(
                {
                    "item_id": f"SKU-{product:04d}-{v}",
                    "name": base if variant is None else f"{base} {variant}",
                    "variant": variant,
                    "list_price": round(price * (1 + 0.1 * v), 2),
                    **attrs,
                }
            )
    return pd.DataFrame(rows[:800])


def _customers(rng, n, salespeople, end):
    groups = rng.choice(list(GROUPS), n, p=list(GROUPS.values()))
    place = rng.choice(len(PLACES), n, p=PLACE_WEIGHTS / PLACE_WEIGHTS.sum())
    size = np.exp(rng.normal(0.0, 1.0, n)) * np.where(groups == "Wholesale", 2.5, 1.0)
    start = np.where(rng.random(n) < 0.45, 0, rng.integers(1, MONTHS, n))
    prospect = rng.random(n) < 0.03  # accounts that never order
    growth = rng.normal(0.0, 0.025, n)
    churn_at = np.where(rng.random(n) < 0.3, start + rng.integers(3, 40, n), 10_000)
    comeback = np.where(rng.random(n) < 0.35, churn_at + rng.integers(3, 11, n), 10_000)
    owner = salespeople["code"].to_numpy()[rng.integers(len(salespeople), size=n)]
    first_month = _month_start(end, MONTHS - 1)
    created = pd.to_datetime([_add_months(first_month, int(s)) for s in start]) - pd.to_timedelta(
        rng.integers(0, 400, n) * (start == 0) + rng.integers(0, 25, n), unit="D"
    )
    ids = [f"C{i + 1:05d}" for i in range(n)]
    names = [
        f"{NAME_A[rng.integers(len(NAME_A))]} {NAME_B[rng.integers(len(NAME_B))]} "
        f"{NAME_C[rng.integers(len(NAME_C))]}".replace("  ", " ")
        for _ in range(n)
    ]
    names = _unique(names)
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "name": names,
            "city": [PLACES[p][0] for p in place],
            "country": [PLACES[p][1] for p in place],
            "region": [PLACES[p][2] for p in place],
            "customer_group": groups,
            "owner": owner,
            "created_on": created.astype("datetime64[s]"),
        }
    )
    industry = rng.choice(
        ["Fashion", "Hotels", "Schools", "Restaurants", "Gifts", "Sports", "Offices"], n
    )
    size_band = np.select(
        [size > 8, size > 3, size > 1], ["Enterprise", "Large", "Medium"], "Small"
    )
    tier = np.select([size > 5, size > 1.5], ["Gold", "Silver"], "Bronze")
    has = rng.random(n) > 0.08  # some customers lack custom fields
    fields = pd.concat(
        [
            pd.DataFrame({"customer_id": ids, "field": name, "value": values})[has]
            for name, values in (("industry", industry), ("size", size_band), ("tier", tier))
        ],
        ignore_index=True,
    )
    profile = {
        "group": groups,
        "size": size,
        "start": start,
        "prospect": prospect,
        "growth": growth,
        "churn_at": churn_at,
        "comeback": comeback,
        "owner": owner,
        "channel": rng.choice(len(CHANNELS), n, p=[0.12, 0.08, 0.4, 0.2, 0.12, 0.08]),
        "export": place >= 7,
    }
    return customers, fields, profile


def _orders(rng, n_lines, profile, salespeople, end):
    t = np.arange(MONTHS)
    first_month = _month_start(end, MONTHS - 1)
    month_starts = [_add_months(first_month, int(m)) for m in t]
    calendar_month = np.array([m.month for m in month_starts])
    season = 1 + 0.22 * np.sin(2 * np.pi * (calendar_month - 4) / 12) + 0.3 * (calendar_month == 12)
    since = t[None, :] - profile["start"][:, None]
    active = (since >= 0) & ~profile["prospect"][:, None]
    churned = (t[None, :] >= profile["churn_at"][:, None]) & (
        t[None, :] < profile["comeback"][:, None]
    )
    trend = np.exp(np.clip(profile["growth"][:, None] * np.maximum(since, 0), -3, 2.5))
    weight = profile["size"][:, None] * trend * season[None, :] * (active & ~churned)
    lines_per_order = 3.5
    rate = weight * (n_lines / lines_per_order / weight.sum())
    counts = rng.poisson(rate)
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    customer = (cell // MONTHS).astype(np.int64)
    month = cell % MONTHS
    starts = np.array(month_starts, dtype="datetime64[D]")
    month_len = (
        np.array([_add_months(m, 1) for m in month_starts], dtype="datetime64[D]") - starts
    ).astype(int)
    day = starts[month] + (rng.random(len(cell)) * month_len[month]).astype(int)
    keep = day <= np.datetime64(end)
    customer, day = customer[keep], day[keep]
    order = np.lexsort((customer, day))
    customer, day = customer[order], day[order]
    m = len(day)

    channel = np.where(
        rng.random(m) < 0.7, profile["channel"][customer], rng.integers(len(CHANNELS), size=m)
    )
    channel_name = np.array(CHANNELS)[channel]
    store = channel <= 1
    web = channel == 2
    market = channel >= 4
    document_type = np.where(
        store & (rng.random(m) < 0.8),
        "receipt",
        np.where(rng.random(m) < 0.75, "invoice", "order"),
    )
    status = rng.choice(
        ["confirmed", "draft", "quote", "abandoned"], m, p=[0.91, 0.035, 0.03, 0.025]
    )
    salesperson = np.where(
        rng.random(m) < 0.93,
        profile["owner"][customer],
        salespeople["code"].to_numpy()[rng.integers(len(salespeople), size=m)],
    ).astype(object)
    salesperson[(web | market) & (rng.random(m) < 0.35)] = None
    source = np.where(
        web | market,
        rng.choice(["google", "email", "direct", "social"], m, p=[0.4, 0.2, 0.3, 0.1]),
        rng.choice(["direct", "referral"], m, p=[0.8, 0.2]),
    )
    device = np.where(
        store,
        "pos",
        np.where(
            web | market, rng.choice(["desktop", "mobile", "tablet"], m, p=[0.5, 0.42, 0.08]), None
        ),
    )
    campaign = np.where(
        web & (rng.random(m) < 0.2),
        rng.choice(["Spring Sale", "Black Friday", "Summer Edit"], m),
        None,
    )
    orders = pd.DataFrame(
        {
            "order_id": [f"SO{i + 1:07d}" for i in range(m)],
            "document_type": document_type,
            "status": status,
            "order_date": day.astype("datetime64[s]"),
            "customer_id": [f"C{c + 1:05d}" for c in customer],
            "salesperson": salesperson,
            "channel": channel_name,
            "source": source,
            "device": device,
            "campaign": campaign,
        }
    )
    return orders, {"customer": customer, "retail": store | web | market}


def _lines(rng, orders, order_profile, profile, items, end):
    n_orders = len(orders)
    per_order = 1 + rng.poisson(2.5, n_orders)
    order = np.repeat(np.arange(n_orders), per_order)
    line_no = np.arange(len(order)) - np.repeat(np.cumsum(per_order) - per_order, per_order) + 1
    n = len(order)
    customer = order_profile["customer"][order]
    group = profile["group"][customer]

    # Customers buy from a few favourites and from what their group likes.
    group_names = list(GROUPS)
    popularity = items["popularity"].to_numpy()
    categories = items["category"].fillna("none").to_numpy()
    item_weights = {}
    for g in group_names:
        affinity = dict(
            zip(CATEGORIES + ["none"], rng.uniform(0.1, 2.0, len(CATEGORIES) + 1), strict=True)
        )
        w = popularity * np.array([affinity[c] for c in categories])
        item_weights[g] = w / w.sum()
    n_customers = len(profile["group"])
    favourites = np.empty((n_customers, 15), dtype=np.int64)
    for g in group_names:
        members = np.flatnonzero(profile["group"] == g)
        favourites[members] = rng.choice(len(items), (len(members), 15), p=item_weights[g])
    item = favourites[customer, rng.integers(0, 15, n)]
    explore = rng.random(n) < 0.35
    for g in group_names:
        pick = explore & (group == g)
        item[pick] = rng.choice(len(items), pick.sum(), p=item_weights[g])

    day = orders["order_date"].to_numpy("datetime64[D]")[order]
    years = (day - day.min()).astype(int) / 365.0
    price = items["list_price"].to_numpy()[item] * (1 + 0.03 * years)
    price = np.round(price * rng.uniform(0.97, 1.03, n), 2)
    quantity = 1 + rng.poisson(pd.Series(group).map(GROUP_QUANTITY).to_numpy())
    discount = rng.choice([0.0, 0.05, 0.1, 0.15], n, p=[0.75, 0.12, 0.09, 0.04])
    cost = np.round(items["list_price"].to_numpy()[item] * items["cost_ratio"].to_numpy()[item], 2)
    cost = np.where(rng.random(n) < 0.02, np.nan, cost)
    retail = order_profile["retail"][order]
    vat = np.where(
        profile["export"][customer],
        0.0,
        np.where(items["category"].to_numpy()[item] == "Food & Drink", 0.05, 0.2),
    )
    cost_non_inv = np.where(rng.random(n) < 0.05, np.round(rng.uniform(5, 40, n), 2), 0.0)

    order_status = orders["status"].to_numpy()[order]
    end_day = np.datetime64(end)
    delivered_on = day + rng.integers(1, 7, n)
    roll = rng.random(n)
    status = np.where(roll < 0.03, "cancelled", np.where(roll < 0.05, "returned", "delivered"))
    status = np.where((status == "delivered") & (delivered_on > end_day), "open", status)
    status = np.where(order_status == "confirmed", status, "open")
    returned_on = delivered_on + rng.integers(3, 30, n)
    status = np.where((status == "returned") & (returned_on > end_day), "delivered", status)
    status = np.where((status == "delivered") & (delivered_on > end_day), "open", status)
    cancelled_on = np.minimum(day + rng.integers(0, 4, n), end_day)

    made_to_order = items["made_to_order"].to_numpy()[item]
    item_ids = items["item_id"].to_numpy()[item].astype(object)
    item_names = items["name"].to_numpy()[item].astype(object)
    deleted = rng.random(n) < 0.005
    deleted_no = rng.integers(1, 40, n)
    item_ids[deleted] = [f"SKU-DEL-{k:03d}" for k in deleted_no[deleted]]
    item_names[deleted] = [f"Discontinued line {k}" for k in deleted_no[deleted]]
    nat = np.datetime64("NaT")
    return pd.DataFrame(
        {
            "order_id": pd.Categorical.from_codes(order, orders["order_id"].to_numpy()),
            "line_no": line_no,
            "item_id": item_ids,
            "item_name": item_names,
            "sku": item_ids,
            "quantity": quantity.astype(float),
            "unit_price": price,
            "discount_pct": discount,
            "vat_rate": vat,
            "prices_include_vat": retail,
            "unit_cost": cost,
            "cost_non_inv": cost_non_inv,
            "status": status,
            "delivered_on": np.where(
                np.isin(status, ["delivered", "returned"]), delivered_on, nat
            ).astype("datetime64[s]"),
            "cancelled_on": np.where(status == "cancelled", cancelled_on, nat).astype(
                "datetime64[s]"
            ),
            "returned_on": np.where(status == "returned", returned_on, nat).astype("datetime64[s]"),
            "customisation": np.where(
                made_to_order & ~deleted,
                np.array(CUSTOMISATIONS, dtype=object)[rng.integers(len(CUSTOMISATIONS), size=n)],
                None,
            ),
        }
    )


def _payments(rng, orders, lines, end):
    """One payment per confirmed order (gross, VAT included) once paid; a refund per return."""
    gross = lines["quantity"] * lines["unit_price"] * (1 - lines["discount_pct"])
    gross = gross.where(lines["prices_include_vat"], gross * (1 + lines["vat_rate"]))
    order_code = lines["order_id"].cat.codes.to_numpy()
    counted = ~lines["status"].isin(["cancelled"]).to_numpy()
    totals = np.bincount(order_code, weights=gross.to_numpy() * counted, minlength=len(orders))
    confirmed = (orders["status"] == "confirmed").to_numpy()
    paid_on = orders["order_date"].to_numpy("datetime64[D]") + rng.integers(0, 45, len(orders))
    paid = confirmed & (paid_on <= np.datetime64(end)) & (totals > 0)
    returned = (lines["status"] == "returned").to_numpy() & paid[order_code]
    payments = pd.DataFrame(
        {
            "order_id": np.concatenate(
                [orders["order_id"].to_numpy()[paid], lines["order_id"].to_numpy()[returned]]
            ),
            "paid_on": np.concatenate(
                [paid_on[paid], lines["returned_on"].to_numpy("datetime64[D]")[returned]]
            ).astype("datetime64[s]"),
            "amount": np.round(np.concatenate([totals[paid], -gross.to_numpy()[returned]]), 2),
        }
    )
    return payments.sort_values(["paid_on", "order_id"], kind="stable").reset_index(drop=True)


def _month_start(end: date, months_back: int) -> date:
    return _add_months(date(end.year, end.month, 1), -months_back)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out
