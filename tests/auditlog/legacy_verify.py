"""Read audit logs once, streaming, and verify schema, chain, content and lifecycle.

`verify_logs(files, config)` is the whole verification without any policy or engine around it
(the check, the checkpoint command and the benchmark call it). Each line is parsed once with
orjson and goes through: JSON/object/size hygiene, the compiled schema, the per-stream chain
verifier, the state-change index (for completeness) and the chunked PII/secret scanner. Memory
holds one chunk of lines, the reorder window per stream, and the state-change index if asked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from legacy_leaks import LeakScanner

from compliance_gate.auditlog.canonical import ALGORITHMS, HMAC_SHA256, SHA256, record_hash
from compliance_gate.auditlog.chain import Link, StreamVerifier
from compliance_gate.auditlog.reader import LogReader
from compliance_gate.auditlog.safe import shown
from compliance_gate.auditlog.schema import RecordSchema

STATE_CHANGE = "payment.state_change"


@dataclass(frozen=True, slots=True)
class VerifyConfig:
    schema: RecordSchema | None = None
    key: bytes | None = None
    require_keyed: bool = False
    pins: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    pii_options: Any | None = None
    secrets: bool = True
    one_stream_per_file: bool = True
    require_start_stop: bool = True
    max_line_bytes: int = 1 << 20
    window: int = 1024
    collect_state_changes: bool = False
    workers: int = 0
    """Processes that scan large plain logs for leaks alongside the chain check (0: inline)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """A finding before severity and fingerprint; `content` feeds the fingerprint only."""

    rule: str
    path: str
    line: int | None
    message: str
    content: str = field(repr=False)
    excerpt: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StateRecord:
    """An audit record of a payment state change, for the completeness cross-check."""

    payment_id: str
    from_status: str | None
    to_status: str
    where: str


@dataclass(frozen=True, slots=True)
class FileSummary:
    path: str
    sha256: str
    records: int
    lines: int
    compressed: bool
    streams: tuple[str, ...]


@dataclass(slots=True)
class LogReport:
    problems: list[Problem] = field(default_factory=list)
    streams: dict[str, StreamVerifier] = field(default_factory=dict)
    files: list[FileSummary] = field(default_factory=list)
    state_changes: dict[str, StateRecord] = field(default_factory=dict)
    records: int = 0


@dataclass(slots=True)
class _Once:
    """A problem reported once per (rule, scope) with a count of the records it covers."""

    first: Problem
    count: int = 1


def verify_logs(files: Sequence[tuple[str, Path]], config: VerifyConfig) -> LogReport:
    """Verify `(display path, real path)` files in order; streams may continue across files."""
    report = LogReport()
    once: dict[tuple[str, str], _Once] = {}
    order = 0
    for display, real in files:
        order = _verify_file(display, real, config, report, once, order)
    for verifier in report.streams.values():
        verifier.finish()
        report.problems.extend(_break_problems(verifier))
        if config.require_start_stop:
            report.problems.extend(_lifecycle(verifier))
    for item in once.values():
        p = item.first
        suffix = f" ({item.count} records)" if item.count > 1 else ""
        report.problems.append(Problem(p.rule, p.path, p.line, p.message + suffix, p.content, p.excerpt,
                                       {**p.properties, "records": item.count}))
    position = {display: i for i, (display, _) in enumerate(files)}
    report.problems.sort(key=lambda p: (position.get(p.path, len(position)), p.line or 0, p.rule, p.message))
    return report


def _verify_file(display: str, real: Path, config: VerifyConfig, report: LogReport,
                 once: dict[tuple[str, str], _Once], order: int) -> int:
    reader = LogReader(real, config.max_line_bytes)
    scanner = LeakScanner(config.pii_options, config.secrets)
    workers = None
    if config.workers and (config.pii_options is not None or config.secrets):
        from compliance_gate.auditlog.parallel import LeakWorkers

        workers = LeakWorkers(real, config.workers, config.pii_options, config.secrets, config.max_line_bytes)
    inline = workers is None or not workers.active
    try:
        return _read_file(display, real, config, report, once, order, reader, scanner, workers, inline)
    finally:
        if workers is not None:
            workers.close()


