from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gitutil import init_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git repository in a temporary folder."""
    return init_repo(tmp_path / "repo")
