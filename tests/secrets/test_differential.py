"""The gate reports exactly what `detect-secrets scan --no-verify` reports, file by file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from corpus import bulk_tree, coverage_corpus
from secretsutil import engine_library_scan, engine_scan, gate_scan

from compliance_gate.secrets.config import engine_config
from compliance_gate.secrets.options import SecretsOptions

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def coverage(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    root = tmp_path_factory.mktemp("coverage")
    return root, coverage_corpus(root)


def test_every_plugin_and_filter_matches_the_engine(coverage: tuple[Path, dict[str, list[str]]]) -> None:
    """On a corpus with every plugin, filter, transformer and pragma, the finding sets are equal."""
    root, _ = coverage
    expected = engine_scan(root)
    found, outcomes = gate_scan(root)
    assert found == expected
    assert not [o for o in outcomes if o.error]


def test_every_plugin_fires(coverage: tuple[Path, dict[str, list[str]]]) -> None:
    """The coverage corpus really exercises each plugin: each plugin's file has its own finding.

    Except the IPv4 detector: an address has no letter, so the engine's default filter
    `is_not_alphanumeric_string` drops every match (an engine quirk, reported in the issue note).
    """
    root, lines = coverage
    _, outcomes = gate_scan(root)
    rules: dict[str, set[str]] = {}
    for o in outcomes:
        for f in o.findings:
            rules.setdefault(f.path or "", set()).add(str(f.properties.get("detector", f.rule)))
    missing = [name for name in lines if name not in rules.get(f"plugins/{name}.py", set())]
    assert missing == ["IPPublicDetector"]


def test_filters_are_exercised(coverage: tuple[Path, dict[str, list[str]]]) -> None:
    """Lock, non-text and swagger files are skipped and counted; pragmas are seen and counted."""
    root, _ = coverage
    _, outcomes = gate_scan(root)
    counts: dict[str, int] = {}
    for o in outcomes:
        for k, v in o.counts.items():
            counts[k] = counts.get(k, 0) + v
    assert counts["skipped-is-lock-file"] == 1
    assert counts["skipped-is-non-text-file"] == 2
    assert counts["skipped-is-swagger-file"] == 1
    assert counts["inline-suppressions"] == 5


@pytest.mark.parametrize(
    ("options", "flags"),
    [
        (SecretsOptions(baseline=None, exclude_lines=("digest",)), ["--exclude-lines", "digest"]),
        (SecretsOptions(baseline=None, exclude_files=(r"^config/",)), ["--exclude-files", "^config/"]),
        (SecretsOptions(baseline=None, exclude_secrets=("^[a-f0-9]+$",)), ["--exclude-secrets", "^[a-f0-9]+$"]),
        (
            SecretsOptions(baseline=None, base64_limit=3.0, hex_limit=2.0),
            ["--base64-limit", "3.0", "--hex-limit", "2.0"],
        ),
        (
            SecretsOptions(baseline=None, disable_plugins=("KeywordDetector", "HexHighEntropyString")),
            ["--disable-plugin", "KeywordDetector", "--disable-plugin", "HexHighEntropyString"],
        ),
    ],
    ids=["exclude-lines", "exclude-files", "exclude-secrets", "limits", "disable-plugins"],
)
def test_settings_match_the_engine(
    coverage: tuple[Path, dict[str, list[str]]], options: SecretsOptions, flags: list[str]
) -> None:
    """Policy settings mean what the engine's own flags mean."""
    root, _ = coverage
    assert gate_scan(root, options)[0] == engine_scan(root, *flags)


def test_keyword_exclude_matches_the_engine(coverage: tuple[Path, dict[str, list[str]]]) -> None:
    """`keyword_exclude` (no CLI flag in 1.5.0) means what the engine's plugin setting means."""
    root, _ = coverage
    options = SecretsOptions(baseline=None, keyword_exclude="pass")
    expected = engine_library_scan(root, engine_config(options))
    assert gate_scan(root, options)[0] == expected
    assert expected != engine_scan(root)


def test_generated_source_tree_matches_the_engine(tmp_path: Path) -> None:
    """A mixed generated tree (code, YAML, JSON, Markdown, .env) gives identical findings."""
    bulk_tree(tmp_path, 250_000, seed=11, secret_every=150)
    expected = engine_scan(tmp_path)
    assert len(expected) > 20
    assert gate_scan(tmp_path)[0] == expected


def test_this_repository_matches_the_engine(tmp_path: Path) -> None:
    """The gate's own committed sources and policies give the engine's findings."""
    archive = subprocess.run(
        ["git", "archive", "HEAD", "compliance_gate", "policies"], cwd=REPO, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive, check=True)
    assert gate_scan(tmp_path)[0] == engine_scan(tmp_path)
