"""The sign-off report for release managers: one self-contained HTML file.

It opens with the verdict and why, then says what was checked (policy and digest, commit, engine
versions, inputs with digests), what was found (by check, masked excerpts only), which waivers
applied and when they expire, the reconciliation totals per currency (with a small inline SVG
chart), the audit-chain status, the sign-offs required and present, and the commands that verify
the signed verdict. It loads nothing: no scripts, no external styles, fonts or images; a
Content-Security-Policy forbids them anyway, so even an escaping mistake could not run code.
Every value is HTML-escaped.
"""

from __future__ import annotations

from html import escape

from compliance_gate.model import CheckResult, Status, Verdict
from compliance_gate.render import common
from compliance_gate.render.common import Located, ReportContext
from compliance_gate.render.svg import totals_chart

MAX_FINDINGS_PER_CHECK = 500

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
color:#1b1f24;padding:0 1rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}pre{background:#f6f8fa;padding:.75rem;
overflow-x:auto}.banner{padding:1rem 1.25rem;border-radius:6px;color:#fff}.PASS{background:#1a7f37}
.FAIL{background:#cf222e}.ERROR{background:#9a6700}.warn{background:#fff8c5;border:1px solid #d4a72c;
padding:.5rem .75rem;border-radius:6px}.sev-critical,.sev-high{color:#cf222e;font-weight:600}
.sev-medium{color:#9a6700}.st-failed,.st-error{color:#cf222e;font-weight:600}.st-passed{color:#1a7f37}
.muted{color:#57606a}svg text{font:11px system-ui,sans-serif}
"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _table(head: list[str], rows: list[list[str]], numeric: frozenset[int] = frozenset()) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    thead = f"<thead><tr>{th}</tr></thead>" if any(head) else ""
    body = "".join(
        "<tr>"
        + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table>{thead}<tbody>{body}</tbody></table>"


def _banner(verdict: Verdict, context: ReportContext | None) -> str:
    s = verdict.source
    blocking = sum(len(r.blocking) for r in verdict.checks)
    parts = [
        f'<div class="banner {verdict.verdict.value}"><h1>Verdict: {_e(verdict.verdict.value)}</h1>',
        f"<div>{blocking} blocking finding(s) in {len(verdict.checks)} check(s)</div></div>",
    ]
    if context and context.provenance:
        parts.append(f'<p class="warn"><strong>{_e(context.provenance)}</strong></p>')
    note = common.deploy_valid_note(verdict)
    if note:
        parts.append(f'<p class="warn">{_e(note)}</p>')
    if verdict.reasons:
        parts.append("<ul>" + "".join(f"<li>{_e(r)}</li>" for r in verdict.reasons) + "</ul>")
    facts = [
        ("Repository", s.root),
        ("Commit", s.commit or "(not a git commit)"),
        ("Ref", s.ref or ""),
        ("Uncommitted changes", "yes" if s.dirty else "no"),
        ("Mode", s.mode),
        ("Release range since", f"{s.since or ''} {s.since_commit or ''}".strip()),
        ("Files scanned", s.files),
        ("Policy", f"{verdict.policy.name} ({verdict.policy.path})"),
        ("Policy digest", verdict.policy.digest),
        ("Gate version", verdict.gate_version),
        ("Engines", common.engines_text(verdict.engines)),
        ("Fingerprint key", verdict.fingerprint_key),
        ("Started", verdict.started.isoformat()),
        ("Finished", verdict.finished.isoformat()),
        ("Valid until", verdict.valid_until.isoformat() if verdict.valid_until else "set when signed"),
    ]
    if s.skipped:
        facts.append(("Skipped files", ", ".join(f"{k}: {v}" for k, v in sorted(s.skipped.items()))))
    parts.append("<h2>What was checked</h2>" + _table([], [[_e(k), f"<code>{_e(v)}</code>"] for k, v in facts]))
    return "".join(parts)


def _checks(verdict: Verdict) -> str:
    rows = []
    for r in common.ordered_checks(verdict):
        rows.append(
            [
                f'<a href="#check-{_e(r.check)}">{_e(r.check)}</a>',
                f'<span class="st-{r.status.value}">{_e(r.status.value)}</span>',
                str(len(r.blocking)),
                str(len(r.findings)),
                str(len(r.waived)),
                _e(r.fail_on.value),
                _e(common.engines_text(r.engines)),
                f"{r.duration_s:.2f} s",
            ]
        )
    head = ["Check", "Status", "Blocking", "Findings", "Waived", "Fails on", "Engines", "Time"]
    return "<h2>Checks</h2>" + _table(head, rows, frozenset({2, 3, 4, 7}))


def _finding_rows(items: list[Located]) -> list[list[str]]:
    rows = []
    for x in items:
        f = x.finding
        waived = (
            f"waived by {_e(x.waived_by)}: {_e(x.waived_reason)}" if x.waived_by else ("blocks" if x.blocking else "")
        )
        rows.append(
            [
                f'<span class="sev-{f.severity.value}">{_e(f.severity.value)}</span>',
                _e(f.rule),
                f"<code>{_e(common.location(f))}</code>",
                _e(f.message),
                f"<code>{_e(f.excerpt)}</code>" if f.excerpt else "",
                waived,
                f'<code class="muted">{_e(f.fingerprint[:16])}</code>',
            ]
        )
    return rows


def _check_section(r: CheckResult, items: list[Located]) -> str:
    parts = [
        f'<h3 id="check-{_e(r.check)}">{_e(r.check)}: <span class="st-{r.status.value}">'
        f"{_e(r.status.value)}</span></h3>"
    ]
    if r.status is Status.ERROR and r.error:
        parts.append(f'<p class="warn">Could not evaluate: {_e(r.error)}</p>')
    if r.inputs:
        rows = [
            [
                f"<code>{_e(i.path)}</code>",
                _e(i.kind),
                "" if i.rows is None else str(i.rows),
                f"<code>{_e(i.sha256)}</code>",
            ]
            for i in r.inputs
        ]
        parts.append(_table(["Input", "Kind", "Rows", "sha256"], rows, frozenset({2})))
    if items:
        shown = items[:MAX_FINDINGS_PER_CHECK]
        head = ["Severity", "Rule", "Location", "Message", "Excerpt (masked)", "", "Fingerprint"]
        parts.append(_table(head, _finding_rows(shown)))
        if len(items) > len(shown):
            parts.append(f"<p>… {len(items) - len(shown)} more finding(s): see the JSON verdict or SARIF.</p>")
    else:
        parts.append("<p>No findings.</p>")
    return "".join(parts)


def _findings(verdict: Verdict) -> str:
    items = common.located(verdict, include_waived=True)
    by_check: dict[str, list[Located]] = {}
    for x in items:
        by_check.setdefault(x.result.check, []).append(x)
    return "<h2>Findings by check</h2>" + "".join(
        _check_section(r, by_check.get(r.check, [])) for r in common.ordered_checks(verdict)
    )


def _waivers(verdict: Verdict) -> str:
    if not verdict.waivers:
        return "<h2>Waivers</h2><p>No waivers in the policy.</p>"
    rows = [
        [_e(w.id), _e(w.state), str(w.matched), _e(w.expires or "never"), _e(w.approver), _e(w.reason)]
        for w in verdict.waivers
    ]
    return "<h2>Waivers</h2>" + _table(
        ["Waiver", "State", "Matched", "Expires", "Approver", "Reason"], rows, frozenset({2})
    )


def _reconciliation(verdict: Verdict) -> str:
    replay = [r for r in verdict.checks if r.check == common.REPLAY_CHECK]
    if not replay:
        return ""
    totals = common.reconciliation_totals(verdict)
    parts = ["<h2>Reconciliation</h2>"]
    bridged = [t for t in totals if t.bridges]
    if bridged:
        rows = []
        for t in bridged:
            for b in t.bridges:
                residual = common.money(b.residual, t.exponent)
                rows.append(
                    [
                        _e(t.currency),
                        _e(b.counterpart),
                        _e(common.money(b.replay, t.exponent)),
                        _e(common.money(b.other, t.exponent)),
                        _e(common.money(b.difference, t.exponent)),
                        _e(common.money(b.explained, t.exponent)),
                        f'<span class="st-failed">{_e(residual)}</span>' if b.residual else _e(residual),
                    ]
                )
        head = [
            "Currency",
            "Compared with",
            "Replayed events",
            "Counterpart",
            "Difference",
            "Explained",
            "Unexplained residual",
        ]
        parts.append(_table(head, rows, frozenset({2, 3, 4, 5, 6})))
    elif totals:
        rows = [
            [_e(t.currency), _e(name), _e(common.money(value, t.exponent))] for t in totals for name, value in t.values
        ]
        parts.append(_table(["Currency", "Total (minor units)", "Amount"], rows, frozenset({2})))
    parts.append(totals_chart(totals))
    for r in replay:
        other = common.metric_rows(r.metrics, skip=(*common.TOTALS_KEYS, "breaks"))
        if other:
            parts.append(_table(["Metric", "Value"], [[_e(k), _e(v)] for k, v in other]))
    return "".join(parts)


def _audit(verdict: Verdict) -> str:
    results = common.audit_results(verdict)
    if not results:
        return ""
    parts = ["<h2>Audit-log chain</h2>"]
    for r in results:
        state = common.chain_state(r)
        css = "st-passed" if state == "intact" else "st-failed"
        parts.append(
            f'<p>Check: <span class="st-{r.status.value}">{_e(r.status.value)}</span>; hash chain: '
            f'<strong class="{css}">{_e(state)}</strong>; completeness against the replayed events: '
            f"{_e(r.metrics.get('completeness', 'not reported'))}.</p>"
        )
        rows = common.metric_rows(r.metrics)
        if rows:
            parts.append(_table(["Metric", "Value"], [[_e(k), _e(v)] for k, v in rows]))
    return "".join(parts)


def _signoffs(verdict: Verdict, context: ReportContext | None) -> str:
    rows = common.signoff_rows(verdict, context)
    parts = ["<h2>Sign-offs</h2>"]
    if rows:
        parts.append(
            _table(
                ["Role", "Required", "Approved"],
                [[_e(role), str(n), str(have)] for role, n, have in rows],
                frozenset({1, 2}),
            )
        )
    else:
        parts.append("<p>No sign-off roles are required by the policy or the change.</p>")
    approvals = context.approvals if context else ()
    if approvals:
        parts.append(
            _table(
                ["Role", "Who", "Decision", "When", "Comment"],
                [[_e(a.role), _e(a.who), _e(a.decision), _e(a.when), _e(a.comment)] for a in approvals],
            )
        )
    elif rows:
        parts.append(
            "<p>No approvals were supplied to this report; <code>verify</code> counts the signed "
            "approvals against the roster.</p>"
        )
    return "".join(parts)


def render(verdict: Verdict, context: ReportContext | None = None) -> str:
    """The complete HTML document."""
    commands = "\n".join(common.verify_commands(verdict, context))
    title = f"compliance-gate {verdict.verdict.value}: {verdict.source.commit or verdict.source.root}"
    body = "".join(
        [
            _banner(verdict, context),
            _checks(verdict),
            _findings(verdict),
            _waivers(verdict),
            _reconciliation(verdict),
            _audit(verdict),
            _signoffs(verdict, context),
            f"<h2>Verify</h2><pre>{_e(commands)}</pre>",
            f'<p class="muted">Generated by compliance-gate {_e(verdict.gate_version)}.</p>',
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
        f'<body data-verdict="{verdict.verdict.value}">{body}</body></html>\n'
    )
