"""keygen, run --sign-key, sign-off and verify end to end; bad input exits 2 or 4 with one line."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from gitutil import commit, git

from compliance_gate.cli import main

POLICY = """version: 1
checks:
  change-scope:
    rules:
      - {name: payments-code, paths: ["src/payments/**"], require: {compliance: 1}}
verdict:
  validity_hours: 2
"""


@pytest.fixture
def release(repo: Path, tmp_path: Path) -> dict[str, Path | str]:
    """A release branch changing payments code, a key pair, a policy, and a signed PASS verdict."""
    commit(repo, {"src/payments/charge.py": "x = 1\n", "README.md": "hi\n"}, "base")
    git(repo, "checkout", "-q", "-b", "release")
    head = commit(repo, {"src/payments/charge.py": "x = 2\n"}, "change payments")
    (tmp_path / "policy.yaml").write_text(POLICY)
    assert main(["keygen", "--out", str(tmp_path / "gate")]) == 0
    out = tmp_path / "out"
    code = main(
        [
            "run",
            str(repo),
            "--since",
            "main",
            "--policy",
            str(tmp_path / "policy.yaml"),
            "--sign-key",
            str(tmp_path / "gate.key"),
            "--out",
            str(out),
            "--no-cache",
            "--format",
            "json",
        ]
    )
    assert code == 0
    return {"tmp": tmp_path, "repo": repo, "head": head, "env": out / "verdict.dsse.json", "pub": tmp_path / "gate.pub"}


def _verify(r: dict[str, Path | str], *extra: str) -> int:
    return main(["verify", str(r["env"]), "--key", str(r["pub"]), "--commit", str(r["head"]), *extra])


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    return err


def test_keygen_prints_keyid_and_protects_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """keygen writes a 0600 private key, a public key, and prints the key id."""
    assert main(["keygen", "--out", str(tmp_path / "k"), "--algorithm", "ed25519"]) == 0
    assert capsys.readouterr().out.startswith("keyid ")
    assert stat.S_IMODE((tmp_path / "k.key").stat().st_mode) == 0o600
    assert main(["keygen", "--out", str(tmp_path / "k")]) == 2


def test_signed_run_then_signoff_then_verify(
    release: dict[str, Path | str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The payments change needs a compliance sign-off; with it from the roster, verify exits 0."""
    tmp = Path(release["tmp"])
    assert json.loads(Path(release["env"]).read_text())["payloadType"] == "application/vnd.in-toto+json"
    assert _verify(release) == 4
    assert "signoffs: sign-offs are required (compliance=1)" in _one_line_error(capsys)
    assert main(["keygen", "--out", str(tmp / "alice")]) == 0
    (tmp / "roster.yaml").write_text("version: 1\npeople:\n  alice:\n    roles: [compliance]\n    keys: [alice.pub]\n")
    assert (
        main(
            [
                "sign-off",
                str(release["env"]),
                "--key",
                str(tmp / "alice.key"),
                "--as",
                "alice",
                "--role",
                "compliance",
                "--comment",
                "reviewed",
                "--out",
                str(tmp / "approvals" / "alice.json"),
                "--verdict-key",
                str(release["pub"]),
            ]
        )
        == 0
    )
    capsys.readouterr()
    args = ["--roster", str(tmp / "roster.yaml"), "--approvals", str(tmp / "approvals")]
    assert _verify(release, *args, "--max-age", "1h") == 0
    assert "verified: signed PASS for commit" in capsys.readouterr().out
    assert _verify(release, *args, "--require", "legal=1") == 4
    assert "signoffs: legal needs 1, has 0" in _one_line_error(capsys)
    assert (
        main(
            [
                "sign-off",
                str(release["env"]),
                "--key",
                str(tmp / "alice.key"),
                "--as",
                "alice",
                "--role",
                "compliance",
                "--reject",
                "--out",
                str(tmp / "approvals" / "veto.json"),
            ]
        )
        == 0
    )
    assert _verify(release, *args) == 4
    assert "rejected by alice" in _one_line_error(capsys)


