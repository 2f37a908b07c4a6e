"""Runs a composite action's steps the way the GitHub runner does, for tests.

What it reproduces: inputs with their defaults; `${{ inputs.* }}`, `${{ steps.*.outputs.* }}`,
`${{ github.* }}` and `${{ env.* }}` in `env:`, `with:`, `if:` and the outputs' `value:`; a fresh
`GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` file per step (summaries concatenated, outputs parsed
with both `name=value` and `name<<DELIM` forms); `GITHUB_WORKSPACE`, `RUNNER_TEMP`,
`GITHUB_ACTION_PATH`; `shell: bash` as `bash --noprofile --norc -eo pipefail FILE`; the step
status functions (`success()`, `failure()`, `always()`, `cancelled()`); and workflow commands in
stdout (`::error`/`::warning`/`::notice` with the runner's unescaping, `::add-mask::`,
`::stop-commands::TOKEN` ... `::TOKEN::`). `uses:` steps are not run: they are recorded with
their evaluated `with:`. What it does not reproduce: other shells, Windows, `working-directory`
and the full expression language (only what action.yml uses).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
REF = re.compile(r"\b(inputs|steps|github|env|runner)((?:\.[A-Za-z0-9_-]+)+)")


@dataclass
class Command:
    name: str
    properties: dict[str, str]
    message: str


@dataclass
class StepRun:
    id: str
    name: str
    ran: bool
    rc: int = 0
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    uses: str | None = None
    with_: dict[str, str] = field(default_factory=dict)


@dataclass
class ActionRun:
    outputs: dict[str, str]
    summary: str
    commands: list[Command]
    steps: list[StepRun]
    failed: bool

    @property
    def exit_code(self) -> int:
        """What the job step shows: the first failing step's exit code, else 0."""
        return next((s.rc for s in self.steps if s.ran and s.rc != 0), 0)

    def annotations(self, level: str | None = None) -> list[Command]:
        levels = {level} if level else {"error", "warning", "notice"}
        return [c for c in self.commands if c.name in levels]

    def step(self, step_id: str) -> StepRun:
        return next(s for s in self.steps if s.id == step_id)


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def parse_commands(stdout: str) -> list[Command]:
    """Workflow commands as the runner reads them, honouring stop-commands."""
    out: list[Command] = []
    stopped: str | None = None
    for line in stdout.splitlines():
        s = line.strip()
        if stopped is not None:
            if s == f"::{stopped}::":
                stopped = None
            continue
        m = re.match(r"^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$", s)
        if not m:
            continue
        name, props, message = m.group(1), m.group(2) or "", m.group(3)
        properties = {}
        for part in filter(None, props.split(",")):
            key, _, value = part.partition("=")
            properties[key.strip()] = _unescape_property(value)
        if name == "stop-commands":
            stopped = message
            continue
        out.append(Command(name, properties, _unescape_data(message)))
    return out


def parse_output_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = path.read_text().splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body: list[str] = []
            i += 1
            while lines[i] != delim:
                body.append(lines[i])
                i += 1
            values[name] = "\n".join(body)
        elif line:
            name, _, value = line.partition("=")
            values[name] = value
        i += 1
    return values


