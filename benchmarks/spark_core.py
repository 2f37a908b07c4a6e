"""Prototype: the replay's core shape on DuckDB and on Spark (local mode), same recording, same fold.

    .venv/bin/python benchmarks/spark_core.py DIR [--engines duckdb,spark-arrow,spark-pandas]
        [--runs 1] [--master 'local[2]'] [--driver-memory 1g] [--partitions 8]

DIR holds `events.jsonl` and `report.csv` as `replay_bench.py --data DIR` leaves them. The core
shape is: stage the JSON Lines (typed: event code from the state machine, amount in minor units,
partition/offset), group the events by payment in offset order, fold each payment with the gate's
own `compliance_gate.replay.fold.payment.fold_payment` in Python, join the folded payments with the report
and collect only the breaks and their counts. Not the whole check: no line numbers, integrity,
settlement, set-based fast path, findings or masking; just the part whose engine changes.

Each engine runs as a fresh process measured from outside by `proctree` (wall time including
interpreter and JVM start, peak RSS summed over the process tree: the JVM and the Python workers
included, CPU of the tree), and prints a digest of its (payment id, category) list so the runs
can be checked to agree. Engines:
- `duckdb`: DuckDB stages and sorts; the sorted events stream out as Arrow batches into
  `fold_batches` in this process; DuckDB joins the folded payments with the report.
- `spark-arrow`: Spark reads the JSON, repartitions by payment id, sorts within partitions and
  runs the same `fold_batches` with `mapInArrow` on the executors' Python workers; Spark SQL joins.
- `spark-pandas`: the textbook grouped map, `groupBy("payment_id").applyInPandas(...)`, one
  pandas DataFrame per payment (slow: shown for the comparison).
The staging and reconciliation SQL is written once in DuckDB's dialect and transpiled for Spark
with sqlglot (`pip install sqlglot`); Spark needs `pip install pyspark pyarrow pandas` and Java 17+.
"""

# ruff: noqa: S608 - the SQL is assembled from this file's own constants and the data folder's path

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# staged events: written once in DuckDB's dialect, transpiled for Spark (quoting, NULLS LAST, TRY_CAST)
STAGE = """
SELECT r.payment_id,
       coalesce(CASE WHEN lower(coalesce(r.success, 'true')) IN ('false', '0', 'no', 'f', 'failed')
                     THEN k.fail_code ELSE k.ok_code END, -1) AS code,
       TRY_CAST(replace(r.amount, '.', '') AS BIGINT) AS amount,
       r.currency,
       coalesce(TRY_CAST(r."partition" AS BIGINT), 0) AS o1,
       TRY_CAST(r."offset" AS BIGINT) AS o2
FROM raw_events r LEFT JOIN codes k ON k.type = r.type
"""
REPORT = """
SELECT payment_id, status, currency, TRY_CAST(replace(amount, '.', '') AS BIGINT) AS amount FROM raw_report
"""
RECONCILE = """
SELECT coalesce(f.payment_id, r.payment_id) AS payment_id,
       CASE WHEN r.payment_id IS NULL THEN 'missing_in_report'
            WHEN f.payment_id IS NULL THEN 'missing_in_events'
            WHEN f.issues > 0 THEN 'event_issue'
            WHEN o.status IS NULL THEN 'status'
            WHEN f.currency <> r.currency THEN 'currency'
            WHEN f.amount <> r.amount OR r.amount IS NULL THEN 'amount'
       END AS category
FROM folded f FULL JOIN report r ON f.payment_id = r.payment_id
LEFT JOIN ok_status o ON o.status = r.status AND o.state = f.state
"""
BREAKS = f"SELECT payment_id, category FROM ({RECONCILE}) x WHERE category IS NOT NULL"
FOLDED_SCHEMA = "payment_id string, state int, amount long, captured long, refunded long, currency string, issues int"
EVENT_COLUMNS = ("payment_id", "code", "amount", "currency", "o1", "o2")
RAW_FIELDS = ("payment_id", "type", "amount", "currency", "partition", "offset", "success")


def machine_tables() -> tuple[Any, list[tuple[int, int]], list[tuple[str, int, int]], list[tuple[str, int]]]:
    from compliance_gate import bundled
    from compliance_gate.replay.fold.machine import load_machine
    from compliance_gate.replay.options import DEFAULT_MACHINE

    m = load_machine(bundled.resolve(DEFAULT_MACHINE, Path(".")))
    ok = [(status, state) for status, states in sorted(m.reporting.items()) for state in sorted(states)]
    codes = [(t, okc, fail) for t, (okc, fail) in sorted(m.codes.items())]
    return m, [], codes, ok


_TABLES: Any = None


def _tables() -> Any:
    global _TABLES  # one machine per Python worker, loaded on first use
    if _TABLES is None:
        _TABLES = machine_tables()
    return _TABLES


