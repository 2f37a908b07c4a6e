"""Everything about one block of log lines that does not depend on the lines before it.

A log is cut into blocks of whole lines (byte ranges of a plain file, or batches read from a
gzip stream) that worker processes analyse on their own: parse (orjson), schema
(jsonschema_rs), each record's own hash, leaks. What comes back is compact, so the main
process, which must see each stream in order, only links records (`verify.py`):

- a *run*: consecutive records of one stream that are intact on their own and among themselves
  (each hash matches its content, each `prev_hash` is the hash just before it), sent as its
  first and last record in full plus the last `window` hashes (to recognise duplicates);
- a *link*: any other chained record;
- line-local problems (`Problem`s), once-per-scope notes with a count, the first line of each
  stream (for mixed-stream files), and state-change records (for completeness).

Line numbers and record order are relative to the block; the main process adds the offsets.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import orjson

from compliance_gate.auditlog.canonical import ALGORITHMS, DOMAIN, HMAC_SHA256, SHA256
from compliance_gate.auditlog.fields import money_problems
from compliance_gate.auditlog.leaks import KeyCheck, scan_lines
from compliance_gate.auditlog.prefilter import suspect_lines
from compliance_gate.auditlog.report import STATE_CHANGE, Problem, VerifyConfig, leak_problems
from compliance_gate.auditlog.safe import shown
from compliance_gate.canonical import FLAT_TYPES, ORJSON_JCS, canonical_json

NO_CHAIN = "record lacks stream/seq/prev_hash/hash: it is not part of any verifiable chain"


@dataclass(frozen=True, slots=True)
class Block:
    """Whole lines to analyse: bytes `[start, end)` of a plain file, or `data` already read."""

    path: str
    start: int = 0
    end: int = 0
    data: bytes | None = None
    huge: tuple[int, ...] = ()
    """Lines (numbered in the block) too long to keep: left empty in `data`, reported as huge."""

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        with open(self.path, "rb") as fh:
            fh.seek(self.start)
            return fh.read(self.end - self.start)


Record: TypeAlias = dict[str, Any]
"""One audit record as parsed from its line: JSON, before any validation (the boundary)."""
LinkFields: TypeAlias = tuple[int, int, str, str, str | None, str, int]
"""A chained record: (line, seq, prev_hash, stored hash, computed hash or None, category, order)."""
Item: TypeAlias = tuple[object, ...]
"""A fact, tagged by its first element (see `Facts.items`); `merge.FileMerger` unpacks each kind."""


@dataclass(slots=True)
class Note:
    """A problem reported once per scope: where it was first seen, and how often."""

    line: int
    message: str
    count: int = 1


@dataclass(slots=True)
class Facts:
    lines: int = 0
    """Newlines in the block: the next block's lines are numbered after these."""
    last_line: int = 0
    records: int = 0
    huge: list[int] = field(default_factory=list)
    """Lines longer than `max_line_bytes`, not read."""
    problems: list[Problem] = field(default_factory=list)
    notes: dict[tuple[str, str], Note] = field(default_factory=dict)
    """(rule, scope) -> [first line, message, count], in order of first appearance."""
    items: list[Item] = field(default_factory=list)
    """("stream", stream, line) | ("link", stream, *LINK) | ("run", stream, LINK, LINK, count,
    tail lines, tail hashes) | ("state", line, event id, payment id, from, to), in file order;
    LINK = (line, seq, prev_hash, stored hash, computed hash or None, category, order)."""


