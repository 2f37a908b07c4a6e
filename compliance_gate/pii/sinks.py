"""Where card data is persisted: the context test behind CG-PII-SAD.

PCI DSS 3.3.1 forbids *storing* sensitive authentication data (CVV, track data, PIN blocks) after
authorisation; collecting a CVV in a form, typing it in an SDK's request model or forwarding it
to the provider is how every card payment works. So a SAD name is a finding only where the code
keeps it:

- an ORM or schema field: `cvv = models.CharField(...)`, `Column(...)`, `mapped_column(...)`,
  `cvv: Mapped[str]`, a bare `CharField(...)` in a class whose bases name a `Model` (peewee's
  `BaseModel` too; not a form, serializer or schema: pydantic fields are annotations, not
  `XField()` calls), a Django migration adding or renaming the field
  (`("cvv", models.CharField(...))`, `name="card_cvv"` in `AddField`/`AlterField`/`RenameField`);
- an ORM write: a keyword argument of `.create(`, `.update(`, `.update_or_create(`,
  `.get_or_create(`, `.insert(`, `.values(`, `.bulk_create(`; an attribute set on an object
  that is `.save()`d a few lines below (`card.cvv = ...` then `card.save()`);
- an SQL column or statement: `cvv VARCHAR(4)`, `ADD COLUMN cvv`, `INSERT INTO ... (cvv)`,
  `SET cvv =`;
- a cache or session write: `request.session["cvc"] = ...`, `cache.set("cvv", ...)`,
  `redis.hset(..., cvv)`;
- a file write: `json.dump(...)`, `pickle.dump(...)`, `.write(...)`, `.writerow(...)` with it.

(Logging calls are CG-PII-LOG, see `logcalls.py`.) A literal value that is a published sandbox
CVV (`cvv="737"`) is a test value, not a finding.
"""

from __future__ import annotations

import re

from compliance_gate.pii.logcalls import QUOTES
from compliance_gate.pii.testvalues import TEST_CVVS

_ORM_FIELD = re.compile(
    r"(?:\bmodels|\bdb|\bsa|\bsqlalchemy|\borm|\bpeewee|\bmongoengine|\bme|\bfields)\.\w*(?:Field|Column)\s*\("
    r"|\b(?:Column|mapped_column|relationship)\s*\("
)
_BARE_FIELD = re.compile(r"\b[A-Z]\w*Field\s*\(")
_CLASS = re.compile(r"^([ \t]*)class\s+\w+\s*\(([^)]*)\)", re.MULTILINE)
_NOT_MODEL_BASE = re.compile(r"form|serializer|schema|typeddict|namedtuple|enum", re.IGNORECASE)
_MIGRATION_OP = re.compile(r"\bmigrations\.(?:AddField|AlterField|RenameField|CreateModel|AddIndex)\b")
_WRITE_CALL = re.compile(r"\.(?:create|update|update_or_create|get_or_create|insert|values|bulk_create|add)\s*$")
_SQL_TYPE = re.compile(
    r"(?:varchar|nvarchar|char|character|text|integer|int|bigint|smallint|numeric|decimal|bytea|blob|varbinary)\b"
)
_SQL_STATEMENT = re.compile(r"\b(?:create\s+table|alter\s+table|add\s+column|insert\s+into|update\s+\w+\s+set)\b")
_STORE_RECEIVER = re.compile(r"(?:session|cache|redis|memcache|memcached|shelf|shelve)\w*$", re.IGNORECASE)
_STORE_CALL = re.compile(
    r"(?:session|cache|redis|memcache|memcached|r|rds|client|conn)\w*\.(?:set|hset|hmset|setex|set_many|setdefault|lpush|rpush)\s*\(",
    re.IGNORECASE,
)
_FILE_CALL = re.compile(
    r"(?:\bjson\.dump|\bpickle\.dump|\byaml\.dump|\bmarshal\.dump|\.write|\.writerow|\.writerows|\.writelines)\s*\("
)
_SAVE_WINDOW = 12
"""Lines below an attribute write in which `<object>.save()` makes it an ORM write."""


def persisted(text: str, low: str, start: int, end: int) -> bool:
    """Is the name at `text[start:end]` kept: a field, a write, a column, a cache or file write?"""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    before, after = text[line_start:start], text[end:line_end]
    if _literal_test_cvv(after):
        return False
    return (
        _model_field(text, start, before, after)
        or _migration_name(text, line_start, before, after)
        or _written(text, start, before, after)
        or _sql(low, line_start, line_end, after.lower())
        or _stored_in_cache_or_file(text, start, before, after)
    )


