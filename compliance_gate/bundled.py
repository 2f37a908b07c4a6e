"""Files the gate ships: policies, schemas and state machines under `policies/`.

In a wheel they live inside the package (`compliance_gate/_policies`, see pyproject); in a source
checkout or an editable install they are the repository's top-level `policies/` folder.
"""

from __future__ import annotations

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
