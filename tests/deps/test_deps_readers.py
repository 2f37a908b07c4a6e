"""Lock file readers: the real outputs of uv, poetry and pipenv (committed under data/locks), and the rest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from depsutil import LINUX, LOCKS, ON_LINUX, ON_WINDOWS, WINDOWS

from compliance_gate.deps import DepsOptions, LockFileError, NoDependencySourceError, read_dependencies

# (tool folder, file read, kind, line of `requests` in it)
REAL_LOCKS = [
    ("uv", "uv.lock", "uv.lock", 57),
    ("uv", "pylock.toml", "pylock.toml", 45),
    ("uv", "requirements.txt", "requirements", 21),
    ("poetry", "poetry.lock", "poetry.lock", 104),
    ("pipenv", "Pipfile.lock", "Pipfile.lock", 52),
]


def _only(tmp_path: Path, tool: str, name: str) -> Path:
    root = tmp_path / tool
    root.mkdir()
    shutil.copy(LOCKS / tool / name, root / name)
    return root


def _pins(root: Path, target: dict[str, str]) -> set[tuple[str, str]]:
    return {(p.name, p.version) for p in read_dependencies(root, DepsOptions(target=target)).packages}


@pytest.mark.parametrize(("tool", "name", "kind", "requests_line"), REAL_LOCKS)
def test_real_lock_files_read_the_same_dependency_set(
    tmp_path: Path, tool: str, name: str, kind: str, requests_line: int
) -> None:
    """Every tool's lock of one project yields the same pins, the file read, and each pin's line."""
    root = _only(tmp_path, tool, name)
    deps = read_dependencies(root, DepsOptions(target=LINUX))
    assert deps.kind == kind and deps.path == name
    assert {(p.name, p.version) for p in deps.packages} == ON_LINUX
    requests = next(p for p in deps.packages if p.name == "requests")
    assert (requests.path, requests.line) == (name, requests_line)
    assert (LOCKS / tool / name).read_text().splitlines()[requests_line - 1].count("requests") == 1
    assert len(deps.files) == 1 and len(deps.files[0].sha256) == 64


@pytest.mark.parametrize(("tool", "name"), [(t, n) for t, n, _, _ in REAL_LOCKS])
def test_a_marker_for_another_platform_excludes_the_package(tmp_path: Path, tool: str, name: str) -> None:
    """pywin32 (`sys_platform == 'win32'`) is skipped on Linux with its marker, and read on Windows."""
    root = _only(tmp_path, tool, name)
    linux = read_dependencies(root, DepsOptions(target=LINUX))
    skipped = {s.name: s.reason for s in linux.skipped}
    assert "pywin32" in skipped and ("win32" in skipped["pywin32"] or "markers" in skipped["pywin32"])
    assert _pins(root, WINDOWS) == ON_WINDOWS


def test_uv_lock_skips_the_project_itself(tmp_path: Path) -> None:
    """The workspace member (virtual source) is not a PyPI release and is listed as skipped, not audited."""
    deps = read_dependencies(_only(tmp_path, "uv", "uv.lock"), DepsOptions(target=LINUX))
    assert [(s.name, s.reason) for s in deps.skipped if s.name == "shop"] == [
        ("shop", "workspace member (virtual source)")
    ]


def test_development_groups_are_recorded(tmp_path: Path) -> None:
    """Poetry's `groups` and Pipenv's `develop` section mark development-only pins (still audited)."""
    poetry = read_dependencies(_only(tmp_path, "poetry", "poetry.lock"), DepsOptions(target=LINUX))
    assert next(p.groups for p in poetry.packages if p.name == "py") == ("dev",)
    pipenv = read_dependencies(_only(tmp_path, "pipenv", "Pipfile.lock"), DepsOptions(target=LINUX))
    assert next(p.groups for p in pipenv.packages if p.name == "py") == ("develop",)


def test_discovery_prefers_the_most_precise_source(tmp_path: Path) -> None:
    """With uv.lock, requirements.txt and pyproject.toml all present, uv.lock is the one read."""
    for name in ("uv.lock", "requirements.txt", "pyproject.toml"):
        shutil.copy(LOCKS / "uv" / name, tmp_path / name)
    assert read_dependencies(tmp_path, DepsOptions(target=LINUX)).kind == "uv.lock"
    (tmp_path / "uv.lock").unlink()
    assert read_dependencies(tmp_path, DepsOptions(target=LINUX)).kind == "requirements"
    (tmp_path / "requirements.txt").unlink()
    assert read_dependencies(tmp_path, DepsOptions(target=LINUX)).kind == "pyproject.toml"


def test_requirements_includes_hashes_markers_and_continuations(tmp_path: Path) -> None:
    """`-r` includes are followed once, options set aside, markers honoured, ranges reported as not pinned."""
    (tmp_path / "requirements.txt").write_text(
        "# production pins\n"
        "--require-hashes\n"
        "-r requirements/base.txt\n"
        "Django==4.2.2 \\\n"
        "    --hash=sha256:fdbc117cddf61efba7c6e317fef38b6cac9a4ce0766a0924977c9a81f4458587\n"
        "pywin32==300 ; sys_platform == 'win32'   # Windows service wrapper\n"
        "jinja2>=3.1\n"
        "-e ./libs/ledger#egg=ledger\n"
        "-c constraints.txt\n"
        "markupsafe\n"
    )
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("requests[socks]==2.30.0\n-r ../requirements.txt\n")
    (tmp_path / "constraints.txt").write_text("markupsafe==2.1.3\nurllib3==1.26.17\n")
    (tmp_path / "requirements-dev.txt").write_text("py===1.11.0\n")
    deps = read_dependencies(tmp_path, DepsOptions(target=LINUX))
    assert deps.kind == "requirements" and deps.path == "requirements.txt"
    assert [f.path for f in deps.files] == [
        "requirements.txt",
        "requirements/base.txt",
        "constraints.txt",
        "requirements-dev.txt",
    ]
    assert {(p.name, p.version, p.path, p.line) for p in deps.packages} == {
        ("requests", "2.30.0", "requirements/base.txt", 1),
        ("django", "4.2.2", "requirements.txt", 4),
        ("markupsafe", "2.1.3", "constraints.txt", 1),
        ("py", "1.11.0", "requirements-dev.txt", 1),
    }
    assert [(u.name, u.specifier, u.line) for u in deps.unpinned] == [("jinja2", ">=3.1", 7)]
    assert {s.name for s in deps.skipped} == {"pywin32", "ledger"}


def test_pyproject_reports_ranges_as_not_pinned(tmp_path: Path) -> None:
    """PEP 621 and PEP 735: `==` pins are audited, every range is not pinned, with its line."""
    shutil.copy(LOCKS / "uv" / "pyproject.toml", tmp_path / "pyproject.toml")
    deps = read_dependencies(tmp_path, DepsOptions(target=LINUX))
    assert {(p.name, p.version, p.line) for p in deps.packages} == {("requests", "2.30.0", 6), ("py", "1.11.0", 14)}
    assert {(u.name, u.specifier, u.line) for u in deps.unpinned} == {("jinja2", ">=3", 7), ("django", "<5,>=4.2", 8)}
    assert [s.name for s in deps.skipped] == ["pywin32"]


def test_dynamic_pyproject_dependencies_are_an_error(tmp_path: Path) -> None:
    """Dependencies a build backend computes cannot be audited: an error asking for a lock file."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\ndynamic = ["dependencies"]\n')
    with pytest.raises(LockFileError, match=r"dynamic.*lock file"):
        read_dependencies(tmp_path, DepsOptions())


