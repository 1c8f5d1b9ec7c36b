"""The data model of SPEC §2: the contract every importer writes and every metric reads."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    inspect,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = 200  # longest id or text value an import accepts (SPEC §7)


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    customer_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(ID))
    country: Mapped[str | None] = mapped_column(String(ID))
    region: Mapped[str | None] = mapped_column(String(ID))
    customer_group: Mapped[str | None] = mapped_column(String(ID))
    owner: Mapped[str | None] = mapped_column(String(ID))  # salesperson code
    created_on: Mapped[date | None] = mapped_column(Date)


class CustomerField(Base):
    """A custom field of a customer (free key/value, e.g. industry, size, tier)."""

    __tablename__ = "customer_fields"
    # No foreign key: re-importing a customer row must not cascade away its fields.
    customer_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    field: Mapped[str] = mapped_column(String(ID), primary_key=True)
    value: Mapped[str | None] = mapped_column(String(200))


class Salesperson(Base):
    __tablename__ = "salespeople"
    code: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(ID))
    commission_rate: Mapped[float] = mapped_column(Float, default=0.0)
    commission_basis: Mapped[str] = mapped_column(String(20), default="items_sold")


class Item(Base):
    __tablename__ = "items"
    item_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    product_id: Mapped[str | None] = mapped_column(String(ID))
    name: Mapped[str] = mapped_column(String(200))
    variant: Mapped[str | None] = mapped_column(String(ID))
    category: Mapped[str | None] = mapped_column(String(ID))
    brand: Mapped[str | None] = mapped_column(String(ID))
    collection: Mapped[str | None] = mapped_column(String(ID))
    supplier: Mapped[str | None] = mapped_column(String(ID))
    department: Mapped[str | None] = mapped_column(String(ID))
    item_type: Mapped[str] = mapped_column(String(20), default="inventory")
    made_to_order: Mapped[bool] = mapped_column(Boolean, default=False)


class Order(Base):
    """A sales document."""

    __tablename__ = "orders"
    order_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    document_type: Mapped[str] = mapped_column(String(20), default="invoice")
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    order_date: Mapped[date] = mapped_column(Date, index=True)
    customer_id: Mapped[str] = mapped_column(String(ID), index=True)
    salesperson: Mapped[str | None] = mapped_column(String(ID))
    channel: Mapped[str | None] = mapped_column(String(ID))
    source: Mapped[str | None] = mapped_column(String(ID))
    device: Mapped[str | None] = mapped_column(String(ID))
    campaign: Mapped[str | None] = mapped_column(String(ID))


class OrderLine(Base):
    __tablename__ = "order_lines"
    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.order_id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key: a line keeps the item as sold even after the item is deleted.
    item_id: Mapped[str] = mapped_column(String(ID))
    item_name: Mapped[str | None] = mapped_column(String(200))
    sku: Mapped[str | None] = mapped_column(String(ID))
    quantity: Mapped[float] = mapped_column(Float)
    unit_price: Mapped[float] = mapped_column(Float)
    discount_pct: Mapped[float] = mapped_column(Float, default=0.0)
    vat_rate: Mapped[float] = mapped_column(Float, default=0.0)
    prices_include_vat: Mapped[bool] = mapped_column(Boolean, default=False)
    unit_cost: Mapped[float | None] = mapped_column(Float)
    cost_non_inv: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(20), default="delivered")
    delivered_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    returned_on: Mapped[date | None] = mapped_column(Date)
    customisation: Mapped[str | None] = mapped_column(Text)
    # Attributes as sold (SPEC §2): the line's own value; missing = the item's / order's value.
    category: Mapped[str | None] = mapped_column(String(ID))
    brand: Mapped[str | None] = mapped_column(String(ID))
    collection: Mapped[str | None] = mapped_column(String(ID))
    supplier: Mapped[str | None] = mapped_column(String(ID))
    department: Mapped[str | None] = mapped_column(String(ID))
    channel: Mapped[str | None] = mapped_column(String(ID))
    source: Mapped[str | None] = mapped_column(String(ID))
    device: Mapped[str | None] = mapped_column(String(ID))
    campaign: Mapped[str | None] = mapped_column(String(ID))
    salesperson: Mapped[str | None] = mapped_column(String(ID))


class Payment(Base):
    __tablename__ = "payments"
    payment_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(ID), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[float] = mapped_column(Float)  # negative = refund


class Sums:
    """The columns of a rollup's sums: metrics.engine.SUMS, after the rollup's key."""

    sales_amount: Mapped[float] = mapped_column(Float)
    sales_quantity: Mapped[float] = mapped_column(Float)
    cost_amount: Mapped[float] = mapped_column(Float)
    cost_non_inv: Mapped[float] = mapped_column(Float)
    known_sales: Mapped[float] = mapped_column(Float)
    known_non_inv: Mapped[float] = mapped_column(Float)
    known_quantity: Mapped[float] = mapped_column(Float)
    known_lines: Mapped[float] = mapped_column(Float)
    revenue_lines: Mapped[float] = mapped_column(Float)
    confirmed_orders: Mapped[int] = mapped_column(Integer)
    draft_orders: Mapped[int] = mapped_column(Integer)
    confirmed_amount: Mapped[float] = mapped_column(Float)
    draft_amount: Mapped[float] = mapped_column(Float)


class DailyCustomerSums(Base, Sums):
    """A rollup the database keeps for the `sql` engine (data.rollups): the additive sums of
    metrics.engine.SUMS over the order lines of one day and one customer, and `orders`, the
    distinct orders with a revenue line there (they add up across days and customers)."""

    __tablename__ = "daily_customer_sums"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    orders: Mapped[int | None] = mapped_column(Integer)


class MonthlyCustomerItemSums(Base, Sums):
    """A rollup the database keeps for the `sql` engine (data.rollups): the sums of
    metrics.engine.SUMS over the order lines of one month (year * 12 + month - 1, as the engine
    numbers months), one customer and one item, and `orders`, the distinct orders with a revenue
    line there. An order has one customer and one date, so its distinct counts add up across
    months and customers (a question by item), never across items."""

    __tablename__ = "monthly_customer_item_sums"
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    # indexed for one customer's items (Sales by Customer's expanded row, bench (c))
    customer_id: Mapped[str] = mapped_column(String(ID), primary_key=True, index=True)
    item_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    # the lowest order ID among the row's lines (any status): an item missing from the catalogue
    # is named by its first line by order ID (data.sql_engine's item list), read by that ID
    first_order: Mapped[str | None] = mapped_column(String(ID))


# The attributes as sold that monthly_customer_attribute_sums holds (the line's own value, else
# its order's or its item's; `product`: the item's product, else its own item_id).
ROLLUP_ATTRIBUTES = (
    "channel", "source", "device", "campaign", "salesperson", "document_type",
    "category", "brand", "collection", "supplier", "department", "product",
)  # fmt: skip

# A rollup the database keeps for the `sql` engine (data.rollups): the sums of
# metrics.engine.SUMS over the order lines of one month (numbered as the engine numbers them),
# one customer and one value of one attribute as sold (ROLLUP_ATTRIBUTES; `value` NULL: none),
# and `orders`, the distinct orders with a revenue line there. One long table rather than one
# per attribute: its rows of one attribute are read together, and the writes sum again one
# (month, customer) in one place. A table without a primary key: a missing value is NULL.
MonthlyCustomerAttributeSums = Table(
    "monthly_customer_attribute_sums",
    Base.metadata,
    Column("month", Integer, nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("attribute", String(ID), nullable=False),
    Column("value", String(ID)),
    *(
        Column(column.name, column.type)
        for column in DailyCustomerSums.__table__.columns
        if column.name not in ("day", "customer_id")
    ),
    # an attribute's rows of some months; one customer's rows (the writes, a customer filter)
    Index("ix_monthly_customer_attribute_sums_attribute", "attribute", "month"),
    Index("ix_monthly_customer_attribute_sums_customer", "customer_id", "month"),
)

# A rollup the database keeps for the `sql` engine (data.rollups): the same sums and `orders`
# over the order lines made to order (their item is, or they carry a customisation) of one
# month, one customer, one product (the item's product, else its own item_id) and one
# customisation (NULL: none): Made to Order's rows. Without a primary key: none is NULL.
MonthlyCustomerMadeToOrderSums = Table(
    "monthly_customer_made_to_order_sums",
    Base.metadata,
    Column("month", Integer, nullable=False),
    Column("customer_id", String(ID), nullable=False),
    Column("product", String(ID), nullable=False),
    Column("customisation", Text),
    *(
        Column(column.name, column.type)
        for column in DailyCustomerSums.__table__.columns
        if column.name not in ("day", "customer_id")
    ),
    # one customer's rows (the writes, a customer filter)
    Index("ix_monthly_customer_made_to_order_sums_customer", "customer_id", "month"),
)


class CustomerEventSums(Base):
    """A rollup the database keeps for the `sql` engine (data.rollups): the events of the
    confirmed orders of one day (`day`, the order date) and one customer, as
    metrics.commission.sales_events dates them, summed per salesperson (the line's as sold,
    else the order's; a payment's: the order's), day of the event (`event_day`) and event
    (metrics.commission.EVENTS): `amount`, the Sales Amount of the lines or the size of the
    payments, and `events`, how many (at least one: a row is an event, its amount perhaps 0).
    Keyed by the order's day and customer, so that the writes sum a cell's orders again whole;
    an event may fall long after its order (a return, a payment)."""

    __tablename__ = "customer_event_sums"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    salesperson: Mapped[str] = mapped_column(String(ID), primary_key=True)
    event_day: Mapped[date] = mapped_column(Date, primary_key=True)
    event: Mapped[str] = mapped_column(String(20), primary_key=True)
    amount: Mapped[float] = mapped_column(Float)
    events: Mapped[int] = mapped_column(Integer)
    # a scope's or a customer filter's customers, each one's event days of the period (SQLite
    # otherwise built a temporary index on every question: 2.5 s against 0.3 s at 1M lines)
    __table_args__ = (Index("ix_customer_event_sums_customer", "customer_id", "event_day"),)


class CustomerOrderDays(Base):
    """A rollup the database keeps for the `sql` engine (data.rollups): one row per customer and
    day with a confirmed order (from the orders, with lines or not): `orders`, the confirmed
    orders that day, and `gap`, the days since the customer's previous such day (NULL on its
    first). The customers' order days, their cadence and reorder gaps read it; a write changes
    the gap of the customer's next day too, so the writes sum again every row of a customer."""

    __tablename__ = "customer_order_days"
    customer_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    gap: Mapped[int | None] = mapped_column(Integer)


