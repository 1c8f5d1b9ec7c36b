"""Apache Spark as the analytics database of the sql engine: ANALYTICS_URL names the Spark to
run on, the SQL is the Ibis expressions compiled for Spark, run by `spark.sql(sql).toPandas()`.

    spark://local[2]            Spark in this process (local mode, 2 cores)
    spark://host:7077           a standalone Spark cluster (its master)
    sc://host:15002             a Spark Connect server (Spark 3.4+; pyspark's connect extras)

The tables of data.models are read, under the same names and columns, from the session's
catalog (e.g. a Hive metastore set up in spark-defaults.conf), or, with `?parquet=FOLDER`, from
FOLDER/<table>.parquet (any path Spark can read: a local folder, hdfs://, s3a://), registered
as temporary views. Other query parameters that start with "spark." are session settings, e.g.
`spark://local[2]?parquet=/data/sales&spark.driver.memory=1g`. pyspark is imported only for a
Spark URL (Ibis's Spark compiler needs it too) and the session is started at the first query,
so a server's workers each start their own after the fork.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from data.models import DATA_TABLES

SCHEMES = ("spark://", "sc://")
# Dates are days: Spark turns a DATE into seconds in the session's time zone, so it runs in UTC
# (gaps between order dates are whole days across summer-time changes too).
SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
# In one process the default 200 partitions per shuffle cost more than the work (measured: a
# query of the hand-made shop 3-4x slower).
LOCAL_SETTINGS = {"spark.sql.shuffle.partitions": "4"}
ARROW_TYPES = {"String": pa.string(), "Text": pa.string(), "Integer": pa.int64(),
               "Float": pa.float64(), "Boolean": pa.bool_(), "Date": pa.date32()}  # fmt: skip


def is_spark(url: str) -> bool:
    return url.startswith(SCHEMES)


class Spark:
    """One Spark session for `url` (see the module), started at the first query."""

    def __init__(self, url: str) -> None:
        if not is_spark(url):
            raise ValueError(f"not a Spark URL: {url!r}; use spark://local[N], spark://host:port "
                             "or sc://host:port")  # fmt: skip
        address, _, query = url.partition("?")
        options = dict(parse_qsl(query))
        self.parquet = options.pop("parquet", None)
        unknown = [name for name in options if not name.startswith("spark.")]
        if unknown:
            raise ValueError(f"unknown Spark URL parameter {unknown[0]!r}: use parquet=FOLDER "
                             "or spark.* settings")  # fmt: skip
        self.settings = {**SETTINGS, **options}
        self.address = address
        self.session = None

    def run(self, sql: str) -> pd.DataFrame:
        return self.start().sql(sql).toPandas()

    def start(self):
        """The session (started, and the Parquet tables registered, on the first call)."""
        if self.session is None:
            from pyspark.sql import SparkSession  # only Spark deployments need it loaded

            builder = SparkSession.builder.appName("sales-by-customer")
            if self.address.startswith("sc://"):  # a Connect server: only spark.sql.* below
                session = builder.remote(self.address).getOrCreate()
            else:
                master = self.address.removeprefix("spark://")
                local = master.startswith("local")
                builder = builder.master(master if local else self.address)
                settings = {**LOCAL_SETTINGS, **self.settings} if local else self.settings
                for name, value in settings.items():
                    builder = builder.config(name, value)
                session = builder.getOrCreate()
                session.sparkContext.setLogLevel("ERROR")
            for name, value in self.settings.items():
                if name.startswith("spark.sql."):  # also on a session that existed already
                    session.conf.set(name, value)
            if self.parquet:
                for table in DATA_TABLES:
                    path = f"{self.parquet.rstrip('/')}/{table.name}.parquet"
                    session.read.parquet(path).createOrReplaceTempView(table.name)
            self.session = session
        return self.session


def write_parquet(tables: dict[str, pd.DataFrame], folder: str | Path) -> None:
    """FOLDER/<table>.parquet for every table of data.models, with its columns and types (dates
    as DATE, missing values as NULL), from frames as data.db.read_tables or data.demo.generate
    give them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table in DATA_TABLES:
        frame = tables[table.name]
        columns = {}
        for column in table.columns:
            kind = ARROW_TYPES[type(column.type).__name__]
            if column.name not in frame:
                columns[column.name] = pa.nulls(len(frame), kind)
                continue
            values = frame[column.name]
            if kind == pa.date32():
                values = pd.to_datetime(values).dt.date
            columns[column.name] = pa.array(values.astype(object), kind, from_pandas=True)
        pq.write_table(pa.table(columns), folder / f"{table.name}.parquet")
