"""The real lock tools, run offline here: what uv, poetry and pipenv write, the readers read."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from depsutil import LINUX, ON_LINUX, ON_WINDOWS, WINDOWS, make_index, serve_directory
from locktools import lock_pipenv, lock_poetry, lock_uv

from compliance_gate.deps import DepsOptions, read_dependencies

pytestmark = pytest.mark.slow
_fresh = itertools.count()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """Local wheels and a PEP 503 index over them on loopback (nothing leaves the machine)."""
    base = tmp_path_factory.mktemp("index")
    wheels = make_index(base)
    with serve_directory(base) as url:
        yield wheels, url


def _pins(lock_file: Path, target: dict[str, str]) -> set[tuple[str, str]]:
    """The pins read from `lock_file` alone in a repository (so discovery cannot pick another file)."""
    alone = lock_file.parent.parent / f"alone-{next(_fresh)}"
    alone.mkdir()
    (alone / lock_file.name).write_bytes(lock_file.read_bytes())
    deps = read_dependencies(alone, DepsOptions(target=target))
    assert deps.path == lock_file.name
    return {(p.name, p.version) for p in deps.packages}


def test_uv_lock_export_and_compile(tmp_path: Path, index: tuple[Path, str]) -> None:
    """`uv lock`, `uv export --format pylock.toml` and `uv pip compile --generate-hashes`: one set of pins."""
    uv_lock, pylock, requirements, _ = lock_uv(tmp_path / "uv", index[0])
    for lock_file in (uv_lock, pylock, requirements):
        assert _pins(lock_file, LINUX) == ON_LINUX, lock_file.name
        assert _pins(lock_file, WINDOWS) == ON_WINDOWS, lock_file.name


def test_poetry_lock(tmp_path: Path, index: tuple[Path, str]) -> None:
    """`poetry lock` against the loopback index: the same pins, pywin32 only on Windows."""
    poetry_lock, _ = lock_poetry(tmp_path / "poetry", index[1])
    assert _pins(poetry_lock, LINUX) == ON_LINUX
    assert _pins(poetry_lock, WINDOWS) == ON_WINDOWS


def test_pipenv_lock(tmp_path: Path, index: tuple[Path, str]) -> None:
    """`pipenv lock` against the loopback index: the same pins, pywin32 only on Windows."""
    pipfile_lock, _ = lock_pipenv(tmp_path / "pipenv", index[1])
    assert _pins(pipfile_lock, LINUX) == ON_LINUX
    assert _pins(pipfile_lock, WINDOWS) == ON_WINDOWS
