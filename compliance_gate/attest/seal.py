"""Sealing a verdict: the in-toto statement about the commit, signed into `verdict.dsse.json`.

The signing key comes from `--sign-key PATH` or, failing that, from the environment variable the
policy names (`verdict.key_env`, default `COMPLIANCE_GATE_SIGNING_KEY`) holding the PEM text. An
encrypted key takes its passphrase from `COMPLIANCE_GATE_KEY_PASSPHRASE`. Environment reads
happen here, on behalf of the CLI, never inside a check. The validity window ends at the earlier
of the verdict's own `valid_until` and signing time + `verdict.validity_hours`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from compliance_gate import serialize
from compliance_gate.attest.statement import (
    PAYLOAD_TYPE,
    VERDICT_PREDICATE,
    Statement,
    Subject,
    file_subject,
    repo_subject,
)
from compliance_gate.errors import UsageError
from compliance_gate.model import Verdict
from compliance_gate.policy import Policy
from compliance_gate.signing import dsse, keys

PASSPHRASE_ENV = "COMPLIANCE_GATE_KEY_PASSPHRASE"  # noqa: S105 (a variable name, not a secret)
ENVELOPE_NAME = "verdict.dsse.json"


def key_passphrase(environ: Mapping[str, str]) -> bytes | None:
    """The private key's passphrase from `COMPLIANCE_GATE_KEY_PASSPHRASE`, or None when unset or empty."""
    return environ.get(PASSPHRASE_ENV, "").encode() or None


def signing_key(path: str | None, env_name: str, environ: Mapping[str, str], algorithm: str) -> keys.PrivateKey | None:
    """The key to sign with, or None when neither a path nor the variable is given."""
    passphrase = key_passphrase(environ)
    if path:
        key = keys.load_private_file(path, passphrase)
    elif environ.get(env_name, "").strip():
        key = keys.load_private_pem(environ[env_name].encode(), passphrase, f"${env_name}")
    else:
        return None
    if key.algorithm != algorithm:
        raise UsageError(
            f"the signing key is {key.algorithm} but the policy's verdict.algorithm is {algorithm}; "
            "use a matching key or change the policy"
        )
    return key


def seal_verdict(
    verdict: Verdict,
    key: keys.PrivateKey,
    *,
    validity_hours: float,
    artifacts: Sequence[Subject | str | Path] = (),
    now: dt.datetime | None = None,
) -> tuple[Verdict, dsse.Envelope]:
    """Return the verdict with its final validity window and the signed envelope for it."""
    signed_at = now or dt.datetime.now(dt.UTC).replace(microsecond=0)
    until = signed_at + dt.timedelta(hours=validity_hours)
    if verdict.valid_until is not None:
        until = min(until, verdict.valid_until)
    sealed = replace(verdict, valid_until=until)
    subjects: list[Subject] = []
    if verdict.source.commit:
        subjects.append(repo_subject(verdict.source.root, verdict.source.commit))
    subjects += [a if isinstance(a, Subject) else file_subject(a) for a in artifacts]
    if not subjects:
        raise UsageError("nothing to attest: the scanned tree has no git commit; pass --subject FILE")
    statement = Statement(tuple(subjects), VERDICT_PREDICATE, serialize.verdict_to_dict(sealed))
    return sealed, dsse.sign(statement.encode(), PAYLOAD_TYPE, [key])


@dataclass(frozen=True, slots=True)
class Signer:
    """A loaded key and what to attest besides the commit, ready before the (long) run starts."""

    key: keys.PrivateKey
    validity_hours: float
    artifacts: tuple[Subject, ...] = ()


def prepare(
    policy: Policy, sign_key: str | None, artifacts: Sequence[str], environ: Mapping[str, str]
) -> Signer | None:
    """What `run` calls first: load the key (failing fast on a bad one) and hash the artifacts."""
    key = signing_key(sign_key, policy.verdict.key_env, environ, policy.verdict.algorithm)
    if key is None:
        if artifacts:
            raise UsageError(f"--subject needs a signing key (--sign-key or ${policy.verdict.key_env})")
        return None
    return Signer(key, policy.verdict.validity_hours, tuple(file_subject(a) for a in artifacts))


def apply(verdict: Verdict, signer: Signer | None) -> tuple[Verdict, dsse.Envelope | None]:
    """Seal the verdict when there is a signer; otherwise return it unchanged."""
    if signer is None:
        return verdict, None
    return seal_verdict(verdict, signer.key, validity_hours=signer.validity_hours, artifacts=signer.artifacts)


def write_envelope(envelope: dsse.Envelope, out_dir: Path) -> Path:
    target = out_dir / ENVELOPE_NAME
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        target.write_bytes(envelope.to_json())
    except OSError as exc:
        raise UsageError(f"{target}: cannot write the signed verdict ({exc.strerror})") from None
    return target