def test_no_dependency_source_is_an_error(tmp_path: Path) -> None:
    """A repository with nothing to read is an error, never an empty set that passes."""
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    with pytest.raises(NoDependencySourceError, match="no dependency source found"):
        read_dependencies(tmp_path, DepsOptions())


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("uv.lock", 'version = 1\n\n[[package]]\nname = "requests"\nversion = "2.30.0\n', "uv.lock:5"),
        ("poetry.lock", '[[package]]\nname = "requests"\n\n[metadata]\nlock-version = "2.1"\n', "poetry.lock:2"),
        (
            "Pipfile.lock",
            '{\n    "default": {\n        "requests": {"version": "==2.30.0",}\n    }\n}\n',
            "Pipfile.lock:3",
        ),
        (
            "Pipfile.lock",
            '{\n    "default": {\n        "requests": {\n            "version": ">=2.30"\n        }\n    }\n}\n',
            "Pipfile.lock:3",
        ),
        ("pylock.toml", 'lock-version = "2.0"\n', "pylock.toml:1"),
        ("requirements.txt", "requests==2.30.0\nflask>=2 ;; python_version\n", "requirements.txt:2"),
        ("requirements.txt", "-r missing.txt\n", "requirements.txt:1"),
        (
            "uv.lock",
            'version = 1\n\n[[package]]\nname = "pywin32"\nversion = "300"\n[[package]]\nname = "app"\n'
            'version = "1"\nsource = { virtual = "." }\ndependencies = [{ name = "pywin32", marker = "os ==" }]\n',
            "uv.lock:7",
        ),
    ],
)
def test_unparseable_lock_files_name_file_and_line(tmp_path: Path, name: str, text: str, where: str) -> None:
    """A lock file that cannot be parsed is an error naming the file and line."""
    (tmp_path / name).write_text(text)
    with pytest.raises(LockFileError) as caught:
        read_dependencies(tmp_path, DepsOptions(target=LINUX))
    assert str(caught.value).startswith(where + ": "), str(caught.value)
