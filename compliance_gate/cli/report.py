"""`compliance-gate report VERDICT --format FORMAT -o FILE`: render a saved verdict.

VERDICT is a `verdict.json` or a signed `verdict.dsse.json` envelope. Rendering does not need the
signature, so without `--key` the payload is decoded unverified and the report says so in its
first lines; with `--key` the signature must verify (exit 4 otherwise) and the report names the
key. Freshness and the commit are `verify`'s job, not this command's. With `--roster` and
`--approvals` the report shows the sign-off state `verify` would compute: who approved or
rejected, when and why, and a BLOCKED banner (never PASS) for a reject or a missing role.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

from compliance_gate.attest import signoff
from compliance_gate.attest.roster import load_roster
from compliance_gate.attest.statement import VERDICT_PREDICATE, parse_statement
from compliance_gate.cli.command import Subparsers
from compliance_gate.errors import InputError, UsageError
from compliance_gate.model import JSONObject, Verdict
from compliance_gate.redact import mask_labels
from compliance_gate.render.context import Approval, ReportContext, SignoffState
from compliance_gate.render.formats import FORMATS, parse_formats
from compliance_gate.serialize import verdict_from_dict
from compliance_gate.signing import dsse
from compliance_gate.signing import keys as keymod

MAX_INPUT_BYTES = 64 * 1024 * 1024


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser(
        "report",
        help="render a saved verdict or signed envelope as a report",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    p.add_argument("verdict", help="verdict.json or verdict.dsse.json")
    p.add_argument("--format", default="markdown", help=f"one of: {', '.join(FORMATS)} (default: markdown)")
    p.add_argument("-o", "--output", default="-", metavar="FILE", help="where to write (default: stdout)")
    p.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="PUB.pem",
        help="verify the envelope's signature with this public key first (repeatable)",
    )
    p.add_argument("--roster", metavar="ROSTER.yaml", help="who may sign off (with --approvals)")
    p.add_argument("--approvals", metavar="DIR", help="folder of sign-off files to show (with --roster)")
    p.add_argument(
        "--path-prefix",
        default="",
        metavar="DIR/",
        help="prepend to finding paths in SARIF and annotations (the scanned folder inside the repository)",
    )


def execute(args: argparse.Namespace) -> int:
    names = parse_formats(args.format)
    if len(names) != 1:
        raise UsageError("report: give exactly one --format (use `run --format a,b` for several)")
    fmt = names[0]
    if bool(args.roster) != bool(args.approvals):
        raise UsageError("--roster and --approvals go together")
    path = Path(args.verdict)
    verdict, context = load(path, args.key, args.roster, args.approvals)
    if args.path_prefix:
        context = replace(context, path_prefix=args.path_prefix)
    text = FORMATS[fmt].render(verdict, context)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{args.output}: cannot write the report ({exc.strerror})") from None
    return 0


def load(
    path: Path, keys: list[str], roster: str | None = None, approvals: str | None = None
) -> tuple[Verdict, ReportContext]:
    """Read a verdict or an envelope; say in the context how far it was checked."""
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise InputError(f"{path}: larger than {MAX_INPUT_BYTES} bytes; not a verdict")
        data = path.read_bytes()
        doc = json.loads(data)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the verdict ({exc.strerror})") from None
    except (ValueError, UnicodeDecodeError):
        raise InputError(f"{path}: not JSON; expected verdict.json or verdict.dsse.json") from None
    if isinstance(doc, dict) and "payloadType" in doc:
        predicate, context = _from_envelope(path, data, keys, roster, approvals)
    elif keys:
        raise UsageError(f"--key: {path} is a plain verdict.json, there is no signature to verify")
    elif roster or approvals:
        raise UsageError(
            f"--roster/--approvals: {path} is a plain verdict.json; approvals sign the envelope "
            "(verdict.dsse.json), so give that"
        )
    else:
        predicate = doc
        context = ReportContext(provenance=f"Unsigned verdict ({path.name}): deploy jobs verify the signed envelope")
    try:
        # approvals' comments and names come from files too: masked like the verdict
        return mask_labels(verdict_from_dict(predicate)), mask_labels(context)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not a compliance-gate verdict ({type(exc).__name__}: {str(exc)[:100]})") from None


def _from_envelope(
    path: Path, data: bytes, keys: list[str], roster: str | None, approvals: str | None
) -> tuple[JSONObject, ReportContext]:
    try:
        envelope = dsse.parse_envelope(data, str(path))
        statement = parse_statement(envelope.payload, VERDICT_PREDICATE)
    except dsse.Rejected as exc:
        raise InputError(str(exc).replace("verification failed: ", "", 1)) from None
    if keys:
        verified = dsse.verify_envelope(envelope, [keymod.load_public_file(k) for k in keys])
        statement = parse_statement(verified.payload, VERDICT_PREDICATE)  # only verified bytes from here
        note = (
            f"Signature of {path.name} verified with pinned key {verified.key.keyid[:16]}; freshness, "
            "commit and sign-offs are checked by `compliance-gate verify`"
        )
    else:
        note = (
            f"Decoded from {path.name} WITHOUT verifying its signature: run `compliance-gate verify` "
            "before relying on it"
        )
    context = ReportContext(provenance=note, envelope_name=path.name)
    if roster and approvals:
        context = signoff_context(context, statement.predicate, envelope.payload, roster, approvals)
    return dict(statement.predicate), context


def signoff_context(
    context: ReportContext, predicate: JSONObject, payload: bytes, roster_path: str, folder: str
) -> ReportContext:
    """The approvals as `verify` counts them (roles from the roster, rejects veto), with their
    time and comment, and what is still missing for the verdict's required roles."""
    t = signoff.tally(hashlib.sha256(payload).hexdigest(), signoff.read_approvals(folder), load_roster(roster_path))
    shown = tuple(Approval(d.role, d.who, d.decision, d.time, d.comment) for d in t.decisions)
    recorded = predicate.get("required_signoffs")
    required = {
        str(role): n
        for role, n in (recorded.items() if isinstance(recorded, dict) else ())
        if isinstance(n, int) and not isinstance(n, bool) and n > 0
    }
    state = SignoffState(
        rejects=tuple(a for a in shown if a.decision == "reject"),
        short=tuple(signoff.unmet(t, required)),
        ignored=t.ignored,
    )
    return replace(context, approvals=shown, signoff=state)
