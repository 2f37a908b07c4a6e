"""Fixtures for the Action tests: the repository checkout is the action's own folder."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
