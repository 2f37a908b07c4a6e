"""The verdict's JSON form, in one place: `verdict.json`, the signed predicate and the cache use it.

Keys are stable; adding a key is compatible, renaming or removing one is not. The shape:

    {
      "schema": "compliance-gate/verdict/v1",
      "verdict": "PASS" | "FAIL" | "ERROR",
      "reasons": ["..."],
      "policy": {"path", "digest", "name", "legacy_digest" (only when the pre-RFC 8785 digest
                 differs from `digest`: what a deploy job pinned before may still match)},
      "source": {"root", "mode", "is_git", "commit", "ref", "dirty", "since", "since_commit",
                 "files", "skipped": {reason: count}},
      "gate": {"version", "engines": {name: version}},
      "started", "finished", "valid_until": ISO-8601 UTC,
      "fingerprint_key": "public-default" | "hmac:<id>",
      "complete": true only for a whole-tree or release-range run of every enabled check,
      "not_run": [check ids the policy enables that `--only` left out],
      "required_signoffs": {role: count},
      "waivers": [{"id", "state", "matched", "expires", "reason", "approver"}],
      "checks": [{"id", "status", "fail_on", "counts", "findings": [finding], "waived":
                  [{"finding", "by", "reason"}], "inputs": [{"path", "sha256", "kind", "rows",
                  "details"}], "metrics", "engines", "duration_s", "error",
                  "required_signoffs", "skipped" (only for a skipped check: why)}]
    }

    finding = {"check", "rule", "severity", "path", "line", "column", "message", "fingerprint",
               "excerpt", "properties"}
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from compliance_gate.model import (
    CheckResult,
    Finding,
    InputRecord,
    JSONValue,
    Outcome,
    PolicyRef,
    Severity,
    Source,
    Status,
    Verdict,
    Waived,
    WaiverUse,
)

SCHEMA = "compliance-gate/verdict/v1"


def finding_to_dict(f: Finding) -> dict[str, JSONValue]:
    return {
        "check": f.check,
        "rule": f.rule,
        "severity": f.severity.value,
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "message": f.message,
        "fingerprint": f.fingerprint,
        "excerpt": f.excerpt,
        "properties": dict(f.properties),
    }


def finding_from_dict(d: Mapping[str, Any]) -> Finding:
    return Finding(
        check=d["check"],
        rule=d["rule"],
        severity=Severity(d["severity"]),
        message=d["message"],
        path=d.get("path"),
        line=d.get("line"),
        column=d.get("column"),
        fingerprint=d.get("fingerprint", ""),
        excerpt=d.get("excerpt"),
        properties=dict(d.get("properties") or {}),
    )


def _input_to_dict(i: InputRecord) -> dict[str, JSONValue]:
    return {"path": i.path, "sha256": i.sha256, "kind": i.kind, "rows": i.rows, "details": dict(i.details)}


def _waived_to_dict(w: Waived) -> dict[str, JSONValue]:
    return {"finding": finding_to_dict(w.finding), "by": w.by, "reason": w.reason}


def check_to_dict(r: CheckResult) -> dict[str, JSONValue]:
    return {
        "id": r.check,
        "status": r.status.value,
        "fail_on": r.fail_on.value,
        "counts": dict(r.counts),
        "findings": [finding_to_dict(f) for f in r.findings],
        "waived": [_waived_to_dict(w) for w in r.waived],
        "inputs": [_input_to_dict(i) for i in r.inputs],
        "metrics": dict(r.metrics),
        "engines": dict(r.engines),
        "duration_s": round(r.duration_s, 3),
        "error": r.error,
        "required_signoffs": dict(r.required_signoffs),
        **({"skipped": r.skipped} if r.skipped else {}),
    }


def check_from_dict(d: Mapping[str, Any]) -> CheckResult:
    return CheckResult(
        check=d["id"],
        status=Status(d["status"]),
        findings=tuple(finding_from_dict(f) for f in d.get("findings", ())),
        waived=tuple(Waived(finding_from_dict(w["finding"]), w["by"], w["reason"]) for w in d.get("waived", ())),
        counts=dict(d.get("counts") or {}),
        metrics=dict(d.get("metrics") or {}),
        inputs=tuple(
            InputRecord(i["path"], i["sha256"], i.get("kind", "file"), i.get("rows"), i.get("details") or {})
            for i in d.get("inputs", ())
        ),
        engines=dict(d.get("engines") or {}),
        duration_s=float(d.get("duration_s", 0.0)),
        error=d.get("error"),
        fail_on=Severity(d.get("fail_on", "high")),
        required_signoffs=dict(d.get("required_signoffs") or {}),
        skipped=d.get("skipped"),
    )


def _time(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat().replace("+00:00", "Z")


def _parse_time(s: str | None) -> datetime | None:
    return None if s is None else datetime.fromisoformat(s.replace("Z", "+00:00"))


def _policy_to_dict(p: PolicyRef) -> dict[str, JSONValue]:
    out: dict[str, JSONValue] = {"path": p.path, "digest": p.digest, "name": p.name}
    if p.legacy_digest:
        out["legacy_digest"] = p.legacy_digest
    return out


def verdict_to_dict(v: Verdict) -> dict[str, JSONValue]:
    s = v.source
    return {
        "schema": SCHEMA,
        "verdict": v.verdict.value,
        "reasons": list(v.reasons),
        "policy": _policy_to_dict(v.policy),
        "source": {
            "root": s.root,
            "mode": s.mode,
            "is_git": s.is_git,
            "commit": s.commit,
            "ref": s.ref,
            "dirty": s.dirty,
            "since": s.since,
            "since_commit": s.since_commit,
            "files": s.files,
            "skipped": dict(s.skipped),
        },
        "gate": {"version": v.gate_version, "engines": dict(v.engines)},
        "started": _time(v.started),
        "finished": _time(v.finished),
        "valid_until": _time(v.valid_until),
        "fingerprint_key": v.fingerprint_key,
        "complete": v.complete,
        "not_run": list(v.not_run),
        "required_signoffs": dict(v.required_signoffs),
        "waivers": [
            {
                "id": w.id,
                "state": w.state,
                "matched": w.matched,
                "expires": w.expires,
                "reason": w.reason,
                "approver": w.approver,
            }
            for w in v.waivers
        ],
        "checks": [check_to_dict(r) for r in v.checks],
    }


def verdict_from_dict(d: Mapping[str, Any]) -> Verdict:
    """Inverse of `verdict_to_dict`; raises KeyError/ValueError on a malformed document."""
    if d.get("schema", SCHEMA) != SCHEMA:
        raise ValueError(f"unsupported verdict schema {d.get('schema')!r} (expected {SCHEMA})")
    s = d["source"]
    started = _parse_time(d["started"])
    finished = _parse_time(d["finished"])
    assert started is not None and finished is not None
    return Verdict(
        verdict=Outcome(d["verdict"]),
        reasons=tuple(d.get("reasons", ())),
        checks=tuple(check_from_dict(c) for c in d.get("checks", ())),
        policy=PolicyRef(
            d["policy"]["path"],
            d["policy"]["digest"],
            d["policy"].get("name", ""),
            d["policy"].get("legacy_digest", ""),
        ),
        source=Source(
            root=s["root"],
            mode=s["mode"],
            is_git=s["is_git"],
            commit=s.get("commit"),
            ref=s.get("ref"),
            dirty=s.get("dirty", False),
            since=s.get("since"),
            since_commit=s.get("since_commit"),
            files=s.get("files", 0),
            skipped=dict(s.get("skipped") or {}),
        ),
        gate_version=d["gate"]["version"],
        engines=dict(d["gate"].get("engines") or {}),
        started=started,
        finished=finished,
        waivers=tuple(
            WaiverUse(w["id"], w["state"], w["matched"], w.get("expires"), w.get("reason", ""), w.get("approver", ""))
            for w in d.get("waivers", ())
        ),
        required_signoffs=dict(d.get("required_signoffs") or {}),
        valid_until=_parse_time(d.get("valid_until")),
        fingerprint_key=d.get("fingerprint_key", "public-default"),
        complete=bool(d.get("complete", False)),
        not_run=tuple(str(c) for c in d.get("not_run") or ()),
    )