def _fold_rows(pid: str, rows: list[tuple[Any, ...]], currencies: dict[str, int]) -> tuple[Any, ...]:
    """One payment's sorted (code, amount, currency, o1, o2) rows -> a folded row."""
    from compliance_gate.replay.fold.payment import NO_AMOUNT, fold_payment, legacy_event

    m, _, _, _ = _tables()
    events = []
    for code, amount, cur, _o1, o2 in rows:
        ci = -1 if cur is None else currencies.setdefault(cur, len(currencies))
        events.append(legacy_event(code, NO_AMOUNT if amount is None else amount, ci, o2))
    f = fold_payment(events, m)
    names = {i: c for c, i in currencies.items()}
    return (pid, f.state, f.amount, f.captured, f.refunded, names.get(f.currency), len(f.issues))


def fold_batches(batches: Iterator[Any]) -> Iterator[Any]:
    """Arrow batches of events sorted by (payment_id, o1, o2) -> Arrow batches of folded payments.
    A payment may straddle two batches: its rows are carried over to the next one."""
    import pyarrow as pa

    schema = pa.schema(
        [
            ("payment_id", pa.string()),
            ("state", pa.int32()),
            ("amount", pa.int64()),
            ("captured", pa.int64()),
            ("refunded", pa.int64()),
            ("currency", pa.string()),
            ("issues", pa.int32()),
        ]
    )
    currencies: dict[str, int] = {}
    out: list[tuple[Any, ...]] = []
    pid: str | None = None
    rows: list[tuple[Any, ...]] = []
    for batch in batches:
        cols = [batch.column(name).to_pylist() for name in EVENT_COLUMNS]
        for p, *rest in zip(*cols, strict=True):
            if p != pid:
                if pid is not None:
                    out.append(_fold_rows(pid, rows, currencies))
                pid, rows = p, []
            rows.append(tuple(rest))
        if len(out) >= 10000:
            yield pa.RecordBatch.from_pylist([dict(zip(schema.names, r, strict=True)) for r in out], schema=schema)
            out = []
    if pid is not None:
        out.append(_fold_rows(pid, rows, currencies))
    if out:
        yield pa.RecordBatch.from_pylist([dict(zip(schema.names, r, strict=True)) for r in out], schema=schema)


def fold_group(pdf: Any) -> Any:
    """applyInPandas: one payment's events as a pandas DataFrame -> one folded row."""
    import pandas as pd

    pdf = pdf.sort_values(["o1", "o2"])
    rows = list(
        zip(
            pdf["code"].tolist(),
            [None if a != a else int(a) for a in pdf["amount"].tolist()],  # NaN: no amount
            pdf["currency"].tolist(),
            pdf["o1"].tolist(),
            pdf["o2"].tolist(),
            strict=True,
        )
    )
    row = _fold_rows(str(pdf["payment_id"].iat[0]), rows, {})
    return pd.DataFrame([row], columns=[c.split()[0] for c in FOLDED_SCHEMA.split(", ")])


def _digest(rows: list[tuple[str, str]]) -> tuple[dict[str, int], str]:
    counts: dict[str, int] = {}
    for _, cat in rows:
        counts[cat] = counts.get(cat, 0) + 1
    h = hashlib.sha256("\n".join(f"{p}\t{c}" for p, c in sorted(rows)).encode()).hexdigest()[:16]
    return dict(sorted(counts.items())), h


def run_duckdb(d: Path, args: argparse.Namespace) -> dict[str, Any]:
    import duckdb
    import pyarrow as pa

    t = {"start": time.perf_counter()}
    _, _, codes, ok = machine_tables()
    con = duckdb.connect(config={"memory_limit": "1GB", "preserve_insertion_order": False})
    con.execute("CREATE TABLE codes (type VARCHAR, ok_code INTEGER, fail_code INTEGER)")
    con.executemany("INSERT INTO codes VALUES (?, ?, ?)", codes)
    con.execute("CREATE TABLE ok_status (status VARCHAR, state INTEGER)")
    con.executemany("INSERT INTO ok_status VALUES (?, ?)", ok)
    cols = ", ".join(f"'{f}': 'VARCHAR'" for f in RAW_FIELDS)
    src = f"read_json('{d / 'events.jsonl'}', format='newline_delimited', columns={{{cols}}})"
    con.execute(f"CREATE VIEW raw_events AS SELECT * FROM {src}")
    con.execute(f"CREATE TABLE ev AS {STAGE}")
    t["staged"] = time.perf_counter()
    # con.sql(...), not con.execute(...): with preserve_insertion_order off, DuckDB 2.0.1's Arrow export of
    # an execute()d ORDER BY result is not always in order (a few rows per million); the relation API's is
    reader = con.sql(f"SELECT {', '.join(EVENT_COLUMNS)} FROM ev ORDER BY payment_id, o1, o2").to_arrow_reader(50000)
    folded = pa.Table.from_batches(list(fold_batches(iter(reader))))
    con.register("folded", folded)
    t["folded"] = time.perf_counter()
    con.execute(f"CREATE VIEW raw_report AS SELECT * FROM read_csv('{d / 'report.csv'}', all_varchar=true)")
    con.execute(f"CREATE TABLE report AS {REPORT}")
    rows = con.execute(BREAKS).fetchall()
    t["reconciled"] = time.perf_counter()
    return _result(rows, len(folded), t)


