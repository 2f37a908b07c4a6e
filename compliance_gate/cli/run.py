"""`compliance-gate run`: run the policy's checks, print a summary, write `verdict.json`."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from compliance_gate.attest import seal
from compliance_gate.cli.command import Subparsers, positive_int
from compliance_gate.engine import RunOptions, load_policy
from compliance_gate.engine import run as run_gate
from compliance_gate.errors import UsageError
from compliance_gate.model import Outcome, Verdict
from compliance_gate.policy import Policy, builtin_policy_path
from compliance_gate.render import console as console_render
from compliance_gate.render import json as json_render
from compliance_gate.render.formats import parse_formats, write_reports
from compliance_gate.scanning.cache import state_dir
from compliance_gate.scanning.workspace import readable_root

DEFAULT_POLICY_IN_REPO = Path("policies") / "compliance-gate.yaml"
EXIT_BY_OUTCOME = {Outcome.PASS: 0, Outcome.FAIL: 1, Outcome.ERROR: 3}


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("run", help="run the gate over a repository and write the verdict")
    p.add_argument("path", nargs="?", default=".", help="repository to scan (default: .)")
    p.add_argument("files", nargs="*", help="scan only these files (what pre-commit passes)")
    p.add_argument(
        "--policy",
        help="policy file, or a bundled name: default, pci-dss "
        "(default: PATH/policies/compliance-gate.yaml, else the bundled default)",
    )
    p.add_argument("--only", help="comma-separated check ids; the verdict is then partial")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--since", metavar="REF", help="scan the release range REF..HEAD")
    mode.add_argument("--staged", action="store_true", help="scan the staged files (pre-commit)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: PATH/.compliance-gate/out)")
    p.add_argument(
        "--format",
        default="text",
        help="text or json on stdout; add report formats to write "
        "them into --out, e.g. text,markdown,html,sarif,junit,csv (see `report --help`)",
    )
    p.add_argument("--no-cache", action="store_true", help="ignore and do not update the cache")
    p.add_argument("--jobs", type=positive_int, help="worker processes, 1 or more (default: one per core)")
    p.add_argument(
        "--sign-key",
        metavar="PATH",
        help="sign the verdict into verdict.dsse.json (PEM private "
        "key; default: the PEM in the policy's verdict.key_env variable, if set)",
    )
    p.add_argument(
        "--subject",
        action="append",
        default=[],
        metavar="FILE",
        help="also attest this artifact by its sha256 (repeatable; needs a signing key)",
    )


def resolve_policy(arg: str | None, root: Path) -> Policy:
    if arg is None:
        in_repo = root / DEFAULT_POLICY_IN_REPO
        return load_policy(in_repo if in_repo.is_file() else builtin_policy_path("default"))
    candidate = Path(arg)
    if not candidate.exists() and "/" not in arg and not arg.endswith((".yaml", ".yml")):
        bundled = builtin_policy_path(arg)
        if not bundled.is_file():
            raise UsageError(f"--policy {arg}: no such file and no bundled policy of that name")
        return load_policy(bundled)
    return load_policy(candidate)


def execute(args: argparse.Namespace) -> int:
    root = Path(args.path)
    readable_root(root)
    formats = parse_formats(args.format, extra=("text",))
    policy = resolve_policy(args.policy, root)
    key = os.environ.get(policy.fingerprints.key_env, "").encode() or None
    mode = "since" if args.since else "staged" if args.staged else "files" if args.files else "tree"
    err = Console(stderr=True)
    options = RunOptions(
        mode=mode,
        since=args.since,
        files=tuple(args.files),
        only=tuple(c.strip() for c in args.only.split(",") if c.strip()) if args.only else (),
        use_cache=not args.no_cache,
        jobs=args.jobs,
        fingerprint_secret=key,
    )
    signer = seal.prepare(policy, args.sign_key, args.subject, os.environ)
    verdict, envelope = seal.apply(_run_with_progress(policy, root, options, err), signer)
    out_dir = Path(args.out) if args.out else _default_out(root)
    write_outputs(verdict, out_dir)
    if envelope is not None:
        err.print(f"signed verdict written to {seal.write_envelope(envelope, out_dir)}", soft_wrap=True)
    write_reports(verdict, out_dir, [f for f in formats if f not in ("text", "json")])
    if "json" in formats and "text" not in formats:
        sys.stdout.write(json_render.render(verdict))
    else:
        out = _stdout_console()
        console_render.render(verdict, out)
        out.print(f"verdict written to {out_dir / 'verdict.json'}")
    return EXIT_BY_OUTCOME[verdict.verdict]


def _stdout_console() -> Console:
    """Rich's console; in CI logs (not a terminal) wide enough that findings stay on one line."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def _run_with_progress(policy: Policy, root: Path, options: RunOptions, err: Console) -> Verdict:
    if not err.is_terminal:
        return run_gate(policy, root, options)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def report(check_id: str, done: int, total: int) -> None:
            if check_id not in tasks:
                tasks[check_id] = progress.add_task(check_id, total=total)
            progress.update(tasks[check_id], completed=done, total=total)

        return run_gate(policy, root, dataclasses.replace(options, progress=report))


def _default_out(root: Path) -> Path:
    try:
        return state_dir(root) / "out"
    except OSError as exc:
        raise UsageError(f"{root}: cannot create .compliance-gate/ ({exc.strerror}); pass --out DIR") from None


def write_outputs(verdict: Verdict, out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "verdict.json").write_text(json_render.render(verdict), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{out_dir}: cannot write the verdict ({exc.strerror})") from None
