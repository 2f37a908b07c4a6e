"""Prototype: a standalone Spark master and one worker on loopback, started from the installed PySpark.

    .venv/bin/python benchmarks/spark_cluster.py [--runs 2] [--worker-memory 1g] [--cores 2]

`standalone()` is the recipe a pytest fixture can use: it runs the installed PySpark's own
`bin/spark-class org.apache.spark.deploy.master.Master` and `...deploy.worker.Worker` with
ephemeral ports on 127.0.0.1 (RPC, web UIs), the REST submission server off (it binds a fixed
port, 6066), small daemon heaps, a private work dir, and yields the `spark://127.0.0.1:PORT` URL;
on exit it stops both JVMs (and the executors the worker started) by their process group. No
network beyond loopback. The demo connects a driver to it and runs the per-payment fold as a
grouped map (`applyInPandas`, and `applyInArrow` where the PySpark version has it) with functions
from the module `spark_core` shipped to the executors with `addPyFile`, so they are pickled by
reference and imported (with `compliance_gate`) in the executors' own Python workers; it checks
that those workers descend from an executor JVM that the worker started, not from the driver.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# JIT and GC settings that cut a short-lived JVM's CPU (C2 compiles little that pays back here)
JVM_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def cluster_env(tmp: Path) -> dict[str, str]:
    """What the daemons need: SPARK_HOME (the pip package), loopback only, small heaps, no REST server."""
    env = dict(os.environ)
    env.update(
        SPARK_HOME=str(spark_home()),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_LOCAL_HOSTNAME="localhost",
        SPARK_LOG_DIR=str(tmp / "logs"),
        SPARK_WORKER_DIR=str(tmp / "work"),
        SPARK_DAEMON_MEMORY="256m",
        SPARK_DAEMON_JAVA_OPTS=f"{JVM_OPTS} -Dspark.master.rest.enabled=false",
        SPARK_NO_DAEMONIZE="1",
    )
    return env


@dataclass(frozen=True, slots=True)
class Cluster:
    url: str
    master_pid: int
    worker_pid: int
    master_s: float  # seconds until the master was ALIVE
    worker_s: float  # seconds until the worker had registered


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        # a session of its own: stopping its process group also stops what the daemon started
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(log: Path, pattern: str, proc: subprocess.Popen[bytes], timeout_s: float) -> re.Match[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        m = re.search(pattern, log.read_text(errors="replace"))
        if m:
            return m
        if proc.poll() is not None:
            raise RuntimeError(f"{log.name}: the JVM exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        time.sleep(0.1)
    raise TimeoutError(f"{log.name}: no {pattern!r} within {timeout_s:.0f}s:\n{log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextlib.contextmanager
def standalone(cores: int = 2, worker_memory: str = "1g", timeout_s: float = 180) -> Iterator[Cluster]:
    """A master and one worker on 127.0.0.1 with ephemeral ports; both stopped on exit."""
    with tempfile.TemporaryDirectory(prefix="cg-spark-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "logs").mkdir()
        (tmp / "work").mkdir()
        env = cluster_env(tmp)
        spark_class = str(spark_home() / "bin" / "spark-class")
        t0 = time.perf_counter()
        master_log = tmp / "master.log"
        loopback = ["--host", "127.0.0.1", "--port", "0", "--webui-port", "0"]  # 0: an ephemeral port
        master = _start([spark_class, "org.apache.spark.deploy.master.Master", *loopback], env, master_log)
        worker = None
        try:
            url = _wait_for(master_log, r"Starting Spark master at (spark://127\.0\.0\.1:\d+)", master, timeout_s)[1]
            _wait_for(master_log, r"New state: ALIVE", master, timeout_s)
            t_master = time.perf_counter() - t0
            worker_log = tmp / "worker.log"
            sizes = ["--cores", str(cores), "--memory", worker_memory, "--work-dir", str(tmp / "work")]
            worker = _start(
                [spark_class, "org.apache.spark.deploy.worker.Worker", *loopback, *sizes, url], env, worker_log
            )
            _wait_for(worker_log, r"Successfully registered with master", worker, timeout_s)
            yield Cluster(url, master.pid, worker.pid, t_master, time.perf_counter() - t0 - t_master)
        finally:
            if worker is not None:
                _stop(worker)
            _stop(master)


def _ancestors(pid: int) -> list[int]:
    out = []
    while pid > 1:
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
        out.append(pid)
    return out


def where_am_i(pdf: Any) -> Any:
    """applyInPandas demo: which process folds this group, and its ancestors."""
    import pandas as pd

    return pd.DataFrame({"payment_id": [str(pdf["payment_id"].iat[0])], "chain": [json.dumps(_ancestors(os.getpid()))]})


def demo(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(HERE))
    import spark_core

    t0 = time.perf_counter()
    with standalone(args.cores, args.worker_memory) as cl:
        print(f"master ALIVE in {cl.master_s:.1f}s at {cl.url}; worker registered {cl.worker_s:.1f}s later")
        t = time.perf_counter()
        conf = (
            "spark.executor.memory=512m",
            f"spark.cores.max={args.cores}",
            f"spark.driver.extraJavaOptions={JVM_OPTS}",
            f"spark.executor.extraJavaOptions={JVM_OPTS}",
        )
        spark = spark_core.spark_session(cl.url, "512m", 4, conf, app="cg-cluster-demo")
        spark.sparkContext.addPyFile(str(HERE / "spark_core.py"))
        spark.sparkContext.addPyFile(__file__)
        print(f"driver session (executor launched, registered) in {time.perf_counter() - t:.1f}s")
        _, _, codes, _ = spark_core.machine_tables()
        code = {etype: ok for etype, ok, _ in codes}
        flow = ("payment.created", "payment.processing", "payment.authorized", "payment.captured")
        rows = [
            (f"pay_{p:05d}", code[etype], None if etype == "payment.processing" else 1000 + p, "EUR", 0, 4 * p + i)
            for p in range(2000)
            for i, etype in enumerate(flow)
        ]
        ev = spark.createDataFrame(
            rows, "payment_id string, code int, amount long, currency string, o1 long, o2 long"
        ).cache()
        ev.count()
        for r in range(args.runs):
            t = time.perf_counter()
            folded = ev.groupBy("payment_id").applyInPandas(spark_core.fold_group, spark_core.FOLDED_SCHEMA).collect()
            took = time.perf_counter() - t
            states = sorted({f.state for f in folded})
            print(f"run {r + 1}: applyInPandas folded {len(folded)} payments in {took:.1f}s (states {states})")
            t = time.perf_counter()
            arrow = (
                ev.repartition(4, "payment_id")
                .sortWithinPartitions("payment_id", "o1", "o2")
                .mapInArrow(spark_core.fold_batches, spark_core.FOLDED_SCHEMA)
                .collect()
            )
            same = sorted(tuple(x) for x in arrow) == sorted(tuple(x) for x in folded)
            print(
                f"run {r + 1}: mapInArrow folded {len(arrow)} payments in {time.perf_counter() - t:.1f}s, same: {same}"
            )
        grouped = ev.groupBy("payment_id")
        if hasattr(grouped, "applyInArrow"):
            t = time.perf_counter()
            n = grouped.applyInArrow(_fold_arrow_group, spark_core.FOLDED_SCHEMA).count()
            print(f"applyInArrow folded {n} payments in {time.perf_counter() - t:.1f}s")
        # a Python worker's ancestors: the pyspark daemon, the executor JVM, the worker JVM that launched it
        chains = [
            json.loads(r.chain)
            for r in ev.groupBy("payment_id").applyInPandas(where_am_i, "payment_id string, chain string").collect()
        ]
        executors = {c[1] for c in chains}
        driver_jvm = int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())
        print(
            f"Python workers ran under executor JVM(s) {sorted(executors)}, started by the worker JVM "
            f"{cl.worker_pid}: {all(c[2] == cl.worker_pid for c in chains)}; the driver's JVM ({driver_jvm}) "
            f"is no ancestor: {all(driver_jvm not in c for c in chains)}"
        )
        t = time.perf_counter()
        spark.stop()
        print(f"driver stopped in {time.perf_counter() - t:.1f}s")
        t = time.perf_counter()
    print(f"cluster stopped in {time.perf_counter() - t:.1f}s; total {time.perf_counter() - t0:.1f}s")


def _fold_arrow_group(table: Any) -> Any:
    """applyInArrow: one payment's events as an Arrow table -> one folded row (via fold_batches)."""
    import pyarrow as pa
    import spark_core

    table = table.sort_by([("o1", "ascending"), ("o2", "ascending")])
    return pa.Table.from_batches(list(spark_core.fold_batches(iter(table.to_batches()))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--worker-memory", default="1g")
    demo(ap.parse_args())


if __name__ == "__main__":
    main()