# the rollups data.rollups keeps, current together (one RollupState)
ROLLUP_TABLES = [
    DailyCustomerSums.__table__,
    MonthlyCustomerItemSums.__table__,
    MonthlyCustomerAttributeSums,
    MonthlyCustomerMadeToOrderSums,
    CustomerEventSums.__table__,
    CustomerOrderDays.__table__,
]


class RollupState(Base):
    """The one row (id 1) telling which data version the rollups reflect."""

    __tablename__ = "rollup_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class DataChange(Base):
    """One row per data version written by an import that knows what it changed (data.change_log):
    `orders`, how many orders it wrote (their IDs in changed_orders)."""

    __tablename__ = "data_changes"
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)


class ChangedOrder(Base):
    """An order (its lines, its attributes) that the import of data version `version` wrote."""

    __tablename__ = "changed_orders"
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[str] = mapped_column(String(ID), primary_key=True)


class User(Base):
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    salesperson_code: Mapped[str | None] = mapped_column(String(32))
    team: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# Tables holding sales data, in the order they are filled (deleted in reverse).
DATA_TABLES = [
    Salesperson.__table__,
    Customer.__table__,
    CustomerField.__table__,
    Item.__table__,
    Order.__table__,
    OrderLine.__table__,
    Payment.__table__,
]

