"""Verify one stream's hash chain, link by link, and classify every break.

Records are fed in file order. A small reorder window (`window` records) lets the verifier tell a
swap or a moved record (`CG-AUDIT-REORDERED`, chain intact) from a deletion (`CG-AUDIT-GAP`);
a seq seen before is a duplicate (same hash) or a fork (a different record with a used seq).
In seq order every record is checked twice: its content against its own hash (`CG-AUDIT-EDITED`)
and its `prev_hash` against the previous record's hash (`CG-AUDIT-LINK`). Signed checkpoints pin
the hash at a seq (`CG-AUDIT-CHECKPOINT-MISMATCH` when the log disagrees: re-sealed) and the
length of the stream (`CG-AUDIT-TRUNCATED`).

After a break nothing ties the following records to the trusted start, so they are counted as
unverifiable until a matching checkpoint re-anchors the chain; each such run is reported once
(`CG-AUDIT-UNVERIFIABLE`). Runs of the same break on consecutive records are reported as one
finding with a range, so a re-sealed million-record stream gives one finding, not a million.
Memory is bounded by the window, never by the length of the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from compliance_gate.auditlog.canonical import GENESIS


@dataclass(slots=True)
class Link:
    """The chain-relevant facts of one record; `computed` is None when it cannot be recomputed.

    Not frozen: one is built per record on the hot path, and frozen init costs ~3x."""

    path: str
    line: int
    seq: int
    prev_hash: str
    stored: str
    computed: str | None
    category: str = ""
    order: int = 0
    """Position of the record among all records read (file order across files)."""


@dataclass(slots=True)
class Break:
    """One break, or a run of the same break on consecutive records (`count` > 1)."""

    rule: str
    stream: str
    path: str
    line: int
    seq: int
    message: str
    count: int = 1
    last_line: int = 0
    last_seq: int = 0


@dataclass(slots=True)
class StreamStats:
    records: int = 0
    verified: int = 0
    unverifiable: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    checkpoints_matched: int = 0
    started: bool = False
    stopped: bool = False


@dataclass(slots=True)
class StreamVerifier:
    stream: str
    checkpoints: Mapping[int, str] = field(default_factory=dict)
    window: int = 1024
    breaks: list[Break] = field(default_factory=list)
    stats: StreamStats = field(default_factory=StreamStats)
    _next: int = 0
    _prev: str | None = GENESIS
    _anchored: bool = True
    _pending: dict[int, Link] = field(default_factory=dict)
    _recent: dict[int, Link] = field(default_factory=dict)
    _last: Link | None = None
    _first: Link | None = None
    _run_start: Link | None = None
    _run_count: int = 0
    _anchor_next: Link | None = None  # first record since the last anchor (start or checkpoint)
    _since_anchor: int = 0  # records counted verified since that anchor

    @property
    def first(self) -> Link | None:
        """The first record processed in seq order (None before any)."""
        return self._first

    @property
    def last(self) -> Link | None:
        return self._last

    def feed(self, link: Link) -> None:
        """Take the next record of this stream in file order."""
        self.stats.records += 1
        if link.seq == self._next:
            self._process(link, None)
            self._drain()
        elif link.seq > self._next:
            earlier = self._pending.get(link.seq)
            if earlier is not None:
                self._repeat(link, earlier)
                return
            self._pending[link.seq] = link
            if len(self._pending) > self.window:
                self._declare_gap(min(self._pending))
        else:
            seen = self._recent.get(link.seq)
            if seen is not None:
                self._repeat(link, seen)
            else:
                self._add(
                    "CG-AUDIT-REORDERED",
                    link,
                    f"seq {link.seq} arrives after seq {self._next - 1}, "
                    "beyond the reorder window; it was counted as missing",
                )
                self.stats.unverifiable += 1

    def feed_run(self, first: Link, last: Link, count: int, tail: Sequence[Link]) -> bool:
        """Take `count` records that are intact among themselves, exactly as `feed` would one by one.

        Every record after `first` matches its hash and links to the one before it, so in seq
        order each only moves the counters on. `tail` holds the last `window` records after
        `first` (duplicates are recognised against these). Returns False, having changed
        nothing, when the run is not next in seq order (records are missing or pending before
        it) or a checkpoint pins a record inside it: the caller then feeds the records singly."""
        start, end = first.seq, last.seq
        if (
            start != self._next
            or any(start < s <= end for s in self._pending)
            or any(start < s <= end for s in self.checkpoints)
        ):
            return False
        self.feed(first)
        rest = count - 1
        if self._anchored:
            self.stats.verified += rest
            self._since_anchor += rest
        else:
            self.stats.unverifiable += rest
            self._run_count += rest
        self.stats.records += rest
        recent, window = self._recent, self.window
        for seq in range(start + 1 - window, end + 1 - window):
            recent.pop(seq, None)
        for link in tail:
            recent[link.seq] = link
        self._prev, self._next, self.stats.last_seq, self._last = last.stored, end + 1, end, last
        self._drain()
        return True

    def finish(self) -> None:
        """End of input: whatever is still missing is a gap; checkpoints past the end truncate."""
        while self._pending:
            self._declare_gap(min(self._pending))
        self._close_run()
        last_seq = self._next - 1
        for seq in sorted(s for s in self.checkpoints if s > last_seq):
            where = self._last or Link("", 0, -1, "", "", None)
            self._add(
                "CG-AUDIT-TRUNCATED",
                where,
                f"a signed checkpoint pins seq {seq} but the stream ends "
                f"at seq {last_seq}: {seq - last_seq} record(s) were cut off",
            )
            break
        if self._last is not None:
            self.stats.stopped = self._last.category == "log.stop"

    # -- in seq order -------------------------------------------------------------------------

    def _process(self, link: Link, moved: Link | None) -> None:
        if moved is not None:
            self._add(
                "CG-AUDIT-REORDERED",
                link,
                f"seq {link.seq} (line {link.line}) is out of order: "
                f"it comes before seq {moved.seq} (line {moved.line}) in the file",
            )
        if self.stats.first_seq is None:
            self._first = link
            self.stats.first_seq = link.seq
            self.stats.started = link.seq == 0 and link.category == "log.start"
        ok = True
        if link.computed is not None and link.computed != link.stored:
            self._add(
                "CG-AUDIT-EDITED",
                link,
                "record does not match its hash: edited after sealing, or re-sealed with another key",
            )
            ok = False
        if self._prev is not None and link.prev_hash != self._prev:
            what = "the genesis hash" if link.seq == 0 else f"the hash of seq {link.seq - 1}"
            self._add(
                "CG-AUDIT-LINK",
                link,
                f"prev_hash does not match {what}: a record before it was "
                "replaced, or the chain was re-sealed from here",
            )
            ok = False
        if link.computed is None:
            ok = False  # content not verifiable (unknown algorithm or no key): reported by the caller
        pinned = self.checkpoints.get(link.seq)
        if pinned is not None:
            if pinned == link.stored and link.computed == link.stored:
                self.stats.checkpoints_matched += 1
                self._reanchor()
            else:
                self._add(
                    "CG-AUDIT-CHECKPOINT-MISMATCH",
                    link,
                    f"the signed checkpoint for seq {link.seq} "
                    "pins a different hash: the stream was re-sealed or rewritten before this point",
                )
                self._distrust_since_anchor()
                ok = False
        if not ok:
            self._unanchor(link)
        if self._anchor_next is None:
            self._anchor_next = link
        if self._anchored:
            self.stats.verified += 1
            self._since_anchor += 1
        else:
            self.stats.unverifiable += 1
            self._run_count += 1
        self._prev = link.stored
        self._next = link.seq + 1
        self.stats.last_seq = link.seq
        self._last = link
        self._recent[link.seq] = link
        self._recent.pop(link.seq - self.window, None)

    def _drain(self) -> None:
        while self._next in self._pending:
            link, last = self._pending.pop(self._next), self._last
            # Out of order only if it sits earlier in the file than its predecessor (a record that
            # merely waited for a gap to be declared is in its place).
            self._process(link, last if last is not None and link.order < last.order else None)

    def _declare_gap(self, upto: int) -> None:
        first, last = self._next, upto - 1
        link = self._pending[upto]
        span = f"seq {first}" if first == last else f"seq {first}-{last} ({last - first + 1} records)"
        self._add("CG-AUDIT-GAP", link, f"{span} missing before this record: deleted records")
        self._prev = None  # the missing record's hash is unknown: nothing to link against
        self._unanchor(link)
        self._next = upto
        self._drain()

    def _repeat(self, link: Link, seen: Link) -> None:
        if seen.stored == link.stored and seen.computed == link.computed:
            self._add("CG-AUDIT-DUPLICATE", link, f"seq {link.seq} is repeated (first at line {seen.line})")
        else:
            self._add(
                "CG-AUDIT-FORK",
                link,
                f"a second, different record claims seq {link.seq} "
                f"(first at line {seen.line}): two writers on one stream, or an inserted record",
            )
            self.stats.unverifiable += 1

    # -- anchoring and reporting ------------------------------------------------------------------

    def _unanchor(self, link: Link) -> None:
        if self._anchored:
            self._anchored = False
            self._run_start, self._run_count = link, 0

    def _reanchor(self) -> None:
        self._close_run()
        self._anchored = True
        self._anchor_next, self._since_anchor = None, 0

    def _distrust_since_anchor(self) -> None:
        """A checkpoint mismatch proves the records since the last anchor were rewritten."""
        if self._anchored and self._anchor_next is not None:
            self.stats.verified -= self._since_anchor
            self.stats.unverifiable += self._since_anchor
            self._anchored = False
            self._run_start, self._run_count = self._anchor_next, self._since_anchor
        self._since_anchor = 0

    def _close_run(self) -> None:
        start, last = self._run_start, self._last
        if start is None or last is None or self._run_count == 0:
            self._run_start = None
            return
        self._run_start = None
        count, self._run_count = self._run_count, 0
        self.breaks.append(
            Break(
                "CG-AUDIT-UNVERIFIABLE",
                self.stream,
                start.path,
                start.line,
                start.seq,
                f"{count} record(s) from seq {start.seq} to {last.seq} follow a chain break and cannot be verified",
                count,
                last.line,
                last.seq,
            )
        )

    def _add(self, rule: str, link: Link, message: str) -> None:
        for prev in self.breaks[-3:]:  # a rewritten record can break content and link at once
            if prev.rule == rule and prev.last_seq + 1 == link.seq and prev.path == link.path:
                prev.count += 1
                prev.last_line, prev.last_seq = link.line, link.seq
                return
        self.breaks.append(Break(rule, self.stream, link.path, link.line, link.seq, message, 1, link.line, link.seq))