def analyse(block: Block, config: VerifyConfig, display: str, links_only: bool = False) -> Facts:
    """The facts of `block`; `links_only` sends every chained record as a link (no runs).

    One long function on purpose: the per-record loop runs a million times per million records
    and keeps everything in local variables; rare cases call out."""
    data = block.read()
    parts = data.split(b"\n")
    facts = Facts(lines=len(parts) - 1)
    problems, items, notes = facts.problems, facts.items, facts.notes
    limit, window = config.max_line_bytes, max(config.window, 0)
    pii, secrets = config.pii_options, config.secrets
    scanning = pii is not None or secrets
    suspects = suspect_lines(data, frozenset(pii.detectors) if pii else frozenset(), secrets) if scanning else set()
    keys = KeyCheck(pii, secrets)
    plain_keys = keys.plain_keys
    validate = config.schema.is_valid if config.schema is not None else None
    to_view = config.view
    keys_ascii = data.isascii() and data.find(b"\\") < 0  # no escape can make a key non-ASCII
    key, collect = config.key, config.collect_state_changes
    checkable = {SHA256} if not config.require_keyed else set()
    if key is not None:
        checkable.add(HMAC_SHA256)
    loads, dumps, sha256, flat_types = orjson.loads, orjson.dumps, hashlib.sha256, FLAT_TYPES.issuperset
    streams: set[str] = set()
    exact: list[int] = []
    records = 0
    # the current run: its stream, first record, lines and hashes of its records after the first
    # (hashes: with the first's), and the last record (for its category) and its order
    r_stream: str | None = None
    r_first: LinkFields = (0, 0, "", "", None, "", 0)
    r_lines: list[int] = []
    r_hashes: list[str] = []
    r_last: Record = {}
    r_order = r_seq = 0
    r_stored = ""
    huge = facts.huge = list(block.huge)
    for number, raw in enumerate(parts, 1):
        if len(raw) > limit:
            huge.append(number)
            continue
        try:
            rec = loads(raw)
        except orjson.JSONDecodeError as exc:
            if raw and not raw.isspace():
                problems.append(
                    Problem(
                        "CG-AUDIT-BAD-JSON",
                        display,
                        number,
                        f"not valid JSON (column {exc.colno}): {exc.msg}",
                        "json|" + sha256(raw).hexdigest(),
                    )
                )
                exact.append(number)
            continue
        if type(rec) is not dict:
            problems.append(
                Problem(
                    "CG-AUDIT-NOT-OBJECT",
                    display,
                    number,
                    f"a record must be a JSON object, not {type(rec).__name__}",
                    "obj|" + sha256(raw).hexdigest(),
                )
            )
            exact.append(number)
            continue
        records += 1
        flat = flat_types(map(type, rec.values()))
        if not (flat and plain_keys.issuperset(rec)):
            if keys.want_sad:
                problems.extend(leak_problems(display, keys.sad_fields(number, rec)))
            if secrets and (not flat or keys.secret_named(rec)):
                exact.append(number)
        if validate is not None:
            view = to_view(rec)  # None: not an audit record (a debug line), chained but not checked
            if view is not None:
                money = money_problems(view)
                if money or not validate(view):
                    problems.extend(_schema_problems(config, display, number, view, raw, money))
        stream, seq, prev, stored = rec.get("stream"), rec.get("seq"), rec.get("prev_hash"), rec.pop("hash", None)
        if not (type(stream) is str and type(seq) is int and type(prev) is str and type(stored) is str):
            _note(notes, "CG-AUDIT-NO-CHAIN", display, number, NO_CHAIN)
            continue
        if stream not in streams:
            streams.add(stream)
            items.append(("stream", stream, number))
        alg = rec.get("hash_alg")  # hashed without `hash` (popped above)
        computed: str | None = None
        if type(alg) is str and alg in checkable:
            if flat and keys_ascii:
                try:
                    body: bytes | None = dumps(rec, option=ORJSON_JCS)
                except orjson.JSONEncodeError:  # an integer beyond 2^53: JCS writes it as a double
                    body = _canonical(rec, notes, stream, number)
            else:
                body = _canonical(rec, notes, stream, number)
            if body is not None:
                computed = (
                    sha256(DOMAIN + body).hexdigest()
                    if alg == SHA256
                    else hmac.digest(key, DOMAIN + body, "sha256").hex()  # type: ignore[arg-type]
                )
        else:
            _alg_note(notes, alg, config, stream, number)
        if computed == stored and stream == r_stream and seq == r_seq + 1 and prev == r_stored:
            r_lines.append(number)
            r_hashes.append(stored)
        else:
            if r_stream is not None:
                items.append(_run(r_stream, r_first, r_lines, r_hashes, r_last, r_order, window))
                r_stream = None
            link = (number, seq, prev, stored, computed, _category(rec), records)
            if computed == stored and not links_only:
                r_stream, r_first, r_lines, r_hashes = stream, link, [], [stored]
            else:
                items.append(("link", stream, *link))
        r_seq, r_stored, r_last, r_order = seq, stored, rec, records
        if collect and rec.get("category") == STATE_CHANGE:
            _state_change(rec, number, items)
    if r_stream is not None:
        items.append(_run(r_stream, r_first, r_lines, r_hashes, r_last, r_order, window))
    if scanning:
        wanted = sorted(
            n for n in suspects.union(exact) if 0 < len(parts[n - 1]) <= limit and not parts[n - 1].isspace()
        )
        leaks = scan_lines([parts[n - 1] for n in wanted], wanted, pii, secrets)
        problems.extend(leak_problems(display, leaks))
    facts.records = records
    facts.last_line = _last_line(parts, limit, huge)
    return facts


