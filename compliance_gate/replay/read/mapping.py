"""The mapping language: where a canonical field lives in a recorded event, compiled to SQL.

Every canonical field (`events.fields.*`, `events.by_type.<type>.*`) is an expression:

| expression | meaning |
|---|---|
| `data.object.id` | a JSON path: keys separated by dots |
| `notificationItems[0].NotificationRequestItem` | array indexes; `[*]` is any element (the first that has it) |
| `additionalData."modification.action"` | a key that contains dots, in double quotes |
| `$` | the whole event (the record, its `root`, or one of its `items`) |
| `@key`, `@ts`, `@partition`, `@offset`, `@topic` | the `kcat -C -J` envelope around the event |
| `payment_intent ?? id` | the first of these that is present (fallbacks, left to right) |
| `source.lsn + after.id ?? before.id + op` | a composite: the present parts joined with `:` |
| `data.object.status in [pending, succeeded]` | a test: `true` or `false` (`not in` too) |
| `'EUR'`, `42` | a constant |

`??` binds tighter than `+`, and a test applies to the path or fallback before it. Paths are
relative to the event: with `events.root: "payload ?? $"` (a Debezium envelope or not) a path
`after.id` is looked up as `payload.after.id`, else `after.id`; with `events.items:
"notificationItems[*].NotificationRequestItem"` each item of the list is one event.

`SqlCompiler` turns expressions into DuckDB SQL over `f`, the list that one
`json_extract_string(doc, [paths...])` call returns, so each record is parsed once whatever the
number of fields and fallbacks; the expressions themselves are plain `coalesce`, `concat_ws`,
`IN` and `CASE` that sqlglot transpiles to Spark unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from compliance_gate.errors import InputError

ENVELOPE = ("key", "ts", "partition", "offset", "topic")
WILD = "*"


class MappingError(InputError):
    """A mapping expression that cannot be parsed; the message names the policy key."""


@dataclass(frozen=True, slots=True)
class JsonPath:
    steps: tuple[str | int, ...]  # keys, indexes, WILD
    envelope: str = ""  # one of ENVELOPE: the kcat envelope's field instead of a JSON path


@dataclass(frozen=True, slots=True)
class Literal:
    value: str | None  # None: null


@dataclass(frozen=True, slots=True)
class Fallback:
    options: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Concat:
    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class InTest:
    value: Expr
    values: tuple[str, ...]
    negate: bool


Expr = JsonPath | Literal | Fallback | Concat | InTest

_TOKEN = re.compile(
    r"""\s*(?:(?P<op>\?\?|\+|\(|\)|\[|\]|,|\.)|(?P<dq>"(?:[^"\\]|\\.)*")|(?P<sq>'(?:[^'\\]|\\.)*')"""
    r"""|(?P<env>@[A-Za-z_]+)|(?P<word>[A-Za-z0-9_$*-]+))"""
)


