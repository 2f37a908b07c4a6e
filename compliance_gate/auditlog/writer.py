"""Write tamper-evident audit logs with structlog: the producer side of the `audit-log` check.

`AuditChain` is a structlog processor. Add it to the configuration the service already has, last
before the JSON renderer; it seals each event into a per-stream hash chain (`stream`, a dense
`seq`, `prev_hash`, `hash_alg`, `hash`: SHA-256, or HMAC-SHA-256 when given a key) over the
record's canonical JSON, exactly as `compliance_gate.auditlog` verifies it. The five-line setup::

    import structlog
    from compliance_gate.audit import AuditChain, log_started

    chain = AuditChain("payments-api", resume="audit/payments-api.jsonl")
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso", utc=True), chain,
                    structlog.processors.JSONRenderer()],
        logger_factory=structlog.WriteLoggerFactory(open("audit/payments-api.jsonl", "a")),
    )
    log_started(structlog.get_logger())

Records keep the keys the service already logs: the policy's field map finds the PCI DSS 10.2.2
elements in them (`user_id`, `ip`, `payment_id`, `status`, structlog's `event` and `timestamp`;
see `compliance_gate.auditlog.fields`). A `timestamp` already in the event (structlog's
`TimeStamper`) is kept; the chain adds one (UTC) only where there is none.

Restarts and several processes. One stream has one writer. `resume=PATH` continues the stream
from the last record of it in that file (a new file starts at seq 0); a crash that left half a
line is ended with a newline, so the next record starts on a line of its own (the half line stays
as evidence, and the check reports it). Where several processes write (gunicorn workers, say),
`per_process=True` gives each its own stream, `NAME:HOST:PID:START`; list the files, or set
`one_stream_per_file: false` for a shared one. Continuing by hand still works: pass the last
record's `seq + 1` and `hash` as `next_seq` and `prev_hash`.

Origin. Without `origin=`, each record without one gets `host` (this machine's short name): the
field map takes a client address (`ip`, `client_ip`...) first and falls back to it, so records
written outside a request (start, stop, batch jobs) still say where they came from.

Write `log_started` when the service starts and `log_stopped` when it stops (FastAPI's lifespan,
`atexit` under Django): a stream that ends without `log.stop` may have been cut off, and blocks
unless a signed checkpoint pins its last record.

Values are normalised through JSON first (what is hashed is what the renderer writes and the
verifier parses back); processors placed after the chain must not change the event. `clock`
(returning an RFC 3339 UTC string) replaces the wall clock, for reproducible fixtures. Integers
beyond +-2^53 cannot be canonicalised and raise `ValueError` rather than write an unverifiable
record.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Callable
from typing import BinaryIO, Protocol

import orjson
from structlog.typing import EventDict, WrappedLogger

from compliance_gate.auditlog.canonical import GENESIS, HMAC_SHA256, SHA256, record_hash


class AuditLog(Protocol):
    """A structlog logger whose processors end with an `AuditChain` (see the module docstring)."""

    def info(self, event: str, **kw: object) -> object: ...


_CHAIN_KEYS = ("stream", "seq", "prev_hash", "hash_alg", "hash")


class AuditChain:
    """structlog processor that seals each event into a per-stream hash chain."""

    def __init__(
        self,
        stream: str,
        *,
        origin: str | None = None,
        actor: str | None = None,
        key: bytes | None = None,
        next_seq: int | None = None,
        prev_hash: str | None = None,
        resume: str | os.PathLike[str] | None = None,
        per_process: bool = False,
        host: bool = True,
        clock: Callable[[], str] | None = None,
    ) -> None:
        if per_process:
            started = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
            stream = f"{stream}:{_host()}:{os.getpid()}:{started}"
        self.stream = stream
        self.origin = origin
        self.host = _host() if host and origin is None else None
        self.actor = actor
        self.key = key
        self.algorithm = HMAC_SHA256 if key else SHA256
        if resume is not None and next_seq is None and prev_hash is None and not per_process:
            next_seq, prev_hash = resume_point(resume, stream)
        self._seq = 0 if next_seq is None else next_seq
        self._prev = GENESIS if prev_hash is None else prev_hash
        self._clock = clock or _utc_now
        self._lock = threading.Lock()

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        record: EventDict = orjson.loads(orjson.dumps(dict(event_dict), default=str))
        for name in _CHAIN_KEYS:
            record.pop(name, None)  # the chain owns these keys: a caller cannot forge them
        if self.origin is not None:
            record.setdefault("origin", self.origin)
        elif self.host is not None:  # where from, when the event names no client (start, stop, jobs)
            record.setdefault("host", self.host)
        if self.actor is not None:
            record.setdefault("actor", self.actor)
        with self._lock:
            if not isinstance(record.get("timestamp"), str):
                record["timestamp"] = self._clock()  # TimeStamper's, when it ran, is kept
            record["stream"] = self.stream
            record["seq"] = self._seq
            record["prev_hash"] = self._prev
            record["hash_alg"] = self.algorithm
            record["hash"] = record_hash(record, self.algorithm, self.key)
            self._seq += 1
            self._prev = record["hash"]
        return record

    @property
    def head(self) -> tuple[int, str]:
        """`(seq, hash)` of the last record sealed (seq -1 before the first)."""
        return self._seq - 1, self._prev


def resume_point(path: str | os.PathLike[str], stream: str) -> tuple[int, str]:
    """`(next seq, prev hash)` to continue `stream` in the JSONL file at `path`: after its last
    record there, or from the start when the file is missing or has none. A file that does not
    end with a newline (a crash mid-write) is given one, so the next record is a line of its own."""
    try:
        fh = open(path, "rb+")  # noqa: SIM115 - closed below; opened once for both reading and the fix
    except FileNotFoundError:
        return 0, GENESIS
    with fh:
        end = fh.seek(0, os.SEEK_END)
        if end:
            fh.seek(end - 1)
            if fh.read(1) != b"\n":
                fh.write(b"\n")
        found = _last_of(fh, end, stream)
    return (0, GENESIS) if found is None else found


def _last_of(fh: BinaryIO, end: int, stream: str) -> tuple[int, str] | None:
    """Read backwards in blocks until a whole line holds a record of `stream`."""
    tail, pos = b"", end
    while pos > 0:
        step = min(1 << 16, pos)
        pos -= step
        fh.seek(pos)
        lines = (fh.read(step) + tail).split(b"\n")
        tail = lines[0] if pos > 0 else b""  # an incomplete first line waits for the next block
        for raw in reversed(lines[1:] if pos > 0 else lines):
            try:
                rec = orjson.loads(raw)
            except orjson.JSONDecodeError:
                continue
            if isinstance(rec, dict) and rec.get("stream") == stream:
                seq, digest = rec.get("seq"), rec.get("hash")
                if isinstance(seq, int) and isinstance(digest, str):
                    return seq + 1, digest
    return None


def _host() -> str:
    name = socket.gethostname().split(".")[0]
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)[:40] or "host"


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def log_started(log: AuditLog, actor: str = "system:audit-logger", **extra: object) -> None:
    """Write the stream's `log.start` record (PCI DSS 10.2.1.6)."""
    log.info("audit log started", category="log.start", actor=actor, outcome="success", target="audit-log", **extra)


def log_stopped(log: AuditLog, actor: str = "system:audit-logger", **extra: object) -> None:
    """Write the stream's `log.stop` record; without it the verifier reports a cut-off tail."""
    log.info("audit log stopped", category="log.stop", actor=actor, outcome="success", target="audit-log", **extra)