def _literal_test_cvv(after: str) -> bool:
    m = re.match(r"""\s*['"]?\s*[:=]\s*['"](\d{3,4})['"]""", after)
    return m is not None and m.group(1) in TEST_CVVS


def _model_field(text: str, start: int, before: str, after: str) -> bool:
    """`cvv = models.CharField(...)`, `cvv: Mapped[str] = mapped_column()`, `("cvv", models.X(...))`."""
    if before[-1:] in QUOTES and before[:-1].rstrip().endswith(("(", "[")):  # a CreateModel field tuple
        return re.match(r"""['"]\s*,\s*""", after) is not None and _ORM_FIELD.search(after) is not None
    if before.strip():
        return False  # only a class body declares fields
    m = re.match(r"\s*(?::\s*([^=\n]+?))?\s*=\s*(.*)", after)
    if m is None:
        return re.match(r"\s*:\s*Mapped\[", after) is not None
    annotation, value = m.group(1) or "", m.group(2)
    if annotation.startswith("Mapped[") or _ORM_FIELD.match(value):
        return True
    return _BARE_FIELD.match(value) is not None and _in_model_class(text, start)


def _in_model_class(text: str, start: int) -> bool:
    """Is `start` in the body of a class whose bases name a Model (not a form, schema...)?"""
    line_start = text.rfind("\n", 0, start) + 1
    indent = len(text[line_start:start]) - len(text[line_start:start].lstrip())
    found = None
    for m in _CLASS.finditer(text, 0, start):
        if len(m.group(1)) < indent:
            found = m
    if found is None:
        return False
    bases = found.group(2)
    return "model" in bases.lower() and _NOT_MODEL_BASE.search(bases) is None


def _migration_name(text: str, line_start: int, before: str, after: str) -> bool:
    """`name="card_cvv"` / `new_name=...` inside a Django migration operation."""
    if after[:1] not in QUOTES or not re.search(r"\b(?:new_)?name\s*=\s*$", before[:-1] if before else ""):
        return False
    window = text[max(0, line_start - 400) : line_start + 400]
    return _MIGRATION_OP.search(window) is not None


def _written(text: str, start: int, before: str, after: str) -> bool:
    """A keyword of an ORM write call, or an attribute set on an object saved a few lines below."""
    if re.match(r"\s*=[^=]", after):
        if before.endswith("."):  # `card.cvv = value`
            owner = re.search(r"([A-Za-z_][\w.]*)\.$", before)
            if owner is None or owner.group(1) in ("self", "cls"):
                return False
            below = text[start : start + 2000].split("\n")[1 : _SAVE_WINDOW + 1]
            return any(f"{owner.group(1)}.save(" in line for line in below)
        if before.strip() and not before.rstrip().endswith(("(", ",")):
            return False
        return _callee(text, start) is not None
    return False


def _callee(text: str, start: int) -> str | None:
    """The ORM write call whose argument list the name at `start` is a keyword of, if any."""
    depth = 0
    i = start - 1
    limit = max(0, start - 1500)
    while i >= limit:
        ch = text[i]
        if ch in ")]}":
            depth += 1
        elif ch in "([{":
            if depth == 0:
                if ch != "(":
                    return None
                head = text[max(0, i - 120) : i]
                return head if _WRITE_CALL.search(head) else None
            depth -= 1
        i -= 1
    return None


def _sql(low: str, line_start: int, line_end: int, after: str) -> bool:
    if _SQL_TYPE.match(after.lstrip()) and after[:1] in " \t":
        return True
    statement = low[max(0, line_start - 300) : line_end]
    return _SQL_STATEMENT.search(statement) is not None and re.match(r"\s*(?:[,)]|=[^=]|$)", after) is not None


def _stored_in_cache_or_file(text: str, start: int, before: str, after: str) -> bool:
    subscript = re.search(r"([A-Za-z_][\w.]*)\[\s*['\"]?$", before)
    if subscript and _STORE_RECEIVER.search(subscript.group(1)) and re.match(r"""['"]?\s*\]\s*=[^=]""", after):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    statement = text[max(0, line_start - 200) : start]
    return bool(_STORE_CALL.search(statement) or _FILE_CALL.search(statement)) and _open_call(statement)


def _open_call(statement: str) -> bool:
    """Is the last store/file call of `statement` still open (the name is one of its arguments)?"""
    last = None
    for m in (*_STORE_CALL.finditer(statement), *_FILE_CALL.finditer(statement)):
        if last is None or m.end() > last:
            last = m.end()
    if last is None:
        return False
    depth = 1
    for ch in statement[last:]:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth <= 0:
            return False
    return True
