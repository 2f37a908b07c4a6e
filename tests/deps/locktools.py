"""Running the real lock tools offline (used live by test_deps_tools.py and by data/locks/regenerate.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from depsutil import pipfile_text, poetry_pyproject_text, pyproject_text, tool_env

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """The tool installed beside this interpreter (the test extras), else from PATH."""
    here = BIN / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed; pip install -e '.[test]'")
    return found


def run(args: list[str], cwd: Path, timeout: float = 240) -> None:
    done = subprocess.run(
        args, cwd=cwd, env=tool_env(cwd.parent / f"home-{cwd.name}"), capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def lock_uv(project: Path, wheels: Path) -> list[Path]:
    """uv.lock, plus `uv export` to pylock.toml and `uv pip compile --generate-hashes` to requirements.txt."""
    project.mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text(pyproject_text())
    offline = ["--offline", "--no-index", "--find-links", str(wheels)]
    uv = tool("uv")
    run([uv, "lock", *offline], project)
    run([uv, "export", "--format", "pylock.toml", "--all-groups", "-o", "pylock.toml", *offline], project)
    run(
        [
            uv,
            "pip",
            "compile",
            "pyproject.toml",
            "--group",
            "dev",
            "--universal",
            "--generate-hashes",
            "-o",
            "requirements.txt",
            *offline,
        ],
        project,
    )
    return [project / "uv.lock", project / "pylock.toml", project / "requirements.txt", project / "pyproject.toml"]


def lock_poetry(project: Path, index_url: str) -> list[Path]:
    project.mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text(poetry_pyproject_text(index_url))
    run([tool("poetry"), "lock", "--no-interaction"], project)
    return [project / "poetry.lock", project / "pyproject.toml"]


def lock_pipenv(project: Path, index_url: str) -> list[Path]:
    project.mkdir(parents=True, exist_ok=True)
    (project / "Pipfile").write_text(pipfile_text(index_url))
    run([tool("pipenv"), "lock"], project)
    return [project / "Pipfile.lock", project / "Pipfile"]