# Attributes an order line may carry as sold (SPEC §2), by the table that keeps one value for display.
LINE_ITEM_ATTRIBUTES = ("category", "brand", "collection", "supplier", "department")
LINE_ORDER_ATTRIBUTES = ("channel", "source", "device", "campaign", "salesperson")
LINE_ATTRIBUTES = LINE_ITEM_ATTRIBUTES + LINE_ORDER_ATTRIBUTES

ORDER_STATUSES = ("draft", "quote", "confirmed", "abandoned")
LINE_STATUSES = ("open", "delivered", "cancelled", "returned")
DOCUMENT_TYPES = ("order", "invoice", "receipt")
COMMISSION_BASES = ("items_sold", "items_delivered", "payments")
ITEM_TYPES = ("inventory", "service", "non_inventory")


class Setting(Base):
    """Small facts about the database itself (e.g. that it holds the demo company)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(ID), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)


class SignInBase(DeclarativeBase):
    """Tables of the sign-in state (data.signin_state), kept in a database apart from the sales
    data: every worker reads and writes them, and a write there must not reload the frames."""


class LoginBrake(SignInBase):
    """Recent failed sign-ins of one key: an account (`account:<username>`, existing users only)
    or a client address (`address:<ip>`, IPv6 by /64). A row is forgotten after a quiet window."""

    __tablename__ = "login_brake"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt: Mapped[float] = mapped_column(Float, index=True)  # Unix time of the last check


class UserSession(SignInBase):
    """A user's session generation: put in the session at sign-in and compared on every request;
    logout, a new password or deactivation bump it, which ends every session of the user."""

    __tablename__ = "user_sessions"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


def has_columns(conn: Connection, table: Table) -> bool:
    """Whether the database holds `table` with every column of its model."""
    inspector = inspect(conn)
    if not inspector.has_table(table.name):
        return False
    return {c.name for c in table.columns} <= {c["name"] for c in inspector.get_columns(table.name)}


def upgrade_schema(conn: Connection) -> None:
    """Bring a database made by an earlier version up to these models: add the columns it lacks
    (the lines' attributes as sold) and, on PostgreSQL, widen text columns to their model length."""
    inspector = inspect(conn)
    for table in Base.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        stored = {c["name"]: c for c in inspector.get_columns(table.name)}
        for column in table.columns:
            kind = column.type.compile(dialect=conn.dialect)
            if column.name not in stored:
                conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
            elif conn.dialect.name == "postgresql" and isinstance(column.type, String):
                length = getattr(stored[column.name]["type"], "length", None)
                if length is not None and column.type.length and length < column.type.length:
                    conn.exec_driver_sql(
                        f"ALTER TABLE {table.name} ALTER COLUMN {column.name} TYPE {kind}"
                    )
