"""Is a name an argument of a logging call? The context test behind CG-PII-LOG.

A logging call is `print(...)`, `console.log(...)` or `<something>log/logger/logging/console
.<level>(...)`, opened at most three lines above the name and not yet closed. The arguments are
scanned with a small quote- and bracket-aware reader: a name inside a plain string is message
text (skip it); a name in code or inside an f-string or JS template expression is a value (report
it), unless its argument is wrapped in a masking call (`mask_pan(pan)`, `redact(...)`, `len(...)`).
"""

from __future__ import annotations

import re

_SAFE_CALL = re.compile(r"mask|redact|hash|token|last4|last_?four|len\(|encrypt|fingerprint|bool\(")
_LOG_CALL = re.compile(
    r"(?:\b(?:print|printf|puts|println)"
    r"|\b[A-Za-z_]*(?:log|logger|logging|LOG|LOGGER|Logger|console)"
    r"\.(?:debug|info|warning|warn|error|exception|critical|fatal|log|msg|trace))\s*\("
)
QUOTES = "\"'`"
SKIP = -1


def logging_call(text: str, start: int, end: int) -> int | None:
    """The offset of the logging call whose arguments contain `text[start:end]` as code.

    `SKIP` if the name is inside a plain string of such a call or in an argument wrapped in a
    masking call; None outside logging calls.
    """
    window_start = start
    for _ in range(3):
        window_start = text.rfind("\n", 0, max(window_start - 1, 0)) + 1
    opener = None
    for m in _LOG_CALL.finditer(text, window_start, start):
        opener = m
    if opener is None:
        return None
    state, argument_start = _call_state(text, opener.end(), start)
    if state != "code":
        return SKIP if state == "string" else None
    if _SAFE_CALL.search(text[argument_start : _argument_end(text, end)].lower()):
        return SKIP
    return opener.start()


def _argument_end(text: str, i: int) -> int:
    """Where the call argument running through offset `i` ends (a comma or the closing paren)."""
    depth = 0
    for j in range(i, min(len(text), i + 300)):
        ch = text[j]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return j
        elif (ch == "," and depth == 0) or ch == "\n":
            return j
    return min(len(text), i + 300)


def _call_state(text: str, i: int, stop: int) -> tuple[str, int]:
    """Scan a call's arguments from `i` to `stop`: `closed`, inside a plain `string`, or `code`;
    and where the argument being scanned at `stop` starts."""
    depth = 1
    argument_start = i
    quote = ""
    template = False
    resume: list[str] = []  # f-string / template expressions: the quote to return to
    while i < stop:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
            elif template and ch == "{" and text[i + 1 : i + 2] != "{" and (quote != "`" or text[i - 1] == "$"):
                resume.append(quote)
                quote = ""
        elif ch in QUOTES:
            quote = ch
            template = ch == "`" or (i > 0 and text[i - 1] in "fF")
        elif ch == "}" and resume:
            quote = resume.pop()
            template = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return "closed", argument_start
        elif ch == "," and depth == 1:
            argument_start = i + 1
        i += 1
    return ("string" if quote else "code"), argument_start
