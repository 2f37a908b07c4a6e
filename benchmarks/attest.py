"""Signing and verification cost: seal, verify (ours and securesystemslib's), sign-off tallies,
and change-scope matching, on generated verdicts and a generated git range. Prints numbers.

    .venv/bin/python benchmarks/attest.py
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "attest"))

from attest_samples import NOW, approval, expect, roster_file, verdict
from gitutil import commit, git, init_repo
from securesystemslib.dsse import Envelope as SslibEnvelope
from securesystemslib.signer import SSlibKey

from compliance_gate.attest import seal, signoff
from compliance_gate.attest.roster import load_roster
from compliance_gate.attest.verify import verify_verdict
from compliance_gate.model import CheckResult, Finding, Severity, Status
from compliance_gate.signing import dsse, keys


def best(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def big_verdict(n: int):  # type: ignore[no-untyped-def]
    findings = tuple(
        Finding(
            "sast",
            "B608",
            Severity.LOW,
            "possible SQL injection via string formatting",
            f"src/m{i % 500}.py",
            i % 900 + 1,
            5,
            f"{i:032x}",
            None,
            {"cwe": 89, "confidence": "medium"},
        )
        for i in range(n)
    )
    return verdict(checks=(CheckResult("sast", Status.PASSED, findings=findings),))


def bench_seal_verify() -> None:
    print("seal + verify (best of 5, ms); envelope size")
    for algorithm in keys.ALGORITHMS:
        key = keys.generate(algorithm)
        sk = SSlibKey.from_crypto(key.key.public_key())
        for n in (0, 1_000, 10_000, 50_000):
            v = big_verdict(n)
            data = seal.seal_verdict(v, key, validity_hours=24, now=NOW)[1].to_json()
            t_seal = best(lambda v=v, k=key: seal.seal_verdict(v, k, validity_hours=24, now=NOW))
            t_ours = best(lambda d=data, k=key: verify_verdict(d, expect(k.public)))
            t_ssl = best(lambda d=data, s=sk: SslibEnvelope.from_dict(json.loads(d)).verify([s], 1))
            print(
                f"  {algorithm:10} findings={n:6d} seal={t_seal * 1e3:8.1f} verify={t_ours * 1e3:8.1f} "
                f"sslib-verify={t_ssl * 1e3:8.1f} size={len(data) / 1024:8.1f} KiB"
            )


def bench_tally() -> None:
    key = keys.generate()
    env = seal.seal_verdict(verdict(), key, validity_hours=24, now=NOW)[1].to_json()
    with tempfile.TemporaryDirectory() as tmp:
        people = {f"p{i}": (["compliance"], [keys.generate()]) for i in range(50)}
        roster = load_roster(roster_file(Path(tmp), people))
        docs = [(f"{pid}.json", approval(env, ks[0], pid, "compliance")) for pid, (_, ks) in people.items()]
        sha = signoff.payload_digest(dsse.parse_envelope(env))
        t = best(lambda: signoff.tally(sha, docs, roster), 3)
        tally = signoff.tally(sha, docs, roster)
        t_unmet = best(lambda: signoff.unmet(tally, {"compliance": 50}), 3)
        print(
            f"sign-off tally: 50 approvals x 50 roster keys: {t * 1e3:.1f} ms "
            f"(worst case, every key tried per approval); matching 50 slots: {t_unmet * 1e3:.1f} ms"
        )


def bench_change_scope(n_files: int = 5000) -> None:
    from compliance_gate.engine import load_policy, run

    with tempfile.TemporaryDirectory() as tmp:
        repo = init_repo(Path(tmp) / "repo")
        commit(repo, {"README.md": "x\n"}, "base")
        git(repo, "checkout", "-qb", "release")
        files = {f"src/{'payments' if i % 10 == 0 else f'mod{i % 50}'}/f{i}.py": f"x = {i}\n" for i in range(n_files)}
        head = commit(repo, files, "big")
        policy = load_policy(Path(__file__).resolve().parent.parent / "policies" / "default.yaml")
        policy = dataclasses.replace(policy, checks={"change-scope": policy.checks["change-scope"]})
        t = time.perf_counter()
        v = run(policy, repo, mode="since", since="main", use_cache=False)
        total = time.perf_counter() - t
        r = v.checks[0]
        print(
            f"change-scope: {n_files} changed files, default rules: check {r.duration_s * 1e3:.0f} ms, "
            f"whole run {total * 1e3:.0f} ms, required {dict(v.required_signoffs)}; commit {head[:7]}"
        )


if __name__ == "__main__":
    print(f"python {sys.version.split()[0]}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    bench_seal_verify()
    bench_tally()
    bench_change_scope()
