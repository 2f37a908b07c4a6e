"""`compliance-gate report`: renders saved verdicts and envelopes, refuses bad input with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gitutil import commit, init_repo

from compliance_gate.cli import main
from compliance_gate.pii.cards import luhn_complete

PAN = luhn_complete("453201" + "7" * 9)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A verdict.json from a real run over a git repository with a planted card number."""
    root = init_repo(tmp_path_factory.mktemp("rep") / "repo")
    commit(root, {"app/pay.py": f'CARD = "{PAN}"\n', "README.md": "hello\n"})
    out = root.parent / "out"
    assert main(["run", str(root), "--out", str(out), "--no-cache"]) == 1
    return out / "verdict.json"


FORMATS = ["markdown", "html", "sarif", "junit", "csv", "csv-breaks", "github", "json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_renders_every_format_without_the_raw_value(saved: Path, tmp_path: Path, fmt: str) -> None:
    """Each format renders the saved FAIL verdict; the planted card number appears only masked."""
    out = tmp_path / f"report.{fmt}"
    assert main(["report", str(saved), "--format", fmt, "-o", str(out)]) == 0
    text = out.read_text()
    assert PAN not in text and PAN[6:12] not in text
    if fmt != "csv-breaks":
        assert "CG-PII" in text


def test_markdown_to_stdout_names_verdict_and_provenance(saved: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Markdown goes to stdout by default, verdict first, and says the input was unsigned."""
    assert main(["report", str(saved)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## ❌ compliance-gate: FAIL")
    assert "Unsigned verdict (verdict.json)" in out


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, [], "cannot read the verdict"),
        (b"not json", [], "not JSON"),
        (b'{"schema": "compliance-gate/verdict/v1"}', [], "not a compliance-gate verdict"),
        (b"[1, 2]", [], "not a compliance-gate verdict"),
        (b"{}", ["--format", "pdf"], "--format 'pdf'"),
        (b"{}", ["--format", "html,sarif"], "exactly one --format"),
        (b'{"verdict": "PASS"}', ["--key", "k.pem"], "no signature to verify"),
        (b'{"payloadType": "x", "payload": "%%%", "signatures": [{"sig": "AA=="}]}', [], "not valid base64"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, args: list[str], message: str
) -> None:
    """Unusable input exits 2 with one line naming the problem, never a traceback."""
    path = tmp_path / "v.json"
    if content is not None:
        path.write_bytes(content)
    assert main(["report", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def _envelope(saved: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    dsse = pytest.importorskip("compliance_gate.signing.dsse")
    keys = pytest.importorskip("compliance_gate.signing.keys")
    from compliance_gate.attest.statement import PAYLOAD_TYPE, VERDICT_PREDICATE, Statement, Subject

    predicate = json.loads(saved.read_text())
    statement = Statement(
        (Subject("repo", {"gitCommit": predicate["source"]["commit"]}),), VERDICT_PREDICATE, predicate
    )
    key, other = keys.generate(), keys.generate()
    env = tmp_path / "verdict.dsse.json"
    env.write_bytes(dsse.sign(statement.encode(), PAYLOAD_TYPE, [key]).to_json())
    good = keys.write_keypair(key, tmp_path / "good", None)[1]
    bad = keys.write_keypair(other, tmp_path / "bad", None)[1]
    return env, good, bad


def test_envelope_without_key_is_rendered_and_flagged(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An envelope renders without verification, and the report says the signature was not checked."""
    env, _, _ = _envelope(saved, tmp_path)
    assert main(["report", str(env), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "WITHOUT verifying its signature" in out and out.startswith("## ❌")


def test_envelope_with_pinned_key(saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --key the signature must verify: the right key names it, a wrong key exits 4."""
    env, good, bad = _envelope(saved, tmp_path)
    assert main(["report", str(env), "--format", "html", "--key", str(good)]) == 0
    assert "verified with pinned key" in capsys.readouterr().out
    assert main(["report", str(env), "--key", str(bad)]) == 4
    assert "signature" in capsys.readouterr().err


def test_run_writes_several_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`run --format text,markdown,sarif,junit` prints the table and writes each report into --out."""
    root = init_repo(tmp_path / "repo")
    commit(root, {"a.py": "x = 1\n"})
    out = tmp_path / "out"
    assert main(["run", str(root), "--out", str(out), "--no-cache", "--format", "text,markdown,sarif,junit"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["junit.xml", "summary.md", "verdict.json", "verdict.sarif"]
    assert (out / "summary.md").read_text().startswith("## ✅ compliance-gate: PASS")
    assert "PASS" in capsys.readouterr().out
    assert main(["run", str(root), "--out", str(out), "--format", "text,pdf"]) == 2
