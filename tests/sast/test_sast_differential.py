"""Differential tests: the sast check reports exactly what the real `bandit -r` reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gitutil import commit, init_repo
from sast_bandit_samples import BROKEN, SAMPLES
from sast_codebase import generate
from sastutil import bandit_cli, bandit_skipped, scan, triples, unparsed

from compliance_gate.model import Status
from compliance_gate.scanning import fanout


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding the bandit samples (including one file with a syntax error)."""
    root = init_repo(tmp_path_factory.mktemp("diff") / "repo")
    commit(root, dict(SAMPLES))
    return root


PROFILES = [
    ("default", {}, []),
    ("ignore-nosec", {"nosec": "refuse"}, ["--ignore-nosec"]),
    ("tests", {"tests": ["B602", "B903", "B101", "B105"]}, ["-t", "B602,B903,B101,B105"]),
    ("skips", {"skips": ["B101", "B311", "B404", "B603"]}, ["-s", "B101,B311,B404,B603"]),
    ("blacklists-off", {"skips": ["B001"]}, ["-s", "B001"]),
    (
        "levels",
        {"min_severity": "medium", "min_confidence": "high"},
        ["--severity-level", "medium", "--confidence-level", "high"],
    ),
]


@pytest.mark.parametrize(("name", "options", "cli_args"), PROFILES, ids=[p[0] for p in PROFILES])
def test_same_findings_as_bandit_cli(samples: Path, name: str, options: dict[str, Any], cli_args: list[str]) -> None:
    """For each profile the (file, line, test id) set equals the bandit CLI's with the same flags."""
    result = scan(samples, **options)
    expected = bandit_cli(samples, *cli_args)
    assert expected, "the samples must raise findings"
    assert triples(result) == expected


def test_unparseable_files_match_bandit_errors(samples: Path) -> None:
    """The files bandit lists as errors are exactly the check's CG-SAST-UNPARSED findings."""
    result = scan(samples)
    assert result.status is not Status.ERROR
    assert {Path(p).name for p in bandit_skipped(samples)} == BROKEN
    assert {Path(p).name for p in unparsed(result)} == BROKEN


def test_generated_codebase_cold_and_warm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over worker processes, cold and from the cache, the findings equal bandit's."""
    monkeypatch.setattr(fanout, "IN_PROCESS_BYTES", 0)  # small as it is, send it to worker processes
    codebase = generate(300, bug_rate=0.2, seed=11)  # more than one batch of 256 files
    root = init_repo(tmp_path / "repo")
    commit(root, dict(codebase.files))
    expected = bandit_cli(root)
    cold = scan(root, use_cache=True)
    assert cold.status is Status.FAILED, cold.error
    warm = scan(root, use_cache=True)
    assert triples(cold) == expected
    assert triples(warm) == expected
    assert [f.fingerprint for f in warm.findings] == [f.fingerprint for f in cold.findings]
