"""Generated corpora for the secrets check: every plugin and filter, and bulk mixed source.

Secret-shaped values are built from a seeded RNG at run time, so no credential-looking literal is
ever committed (and push protection has nothing to object to).
"""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

B64 = string.ascii_letters + string.digits + "+/"
ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"


def rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def jwt(rng: random.Random) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return ".".join((part({"alg": "HS256", "typ": "JWT"}), part({"sub": rand(rng, HEX, 8)}), rand(rng, ALNUM, 43)))


def public_ip(rng: random.Random) -> str:
    return f"{rng.choice([8, 23, 52, 93, 151, 185])}.{rng.randint(1, 254)}.{rng.randint(1, 254)}.{rng.randint(1, 254)}"


def plugin_lines(rng: random.Random) -> dict[str, list[str]]:
    """One or more lines per plugin that the engine reports (in a `.py` file unless noted)."""
    r = rng
    return {
        "ArtifactoryDetector": [f'artifactory = "AKC{rand(r, ALNUM, 20)}"', f"x = AP6{rand(r, ALNUM, 12)}"],
        "AWSKeyDetector": [
            f'key_id = "AKIA{rand(r, string.ascii_uppercase + string.digits, 16)}"',
            f'aws_secret_key = "{rand(r, ALNUM + "/+", 40)}"',
        ],
        "AzureStorageKeyDetector": [f'conn = "AccountKey={rand(r, ALNUM + "+/", 86)}=="'],
        "BasicAuthDetector": [f'url = "https://admin:{rand(r, ALNUM, 12)}@db.example.com/x"'],
        "CloudantDetector": [f"cloudant_password = '{rand(r, HEX, 64)}'"],
        "DiscordBotTokenDetector": [f'bot = "M{rand(r, ALNUM, 23)}.{rand(r, ALNUM, 6)}.{rand(r, ALNUM, 27)}"'],
        "GitHubTokenDetector": [f'token = "ghp_{rand(r, ALNUM, 36)}"'],
        "GitLabTokenDetector": [f'gl = "glpat-{rand(r, ALNUM, 20)}"'],
        "HexHighEntropyString": [f'digest = "{rand(r, HEX, 40)}"'],
        "Base64HighEntropyString": [f"blob = '{rand(r, B64, 48)}'"],
        "IbmCloudIamDetector": [f'ibm_cloud_iam_api_key = "{rand(r, ALNUM + "_-", 44)}"'],
        "IbmCosHmacDetector": [f'cos_hmac_secret_access_key = "{rand(r, HEX, 48)}"'],
        "IPPublicDetector": [f'server = "{public_ip(r)}"'],
        "JwtTokenDetector": [f'auth = "{jwt(r)}"'],
        "KeywordDetector": [f'password = "{rand(r, string.ascii_lowercase, 10)}"'],
        "MailchimpDetector": [f'mc = "{rand(r, HEX, 32)}-us12"'],
        "NpmDetector": [f"//registry.npmjs.org/:_authToken=npm_{rand(r, ALNUM, 36)}"],
        "OpenAIDetector": [f'oa = "sk-{rand(r, ALNUM, 20)}T3BlbkFJ{rand(r, ALNUM, 20)}"'],
        "PrivateKeyDetector": ["-----BEGIN RSA PRIVATE KEY-----"],
        "PypiTokenDetector": [f'pypi = "pypi-AgEIcHlwaS5vcmc{rand(r, ALNUM, 72)}"'],
        "SendGridDetector": [f'sg = "SG.{rand(r, ALNUM, 22)}.{rand(r, ALNUM, 43)}"'],
        "SlackDetector": [
            f'slack = "xoxb-{rand(r, string.digits, 11)}-{rand(r, LOWER_ALNUM, 24)}"',
            f'hook = "https://hooks.slack.com/services/T{rand(r, ALNUM, 8)}/B{rand(r, ALNUM, 8)}/{rand(r, ALNUM, 24)}"',
        ],
        "SoftlayerDetector": [f'softlayer_api_key = "{rand(r, LOWER_ALNUM, 64)}"'],
        "SquareOAuthDetector": [f'sq = "sq0csp-{rand(r, ALNUM, 43)}"'],
        "StripeDetector": [f'stripe = "sk_live_{rand(r, ALNUM, 24)}"'],
        "TelegramBotTokenDetector": [f'tg = "{rand(r, string.digits, 9)}:{rand(r, ALNUM, 35)}"'],
        "TwilioKeyDetector": [f'tw = "AC{rand(r, LOWER_ALNUM, 32)}"', f'tk = "SK{rand(r, LOWER_ALNUM, 32)}"'],
    }


