"""Benchmark: the gate with its DEFAULT policy on real, healthy payment code (issue 13).

    .venv/bin/python benchmarks/real_repos.py [--repos a,b] [--policy default] [--json]
                                              [--plant [REPO]] [--cache DIR] [--mirror DIR]

Builds the pinned corpus of `real_repos.yaml` (payment-provider SDKs and Django payment apps:
sdists from PyPI checked by sha256, plus optional GitHub repositories at pinned commits read from a
local mirror) into a cache folder outside this repository (default
`~/.cache/compliance-gate-corpus`), each as a git repository with one commit. Then runs the gate
exactly as a new user would: `compliance-gate run TREE --policy default --format json` with no
configuration and a cold cache, and reads only the verdict JSON (its documented stable keys), so
the script keeps working while the package changes inside.

Prints, per repository, the verdict, files, blocking findings (per check) and wall time; the
blocking findings per rule; and, against the hand labels in `real_repos_labels.csv` (key: repo,
path, line, rule), per rule and in total the worth-fixing (`fix`) and `noise` counts and
precision = fix / (fix + noise), the blocking findings nobody has labelled yet (label them), and
labelled findings that no longer block (a `fix` among them is lost recall). `--write-unlabelled
FILE` writes the unlabelled ones as CSV rows to fill in; `--keep-verdicts DIR` keeps each
verdict.json (masked values only) for a closer look.

`--plant [REPO]` copies one corpus repository (default django-payments), plants issue 13's
recall list in its production package (generated values only, see `real_repos_plant.py`), commits, runs
the gate and reports which planted problems block. Everything printed is the gate's masked
output; planted values never are.

Timings are wall times of the whole CLI process on a shared 2-core machine (noisy; the load
average is printed with them).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from real_repos_corpus import CorpusError, Entry, build, git, load_manifest
from real_repos_gate import RepoRun, run_gate
from real_repos_plant import Plant, plant
from real_repos_score import load_gaps, load_labels, print_report, score, summary_json, write_unlabelled

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "real_repos.yaml"
LABELS = HERE / "real_repos_labels.csv"
GAPS = HERE / "real_repos_gaps.csv"
DEFAULT_PLANT_REPO = "django-payments"

# ---- plant ----------------------------------------------------------------------------------


def run_planted(entry: Entry, tree: Path, policy: str, timeout: float) -> tuple[RepoRun, list[Plant]]:
    with tempfile.TemporaryDirectory(prefix="cg-plant-") as tmp:
        copy = Path(tmp) / entry.name
        shutil.copytree(tree, copy, symlinks=True, ignore=shutil.ignore_patterns(".compliance-gate"))
        plants = plant(copy, entry.package_dir)
        git(copy, "add", "-A")
        git(copy, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", "planted problems")
        return run_gate(entry, copy, policy, timeout), plants


def judge_plants(run: RepoRun, plants: list[Plant]) -> list[dict[str, Any]]:
    rows = []
    for p in plants:
        hits = [f for f in run.findings if f.get("path") == p.path and f.get("line") in p.lines]
        blocking = [f for f in hits if f["blocking"]]
        rows.append(
            {
                "key": p.key,
                "core": p.core,
                "problem": p.problem,
                "where": f"{p.path}:{','.join(map(str, p.lines))}",
                "blocks": bool(blocking),
                "found": sorted({f"{f['rule']}@{f['severity']}" for f in hits}),
            }
        )
    return rows


def print_plants(entry: Entry, run: RepoRun, rows: list[dict[str, Any]]) -> None:
    print(f"\n## Planted problems in {entry.name} ({entry.package_dir}/), verdict {run.verdict}")
    for core, title in ((True, "issue 13's list"), (False, "other shapes of the same problems")):
        group = [r for r in rows if r["core"] is core]
        print(f"\n{title}:")
        for row in group:
            state = "BLOCKS " if row["blocks"] else ("found  " if row["found"] else "MISSED ")
            print(f"  {state} {row['key']:20} {row['where']:56} {', '.join(row['found']) or '-'}")
        print(f"recall: {sum(r['blocks'] for r in group)} of {len(group)} block")


# ---- main -----------------------------------------------------------------------------------


def select(entries: list[Entry], names: str | None) -> list[Entry]:
    if not names:
        return [e for e in entries if not e.stress]
    if names == "all":
        return entries
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    unknown = sorted(set(wanted) - {e.name for e in entries})
    if unknown:
        raise SystemExit(
            f"unknown repo(s): {', '.join(unknown)}; the manifest has {', '.join(e.name for e in entries)}"
        )
    return [e for e in entries if e.name in wanted]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--repos", help="comma-separated corpus names, or `all` (default: every non-stress entry)")
    ap.add_argument("--policy", default="default", help="policy file or bundled name (default: default)")
    ap.add_argument("--json", action="store_true", help="print a machine-readable summary instead of tables")
    ap.add_argument("--plant", nargs="?", const=DEFAULT_PLANT_REPO, metavar="REPO", help="recall run on REPO")
    ap.add_argument("--manifest", type=Path, default=MANIFEST)
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--write-unlabelled", type=Path, metavar="FILE", help="CSV of blocking findings to label")
    ap.add_argument("--keep-verdicts", type=Path, metavar="DIR", help="copy each verdict.json into DIR")
    default_cache = Path(os.environ.get("CG_CORPUS_CACHE", Path.home() / ".cache" / "compliance-gate-corpus"))
    ap.add_argument("--cache", type=Path, default=default_cache, help="where the corpus is built")
    ap.add_argument("--mirror", type=Path, default=Path(os.environ.get("CG_CORPUS_MIRROR", "/work/.mirror")))
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per gate run")
    args = ap.parse_args(argv)

    try:
        entries = load_manifest(args.manifest)
    except (CorpusError, OSError) as exc:
        raise SystemExit(f"manifest: {exc}") from None
    chosen = [e for e in entries if e.name == args.plant] if args.plant else select(entries, args.repos)
    if args.plant and not chosen:
        raise SystemExit(f"--plant: no corpus repo named {args.plant!r}")
    runs: list[RepoRun] = []
    skipped: list[tuple[Entry, str]] = []
    for entry in chosen:
        try:
            tree = build(entry, args.cache.expanduser(), args.mirror)
        except CorpusError as exc:
            why = f"{'optional, ' if entry.optional else ''}{exc}"
            print(f"skip {entry.name}: {why}", file=sys.stderr)
            skipped.append((entry, why))
            continue
        if args.plant:
            run, plants = run_planted(entry, tree, args.policy, args.timeout)
            rows = judge_plants(run, plants)
            if args.json:
                print(json.dumps({"repo": entry.name, "verdict": run.verdict, "plants": rows}, indent=2))
            else:
                print_plants(entry, run, rows)
            return 0
        print(f"gate: {entry.name} ({entry.label}) ...", file=sys.stderr, flush=True)
        runs.append(run_gate(entry, tree, args.policy, args.timeout, args.keep_verdicts))
    if args.plant:
        return 3  # the repo to plant in could not be built (already said why)
    scored = score(runs, load_labels(args.labels), load_gaps(GAPS))
    if args.write_unlabelled:
        write_unlabelled(args.write_unlabelled, scored["unlabelled"])
    if args.json:
        print(json.dumps(summary_json(runs, skipped, scored), indent=2))
    else:
        print_report(runs, skipped, scored, args.labels.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
