"""Files the gate ships: policies, schemas, state machines and known values under `policies/`.

In a wheel they live inside the package (`compliance_gate/_policies`, see pyproject); in a source
checkout or an editable install they are the repository's top-level `policies/` folder.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

BUILTIN_PREFIX = "builtin:"


def policies_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "_policies", here.parent / "policies"):
        if (candidate / "schemas" / "policy.schema.json").is_file():
            return candidate
    raise FileNotFoundError("the gate's bundled policies/ folder is missing; reinstall compliance-gate")


def resolve(value: str, root: Path) -> Path:
    """A path from a policy: `builtin:...` is a shipped file, anything else is relative to `root`."""
    if value.startswith(BUILTIN_PREFIX):
        return policies_dir() / value[len(BUILTIN_PREFIX) :]
    path = Path(value)
    return path if path.is_absolute() else root / path


KNOWN_VALUES = "known-values"
"""The folder (beside the policies) of versioned lists of published test and example values."""


def known_values(name: str) -> tuple[list[dict[str, str]], str]:
    """The rows of `known-values/NAME.csv` (lines starting with `#` are its documentation) and the
    sha256 of the file, which versions it: a changed list must change cached results."""
    path = policies_dir() / KNOWN_VALUES / f"{name}.csv"
    data = path.read_bytes()
    text = data.decode("utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(rows)), hashlib.sha256(data).hexdigest()
