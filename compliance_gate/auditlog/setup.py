"""Turn the check's options into a verification run: inputs, key, schema, checkpoints, metrics.

Everything that can make the run impossible (no log named, a log missing, the schema or a pinned
key unreadable, the key variable unset) becomes an error line: the check is then `error`, never
a pass. A checkpoint that fails verification is a finding on the checkpoint file instead, because
it is evidence about the log, not a problem of the gate's configuration.
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from compliance_gate import bundled
from compliance_gate.auditlog.checkpoints import CheckpointProblem, Head, pins_by_stream, read_checkpoint
from compliance_gate.auditlog.fields import RecordView
from compliance_gate.auditlog.keys import KeyProblem, load_key
from compliance_gate.auditlog.options import AuditLogOptions
from compliance_gate.auditlog.parallel import default_workers
from compliance_gate.auditlog.report import LogReport, Problem, VerifyConfig
from compliance_gate.auditlog.schema import RecordSchema, SchemaProblem
from compliance_gate.model import InputRecord
from compliance_gate.pii.hit import ScanOptions
from compliance_gate.signing import keys as signing_keys

COMPLETENESS_MODES = ("auto", "required", "off")


@dataclass(slots=True)
class Prepared:
    files: list[tuple[str, Path]] = field(default_factory=list)
    config: VerifyConfig = field(default_factory=VerifyConfig)
    errors: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    inputs: list[InputRecord] = field(default_factory=list)
    heads: list[tuple[Head, str]] = field(default_factory=list)
    completeness: bool = False
    """Cross-check state changes with the replayed events (a replay section is configured)."""
    fatal: bool = False


def prepare(options: AuditLogOptions, root: Path, has_replay: bool) -> Prepared:
    out = Prepared()
    out.files = _log_files(options.logs, root, out.errors)
    key = _key(options.key_env, out.errors)
    pins = _checkpoints(options, root, out)
    schema = _schema(options.schema, root, out)
    if options.completeness not in COMPLETENESS_MODES:
        out.errors.append(
            f"checks.audit-log.completeness: {options.completeness!r} is not one of {', '.join(COMPLETENESS_MODES)}"
        )
    elif options.completeness == "required" and not has_replay:
        out.errors.append(
            "checks.audit-log.completeness is `required` but the policy has no enabled "
            "`replay` section to take the recorded events from"
        )
    out.completeness = options.completeness != "off" and has_replay
    pii = None
    if options.scan_pii:
        pii = ScanOptions(tuple(options.pii_detectors), tuple(options.email_allow_domains))
    out.config = VerifyConfig(
        schema=schema,
        key=key,
        require_keyed=options.key_env is not None,
        pins=pins,
        pii_options=pii,
        secrets=options.scan_secrets,
        one_stream_per_file=options.one_stream_per_file,
        require_start_stop=options.require_start_stop,
        max_line_bytes=options.max_line_bytes,
        window=options.reorder_window,
        collect_state_changes=out.completeness,
        workers=default_workers(),
        view=RecordView(options.fields, options.audit_records),
    )
    out.fatal = not out.files or schema is None
    return out


def _log_files(patterns: tuple[str, ...], root: Path, errors: list[str]) -> list[tuple[str, Path]]:
    if not patterns:
        errors.append("checks.audit-log.logs names no audit log; list the JSONL files (globs allowed)")
        return []
    seen: dict[Path, str] = {}
    for pattern in patterns:
        base = bundled.resolve(pattern, root)
        matches = sorted(Path(p) for p in glob.glob(str(base), recursive=True)) if glob.has_magic(pattern) else [base]
        matches = [m for m in matches if m.is_file()]
        if not matches:
            errors.append(f"checks.audit-log.logs: {pattern}: no such audit log")
        for m in matches:
            seen.setdefault(m, _display(m, root))
    return [(display, path) for path, display in seen.items()]


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _key(name: str | None, errors: list[str]) -> bytes | None:
    if name is None:
        return None
    try:
        key = load_key(name)
    except KeyProblem as exc:
        errors.append(f"checks.audit-log.key_env: {exc}")
        return None
    if key is None:
        errors.append(f"checks.audit-log.key_env: ${name} is not set; the keyed chain cannot be verified")
    return key


def _schema(value: str, root: Path, out: Prepared) -> RecordSchema | None:
    path = bundled.resolve(value, root)
    try:
        schema = RecordSchema(path)
    except SchemaProblem as exc:
        out.errors.append(f"checks.audit-log.schema: {exc}")
        return None
    out.inputs.append(
        InputRecord(
            value if value.startswith(bundled.BUILTIN_PREFIX) else _display(path, root),
            hashlib.sha256(path.read_bytes()).hexdigest(),
            kind="schema",
        )
    )
    return schema


def _checkpoints(options: AuditLogOptions, root: Path, out: Prepared) -> Mapping[str, Mapping[int, str]]:
    if not options.checkpoints:
        if options.require_checkpoint:
            out.errors.append("checks.audit-log.require_checkpoint is set but no `checkpoints` are listed")
        return {}
    keys = []
    for name in options.checkpoint_keys:
        try:
            keys.append(signing_keys.load_public_file(bundled.resolve(name, root)))
        except signing_keys.KeyProblem as exc:
            out.errors.append(f"checks.audit-log.checkpoint_keys: {exc}")
    if not options.checkpoint_keys:
        out.errors.append("checks.audit-log.checkpoints need `checkpoint_keys` (pinned public keys) to verify them")
    files = _log_files(options.checkpoints, root, [])
    if not files:
        out.errors.append(f"checks.audit-log.checkpoints: {', '.join(options.checkpoints)}: no such file")
    for display, path in files:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        out.inputs.append(InputRecord(display, digest, kind="checkpoint"))
        if not keys:
            continue
        try:
            heads = read_checkpoint(data, display, keys)
        except CheckpointProblem as exc:
            out.problems.append(
                Problem("CG-AUDIT-CHECKPOINT-INVALID", display, 1, f"checkpoint not trusted: {exc}", f"cp|{digest}")
            )
            continue
        out.heads.extend((h, display) for h in heads)
    return pins_by_stream(h for h, _ in out.heads)


def checkpoint_coverage(options: AuditLogOptions, prepared: Prepared, report: LogReport) -> list[Problem]:
    """Checkpointed streams absent from the logs; with `require_checkpoint`, unpinned streams."""
    out: list[Problem] = []
    pinned = {h.stream: (h, where) for h, where in prepared.heads}
    for stream, (head, where) in sorted(pinned.items()):
        if stream not in report.streams:
            out.append(
                Problem(
                    "CG-AUDIT-TRUNCATED",
                    where,
                    1,
                    f"checkpoint pins stream {stream!r} up to seq {head.seq}, but no log has it",
                    f"gone|{stream}",
                )
            )
    if options.require_checkpoint:
        for stream, v in sorted(report.streams.items()):
            if stream not in pinned and v.first is not None:
                out.append(
                    Problem(
                        "CG-AUDIT-TRUNCATED",
                        v.first.path,
                        v.first.line,
                        f"stream {stream!r} has no signed checkpoint: its tail and a full re-seal cannot be detected",
                        f"unpinned|{stream}",
                    )
                )
    return out