def _run(
    stream: str,
    first: LinkFields,
    lines: list[int],
    hashes: list[str],
    last_record: Record,
    order: int,
    window: int,
) -> Item:
    if not lines:
        return ("link", stream, *first)
    last: LinkFields = (
        lines[-1],
        first[1] + len(lines),
        hashes[-2],
        hashes[-1],
        hashes[-1],
        _category(last_record),
        order,
    )
    keep = min(len(lines), window)
    return ("run", stream, first, last, len(hashes), lines[len(lines) - keep :], hashes[len(hashes) - keep - 1 :])


def _category(rec: Record) -> str:
    category = rec.get("category")
    return category if type(category) is str else ""


def _last_line(parts: list[bytes], limit: int, huge: list[int]) -> int:
    """The last line read: not blank, or too long (then it is not looked at)."""
    for number in range(len(parts), 0, -1):
        part = parts[number - 1]
        if len(part) > limit or (part and not part.isspace()):
            return max(number, max(huge, default=0))
    return max(huge, default=0)


def _schema_problems(
    config: VerifyConfig, display: str, number: int, rec: object, raw: bytes, extra: list[tuple[str, str]]
) -> list[Problem]:
    assert config.schema is not None
    digest = hashlib.sha256(raw).hexdigest()
    return [
        Problem(
            "CG-AUDIT-SCHEMA",
            display,
            number,
            f"{path}: {message}",
            f"{path}|{message}|{digest}",
            None,
            {"json_path": path},
        )
        for path, message in [*config.schema.problems(rec), *extra]
    ]


def _note(
    notes: dict[tuple[str, str], Note], rule: str, scope: str, number: int, message: str | Callable[[], str]
) -> None:
    """Count a once-per-scope problem; `message` may be a callable (built for the first only)."""
    entry = notes.get((rule, scope))
    if entry is None:
        notes[(rule, scope)] = Note(number, message() if callable(message) else message)
    else:
        entry.count += 1


def _alg_note(
    notes: dict[tuple[str, str], Note], alg: object, config: VerifyConfig, raw_stream: str, number: int
) -> None:
    stream = shown(raw_stream)
    if alg == SHA256:
        _note(
            notes,
            "CG-AUDIT-UNKEYED",
            stream,
            number,
            f"stream {stream!r} has plain sha256 records but "
            "the policy requires hmac-sha256: re-sealed without the key, or a misconfigured writer",
        )
    elif alg == HMAC_SHA256:
        _note(
            notes,
            "CG-AUDIT-KEY-MISSING",
            stream,
            number,
            f"stream {stream!r} is HMAC-keyed but no key is "
            "configured (set checks.audit-log.key_env and the variable it names)",
        )
    else:
        name = shown(alg) if isinstance(alg, str) and len(alg) <= 32 else type(alg).__name__
        _note(
            notes,
            "CG-AUDIT-UNKNOWN-ALG",
            stream,
            number,
            lambda: (
                f"unknown hash_alg {name!r}; "
                f"expected one of {', '.join(sorted(ALGORITHMS))}: the chain cannot be checked"
            ),
        )


def _canonical(rec: Record, notes: dict[tuple[str, str], Note], raw_stream: str, number: int) -> bytes | None:
    """The slow path: non-ASCII keys, floats, nesting, integers beyond 2^53."""
    try:
        return canonical_json(rec)
    except Exception as exc:  # e.g. an integer beyond RFC 8785's range: cannot canonicalise
        _note(
            notes,
            "CG-AUDIT-UNKNOWN-ALG",
            f"{shown(raw_stream)}|canon",
            number,
            f"record cannot be canonicalised ({type(exc).__name__}); its hash cannot be checked",
        )
        return None


def _state_change(rec: Record, number: int, items: list[Item]) -> None:
    event_id, payment_id = rec.get("source_event_id"), rec.get("payment_id")
    to_status, from_status = rec.get("to_status"), rec.get("from_status")
    if type(event_id) is str and type(payment_id) is str and type(to_status) is str:
        items.append(("state", number, event_id, payment_id, from_status, to_status))
