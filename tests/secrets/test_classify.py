"""What a detect-secrets hit *is* (`secrets/classify.py`): placeholders, examples, identifiers and
public values apart from credentials; live-shaped values are never explained away."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from compliance_gate.secrets.classify import CI_SERVICE, PLACEHOLDER, PUBLIC_VALUE, classify

RNG = random.Random(2026)
ALNUM = string.ascii_letters + string.digits


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


LIVE = "sk_" + "live_" + rand(24)
GITHUB = "ghp_" + rand(36)
WORDS = rand(20)


@pytest.mark.parametrize(
    ("plugin", "secret", "line", "expected"),
    [
        # credentials: nothing to explain away
        ("StripeDetector", LIVE, f'KEY = "{LIVE}"', None),
        ("GitHubTokenDetector", "ghp", f"TOKEN = {GITHUB}", None),  # the engine's value is a regex group
        ("KeywordDetector", WORDS, f'api_key = "{WORDS}"', None),
        # placeholders
        ("KeywordDetector", "YourApiKey", 'xapikey = "YourApiKey"', PLACEHOLDER),
        ("StripeDetector", "sk_test_" + rand(24), "k = ...", PLACEHOLDER),  # test mode moves no money
        ("StripeDetector", "sk_live_" + "X" * 24, "k = ...", PLACEHOLDER),  # a run of one character
        ("StripeDetector", "sk_live_" + "X" * 20 + rand(4, string.digits), "k = ...", PLACEHOLDER),  # mostly one
        ("StripeDetector", "sk_live_" + rand(12) + "X" * 12, "k = ...", None),  # half random: a key
        ("KeywordDetector", "<your-secret>", "secret = <your-secret>", PLACEHOLDER),
        ("KeywordDetector", "${DB_PASSWORD}", "password: ${DB_PASSWORD}", PLACEHOLDER),
        ("KeywordDetector", "changeme", 'password = "changeme"', PLACEHOLDER),
        ("KeywordDetector", "SecretService", 'secret_backend: "SecretService"', PLACEHOLDER),  # an identifier
        ("KeywordDetector", "Password reset e-mail", 'SUBJECT = "Password reset e-mail"', PLACEHOLDER),
        ("ArtifactoryDetector", "AKCtransactionType", "<xs:element type='AKCtransactionType'/>", PLACEHOLDER),
        # public by construction
        ("Base64HighEntropyString", "sha256-" + rand(43), 'integrity="sha256-..."', PUBLIC_VALUE),
    ],
)
def test_classify(plugin: str, secret: str, line: str, expected: str | None) -> None:
    assert classify(plugin, secret, line) == expected


def test_a_commit_pin_is_public() -> None:
    sha = rand(40, "0123456789abcdef")
    assert classify("HexHighEntropyString", sha, f"    rev: {sha}") == PUBLIC_VALUE


def test_private_key_stub_and_real_body() -> None:
    begin, end = "-----BEGIN " + "PRIVATE KEY-----", "-----END " + "PRIVATE KEY-----"
    assert classify("PrivateKeyDetector", begin, begin, [begin, "MIIEvQ...", end]) == PLACEHOLDER
    body = [rand(64, ALNUM + "+/") for _ in range(3)]
    assert classify("PrivateKeyDetector", begin, begin, [begin, *body, end]) is None


def phrase(n: int, sep: str = "") -> str:
    """Random lowercase words, as a passphrase generator makes them."""
    return sep.join(rand(RNG.randint(4, 7), string.ascii_lowercase) for _ in range(n))


def punctuated() -> str:
    """Random letters in runs of five between punctuation: no alphanumeric run of eight."""
    return "#".join(rand(5, string.ascii_letters) for _ in range(3)) + "!"


def with_marker(marker: str) -> str:
    """A random password that merely contains a marker substring somewhere inside."""
    return rand(6) + marker + rand(6)


PASSWORDS = {
    "no-long-alnum-run": punctuated(),
    "contains-your": with_marker("your"),
    "contains-fake": with_marker("fake"),
    "contains-sample": with_marker("sample"),
    "contains-angle": with_marker("<") + ">",
    "contains-ellipsis": with_marker("..."),
    "contains-stars": with_marker("***"),
    "five-same-in-a-row": with_marker("ZZZZZ"),
    "lowercase-words": phrase(4),
    "camelcase-words": phrase(4).title().replace(" ", ""),
    "camel-words": "".join(w.title() for w in phrase(4, " ").split()),
    "capitalised-phrase": phrase(4, " ").capitalize(),
}


@pytest.mark.parametrize("name", list(PASSWORDS), ids=list(PASSWORDS))
@pytest.mark.parametrize("var", ["DB_PASSWORD", "passwd", "pwd", "client_secret", "api_token", "signing_key"])
def test_a_real_password_is_never_a_placeholder(name: str, var: str) -> None:
    """A KeywordDetector hit on a credential-named variable with a random value blocks, whatever
    substrings, runs or word shapes the value happens to have (fail-open regressions)."""
    value = PASSWORDS[name]
    assert classify("KeywordDetector", value, f'{var} = "{value}"') is None
    assert classify("KeywordDetector", value, f'    {var}: str = "{value}"') is None  # annotated
    assert classify("KeywordDetector", value, f'    "{var}": "{value}",') is None


@pytest.mark.parametrize(
    "value",
    [
        *("<your-api-key>", "${DB_PASSWORD}", "{{ db_password }}", "%(password)s", "your_api_key", "YourApiKey"),
        *("changeme", "xxxxxxxxxxxx", "********", "xxxx-xxxx-xxxx", "hunter2", "DB_PASSWORD", "example-secret"),
    ],
)
def test_whole_value_placeholders(value: str) -> None:
    """Placeholders are recognised by the whole value (or whole words of a words-only value)."""
    assert classify("KeywordDetector", value, f'password = "{value}"') == PLACEHOLDER


def test_prose_on_a_message_key_is_text() -> None:
    """A UI message about a password, on a key that names the message, is not a credential."""
    line = '    "password_reset": "Password reset e-mail",'
    assert classify("KeywordDetector", "Password reset e-mail", line) == PLACEHOLDER
    assert classify("KeywordDetector", "Password reset e-mail", 'password = "Password reset e-mail"') is None


@pytest.mark.parametrize("marker", ["your", "fake", "sample", "example", "...", "<>", "XXXXX", "test"])
def test_shaped_values_ignore_substring_markers(marker: str) -> None:
    """A live-shaped key is judged by its format only: a marker inside the body explains nothing."""
    body = rand(10) + marker.replace(".", "x").replace("<", "a").replace(">", "b") + rand(24 - 10 - len(marker))
    live = "sk_" + "live_" + body
    assert classify("StripeDetector", live, f'STRIPE = "{live}"') is None
    xoxb = "xoxb-" + rand(11, string.digits) + "-" + rand(12, string.digits) + "-" + body
    assert classify("SlackDetector", xoxb, f"SLACK = {xoxb}") is None


@pytest.mark.parametrize("name", ["WEBHOOK_SIG_KEY", "STRIPE_WEBHOOK_SIGNATURE_SECRET", "payload_encryption_key"])
@pytest.mark.parametrize("plugin", ["HexHighEntropyString", "Base64HighEntropyString"])
def test_a_secret_named_signature_or_payload_is_not_public(name: str, plugin: str) -> None:
    """`sig`, `signature`, `payload` make a name public only when it does not also say key/secret."""
    value = rand(64, "0123456789abcdef") if plugin.startswith("Hex") else rand(44, ALNUM + "+/")
    assert classify(plugin, value, f'{name} = "{value}"') is None
    assert classify(plugin, value, f'signature = "{value}"') == PUBLIC_VALUE
    assert classify(plugin, value, f'"keyid": "{value}"') == PUBLIC_VALUE


def test_a_counting_run_in_a_shaped_token_is_a_documentation_example() -> None:
    """`xoxp-1234-5678-90123` is how docs write a Slack token; a random one never counts up."""
    example = "xoxp-" + "-".join(("1234", "5678", "90123"))
    assert classify("SlackDetector", example, f"token = {example}") == PLACEHOLDER
    real = "xoxp-" + rand(11, string.digits) + "-" + rand(12, string.digits) + "-" + rand(24)
    assert classify("SlackDetector", real, f"token = {real}") is None


WORKFLOW = """\
name: ci
jobs:
  tests:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16
        env:
          POSTGRES_PASSWORD: {value}
    env:
      DEPLOY_PASSWORD: {other}
    steps:
      - run: pytest
