"""Fold the facts of a file's blocks, in order, into the report: the sequential part of verifying.

Block facts carry block-relative line numbers and record order; here they become file lines and
global order, records are linked per stream (`StreamVerifier`: a run of intact records costs one
call), mixed streams and duplicate state-change records are found, and once-per-scope problems
are counted across blocks and files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeAlias, cast

from compliance_gate.auditlog.analyse import Facts, LinkFields
from compliance_gate.auditlog.chain import Link, StreamVerifier
from compliance_gate.auditlog.report import LogReport, Problem, StateRecord, VerifyConfig
from compliance_gate.auditlog.safe import shown

Run: TypeAlias = tuple[str, LinkFields, LinkFields, int, list[int], list[str]]
"""A run of records that chain in order: stream, first and last link, count, tail lines and hashes."""
StateItem: TypeAlias = tuple[int, str, str, object, str]
"""A state-change record: line, source event id, payment id, from status (any JSON), to status."""


@dataclass(slots=True)
class Once:
    """A problem reported once per (rule, scope) with a count of the records it covers."""

    first: Problem
    count: int = 1


class FileMerger:
    """Takes one file's block facts in order; `order` counts records across files."""

    def __init__(
        self, display: str, config: VerifyConfig, report: LogReport, once: dict[tuple[str, str], Once], order: int
    ) -> None:
        self.display, self.config, self.report, self.once = display, config, report, once
        self.order = order
        self.records = self.lines = 0
        self.streams: list[str] = []
        self._before = 0

    def add(self, facts: Facts, expand: Callable[[], Facts]) -> None:
        """Fold in the next block; `expand()` gives its facts with every chained record a link."""
        before, display = self._before, self.display
        self.report.problems.extend(p if p.line is None else replace(p, line=p.line + before) for p in facts.problems)
        limit = self.config.max_line_bytes
        self.report.problems.extend(
            Problem(
                "CG-AUDIT-HUGE-LINE",
                display,
                before + n,
                f"line longer than {limit} bytes; not read",
                f"huge|{before + n}",
            )
            for n in facts.huge
        )
        for (rule, scope), note in facts.notes.items():
            self._note(rule, scope, before + note.line, note.message, note.count)
        expanded: list[Facts] = []  # the block's facts without runs, made on first need
        for item in facts.items:
            kind = item[0]
            if kind == "run":
                self._run(cast(Run, item[1:]), expanded, expand)
            elif kind == "link":
                self._verifier(cast(str, item[1])).feed(self._link(cast(LinkFields, item[2:])))
            elif kind == "stream":
                stream, line = cast("tuple[str, int]", item[1:])
                self._stream(stream, before + line)
            else:
                at, event_id, payment_id, from_status, to_status = cast(StateItem, item[1:])
                self._state_change(before + at, event_id, payment_id, from_status, to_status)
        self._before += facts.lines
        self.order += facts.records
        self.records += facts.records
        if facts.last_line:
            self.lines = before + facts.last_line

    def _run(self, run: Run, expanded: list[Facts], expand: Callable[[], Facts]) -> None:
        stream, first, last, count, lines, hashes = run
        verifier = self._verifier(stream)
        end = last[1]
        tail = [
            Link(self.display, self._before + line, end - len(lines) + 1 + i, hashes[i], hashes[i + 1], hashes[i + 1])
            for i, line in enumerate(lines)
        ]
        if verifier.feed_run(self._link(first), self._link(last), count, tail):
            return
        if not expanded:  # not next in seq order, or a checkpoint inside: feed its records singly
            expanded.append(expand())
        for item in expanded[0].items:
            if item[0] == "link" and item[1] == stream:
                fields = cast(LinkFields, item[2:])
                if first[0] <= fields[0] <= last[0]:
                    verifier.feed(self._link(fields))

    def _link(self, fields: LinkFields) -> Link:
        line, seq, prev, stored, computed, category, order = fields
        return Link(self.display, self._before + line, seq, prev, stored, computed, category, self.order + order)

    def _verifier(self, stream: str) -> StreamVerifier:
        verifier = self.report.streams.get(stream)
        if verifier is None:
            verifier = self.report.streams[stream] = StreamVerifier(
                shown(stream), self.config.pins.get(stream, {}), self.config.window
            )
        return verifier

    def _note(self, rule: str, scope: str, line: int, message: str, count: int = 1) -> None:
        item = self.once.get((rule, scope))
        if item is None:
            self.once[(rule, scope)] = Once(Problem(rule, self.display, line, message, f"{rule}|{scope}"), count)
        else:
            item.count += count

    def _stream(self, stream: str, line: int) -> None:
        if stream in self.streams:
            return
        self.streams.append(stream)
        if self.config.one_stream_per_file and len(self.streams) > 1:
            self._note(
                "CG-AUDIT-MIXED-STREAMS",
                self.display,
                line,
                f"stream {shown(stream)!r} mixed into a file of stream {shown(self.streams[0])!r}: "
                "write one stream per file",
            )

    def _state_change(self, line: int, event_id: str, payment_id: str, from_status: object, to_status: str) -> None:
        where = f"{self.display}:{line}"
        event_id = shown(event_id)
        earlier = self.report.state_changes.get(event_id)
        if earlier is not None:
            self.report.problems.append(
                Problem(
                    "CG-AUDIT-DUPLICATE-STATE-RECORD",
                    self.display,
                    line,
                    f"a second state-change record for event {event_id} (first at {earlier.where})",
                    f"dup-state|{event_id}",
                )
            )
            return
        self.report.state_changes[event_id] = StateRecord(
            shown(payment_id), shown(from_status) if type(from_status) is str else None, shown(to_status), where
        )