def test_signing_key_from_the_environment(
    release: dict[str, Path | str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With no --sign-key, the PEM in the policy's key_env variable signs the verdict."""
    tmp = Path(release["tmp"])
    monkeypatch.setenv("COMPLIANCE_GATE_SIGNING_KEY", (tmp / "gate.key").read_text())
    out = tmp / "out-env"
    main(
        [
            "run",
            str(release["repo"]),
            "--since",
            "main",
            "--policy",
            str(tmp / "policy.yaml"),
            "--out",
            str(out),
            "--no-cache",
            "--format",
            "json",
        ]
    )
    release = {**release, "env": out / "verdict.dsse.json"}
    capsys.readouterr()
    assert _verify(release) == 4
    assert "signoffs: " in _one_line_error(capsys)  # signature, commit, freshness passed; sign-off missing


@pytest.mark.parametrize(
    ("mutate", "code", "message"),
    [
        (lambda r, t: {"env": _write(t / "bad.json", b"{]")}, 4, "envelope: "),
        (
            lambda r, t: {"env": _edit(r["env"], t, lambda d: {**d, "payload": d["payload"][:-3] + "@@@"})},
            4,
            "payload: not valid base64",
        ),
        (
            lambda r, t: {
                "env": _edit(
                    r["env"],
                    t,
                    lambda d: {**d, "signatures": [{**d["signatures"][0], "sig": d["signatures"][0]["sig"][:40]}]},
                )
            },
            4,
            "signature: ",
        ),
        (lambda r, t: {"head": "f" * 40}, 4, "commit: the verdict is for commit"),
        (lambda r, t: {"head": "HEAD"}, 2, "--commit 'HEAD': give the full"),
        (lambda r, t: {"env": t / "missing.json"}, 2, "cannot read the envelope"),
        (lambda r, t: {"pub": _write(t / "rsa.pub", _rsa_pub())}, 2, "unsupported key type RSA"),
        (lambda r, t: {"pub": _write(t / "junk.pub", b"junk")}, 2, "not a PEM public key"),
    ],
    ids=["not-json", "bad-base64", "truncated-sig", "other-commit", "short-commit", "missing", "rsa-key", "junk-key"],
)
def test_bad_input(
    release: dict[str, Path | str],
    capsys: pytest.CaptureFixture[str],
    mutate,
    code: int,  # type: ignore[no-untyped-def]
    message: str,
) -> None:
    """Each bad input gives its exit code and one line naming the problem, never a traceback."""
    capsys.readouterr()
    assert _verify({**release, **mutate(release, Path(release["tmp"]))}) == code
    assert message in _one_line_error(capsys)


def test_encrypted_key_without_passphrase(
    release: dict[str, Path | str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """sign-off with an encrypted key and no passphrase exits 2 with one line."""
    tmp = Path(release["tmp"])
    monkeypatch.setenv("MY_PASS", "s3cret-passphrase")
    assert main(["keygen", "--out", str(tmp / "enc"), "--passphrase-env", "MY_PASS"]) == 0
    capsys.readouterr()
    code = main(
        [
            "sign-off",
            str(release["env"]),
            "--key",
            str(tmp / "enc.key"),
            "--as",
            "a",
            "--role",
            "legal",
            "--out",
            str(tmp / "a.json"),
        ]
    )
    assert code == 2 and "encrypted; provide its passphrase" in _one_line_error(capsys)
    monkeypatch.setenv("COMPLIANCE_GATE_KEY_PASSPHRASE", "s3cret-passphrase")
    assert (
        main(
            [
                "sign-off",
                str(release["env"]),
                "--key",
                str(tmp / "enc.key"),
                "--as",
                "a",
                "--role",
                "legal",
                "--out",
                str(tmp / "a.json"),
            ]
        )
        == 0
    )


def test_duplicate_roster_key_is_a_usage_error(
    release: dict[str, Path | str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A roster listing one key for two people makes verify exit 2."""
    tmp = Path(release["tmp"])
    (tmp / "approvals").mkdir()
    (tmp / "roster.yaml").write_text(
        "version: 1\npeople:\n  a: {roles: [x], keys: [gate.pub]}\n  b: {roles: [y], keys: [gate.pub]}\n"
    )
    capsys.readouterr()
    assert _verify(release, "--roster", str(tmp / "roster.yaml"), "--approvals", str(tmp / "approvals")) == 2
    assert "duplicate key" in _one_line_error(capsys)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _edit(env: Path | str, tmp: Path, change) -> Path:  # type: ignore[no-untyped-def]
    return _write(tmp / "edited.json", json.dumps(change(json.loads(Path(env).read_text()))).encode())


def _rsa_pub() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    return (
        rsa.generate_private_key(65537, 2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def test_a_reject_vetoes_even_when_no_role_is_required(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A roster member's signed reject makes verify exit 4 although neither the verdict nor --require asks for roles."""
    commit(repo, {"README.md": "hi\n"}, "base")
    git(repo, "checkout", "-q", "-b", "release")
    head = commit(repo, {"README.md": "hello\n"}, "docs only")
    (tmp_path / "policy.yaml").write_text(POLICY)
    assert main(["keygen", "--out", str(tmp_path / "gate")]) == 0
    assert main(["keygen", "--out", str(tmp_path / "alice")]) == 0
    out = tmp_path / "out"
    run = ["run", str(repo), "--since", "main", "--policy", str(tmp_path / "policy.yaml"), "--format", "json"]
    assert main([*run, "--sign-key", str(tmp_path / "gate.key"), "--out", str(out), "--no-cache"]) == 0
    env = out / "verdict.dsse.json"
    assert json.loads(_payload(env))["predicate"]["required_signoffs"] == {}
    (tmp_path / "roster.yaml").write_text(
        "version: 1\npeople:\n  alice:\n    roles: [security]\n    keys: [alice.pub]\n"
    )
    reject = ["sign-off", str(env), "--key", str(tmp_path / "alice.key"), "--as", "alice", "--role", "security"]
    assert main([*reject, "--reject", "--comment", "card data in logs", "--out", str(tmp_path / "ap" / "a.json")]) == 0
    capsys.readouterr()
    args = ["verify", str(env), "--key", str(tmp_path / "gate.pub"), "--commit", head]
    assert main(args) == 0
    assert main([*args, "--roster", str(tmp_path / "roster.yaml"), "--approvals", str(tmp_path / "ap")]) == 4
    assert "rejected by alice" in _one_line_error(capsys)


def _payload(env: Path) -> str:
    import base64

    return base64.b64decode(json.loads(env.read_text())["payload"]).decode()
