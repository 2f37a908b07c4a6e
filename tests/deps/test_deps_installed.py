"""`environment: true`: the installed distributions, read with importlib.metadata, instead of lock files."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from depsutil import FRESH, OSV_DIR, make_index, tool_env
from locktools import tool

from compliance_gate.deps import DepsOptions, OsvExport, audit, read_dependencies


def test_the_running_environment(tmp_path: Path) -> None:
    """By default the running interpreter's distributions are read, at their installed versions."""
    deps = read_dependencies(tmp_path, DepsOptions(environment=True))
    pins = {(p.name, p.version) for p in deps.packages}
    assert ("packaging", metadata.version("packaging")) in pins and ("cvss", metadata.version("cvss")) in pins
    assert deps.kind == "environment" and deps.path == f"environment:{sys.prefix}"


def test_an_installed_target_directory_is_audited(tmp_path: Path) -> None:
    """Distributions really installed (by uv, from local wheels) into a folder are read and audited."""
    wheels = make_index(tmp_path / "index")
    site = tmp_path / "site"
    subprocess.run(
        [
            tool("uv"),
            "pip",
            "install",
            "--target",
            str(site),
            "--offline",
            "--no-index",
            "--find-links",
            str(wheels),
            "requests==2.30.0",
        ],
        check=True,
        capture_output=True,
        env=tool_env(tmp_path / "home"),
    )
    opts = DepsOptions(environment=True, site_paths=(str(site),))
    deps = read_dependencies(tmp_path, opts)
    assert {(p.name, p.version) for p in deps.packages} == {
        ("requests", "2.30.0"),
        ("urllib3", "1.26.17"),
        ("idna", "3.4"),
    }
    result = audit(deps, OsvExport(OSV_DIR), opts, now=FRESH)
    assert {(v.package, v.advisory) for v in result.vulnerabilities} == {
        ("requests", "GHSA-j8r2-6x86-q33q"),
        ("requests", "GHSA-9wx4-h78v-vm56"),
        ("urllib3", "PYSEC-2023-212"),
    }
    assert result.metrics["file"] == f"environment:{site}"