def _read_file(display: str, real: Path, config: VerifyConfig, report: LogReport,
               once: dict[tuple[str, str], _Once], order: int, reader: LogReader, scanner: LeakScanner,
               workers: Any, inline: bool) -> int:
    problems = report.problems
    schema = config.schema
    streams = report.streams
    file_streams: list[str] = []
    records = lines = 0

    def note(rule: str, scope: str, line: int, message: str, **props: Any) -> None:
        key = (rule, scope)
        if key in once:
            once[key].count += 1
        else:
            once[key] = _Once(Problem(rule, display, line, message, f"{rule}|{scope}", None, props))

    for number, raw in reader:
        lines = number
        if raw is None:
            problems.append(Problem("CG-AUDIT-HUGE-LINE", display, number,
                                    f"line longer than {config.max_line_bytes} bytes; not read",
                                    f"huge|{number}"))
            continue
        try:
            rec = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            problems.append(Problem("CG-AUDIT-BAD-JSON", display, number,
                                    f"not valid JSON (column {exc.colno}): {exc.msg}",
                                    "json|" + hashlib.sha256(raw).hexdigest()))
            if inline:
                problems.extend(_leak_problems(display, scanner.add(number, raw)))
            continue
        found = (scanner.add(number, raw, rec if type(rec) is dict else None) if inline
                 else scanner.sad_fields(number, rec) if type(rec) is dict else None)
        if found:
            problems.extend(_leak_problems(display, found))
        if type(rec) is not dict:
            problems.append(Problem("CG-AUDIT-NOT-OBJECT", display, number,
                                    f"a record must be a JSON object, not {type(rec).__name__}",
                                    "obj|" + hashlib.sha256(raw).hexdigest()))
            continue
        records += 1
        order += 1
        if schema is not None:
            for path, message in schema.problems(rec):
                problems.append(Problem("CG-AUDIT-SCHEMA", display, number, f"{path}: {message}",
                                        f"{path}|{message}|" + hashlib.sha256(raw).hexdigest(),
                                        None, {"json_path": path}))
        stream, seq = rec.get("stream"), rec.get("seq")
        prev, stored, alg = rec.get("prev_hash"), rec.get("hash"), rec.get("hash_alg")
        if not (type(stream) is str and type(seq) is int and type(prev) is str and type(stored) is str):
            note("CG-AUDIT-NO-CHAIN", display, number,
                 "record lacks stream/seq/prev_hash/hash: it is not part of any verifiable chain")
            continue
        if stream not in file_streams:
            file_streams.append(stream)
            if config.one_stream_per_file and len(file_streams) > 1:
                note("CG-AUDIT-MIXED-STREAMS", display, number,
                     f"stream {shown(stream)!r} mixed into a file of stream {shown(file_streams[0])!r}: "
                     "write one stream per file")
        del rec["hash"]  # hashed without it; `stored` keeps the value
        computed = _computed(rec, alg, config, stream, display, number, note)
        verifier = streams.get(stream)
        if verifier is None:
            verifier = streams[stream] = StreamVerifier(shown(stream), config.pins.get(stream, {}), config.window)
        category = rec.get("category")
        verifier.feed(Link(display, number, seq, prev, stored, computed,
                           category if type(category) is str else "", order))
        if config.collect_state_changes and category == STATE_CHANGE:
            _index_state_change(rec, display, number, report, problems)
    problems.extend(_leak_problems(display, scanner.flush() if inline else workers.results()))
    report.records += records
    report.files.append(FileSummary(display, reader.sha256, records, lines, reader.compressed,
                                    tuple(file_streams)))
    return order


