"""The audit-log check's summary: records, streams, chain state and completeness.

`to_metrics()` is the check's `metrics` in `verdict.json`:

    {"records": int, "files": int, "streams": {name: {"records", "verified", "unverifiable",
     "first_seq", "last_seq", "checkpoints_matched", "started", "stopped", "intact"}},
     "chain": "intact" | "broken", "completeness": "checked" | "off" | "not-configured" | "error",
     "transitions": int}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from compliance_gate.auditlog.report import LogReport, VerifyConfig
from compliance_gate.auditlog.verify import anchor_of
from compliance_gate.model import JSONObject, JSONValue
from compliance_gate.summary import ChainStatus, CurrencyTotals, integer, mapping, text


@dataclass(frozen=True, slots=True)
class StreamSummary:
    records: int = 0
    verified: int = 0
    unverifiable: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    checkpoints_matched: int = 0
    started: bool = False
    stopped: bool = False
    intact: bool = False
    anchor: str = ""
    """`checkpoint`, `key` or `none` (see `verify.anchor_of`)."""

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "records": self.records,
            "verified": self.verified,
            "unverifiable": self.unverifiable,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "checkpoints_matched": self.checkpoints_matched,
            "started": self.started,
            "stopped": self.stopped,
            "intact": self.intact,
            "anchor": self.anchor,
        }

    @classmethod
    def from_json(cls, value: JSONValue) -> StreamSummary:
        d = mapping(value)
        first, last = d.get("first_seq"), d.get("last_seq")
        return cls(
            integer(d.get("records")),
            integer(d.get("verified")),
            integer(d.get("unverifiable")),
            first if isinstance(first, int) else None,
            last if isinstance(last, int) else None,
            integer(d.get("checkpoints_matched")),
            d.get("started") is True,
            d.get("stopped") is True,
            d.get("intact") is True,
            text(d.get("anchor")),
        )


@dataclass(frozen=True, slots=True)
class AuditLogSummary:
    records: int = 0
    files: int = 0
    streams: Mapping[str, StreamSummary] = field(default_factory=dict)
    chain_state: str = ""
    completeness: str = ""
    transitions: int = 0

    @classmethod
    def of(cls, report: LogReport, completeness: str, transitions: int, config: VerifyConfig) -> AuditLogSummary:
        """The summary of a verification run; the chain is intact only if every stream is, and
        only if every listed log holds records (an emptied log is not an intact chain)."""
        streams = {}
        for name, v in sorted(report.streams.items()):
            s = v.stats
            streams[name] = StreamSummary(
                s.records,
                s.verified,
                s.unverifiable,
                s.first_seq,
                s.last_seq,
                s.checkpoints_matched,
                s.started,
                s.stopped,
                not v.breaks,
                anchor_of(v, config),
            )
        intact = all(s.intact for s in streams.values()) and bool(streams) and all(f.records for f in report.files)
        state = "intact" if intact else "broken"
        return cls(report.records, len(report.files), streams, state, completeness, transitions)

    def to_metrics(self) -> dict[str, JSONValue]:
        return {
            "records": self.records,
            "files": self.files,
            "streams": {name: s.to_json() for name, s in self.streams.items()},
            "chain": self.chain_state,
            "completeness": self.completeness,
            "transitions": self.transitions,
        }

    @classmethod
    def from_metrics(cls, metrics: JSONObject) -> AuditLogSummary:
        return cls(
            integer(metrics.get("records")),
            integer(metrics.get("files")),
            {str(k): StreamSummary.from_json(v) for k, v in mapping(metrics.get("streams")).items()},
            text(metrics.get("chain")),
            text(metrics.get("completeness")),
            integer(metrics.get("transitions")),
        )

    def reconciliation(self) -> tuple[CurrencyTotals, ...] | None:
        return None

    @property
    def anchor(self) -> str:
        """`none` when any stream is unanchored, else the weakest anchor of the streams."""
        anchors = {s.anchor for s in self.streams.values()}
        for weakest in ("none", "", "key", "checkpoint"):
            if weakest in anchors:
                return weakest or "not reported"
        return ""

    def chain(self) -> ChainStatus:
        return ChainStatus(self.chain_state, self.completeness, self.anchor)