class Context:
    def __init__(self, inputs: dict[str, str], github: dict[str, str], env: dict[str, str]) -> None:
        self.inputs = inputs
        self.github = github
        self.env = env
        self.steps: dict[str, dict[str, str]] = {}
        self.failed = False

    def lookup(self, kind: str, path: str) -> str:
        parts = path.strip(".").split(".")
        if kind == "inputs":
            return self.inputs.get(parts[0], "")
        if kind == "steps":
            return self.steps.get(parts[0], {}).get(parts[2], "") if len(parts) == 3 else ""
        if kind == "github":
            return self.github.get(parts[0], "")
        if kind == "env":
            return self.env.get(parts[0], "")
        return ""

    def evaluate(self, expr: str) -> Any:
        """The subset of the expression language action.yml uses, via a restricted eval."""
        funcs = {
            "success": lambda: not self.failed,
            "failure": lambda: self.failed,
            "always": lambda: True,
            "cancelled": lambda: False,
        }
        py = REF.sub(lambda m: repr(self.lookup(m.group(1), m.group(2))), expr)
        py = py.replace("&&", " and ").replace("||", " or ")
        py = re.sub(r"!(?!=)", " not ", py)
        return eval(py, {"__builtins__": {}}, funcs)  # noqa: S307 - our own action.yml, test-only

    def substitute(self, text: str) -> str:
        return EXPR.sub(lambda m: str(self.evaluate(m.group(1))), text)

    def condition(self, cond: str | None) -> bool:
        if cond is None:
            return not self.failed
        expr = EXPR.fullmatch(cond.strip())
        inner = expr.group(1) if expr else cond
        uses_status = re.search(r"\b(success|failure|always|cancelled)\(\)", inner)
        result = bool(self.evaluate(inner))
        return result if uses_status else result and not self.failed


def run_action(
    action_dir: Path,
    inputs: dict[str, str],
    *,
    workspace: Path,
    env: dict[str, str] | None = None,
    github: dict[str, str] | None = None,
    timeout: float = 240,
) -> ActionRun:
    spec = yaml.safe_load((action_dir / "action.yml").read_text())
    assert spec["runs"]["using"] == "composite"
    unknown = set(inputs) - set(spec.get("inputs", {}))
    assert not unknown, f"inputs not declared by action.yml: {unknown}"
    values = {name: str(meta.get("default", "")) for name, meta in spec.get("inputs", {}).items()}
    values.update(inputs)
    runner_temp = Path(tempfile.mkdtemp(prefix="runner-temp-", dir=workspace.parent))
    base_env = {
        "PATH": os.environ["PATH"],
        "HOME": str(runner_temp),
        "LANG": "C.UTF-8",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_ACTION_PATH": str(action_dir),
        "GIT_CONFIG_NOSYSTEM": "1",
        **(env or {}),
    }
    gh = {"workspace": str(workspace), "action_path": str(action_dir), "event_name": "push", **(github or {})}
    if gh.get("base_ref"):
        base_env["GITHUB_BASE_REF"] = gh["base_ref"]
    ctx = Context(values, gh, base_env)
    steps: list[StepRun] = []
    summary: list[str] = []
    commands: list[Command] = []
    for n, step in enumerate(spec["runs"]["steps"]):
        sid = step.get("id", f"__{n}")
        if not ctx.condition(step.get("if")):
            steps.append(StepRun(sid, step.get("name", sid), ran=False, uses=step.get("uses")))
            continue
        if "uses" in step:
            with_ = {k: ctx.substitute(str(v)) for k, v in (step.get("with") or {}).items()}
            steps.append(StepRun(sid, step.get("name", sid), ran=False, uses=step["uses"], with_=with_))
            continue
        assert step.get("shell") == "bash", "composite run steps need `shell:`; the harness runs bash"
        assert "${{" not in step["run"], "inputs must reach scripts through env:, not ${{ }} in run:"
        out_file = runner_temp / f"output_{n}"
        summary_file = runner_temp / f"summary_{n}"
        out_file.touch()
        summary_file.touch()
        script = runner_temp / f"step_{n}.sh"
        script.write_text(step["run"])
        step_env = {**base_env, "GITHUB_OUTPUT": str(out_file), "GITHUB_STEP_SUMMARY": str(summary_file)}
        step_env.update({k: ctx.substitute(str(v)) for k, v in (step.get("env") or {}).items()})
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        outputs = parse_output_file(out_file)
        ctx.steps[sid] = outputs
        commands += parse_commands(proc.stdout)
        summary.append(summary_file.read_text())
        steps.append(StepRun(sid, step.get("name", sid), True, proc.returncode, proc.stdout, proc.stderr, outputs))
        if proc.returncode != 0:
            ctx.failed = True
    outs = {name: ctx.substitute(str(meta["value"])) for name, meta in spec.get("outputs", {}).items()}
    return ActionRun(outs, "".join(summary), commands, steps, ctx.failed)