def filter_files(rng: random.Random) -> dict[str, str]:
    """Files exercising every default filter, transformer and pragma (some lines suppressed)."""
    r = rng

    def hexs() -> str:
        return rand(r, HEX, 40)

    def pw() -> str:
        return rand(r, string.ascii_lowercase, 12)

    return {
        "filters/pragmas.py": "\n".join(
            [
                f'a = "{hexs()}"  # pragma: allowlist secret',
                f'b = "{hexs()}"  # pragma: allowlist secret -- test fixture digest',
                "# pragma: allowlist nextline secret",
                f'c = "{hexs()}"',
                f'd = "{hexs()}"  # pragma: whitelist secret',
                f'e = "{hexs()}"  # not a pragma',
            ]
        )
        + "\n",
        "filters/pragmas.yaml": f"a: {hexs()}  # pragma: allowlist secret\nb: '{hexs()}'\n",
        "filters/heuristics.py": "\n".join(
            [
                'seq = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123"',
                f'uuid = "{rand(r, HEX, 8)}-{rand(r, HEX, 4)}-{rand(r, HEX, 4)}-{rand(r, HEX, 4)}-{rand(r, HEX, 12)}"',
                f'user_id = "{hexs()}"',
                'password = "{password}"',
                'password = "${DB_PASSWORD}"',
                'password = "<password>"',
                'password = "$password"',
                'password = get_secret("db")',
                'password = "**********"',
                f'password = "{pw()}"',
            ]
        )
        + "\n",
        "package-lock.json": json.dumps({"integrity": f"sha512-{rand(r, B64, 64)}", "password": pw()}) + "\n",
        "yarn.lock": f'resolved "https://user:{pw()}@registry.example.com/x"\n',
        "static/site.css": f'.x {{ content: "{hexs()}"; }}\n',
        "docs/swagger.yaml": f"api_key: {hexs()}\n",
        "config/app.yaml": "\n".join(
            [
                "db:",
                f"  password: {pw()}",
                f"  token: '{rand(r, B64, 40)}'",
                "  note: >",
                f"    folded {rand(r, B64, 10)}",
                f"  binary: !!binary {base64.b64encode(rand(r, ALNUM, 30).encode()).decode()}",
                f"anchors: &anchor {hexs()}",
                "alias: *anchor",
            ]
        )
        + "\n",
        "config/settings.ini": f"[main]\npassword = {pw()}\nkey = {hexs()}\n  continued {hexs()}\n",
        "config/app.cfg": f"[db]\nsecret: {pw()}\n",
        "config/.env": f"DATABASE_PASSWORD={pw()}\nAPI_TOKEN={rand(r, B64, 40)}\n",
        "config/app.properties": f"db.password={pw()}\n",
        "config/app.toml": f'[server]\napi_key = "{hexs()}"\n',
        "src/main.go": f'package main\n\nvar password := "{pw()}"\nsecret := "{pw()}"\n',
        "src/Main.java": f'class A {{ String password = "{pw()}"; }}\n',
        "src/app.js": f'const apiKey = "{pw()}";\nif ("{pw()}" === password) {{}}\n',
        "src/main.c": f'char password[25] = "{pw()}";\n',
        "src/main.cpp": f'std::string secret("{pw()}");\n',
        "src/App.cs": f'var password = "{pw()}";\n',
        "src/main.tf": f'password = "{pw()}"\n',
        "src/page.php": f'$password = "{pw()}";\n',
        "src/notes.md": f"The token is `{rand(r, B64, 40)}` and password: {pw()}\n",
        "src/run.sh": f'export API_KEY="{rand(r, B64, 40)}"\n',
        "src/dup.py": "\n".join([f'x = "{"a1b2c3d4e5f6a7b8c9d0" * 2}"'] * 3) + "\n",
        "src/crlf.py": f'a = "{hexs()}"\r\nb = 1\rc = "{hexs()}"\r\n',
        "src/unicode.py": f'name = "naïve"\nkey = "{hexs()}"\n\u2028 = 1\n',
        "src/.secrets.baseline": json.dumps({"results": {"x": [{"hashed_secret": hexs()}]}}) + "\n",
    }


def coverage_corpus(root: Path, seed: int = 7) -> dict[str, list[str]]:
    """Write a small tree with every plugin (one file each) and every filter case."""
    rng = random.Random(seed)
    lines = plugin_lines(rng)
    for name, plugin_lines_ in lines.items():
        body = ["import os", "", *plugin_lines_, "", "def f():", "    pass", ""]
        (root / "plugins").mkdir(parents=True, exist_ok=True)
        (root / "plugins" / f"{name}.py").write_text("\n".join(body))
    for rel, text in filter_files(rng).items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode("utf-8"))
    return lines


