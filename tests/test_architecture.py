"""The package's imports point one way: down the layer table, without cycles, at module level.

Every module of `compliance_gate` is parsed with `ast` (nothing is imported). An import counts
wherever it is written: at module level, under `if TYPE_CHECKING:`, or inside a function. The
table below is the architecture (docs/architecture.md draws it); a module that fits nowhere, an
arrow up the table, a cycle, or an in-function import of our own code fails here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "compliance_gate"

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # the vocabulary and small pure helpers
    ("core", ("version", "model", "errors", "redact", "fingerprint", "canonical", "serialize", "typed", "yamlmap",
              "bundled", "logs", "paths", "summary")),
    # what everything below the checks shares: the policy, decisions, git, signatures
    ("foundation", ("policy", "decide", "gitrepo", "signing")),
    # file work: workspace, fan-out over processes, cache, the worker types
    ("scanning", ("scanning",)),
    # engines and detectors: know nothing of the checks or the registry
    ("engines", ("pii", "secrets", "sast", "auditlog", "replay", "changescope", "audit", "deps")),
    # one adapter per check: an engine in the gate's vocabulary
    ("checks", ("checks",)),
    ("registry", ("registry",)),
    ("engine", ("engine",)),
    ("outputs", ("render", "attest")),
    ("entry", ("cli", "__main__", "", "testing")),
)  # fmt: skip
"""(layer, top-level names under compliance_gate/), lowest first; "" is the package itself."""

DEFERRED_OK = ("bandit", "structlog")
"""Third-party packages heavy enough that importing our module that needs them may wait for the
first call: an in-function import of our own code must say `# deferred: <one of these>`."""


@dataclass(frozen=True, slots=True)
class Arrow:
    source: str
    target: str
    line: int
    in_function: bool
    deferred: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    for i, (_, names) in enumerate(LAYERS):
        if top in names:
            return i
    raise LookupError(module)


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if MODULES[module].name != "__init__.py":
        base = base[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _own(name: str) -> str | None:
    """The longest module of ours that `name` names (a module, or a name inside one)."""
    parts = name.split(".")
    while parts and ".".join(parts) not in MODULES:
        parts.pop()
    return ".".join(parts) or None


def _function_nodes(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            inside.update(id(n) for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom))
    return inside


def arrows() -> Iterator[Arrow]:
    for module, path in MODULES.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source, str(path))
        inside = _function_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, node)
                names = [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            before = lines[node.lineno - 2] if node.lineno > 1 else ""
            deferred = any(f"# deferred: {dep}" in before for dep in DEFERRED_OK)
            for name in names:
                target = _own(name)
                if target is not None and target != module:
                    yield Arrow(module, target, node.lineno, id(node) in inside, deferred)


ARROWS = tuple(arrows())


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for a in ARROWS:
        graph[a.source].add(a.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_has_a_layer(module: str) -> None:
    """A new module is placed in the layer table (and so in the architecture page) deliberately."""
    layer_of(module)


def test_no_import_cycle() -> None:
    """No cycle among our modules, counting in-function and TYPE_CHECKING imports too."""
    assert _cycles() == []


def test_imports_only_point_down() -> None:
    """A module imports its own layer or the layers below it, never one above."""
    upward = [
        f"{a.source}:{a.line} ({LAYERS[layer_of(a.source)][0]}) imports {a.target} ({LAYERS[layer_of(a.target)][0]})"
        for a in ARROWS
        if layer_of(a.target) > layer_of(a.source)
    ]
    assert upward == []


def test_no_in_function_imports_of_our_own_modules() -> None:
    """Our modules are imported at the top; only a heavy third-party dependency may be deferred,
    with a `# deferred: <package>` comment on the line above naming it."""
    hidden = [f"{a.source}:{a.line} imports {a.target}" for a in ARROWS if a.in_function and not a.deferred]
    assert hidden == []


def test_the_documented_imports_still_work() -> None:
    """What the README shows users stays importable where it says."""
    import compliance_gate
    from compliance_gate import audit, engine
    from compliance_gate.auditlog import writer

    assert compliance_gate.run is engine.run and compliance_gate.load_policy is engine.load_policy
    assert (audit.AuditChain, audit.log_started, audit.log_stopped) == (
        writer.AuditChain,
        writer.log_started,
        writer.log_stopped,
    )


ANY_AT_BOUNDARIES = {
    # data as parsed, before it is validated or typed
    "compliance_gate.yamlmap": 3,  # YAML as parsed
    "compliance_gate.typed": 2,  # policy YAML into dataclasses
    "compliance_gate.policy": 2,  # policy YAML after the schema, before typing
    "compliance_gate.serialize": 3,  # verdict.json as parsed
    "compliance_gate.secrets.baseline": 1,  # .secrets.baseline entries as parsed
    "compliance_gate.auditlog.analyse": 1,  # an audit record as parsed
    "compliance_gate.auditlog.checkpoints": 1,  # a signed checkpoint's heads as parsed
    "compliance_gate.attest.roster": 1,  # roster YAML as parsed
    "compliance_gate.replay.fold.machine": 1,  # state-machine YAML as parsed
    "compliance_gate.replay.sqlutil": 1,  # DuckDB rows as fetched
    # each check has its own options type; the registry holds them all
    "compliance_gate.registry": 1,
    "compliance_gate.engine": 4,  # the registry's checks, and RunOptions given as keywords
}
"""Where `typing.Any` may appear, and how often: nowhere else (40 at most in all)."""


def test_any_only_at_boundaries() -> None:
    """`Any` appears only where data enters untyped (parsed JSON/YAML, fetched rows) or where the
    registry erases each check's options type; everything else is typed."""
    found = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        n = sum(
            1
            for node in ast.walk(tree)
            if (isinstance(node, ast.Name) and node.id == "Any")
            or (isinstance(node, ast.Attribute) and node.attr == "Any")
        )
        if n:
            found[module] = n
    assert found == ANY_AT_BOUNDARIES
    assert sum(found.values()) <= 40
