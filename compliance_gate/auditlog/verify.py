"""Read audit logs once and verify schema, chain, content and lifecycle.

`verify_logs(files, config)` is the whole verification without any policy or engine around it
(the check, the checkpoint command and the benchmark call it). Each file is cut into blocks of
whole lines; every per-record step (parse, schema, the record's own hash, PII and secrets) runs
on a block at a time (`analyse.py`), in worker processes for large logs, and the facts come
back in order to be linked per stream in this process (`merge.py`). Memory holds a few blocks,
the reorder window per stream, and the state-change index if asked.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from compliance_gate.auditlog import parallel
from compliance_gate.auditlog.analyse import Block, Facts, analyse
from compliance_gate.auditlog.chain import StreamVerifier
from compliance_gate.auditlog.merge import FileMerger, Once
from compliance_gate.auditlog.reader import GZIP_MAGIC, LogReader
from compliance_gate.auditlog.report import FileSummary, LogReport, Problem, StateRecord, VerifyConfig
from compliance_gate.model import JSONValue

__all__ = ("FileSummary", "LogReport", "Problem", "StateRecord", "VerifyConfig", "verify_logs")


def verify_logs(files: Sequence[tuple[str, Path]], config: VerifyConfig) -> LogReport:
    """Verify `(display path, real path)` files in order; streams may continue across files."""
    report = LogReport()
    once: dict[tuple[str, str], Once] = {}
    order = 0
    workers = parallel.Workers(config.workers) if config.workers > 0 else None
    try:
        for display, real in files:
            order = _verify_file(display, real, config, report, once, order, workers)
    finally:
        if workers is not None:
            workers.close()
    report.problems.extend(_empty(f) for f in report.files if f.records == 0)
    for verifier in report.streams.values():
        verifier.finish()
        report.problems.extend(_break_problems(verifier))
        if config.require_start_stop:
            report.problems.extend(_lifecycle(verifier))
    for item in once.values():
        p = item.first
        suffix = f" ({item.count} records)" if item.count > 1 else ""
        report.problems.append(
            Problem(
                p.rule,
                p.path,
                p.line,
                p.message + suffix,
                p.content,
                p.excerpt,
                {**p.properties, "records": item.count},
            )
        )
    position = {display: i for i, (display, _) in enumerate(files)}
    report.problems.sort(key=lambda p: (position.get(p.path, len(position)), p.line or 0, p.rule, p.message))
    return report


def _verify_file(
    display: str,
    real: Path,
    config: VerifyConfig,
    report: LogReport,
    once: dict[tuple[str, str], Once],
    order: int,
    workers: parallel.Workers | None,
) -> int:
    with open(real, "rb") as fh:
        compressed = fh.read(2) == GZIP_MAGIC
    size = real.stat().st_size
    threshold = parallel.MIN_PARALLEL_BYTES >> 3 if compressed else parallel.MIN_PARALLEL_BYTES
    pool = workers if workers is not None and size >= threshold else None
    ranges = None if compressed else parallel.line_ranges(real)
    merger = FileMerger(display, config, report, once, order)
    reader = LogReader(real, config.max_line_bytes)
    blocks: Iterable[Block] = [Block(str(real), a, b) for a, b in ranges] if ranges else parallel.read_blocks(reader)
    results: Iterator[tuple[Block, Facts]] = (
        pool.map(analyse, blocks, config, display)
        if pool is not None
        else ((block, analyse(block, config, display)) for block in blocks)
    )
    digest = _sha256(real) if ranges else ""  # while the workers read
    for block, facts in results:
        merger.add(facts, functools.partial(analyse, block, config, display, links_only=True))
    report.records += merger.records
    report.files.append(
        FileSummary(
            display, digest or reader.sha256, merger.records, merger.lines, reader.compressed, tuple(merger.streams)
        )
    )
    return merger.order


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _break_problems(verifier: StreamVerifier) -> list[Problem]:
    out = []
    for b in verifier.breaks:
        message = b.message
        props: dict[str, JSONValue] = {"stream": b.stream, "seq": b.seq}
        if b.count > 1 and b.rule != "CG-AUDIT-UNVERIFIABLE":
            message += f" [{b.count} consecutive records, through seq {b.last_seq} at line {b.last_line}]"
            props.update(records=b.count, last_seq=b.last_seq, last_line=b.last_line)
        out.append(Problem(b.rule, b.path, b.line, message, f"{b.rule}|{b.stream}|{b.seq}", None, props))
    return out


def _empty(f: FileSummary) -> Problem:
    """A listed log without a single record proves nothing: emptied, rotated away, or never written."""
    return Problem(
        "CG-AUDIT-EMPTY",
        f.path,
        1,
        "the audit log holds no records: it was emptied or truncated, or the writer never ran",
        f"empty|{f.path}",
    )


def anchor_of(verifier: StreamVerifier, config: VerifyConfig) -> str:
    """What ties the stream to something an attacker with write access to the log cannot redo:
    `checkpoint` (a signed checkpoint matched), `key` (an HMAC chain whose key the policy names),
    or `none`."""
    if verifier.stats.checkpoints_matched:
        return "checkpoint"
    if config.require_keyed and config.key is not None:
        return "key"
    return "none"


def unanchored(report: LogReport, config: VerifyConfig) -> list[Problem]:
    """One `CG-AUDIT-UNANCHORED` per stream that nothing anchors (the check reports these; the
    chain verification itself only classifies breaks)."""
    return [
        Problem(
            "CG-AUDIT-UNANCHORED",
            first.path,
            first.line,
            f"stream {verifier.stream!r} is unanchored (no HMAC key, no signed checkpoint): "
            "a re-sealed edit or a cut tail cannot be told from the original; set key_env "
            "or sign checkpoints with `compliance-gate audit-checkpoint`",
            f"unanchored|{verifier.stream}",
        )
        for verifier in report.streams.values()
        for first in [verifier.first]
        if first is not None and anchor_of(verifier, config) == "none"
    ]


def _lifecycle(verifier: StreamVerifier) -> list[Problem]:
    out: list[Problem] = []
    first, last = verifier.first, verifier.last
    if first is not None and not verifier.stats.started:
        out.append(
            Problem(
                "CG-AUDIT-NO-START",
                first.path,
                first.line,
                f"stream {verifier.stream!r} does not begin with a log.start record at seq 0 (PCI DSS 10.2.1.6)",
                f"no-start|{verifier.stream}",
            )
        )
    pinned_head = last is not None and verifier.checkpoints.get(last.seq) == last.stored
    if last is not None and not verifier.stats.stopped and not pinned_head:
        out.append(
            Problem(
                "CG-AUDIT-NO-STOP",
                last.path,
                last.line,
                f"stream {verifier.stream!r} ends at seq {last.seq} without a log.stop record: its tail "
                "may have been cut off (truncation). Write log.stop when the service stops, or pin "
                "the head with a signed checkpoint (`compliance-gate audit-checkpoint`)",
                f"no-stop|{verifier.stream}",
            )
        )
    return out