_WORDS = [
    "payment",
    "order",
    "amount",
    "currency",
    "refund",
    "capture",
    "customer",
    "ledger",
    "balance",
    "invoice",
    "session",
    "request",
    "response",
    "handler",
    "config",
    "value",
    "result",
    "item",
    "index",
    "count",
    "total",
    "status",
    "event",
    "record",
    "batch",
    "queue",
    "worker",
    "retry",
    "timeout",
    "logger",
    "cache",
    "store",
    "merchant",
    "charge",
    "settle",
    "payout",
    "fee",
    "rate",
    "region",
    "user",
]
_KEYWORDS = ["account", "client", "service", "key", "token", "secret", "auth", "password", "api"]
"""Words the keyword detector and the prefilter care about: present, but not on every line."""


def _word(rng: random.Random) -> str:
    return rng.choice(_KEYWORDS) if rng.random() < 0.03 else rng.choice(_WORDS)


def _ident(rng: random.Random) -> str:
    return "_".join(_word(rng) for _ in range(rng.randint(1, 3)))


def _code_line(rng: random.Random) -> str:
    k = rng.random()
    a, b = _ident(rng), _ident(rng)
    if k < 0.12:
        return f"def {a}({b}, amount: int) -> int:"
    if k < 0.25:
        return f"    {a} = {b}.get('{rng.choice(_WORDS)}', {rng.randint(0, 999)})"
    if k < 0.35:
        return f'    logger.info("{a} processed %s", {b})'
    if k < 0.43:
        return f"    # {' '.join(rng.choice(_WORDS) for _ in range(rng.randint(3, 10)))}"
    if k < 0.5:
        return f"    return {{'{a}': {b}, 'status': \"{rng.choice(_WORDS)}\"}}"
    if k < 0.56:
        return "        pass"
    if k < 0.62:
        return f"    if {a} is None or {b} > {rng.randint(1, 100)}:"
    if k < 0.66:
        return f'    url = "https://api.example.com/v1/{a}/{rng.randint(1, 9999)}"'
    if k < 0.69:
        return f'    checksum = "{rand(rng, HEX, 12)}"'
    if k < 0.72:
        return f'    version = "{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"'
    if k < 0.8:
        return f"    {a}.{b}({', '.join(_ident(rng) for _ in range(rng.randint(0, 3)))})"
    if k < 0.85:
        return ""
    if k < 0.9:
        return f"from payments.{a} import {b}"
    return f"    self.{a} = {b}"


def _yaml_text(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        out.append(f"{_ident(rng)}:")
        out.extend(f"  {_ident(rng)}: {rng.choice(_WORDS)}-{rng.randint(1, 99)}" for _ in range(rng.randint(1, 5)))
    return "\n".join(out) + "\n"


def _js_line(rng: random.Random) -> str:
    return _code_line(rng).replace("def ", "function ").replace("#", "//").replace("    ", "  ")


def bulk_tree(root: Path, total_bytes: int, seed: int = 1, secret_every: int = 3000) -> int:
    """A mixed source tree of about `total_bytes`; returns the number of files."""
    rng = random.Random(seed)
    samples = [line for lines in plugin_lines(rng).values() for line in lines]
    written = files = 0
    while written < total_bytes:
        kind = rng.choices(["py", "js", "yaml", "json", "md", "env"], weights=[60, 20, 6, 6, 6, 2])[0]
        folder = root / f"pkg{files // 200}" / rng.choice(["core", "api", "util", "models"])
        folder.mkdir(parents=True, exist_ok=True)
        n = rng.randint(50, 800)
        if kind in ("py", "js"):
            make = _code_line if kind == "py" else _js_line
            lines = [make(rng) for _ in range(n)]
            for _ in range(max(0, n // secret_every + (rng.random() < n % secret_every / secret_every))):
                lines.insert(rng.randrange(len(lines) + 1), "    " + rng.choice(samples))
            text = "\n".join(lines) + "\n"
        elif kind == "yaml":
            text = _yaml_text(rng, n // 4)
        elif kind == "json":
            text = json.dumps({_ident(rng): {_ident(rng): rng.randint(0, 10**6)} for _ in range(n // 3)}, indent=2)
        elif kind == "md":
            text = "\n".join(" ".join(rng.choice(_WORDS) for _ in range(12)) for _ in range(n // 2)) + "\n"
        else:
            text = "\n".join(f"{_ident(rng).upper()}={rng.choice(_WORDS)}" for _ in range(10)) + "\n"
        name = f"{_ident(rng)}_{files}.{kind}" if kind != "env" else f"{files}.env"
        (folder / name).write_text(text)
        written += len(text)
        files += 1
    return files
