"""Baselines: audited false positives waived, real secrets blocking, unaudited per policy."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from secretsutil import context

from compliance_gate.checks import secrets
from compliance_gate.cli import main
from compliance_gate.model import CheckOutput
from compliance_gate.secrets.baseline import load

HEX = "0123456789abcdef"


def digest(seed: int) -> str:
    """A 40-hex-digit value with high entropy, built at run time."""
    rng = random.Random(seed)
    return "".join(rng.choice(HEX) for _ in range(40))


def write_tree(root: Path) -> dict[str, str]:
    values = {name: digest(i) for i, name in enumerate(["fp", "real", "todo", "new"], start=1)}
    (root / "app.py").write_text("".join(f'{name} = "{value}"\n' for name, value in values.items()))
    return values


def entries(root: Path, **audits: bool | None) -> None:
    """Write a baseline listing app.py's findings, with `is_secret` per variable name."""
    assert main(["baseline", str(root), "--slim"]) == 0
    data = json.loads((root / ".secrets.baseline").read_text())
    kept = []
    text = (root / "app.py").read_text().splitlines()
    for item in data["results"]["app.py"]:
        name = next(line.split(" ")[0] for line in text if item["hashed_secret"] in _sha1s(line))
        if name in audits:
            if audits[name] is not None:
                item["is_secret"] = audits[name]
            kept.append(item)
    data["results"]["app.py"] = kept
    (root / ".secrets.baseline").write_text(json.dumps(data))


def _sha1s(line: str) -> set[str]:
    import hashlib

    value = line.split('"')[1]
    return {hashlib.sha1(value.encode()).hexdigest()}  # noqa: S324 - the engine's baseline hash


def run(root: Path, section: str = "{}") -> CheckOutput:
    return secrets.run(context(root, section))


def test_audits_decide(tmp_path: Path) -> None:
    """False positive and unaudited are waived, a real secret and a new one still block."""
    write_tree(tmp_path)
    entries(tmp_path, fp=False, real=True, todo=None)
    out = run(tmp_path)
    assert out.errors == ()
    assert out.counts["baseline-false-positive"] == 1
    assert out.counts["baseline-unaudited"] == 1
    assert out.counts["baseline-real-secret"] == 1
    assert len(out.findings) == 2
    assert any("is_secret: true" in f.message for f in out.findings)
    assert {w.by for w in out.waived} == {"baseline:.secrets.baseline"}
    assert out.inputs[0].path == ".secrets.baseline"


def test_unaudited_can_block(tmp_path: Path) -> None:
    """With `unaudited: block` only audited false positives are waived."""
    write_tree(tmp_path)
    entries(tmp_path, fp=False, todo=None)
    out = run(tmp_path, "{unaudited: block}")
    assert len(out.findings) == 3
    assert out.counts["baseline-unaudited-blocking"] == 1


def test_stale_entries_are_counted(tmp_path: Path) -> None:
    """An entry whose secret is gone is counted and listed, not an error."""
    write_tree(tmp_path)
    entries(tmp_path, fp=False, real=True, todo=None, new=None)
    (tmp_path / "app.py").write_text("x = 1\n")
    out = run(tmp_path)
    assert out.findings == () and out.errors == ()
    assert out.counts["baseline-stale"] == 4
    assert out.metrics["baseline_stale_entries"][0].startswith("app.py (")


def test_slim_baseline_has_no_lines_and_still_matches(tmp_path: Path) -> None:
    """A slim baseline (no line numbers) matches on file, type and hash."""
    values = write_tree(tmp_path)
    assert main(["baseline", str(tmp_path), "--slim"]) == 0
    data = json.loads((tmp_path / ".secrets.baseline").read_text())
    assert all("line_number" not in e for e in data["results"]["app.py"])
    assert "generated_at" not in data
    text = (tmp_path / ".secrets.baseline").read_text()
    assert not any(v in text for v in values.values())
    out = run(tmp_path)
    assert out.findings == () and out.counts["baseline-unaudited"] == 4


def test_written_baseline_is_the_engines_format(tmp_path: Path) -> None:
    """The engine itself loads what `compliance-gate baseline` writes; no verification filter."""
    from detect_secrets.core import baseline as ds_baseline
    from detect_secrets.settings import transient_settings

    write_tree(tmp_path)
    assert main(["baseline", str(tmp_path)]) == 0
    data = json.loads((tmp_path / ".secrets.baseline").read_text())
    with transient_settings({}):
        loaded = ds_baseline.load(data, str(tmp_path / ".secrets.baseline"))
    assert len(list(loaded)) == 4
    paths = {f["path"] for f in data["filters_used"]}
    assert "detect_secrets.filters.common.is_ignored_due_to_verification_policies" not in paths
    assert "detect_secrets.filters.allowlist.is_line_allowlisted" in paths


def test_rewriting_keeps_audits(tmp_path: Path) -> None:
    """Regenerating a baseline keeps `is_secret` of the entries still found."""
    write_tree(tmp_path)
    entries(tmp_path, fp=False)
    assert main(["baseline", str(tmp_path)]) == 0
    audited = [
        e for e in json.loads((tmp_path / ".secrets.baseline").read_text())["results"]["app.py"] if "is_secret" in e
    ]
    assert [e["is_secret"] for e in audited] == [False]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"version": "1.5.0"}', "no `results` object"),
        ('{"version": "2.0.0", "results": {}}', "newer than the supported"),
        ('{"version": "x", "results": {}}', "is not a detect-secrets version"),
        ('{"version": "1.5.0", "results": {"a.py": [{"type": "X", "hashed_secret": "zz"}]}}', "hashed_secret"),
        (
            '{"version": "1.5.0", "results": {"a.py": [{"type": "X", "hashed_secret": "'
            + "a" * 40
            + '", "is_secret": "no"}]}}',
            "is_secret",
        ),
    ],
    ids=["json", "results", "newer", "version", "hash", "is-secret"],
)
def test_bad_baselines_are_errors(tmp_path: Path, content: str, message: str) -> None:
    """A corrupt or foreign baseline makes the check an error, never an empty baseline."""
    write_tree(tmp_path)
    (tmp_path / ".secrets.baseline").write_text(content)
    out = run(tmp_path)
    assert len(out.errors) == 1 and message in out.errors[0]
    assert len(out.findings) == 4


def test_old_format_is_read(tmp_path: Path) -> None:
    """A 0.x baseline (older engine) is read for its results; its settings are ignored."""
    (tmp_path / "b.json").write_text(
        json.dumps(
            {
                "version": "0.14.3",
                "exclude": {"files": ".*"},
                "results": {"a.py": [{"type": "Secret Keyword", "hashed_secret": "a" * 40, "is_secret": False}]},
            }
        )
    )
    loaded = load(tmp_path / "b.json", "b.json")
    assert next(iter(loaded.entries.values())).is_secret is False


def test_required_baseline_missing_is_an_error(tmp_path: Path) -> None:
    """`baseline_required: true` without a baseline file cannot pass."""
    write_tree(tmp_path)
    out = run(tmp_path, "{baseline_required: true}")
    assert out.errors and "requires a secrets baseline" in out.errors[0]
