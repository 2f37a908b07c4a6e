"""Score blocking findings against the hand labels and print the tables (real_repos.py).

Labels live in `real_repos_labels.csv`, keyed by (repo, path, line, rule): the corpus is pinned,
so a key names one line of one file for good. `fix` = a release manager would block the release
on it; `noise` = would not. Precision = fix / (fix + noise).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

from real_repos_corpus import Entry
from real_repos_gate import RepoRun, tier_of

LABEL_FIELDS = ["repo", "check", "rule", "path", "line", "label", "reason"]

LabelKey = tuple[str, str, int, str]


def label_key(repo: str, f: dict[str, Any]) -> LabelKey:
    return (repo, f.get("path") or "", int(f.get("line") or 0), f["rule"])


def load_labels(path: Path) -> dict[LabelKey, dict[str, str]]:
    if not path.is_file():
        return {}
    labels: dict[LabelKey, dict[str, str]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            if row.get("label") not in ("fix", "noise"):
                raise SystemExit(f"{path}:{n}: label must be fix or noise, not {row.get('label')!r}")
            labels[(row["repo"], row["path"], int(row["line"]), row["rule"])] = row
    return labels


def load_gaps(path: Path) -> list[dict[str, str]]:
    """Known recall gaps: real problems in the corpus's production code that should block."""
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def score(runs: list[RepoRun], labels: dict[LabelKey, dict[str, str]], gaps: list[dict[str, str]]) -> dict[str, Any]:
    """Blocking findings per rule with fix/noise/unlabelled counts; stale labels and recall gaps of
    the repositories that ran."""
    per_rule: dict[tuple[str, str], Counter[str]] = {}  # label counts and tier counts ("tier:test" ...)
    unlabelled: list[tuple[str, dict[str, Any]]] = []
    seen: set[LabelKey] = set()
    for run in runs:
        for f in run.blocking:
            key = label_key(run.entry.name, f)
            seen.add(key)
            label = labels.get(key, {}).get("label", "unlabelled")
            counts = per_rule.setdefault((f["check"], f["rule"]), Counter())
            counts[label] += 1
            counts[f"tier:{tier_of(f.get('path'))}"] += 1
            if label == "unlabelled":
                unlabelled.append((run.entry.name, f))
    names = {r.entry.name for r in runs if r.verdict in ("PASS", "FAIL", "ERROR")}
    gone = [row for key, row in labels.items() if key[0] in names and key not in seen]
    blocked_lines = {(run.entry.name, f.get("path"), f.get("line")) for run in runs for f in run.blocking}
    gap_rows = [
        {**g, "blocks": (g["repo"], g["path"], int(g["line"])) in blocked_lines} for g in gaps if g["repo"] in names
    ]
    return {"per_rule": per_rule, "unlabelled": unlabelled, "gone": gone, "gaps": gap_rows}


def blocking_count(c: Counter[str]) -> int:
    return c["fix"] + c["noise"] + c["unlabelled"]


def precision(c: Counter[str]) -> str:
    judged = c["fix"] + c["noise"]
    return f"{c['fix'] / judged:6.1%}" if judged else "     -"


# ---- output ---------------------------------------------------------------------------------