"""


def test_a_ci_service_containers_password_is_not_a_release_credential() -> None:
    """`jobs.<job>.services.<name>.env` configures the job's throwaway container; the same value
    in the job's own `env` (which reaches deploy steps) keeps the detector's severity."""
    value = other = rand(16)
    lines = WORKFLOW.format(value=value, other=other).splitlines()
    service, job = lines.index(f"          POSTGRES_PASSWORD: {value}"), lines.index(f"      DEPLOY_PASSWORD: {other}")
    path = ".github/workflows/ci.yml"
    assert classify("KeywordDetector", value, lines[service], (), path, lines[: service + 1]) == CI_SERVICE
    assert classify("KeywordDetector", value, lines[job], (), path, lines[: job + 1]) is None
    assert classify("KeywordDetector", value, lines[service], (), "deploy/compose.yml", lines[: service + 1]) is None


def test_a_string_annotation_in_python_is_a_type() -> None:
    """`secrets: "SecretService"` is a forward reference; the same line in YAML may be a value."""
    line = '    secrets: "SecretService"'
    assert classify("KeywordDetector", "SecretService", line, (), "pkg/client.py") == PLACEHOLDER
    assert classify("KeywordDetector", "SecretService", line, (), "config/app.yaml") is None
    assigned = f'    secrets: str = "{rand(20)}"'
    assert classify("KeywordDetector", assigned.split('"')[1], assigned, (), "pkg/client.py") is None


def test_the_engine_reads_a_workflows_structure_as_written(repo: Path) -> None:
    """detect-secrets rewrites YAML lines before its plugins see them; the service-container
    rule reads the file as written, through the real engine and check."""
    from gitutil import commit

    from compliance_gate.engine import parse_policy, run

    value = rand(16)
    commit(repo, {".github/workflows/ci.yml": WORKFLOW.format(value=value, other=rand(16))})
    (result,) = run(parse_policy("version: 1\nchecks:\n  secrets: {}\n"), repo, use_cache=False).checks
    assert {(f.line, f.rule) for f in result.findings} == {(9, CI_SERVICE), (11, "KeywordDetector")}