def _tokens(text: str, where: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise MappingError(f"{where}: cannot read {text!r} at character {pos + 1}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind in ("dq", "sq"):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str, where: str) -> None:
        self.where = where
        self.text = text
        self.toks = _tokens(text, where)
        self.i = 0

    def fail(self, why: str) -> MappingError:
        return MappingError(f"{self.where}: {why} in {self.text!r}")

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise self.fail(f"expected {value or 'more'}")
        self.i += 1
        return tok

    def parse(self) -> Expr:
        expr = self.concat()
        extra = self.peek()
        if extra is not None:
            raise self.fail(f"unexpected {extra[1]!r}")
        return expr

    def concat(self) -> Expr:
        parts = [self.fallback()]
        while self.peek() == ("op", "+"):
            self.take()
            parts.append(self.fallback())
        return parts[0] if len(parts) == 1 else Concat(tuple(parts))

    def fallback(self) -> Expr:
        options = [self.test()]
        while self.peek() == ("op", "??"):
            self.take()
            options.append(self.test())
        return options[0] if len(options) == 1 else Fallback(tuple(options))

    def test(self) -> Expr:
        value = self.term()
        tok = self.peek()
        negate = tok == ("word", "not")
        if negate:
            self.take()
            tok = self.peek()
        if tok != ("word", "in"):
            if negate:
                raise self.fail("expected `in` after `not`")
            return value
        self.take()
        self.take("[")
        values: list[str] = []
        while self.peek() != ("op", "]"):
            kind, v = self.take()
            if kind not in ("word", "dq", "sq"):
                raise self.fail(f"unexpected {v!r} in a list of values")
            values.append(v)
            if self.peek() == ("op", ","):
                self.take()
        self.take("]")
        return InTest(value, tuple(values), negate)

    def term(self) -> Expr:
        kind, value = self.take()
        if kind == "op" and value == "(":
            inner = self.concat()
            self.take(")")
            return inner
        if kind == "sq":
            return Literal(value)
        if kind == "env":
            name = value[1:]
            if name not in ENVELOPE:
                raise self.fail(f"unknown envelope field @{name} (known: {', '.join('@' + e for e in ENVELOPE)})")
            return JsonPath((), name)
        if kind == "word" and value == "null":
            return Literal(None)
        if kind == "word" and re.fullmatch(r"-?[0-9]+", value):
            return Literal(value)
        if kind in ("word", "dq"):
            return self.path(kind, value)
        raise self.fail(f"unexpected {value!r}")

    def path(self, kind: str, first: str) -> JsonPath:
        steps: list[str | int] = []
        if not (kind == "word" and first == "$"):
            steps.append(self._key(kind, first))
        while self.peek() in (("op", "."), ("op", "[")):
            _, op = self.take()
            if op == ".":
                steps.append(self._key(*self.take()))
                continue
            k, v = self.take()
            if k == "word" and re.fullmatch(r"[0-9]+", v):
                steps.append(int(v))
            elif k == "word" and v == WILD:
                steps.append(WILD)
            elif k in ("dq", "sq"):
                steps.append(v)
            else:
                raise self.fail(f"unexpected index {v!r}")
            self.take("]")
        return JsonPath(tuple(steps))

    def _key(self, kind: str, value: str) -> str:
        if kind == "dq" or (kind == "word" and re.fullmatch(r"[A-Za-z0-9_$-]+|\*", value)):
            return value
        raise self.fail(f"unexpected {value!r} in a path")


def parse(text: str, where: str) -> Expr:
    """Parse one mapping expression; `where` names the policy key in errors."""
    return _Parser(text, where).parse()


def json_path(steps: tuple[str | int, ...]) -> str:
    """DuckDB's JSON path text for `steps` (`$."data"."object"[0]`)."""
    out = "$"
    for s in steps:
        if isinstance(s, int):
            out += f"[{s}]"
        elif s == WILD:
            out += "[*]"
        else:
            out += '."' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return out


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def type_matches(pattern: str, type_sql: str) -> str:
    """SQL test of an event type against a pattern: exact, `prefix*`, or `*`."""
    if pattern == "*":
        return "true"
    if pattern.endswith("*"):
        return f"starts_with({type_sql}, {sql_literal(pattern[:-1])})"
    return f"{type_sql} = {sql_literal(pattern)}"


def pattern_order(patterns: list[str]) -> list[str]:
    """Exact types first, then longer prefixes before shorter ones (the most specific wins)."""
    return sorted(patterns, key=lambda p: (p.endswith("*"), -len(p), p))


class SqlCompiler:
    """Compiles expressions to SQL over `{list}[i]` (one shared list of JSON paths) and the
    envelope columns `env_key`, `env_ts`, ... Paths are prefixed by each `roots` alternative."""

    def __init__(self, roots: tuple[tuple[str | int, ...], ...] = ((),), doc: str = "doc", lst: str = "f") -> None:
        self.roots = roots
        self.doc = doc
        self.lst = lst
        self.paths: list[str] = []
        self.wild: list[str] = []

    def _index(self, path: str) -> int:
        if path not in self.paths:
            self.paths.append(path)
        return self.paths.index(path) + 1

    def sql(self, expr: Expr) -> str:
        if isinstance(expr, Literal):
            return "NULL::VARCHAR" if expr.value is None else sql_literal(expr.value)
        if isinstance(expr, JsonPath):
            if expr.envelope:
                return f"env_{expr.envelope}"
            options = [self._path(root + expr.steps) for root in self.roots]
            return options[0] if len(options) == 1 else f"coalesce({', '.join(options)})"
        if isinstance(expr, Fallback):
            return f"coalesce({', '.join(self.sql(o) for o in expr.options)})"
        if isinstance(expr, Concat):
            return f"nullif(concat_ws(':', {', '.join(self.sql(p) for p in expr.parts)}), '')"
        values = ", ".join(sql_literal(v) for v in expr.values)
        hit, miss = ("'false'", "'true'") if expr.negate else ("'true'", "'false'")
        return f"CASE WHEN {self.sql(expr.value)} IN ({values}) THEN {hit} ELSE {miss} END"

    def _path(self, steps: tuple[str | int, ...]) -> str:
        text = json_path(steps)
        if WILD in steps:
            # a wildcard yields a list: its first element, in a call of its own
            return f"json_extract_string({self.doc}, {sql_literal(text)})[1]"
        return f"{self.lst}[{self._index(text)}]"

    def extract(self) -> str:
        """The one `json_extract_string` call the compiled expressions read from."""
        if not self.paths:
            return "NULL::VARCHAR[]"
        return f"json_extract_string({self.doc}, [{', '.join(sql_literal(p) for p in self.paths)}])"


def roots_of(root: str, where: str) -> tuple[tuple[str | int, ...], ...]:
    """`events.root` as path alternatives (`payload ?? $` -> (("payload",), ()))."""
    if not root:
        return ((),)
    expr = parse(root, where)
    options = expr.options if isinstance(expr, Fallback) else (expr,)
    out = []
    for o in options:
        if not isinstance(o, JsonPath) or o.envelope or WILD in o.steps:
            raise MappingError(f"{where}: a root is a path or fallbacks of paths, not {root!r}")
        out.append(o.steps)
    return tuple(out)


def items_path(items: str, where: str) -> str:
    """`events.items` as one JSON path with a wildcard (DuckDB returns the list of items)."""
    expr = parse(items, where)
    if not isinstance(expr, JsonPath) or expr.envelope or WILD not in expr.steps:
        raise MappingError(f"{where}: items is a path with [*] over the events of a record, not {items!r}")
    return json_path(expr.steps)


def field_sql(
    compiler: SqlCompiler,
    name: str,
    default: str,
    by_type: Mapping[str, Mapping[str, str]],
    type_sql: str,
    where: str,
) -> str:
    """SQL for canonical field `name`: its per-type overrides in a CASE, else `default`."""
    base = compiler.sql(parse(default, f"{where}.fields.{name}")) if default else "NULL::VARCHAR"
    cases = [
        (p, by_type[p][name])
        for p in pattern_order(list(by_type))
        if name in by_type[p] and by_type[p][name] != default
    ]
    if not cases:
        return base
    whens = " ".join(
        f"WHEN {type_matches(p, type_sql)} THEN "
        + (compiler.sql(parse(text, f"{where}.by_type.{p}.{name}")) if text else "NULL::VARCHAR")
        for p, text in cases
    )
    return f"CASE {whens} ELSE {base} END"