def _computed(rec: dict[str, Any], alg: Any, config: VerifyConfig, raw_stream: str, display: str,
              number: int, note: Any) -> str | None:
    stream = shown(raw_stream)
    if alg == SHA256:
        if config.require_keyed:
            note("CG-AUDIT-UNKEYED", stream, number, f"stream {stream!r} has plain sha256 records but "
                 "the policy requires hmac-sha256: re-sealed without the key, or a misconfigured writer")
            return None
    elif alg == HMAC_SHA256:
        if config.key is None:
            note("CG-AUDIT-KEY-MISSING", stream, number, f"stream {stream!r} is HMAC-keyed but no key is "
                 "configured (set checks.audit-log.key_env and the variable it names)")
            return None
    else:
        name = shown(alg) if isinstance(alg, str) and len(alg) <= 32 else type(alg).__name__
        note("CG-AUDIT-UNKNOWN-ALG", stream, number, f"unknown hash_alg {name!r}; "
             f"expected one of {', '.join(sorted(ALGORITHMS))}: the chain cannot be checked")
        return None
    try:
        return record_hash(rec, alg, config.key)
    except Exception as exc:  # e.g. an integer beyond RFC 8785's range: cannot canonicalise
        note("CG-AUDIT-UNKNOWN-ALG", f"{stream}|canon", number,
             f"record cannot be canonicalised ({type(exc).__name__}); its hash cannot be checked")
        return None


def _index_state_change(rec: dict[str, Any], display: str, number: int, report: LogReport,
                        problems: list[Problem]) -> None:
    event_id, payment_id = rec.get("source_event_id"), rec.get("payment_id")
    to_status, from_status = rec.get("to_status"), rec.get("from_status")
    if not (type(event_id) is str and type(payment_id) is str and type(to_status) is str):
        return  # the schema reports the missing fields
    where = f"{display}:{number}"
    event_id = shown(event_id)
    earlier = report.state_changes.get(event_id)
    if earlier is not None:
        problems.append(Problem("CG-AUDIT-DUPLICATE-STATE-RECORD", display, number,
                                f"a second state-change record for event {event_id} (first at {earlier.where})",
                                f"dup-state|{event_id}"))
        return
    report.state_changes[shown(event_id)] = StateRecord(
        shown(payment_id), shown(from_status) if type(from_status) is str else None, shown(to_status), where)


def _break_problems(verifier: StreamVerifier) -> list[Problem]:
    out = []
    for b in verifier.breaks:
        message, props = b.message, {"stream": b.stream, "seq": b.seq}
        if b.count > 1 and b.rule != "CG-AUDIT-UNVERIFIABLE":
            message += f" [{b.count} consecutive records, through seq {b.last_seq} at line {b.last_line}]"
            props.update(records=b.count, last_seq=b.last_seq, last_line=b.last_line)
        out.append(Problem(b.rule, b.path, b.line, message, f"{b.rule}|{b.stream}|{b.seq}", None, props))
    return out


def _lifecycle(verifier: StreamVerifier) -> list[Problem]:
    out: list[Problem] = []
    first, last = verifier.first, verifier.last
    if first is not None and not verifier.stats.started:
        out.append(Problem("CG-AUDIT-NO-START", first.path, first.line,
                           f"stream {verifier.stream!r} does not begin with a log.start record at seq 0 "
                           "(PCI DSS 10.2.1.6)", f"no-start|{verifier.stream}"))
    if last is not None and not verifier.stats.stopped:
        out.append(Problem("CG-AUDIT-NO-STOP", last.path, last.line,
                           f"stream {verifier.stream!r} does not end with a log.stop record: still running, "
                           "or its tail was cut off", f"no-stop|{verifier.stream}"))
    return out


_LEAK_TEXT = {
    "CG-PII-PAN": "full card number (PAN)",
    "CG-PII-PAN-TEST": "network test card number",
    "CG-PII-IBAN": "IBAN",
    "CG-PII-IBAN-TEST": "documentation IBAN",
    "CG-PII-SSN": "US social security number",
    "CG-PII-SAD": "CVV/track/PIN field (sensitive authentication data must never be stored)",
    "CG-PII-EMAIL": "e-mail address",
    "CG-PII-PHONE": "phone number",
}


def _leak_problems(display: str, leaks: Any) -> list[Problem]:
    return [Problem(leak.rule, display, leak.line,
                    f"{_LEAK_TEXT.get(leak.rule, leak.classification)} in an audit record",
                    leak.normalized, leak.excerpt, {"column": leak.column, "classification": leak.classification})
            for leak in leaks]