def print_report(
    runs: list[RepoRun], skipped: list[tuple[Entry, str]], scored: dict[str, Any], labels_name: str
) -> None:
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    print(f"\n## Repositories (default policy, cold cache; load average {load})\n")
    print(
        f"{'repo':16} {'pin':36} {'verdict':10} {'files':>6} {'block':>6} {'pii':>5} {'secr':>5} {'sast':>5} "
        f"{'test':>5} {'docs':>5} {'prod':>5} {'wall s':>7}  check seconds (pii/secrets/sast)"
    )
    for run in runs:
        by_check = Counter(f["check"] for f in run.blocking)
        by_tier = Counter(tier_of(f.get("path")) for f in run.blocking)
        secs = "/".join(f"{run.check_seconds.get(c, 0.0):.1f}" for c in ("pii", "secrets", "sast"))
        print(
            f"{run.entry.name:16} {run.entry.label[:36]:36} {run.verdict:10} {run.files:6} {len(run.blocking):6} "
            f"{by_check['pii']:5} {by_check['secrets']:5} {by_check['sast']:5} "
            f"{by_tier['test']:5} {by_tier['docs']:5} {by_tier['prod']:5} {run.wall_s:7.1f}  {secs}"
        )
        for check, err in run.check_errors.items():
            print(f"{'':16} error in {check}: {err}")
        if run.verdict not in ("PASS", "FAIL", "ERROR"):
            print(f"{'':16} {'; '.join(run.reasons)}")
    for entry, why in skipped:
        print(f"{entry.name:16} {entry.label[:36]:36} SKIPPED    {why}")
    judged = [r for r in runs if r.verdict in ("PASS", "FAIL", "ERROR")]
    passed = sum(r.verdict == "PASS" for r in judged)
    total_wall = sum(r.wall_s for r in runs)
    print(f"\nPASS: {passed} of {len(judged)} repositories; total wall {total_wall:.0f} s")

    print("\n## Blocking findings per rule, against the hand labels (tiers: where they sit)\n")
    head = f"{'check':8} {'rule':28} {'block':>6} {'fix':>5} {'noise':>6} {'unlab':>6} {'precision':>10}"
    print(f"{head} {'test':>6} {'docs':>6} {'prod':>6}")

    def row(check: str, rule: str, c: Counter[str]) -> None:
        tiers = f"{c['tier:test']:6} {c['tier:docs']:6} {c['tier:prod']:6}"
        print(
            f"{check:8} {rule:28} {blocking_count(c):6} {c['fix']:5} {c['noise']:6} {c['unlabelled']:6} "
            f"{precision(c):>10} {tiers}"
        )

    total: Counter[str] = Counter()
    per_check: dict[str, Counter[str]] = {}
    for (check, rule), c in sorted(scored["per_rule"].items(), key=lambda kv: (kv[0][0], -blocking_count(kv[1]))):
        total.update(c)
        per_check.setdefault(check, Counter()).update(c)
        row(check, rule, c)
    print()
    for check, c in sorted(per_check.items()):
        row(check, "(all rules)", c)
    row("total", "", total)
    print("precision = fix / (fix + noise); target >= 90%, and 6 of 7 healthy repositories PASS")

    gone = scored["gone"]
    if gone:
        lost = [g for g in gone if g["label"] == "fix"]
        print(f"\n{len(gone)} labelled finding(s) no longer block ({len(gone) - len(lost)} noise: good)")
        for g in lost:
            print(f"  LOST RECALL (labelled fix): {g['repo']} {g['rule']} {g['path']}:{g['line']}  {g['reason']}")
    gaps = scored["gaps"]
    if gaps:
        closed = sum(g["blocks"] for g in gaps)
        print(f"\nKnown recall gaps in production code (real_repos_gaps.csv): {closed} of {len(gaps)} now block")
        for g in gaps:
            state = "blocks " if g["blocks"] else "open   "
            print(f"  {state} {g['repo']} {g['path']}:{g['line']}  {g['problem']} (today: {g['today']})")
    unl = scored["unlabelled"]
    if unl:
        print(f"\n{len(unl)} unlabelled blocking finding(s): label them in {labels_name}")
        for repo, f in unl[:200]:
            print(
                f"  {repo} {f['check']} {f['rule']} {f['severity']} "
                f"{f.get('path')}:{f.get('line')}  {f.get('excerpt')!r}"
            )
        if len(unl) > 200:
            print(f"  ... {len(unl) - 200} more (use --write-unlabelled FILE)")


def write_unlabelled(path: Path, unl: list[tuple[str, dict[str, Any]]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=[*LABEL_FIELDS, "severity", "excerpt"])
        w.writeheader()
        for repo, f in unl:
            w.writerow(
                {
                    "repo": repo,
                    "check": f["check"],
                    "rule": f["rule"],
                    "path": f.get("path") or "",
                    "line": f.get("line") or 0,
                    "label": "",
                    "reason": "",
                    "severity": f["severity"],
                    "excerpt": f.get("excerpt") or "",
                }
            )


def summary_json(runs: list[RepoRun], skipped: list[tuple[Entry, str]], scored: dict[str, Any]) -> dict[str, Any]:
    return {
        "repos": [
            {
                "name": r.entry.name,
                "pin": r.entry.label,
                "verdict": r.verdict,
                "files": r.files,
                "blocking": len(r.blocking),
                "blocking_per_check": dict(Counter(f["check"] for f in r.blocking)),
                "wall_s": round(r.wall_s, 2),
                "check_seconds": r.check_seconds,
                "errors": r.check_errors,
            }
            for r in runs
        ],
        "skipped": [{"name": e.name, "pin": e.label, "why": why} for e, why in skipped],
        "rules": [
            {
                "check": check,
                "rule": rule,
                "blocking": blocking_count(c),
                **{k: c[k] for k in ("fix", "noise", "unlabelled")},
                "tiers": {t: c[f"tier:{t}"] for t in ("test", "docs", "prod")},
            }
            for (check, rule), c in sorted(scored["per_rule"].items())
        ],
        "unlabelled": [
            {"repo": repo, **{k: f.get(k) for k in ("check", "rule", "severity", "path", "line", "excerpt")}}
            for repo, f in scored["unlabelled"]
        ],
        "no_longer_blocking": scored["gone"],
        "recall_gaps": scored["gaps"],
    }
