"""SARIF 2.1.0 for GitHub code scanning (and any other SARIF viewer).

One run per check (its engines listed as tool extensions, its own `automationDetails.id` so that
code scanning keeps their alerts apart). Each rule has a short and full description, `help` text
and markdown, and `properties.security-severity` (critical 9.5, high 8.0, medium 5.5, low 3.0,
info 1.0) for the highest severity seen for it. Results carry repo-relative URIs, a region whose
`startColumn`/`endColumn` are at least 1, our keyed fingerprint as `partialFingerprints` (stable
across line moves, so alerts follow the code), the masked excerpt only (never a code snippet:
engines' own SARIF copies source lines, which leaks secrets), and waived findings as suppressed
results. Results are capped per run (`max_results`, GitHub shows 5,000 and accepts 25,000); the
number left out is reported in the run's properties and as a tool notification.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from urllib.parse import quote

from compliance_gate.model import CheckResult, Finding, JSONValue, Severity, Status, Verdict
from compliance_gate.render import findings, summaries
from compliance_gate.render.context import ReportContext, prefixed
from compliance_gate.render.findings import Located

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 5000
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def _uri(path: str, root: str) -> tuple[str, bool]:
    """(URI, relative?) for a finding path: repo-relative when it lies inside the repository."""
    p = PurePosixPath(path)
    if p.is_absolute():
        try:
            p = p.relative_to(PurePosixPath(root))
        except ValueError:
            return "file://" + quote(str(p)), False
    return quote(str(p)), True


def _location(f: Finding, fallback: str, root: str, context: ReportContext | None) -> dict[str, JSONValue]:
    uri, relative = _uri(prefixed(f.path, context) or fallback, root)
    artifact: dict[str, JSONValue] = {"uri": uri}
    if relative:
        artifact["uriBaseId"] = "%SRCROOT%"
    start = max(1, f.column or 1)
    region = {"startLine": max(1, f.line or 1), "startColumn": start, "endColumn": start + 1}
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def _rule(check: str, rule: str, items: list[Located]) -> dict[str, JSONValue]:
    worst = max((x.finding.severity for x in items), key=lambda s: s.rank)
    help_ = summaries.help_of(check)
    what, fix = help_.what, help_.fix
    example = items[0].finding.message
    text = f"{rule} ({check}): {what}\n\nExample: {example}\n\nHow to fix: {fix}"
    markdown = f"**{rule}** ({check}): {what}\n\n*Example:* {example}\n\n*How to fix:* {fix}"
    tags = ["security", check] + ([f"external/cwe/cwe-{cwe}"] if (cwe := _cwe(items[0].finding)) else [])
    out: dict[str, JSONValue] = {
        "id": rule,
        "name": rule.replace("-", "_"),
        "shortDescription": {"text": f"{check}: {rule}"},
        "fullDescription": {"text": what},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": "error" if worst.at_least(items[0].result.fail_on) else "warning"},
        "properties": {"security-severity": SECURITY_SEVERITY[worst], "tags": tags, "precision": "high"},
    }
    info = items[0].finding.properties.get("more_info")
    if isinstance(info, str) and info.startswith("https://"):
        out["helpUri"] = info
    return out


def _cwe(f: Finding) -> str | None:
    cwe = f.properties.get("cwe")
    if isinstance(cwe, dict):
        cwe = cwe.get("id")
    return str(cwe) if isinstance(cwe, int | str) and str(cwe).isdigit() else None


def _result(x: Located, index: int, fallback: str, root: str, context: ReportContext | None) -> dict[str, JSONValue]:
    f = x.finding
    message = findings.message_with_excerpt(f)
    result: dict[str, JSONValue] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": findings.level(x),
        "message": {"text": message or f.rule},
        "locations": [_location(f, fallback, root, context)],
        "properties": {"severity": f.severity.value, "blocking": x.blocking, **dict(f.properties)},
    }
    if f.fingerprint:
        result["partialFingerprints"] = {
            "primaryLocationLineHash": f.fingerprint,
            "compliance-gate/v1": f.fingerprint,
        }
    if x.waived_by is not None:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": f"{x.waived_by}: {x.waived_reason}"}
        ]
    return result


def _run(
    verdict: Verdict, r: CheckResult, items: list[Located], max_results: int, context: ReportContext | None
) -> dict[str, JSONValue]:
    by_rule: dict[str, list[Located]] = {}
    for x in items:
        by_rule.setdefault(x.finding.rule, []).append(x)
    rule_ids = sorted(by_rule)
    index = {rule: i for i, rule in enumerate(rule_ids)}
    shown = items[:max_results]
    policy = verdict.policy.path
    # A finding without a path (rare: a whole-run condition) is pinned to the policy that demands it.
    fallback = policy if policy and ":" not in policy and not PurePosixPath(policy).is_absolute() else "."
    notifications: list[JSONValue] = []
    if r.status is Status.ERROR:
        notifications.append({"level": "error", "message": {"text": r.error or "the check could not evaluate"}})
    if len(items) > len(shown):
        notifications.append(
            {
                "level": "warning",
                "message": {"text": f"{len(items) - len(shown)} of {len(items)} results left out (cap {max_results})"},
            }
        )
    run: dict[str, JSONValue] = {
        "tool": {
            "driver": {
                "name": f"compliance-gate {r.check}",
                "version": verdict.gate_version,
                "rules": [_rule(r.check, rule, by_rule[rule]) for rule in rule_ids],
            },
            "extensions": [{"name": name, "version": version} for name, version in sorted(r.engines.items())],
        },
        "automationDetails": {"id": f"compliance-gate/{r.check}/"},
        "invocations": [
            {"executionSuccessful": r.status is not Status.ERROR, "toolExecutionNotifications": notifications}
        ],
        "results": [_result(x, index[x.finding.rule], fallback, verdict.source.root, context) for x in shown],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "status": r.status.value,
            "total_results": len(items),
            "omitted_results": len(items) - len(shown),
        },
    }
    if PurePosixPath(verdict.source.root).is_absolute():
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": "file://" + quote(verdict.source.root.rstrip("/")) + "/"}}
    if verdict.source.commit:
        run["versionControlProvenance"] = [
            {
                "repositoryUri": "file://" + quote(verdict.source.root),
                "revisionId": verdict.source.commit,
                **({"branch": verdict.source.ref} if verdict.source.ref else {}),
            }
        ]
    return run


def to_sarif(
    verdict: Verdict, context: ReportContext | None = None, *, max_results: int = MAX_RESULTS
) -> dict[str, JSONValue]:
    """The SARIF log as a JSON-able dict."""
    items = findings.located(verdict, include_waived=True)
    runs = []
    for r in sorted(verdict.checks, key=lambda c: c.check):
        mine = [x for x in items if x.result is r]
        runs.append(_run(verdict, r, mine, max_results, context))
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": runs}


def render(verdict: Verdict, context: ReportContext | None = None, *, max_results: int = MAX_RESULTS) -> str:
    return json.dumps(to_sarif(verdict, context, max_results=max_results), indent=2, ensure_ascii=False) + "\n"
