"""Validate audit records against a JSON Schema (draft 2020-12) with a compiled validator.

`jsonschema_rs` validates ~100x faster than the reference `jsonschema` package; valid records take
the `is_valid` fast path and only invalid ones pay for error collection. Error messages are built
with values masked (`<value>`) and long digit runs in key names masked too, so a card number in a
record can never reach a finding through a schema message.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jsonschema_rs import Validator

_DIGITS = re.compile(r"\d{9,}")
MAX_PROBLEMS_PER_RECORD = 5


class SchemaProblem(ValueError):
    """The schema itself cannot be loaded or compiled."""


def json_path(parts: Sequence[str | int]) -> str:
    """`["a", 0, "b"]` -> `$.a[0].b` (keys that are not identifiers are quoted)."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out.append(f".{part}")
        else:
            out.append(f"[{json.dumps(_DIGITS.sub('<digits>', part))}]")
    return "".join(out)


class RecordSchema:
    """A compiled record schema; `problems(record)` lists `(json_path, message)` pairs.

    Picklable: a worker process compiles it from the schema text once (not per block of lines,
    ~5 ms each), and a policy's own schema file is read only here."""

    def __init__(self, path: Path, text: str | None = None) -> None:
        import jsonschema_rs

        try:
            self._text = path.read_text(encoding="utf-8") if text is None else text
            self._validator: Validator = jsonschema_rs.validator_for(
                json.loads(self._text), validate_formats=True, mask="<value>"
            )
        except (OSError, ValueError, jsonschema_rs.ValidationError) as exc:
            raise SchemaProblem(f"{path}: cannot load the audit-record schema ({exc})") from None
        self.path = path
        self.is_valid: Callable[[object], bool] = self._validator.is_valid
        """The fast path: True for a valid record, without building errors."""

    def __reduce__(self) -> tuple[Callable[[Path, str], RecordSchema], tuple[Path, str]]:
        return _restore, (self.path, self._text)

    def problems(self, record: object) -> list[tuple[str, str]]:
        if self.is_valid(record):
            return []
        out: list[tuple[str, str]] = []
        for err in self._validator.iter_errors(record):
            out.append((json_path(list(err.instance_path)), _DIGITS.sub("<digits>", err.message)))
            if len(out) >= MAX_PROBLEMS_PER_RECORD:
                break
        return out


@functools.lru_cache(maxsize=8)
def _restore(path: Path, text: str) -> RecordSchema:
    return RecordSchema(path, text)
