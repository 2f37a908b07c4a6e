"""What a detect-secrets hit *is* (`secrets/classify.py`): placeholders, examples, identifiers and
public values apart from credentials; live-shaped values are never explained away."""

from __future__ import annotations

import random
import string

import pytest

from compliance_gate.secrets.classify import PLACEHOLDER, PUBLIC_VALUE, classify

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
        ("KeywordDetector", "<your-secret>", "secret = <your-secret>", PLACEHOLDER),
        ("KeywordDetector", "${DB_PASSWORD}", "password: ${DB_PASSWORD}", PLACEHOLDER),
        ("KeywordDetector", "changeme", 'password = "changeme"', PLACEHOLDER),
        ("KeywordDetector", "SecretService", 'secrets: "SecretService"', PLACEHOLDER),  # an identifier
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
