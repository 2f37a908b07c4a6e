"""Run a command as a fresh process and measure it whole: wall time and peak RSS of its process tree.

Used by `replay_bench.py` (and `pandas_recon.py --measure`) so that every side of a comparison is
measured the same way: its own interpreter start and imports included, and the memory of every
descendant (a DuckDB thread pool lives in the process; a Spark JVM and its Python workers are
children) added up. A sampler thread walks `/proc/<pid>/task/*/children` every 20 ms and sums
`VmRSS`; the peak reported is the larger of that sum and the kernel's own `ru_maxrss` for the
tree (which catches a short spike of the largest single process between two samples). Linux only.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_S = 0.02


@dataclass(frozen=True, slots=True)
class Measured:
    argv: tuple[str, ...]
    wall_s: float
    cpu_s: float  # user + system of the whole tree (sampled per process, or the kernel's total if larger)
    peak_rss_mb: float  # summed RSS of the tree at its sampled peak (or the largest single process)
    processes: int  # most processes seen alive at once in the tree
    returncode: int
    stdout: str
    stderr: str
    cpu_by_exe: dict[str, float] = field(default_factory=dict)  # sampled CPU seconds per executable name


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                out += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
            except OSError:
                continue
    except OSError:
        pass
    return out


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0.0


def _exe(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def tree(root: int, cpu: dict[int, float] | None = None, names: dict[int, str] | None = None) -> tuple[int, int]:
    """(bytes of RSS summed over `root` and its descendants, number of processes); notes each
    process's CPU seconds so far in `cpu` (so a child that is never waited for still counts)."""
    seen, stack, total = set(), [root], 0
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss(pid)
        if cpu is not None:
            cpu[pid] = max(cpu.get(pid, 0.0), _cpu_s(pid))
        if names is not None:
            names[pid] = _exe(pid)  # the latest: a launcher script exec()s into `java`
        stack.extend(_children(pid))
    return total, len(seen)


def run(argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> Measured:
    """Run `argv` to completion; stdout/stderr are captured (to files, so a chatty child never blocks)."""
    peak = [0, 0]
    cpu: dict[int, float] = {}
    names: dict[int, str] = {}
    done = threading.Event()
    with open(os.devnull, "rb") as devnull, _tmpfile() as out, _tmpfile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=devnull, stdout=out, stderr=err, env=env, cwd=cwd)

        def sample() -> None:
            while not done.is_set():
                rss, n = tree(proc.pid, cpu, names)
                peak[0] = max(peak[0], rss)
                peak[1] = max(peak[1], n)
                done.wait(SAMPLE_S)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    # ru_maxrss of wait4 is the largest single process of the child's waited-for tree, in KiB
    peak_bytes = max(peak[0], usage.ru_maxrss * 1024)
    by_exe: dict[str, float] = {}
    for pid, seconds in cpu.items():
        by_exe[names.get(pid, "?")] = round(by_exe.get(names.get(pid, "?"), 0.0) + seconds, 2)
    return Measured(
        tuple(argv),
        wall,
        max(usage.ru_utime + usage.ru_stime, sum(cpu.values())),
        peak_bytes / 2**20,
        peak[1],
        proc.returncode,
        stdout,
        stderr,
        by_exe,
    )


def _tmpfile():  # type: ignore[no-untyped-def]
    import tempfile

    return tempfile.TemporaryFile()


def self_peak_mb() -> float:
    """This process's own peak RSS plus its largest waited-for child's, in MB (for in-process reports)."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (me + kids) / 1024