def _result(rows: list[Any], payments: int, t: dict[str, float]) -> dict[str, Any]:
    counts, digest = _digest([(str(p), str(c)) for p, c in rows])
    marks = list(t.items())
    phases = {b[0]: round(b[1] - a[1], 2) for a, b in itertools.pairwise(marks)}
    return {"payments": payments, "breaks": len(rows), "counts": counts, "digest": digest, "phases": phases}


def spark_session(
    master: str, driver_memory: str, partitions: int, conf: tuple[str, ...] = (), app: str = "cg-replay"
) -> Any:
    """A SparkSession bound to loopback with no UI; the executors' Python is this interpreter.
    `conf` adds `key=value` settings (e.g. `spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1`)."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    for item in conf:
        key, _, value = item.partition("=")
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def spark_sql(sql: str) -> str:
    import sqlglot

    return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])


def run_spark(d: Path, args: argparse.Namespace, mode: str) -> dict[str, Any]:
    from pyspark.sql.types import StringType, StructField, StructType

    t = {"start": time.perf_counter()}
    spark = spark_session(args.master, args.driver_memory, args.partitions, tuple(args.conf))
    t["session"] = time.perf_counter()
    _, _, codes, ok = machine_tables()
    spark.createDataFrame(codes, "type string, ok_code int, fail_code int").createOrReplaceTempView("codes")
    spark.createDataFrame(ok, "status string, state int").createOrReplaceTempView("ok_status")
    schema = StructType([StructField(f, StringType()) for f in RAW_FIELDS])
    spark.read.json(str(d / "events.jsonl"), schema=schema).createOrReplaceTempView("raw_events")
    ev = spark.sql(spark_sql(STAGE))
    if mode == "arrow":
        folded = (
            ev.repartition(args.partitions, "payment_id")
            .sortWithinPartitions("payment_id", "o1", "o2")
            .mapInArrow(fold_batches, FOLDED_SCHEMA)
        )
    else:
        folded = ev.groupBy("payment_id").applyInPandas(fold_group, FOLDED_SCHEMA)
    folded.createOrReplaceTempView("folded")
    spark.read.csv(str(d / "report.csv"), header=True).createOrReplaceTempView("raw_report")
    spark.sql(spark_sql(REPORT)).createOrReplaceTempView("report")
    # one job: stage, shuffle by payment, fold on the Python workers, join, bring back the breaks
    rows = [(r[0], r[1]) for r in spark.sql(spark_sql(BREAKS)).collect()]
    t["job"] = time.perf_counter()
    payments = spark.sql("SELECT count(*) FROM folded").collect()[0][0] if args.count else -1
    spark.stop()
    t["stopped"] = time.perf_counter()
    return _result(rows, payments, t)


def compare(d: Path, args: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE))
    import proctree

    engines = args.engines.split(",")
    seen: dict[str, list[Any]] = {e: [] for e in engines}
    for r in range(args.runs):
        for engine in engines if r % 2 == 0 else engines[::-1]:
            argv = [sys.executable, __file__, str(d), "--engine", engine, "--master", args.master]
            argv += ["--driver-memory", args.driver_memory, "--partitions", str(args.partitions)]
            argv += [f"--conf={c}" for c in args.conf]
            before = proctree.load()
            m = proctree.run(argv)
            if m.returncode:
                raise SystemExit(f"{engine} failed:\n{m.stderr[-3000:]}")
            res = json.loads(m.stdout.strip().splitlines()[-1])
            seen[engine].append((m, res))
            print(
                f"run {r + 1} {engine:12s}: {m.wall_s:6.2f}s wall  {m.cpu_s:6.2f}s CPU  peak RSS "
                f"{m.peak_rss_mb:5.0f} MB ({m.processes} processes)  breaks {res['breaks']}  digest {res['digest']}  "
                f"phases {res['phases']}  CPU by process {m.cpu_by_exe}  (load {before})",
                flush=True,
            )
    digests = {res["digest"] for runs in seen.values() for _, res in runs}
    for e, runs in seen.items():
        w = statistics.median(m.wall_s for m, _ in runs)
        rss = statistics.median(m.peak_rss_mb for m, _ in runs)
        print(f"median {e:12s}: {w:6.2f}s wall  peak RSS {rss:5.0f} MB  counts {runs[0][1]['counts']}")
    print(f"identical breaks on every engine: {len(digests) == 1}  (load {proctree.load()})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--engine", help="run one engine in this process and print its result as JSON")
    ap.add_argument("--engines", default="duckdb,spark-arrow")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", default="1g")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="extra Spark setting")
    ap.add_argument("--count", action="store_true", help="also count the folded payments (one more job)")
    args = ap.parse_args()
    if not args.engine:
        compare(args.dir, args)
        return
    t = time.perf_counter()
    if args.engine == "duckdb":
        res = run_duckdb(args.dir, args)
    else:
        res = run_spark(args.dir, args, args.engine.removeprefix("spark-"))
    res["wall_inside"] = round(time.perf_counter() - t, 2)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
