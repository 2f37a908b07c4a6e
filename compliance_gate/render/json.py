"""`verdict.json`: the verdict in its stable JSON form (see `compliance_gate.serialize`)."""

from __future__ import annotations

import orjson

from compliance_gate.model import Verdict
from compliance_gate.serialize import verdict_to_dict


def render(verdict: Verdict) -> str:
    return orjson.dumps(verdict_to_dict(verdict), option=orjson.OPT_INDENT_2).decode() + "\n"
