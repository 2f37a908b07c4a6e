"""Which engine hits are credentials: the gate's judgement on top of detect-secrets' own filters.

The engine's findings stay exactly the engine's (the differential tests compare them); this
module only decides what a hit *is*, from the value, its line and (for a private key) the lines
after it. A hit that is not a credential is reported under a rule of its own, at `info`:

- `CG-SECRET-PLACEHOLDER`: a value that stands where a secret would go but is none:
  - a value a provider publishes as an example (`policies/known-values/example-credentials.csv`,
    matched by the engine's hash of the value);
  - a value that says so: `example`, `placeholder`, `changeme`, `dummy`, `fake`, `sample`,
    `redacted`, `your...`, `insecure` (Django's `django-insecure-` development keys), a `test`
    word (`sk_test_...`, Mollie's `test_...`: test-mode keys move no money), a template
    (`<...>`, `${...}`, `{{...}}`) or an ellipsis;
  - a value with no information in it: a run of one character (`sk_live_XXXXXXXX...`), at most
    four distinct characters, a mostly sequential body (`1234567890abcdef`, `whsec_123456`) or a
    body of fewer than eight characters (`xoxp-1234-5678-90123`);
  - for the generic detectors only (keyword, basic auth, entropy, Artifactory, the vendor
    keyword detectors): an identifier, a name or a word rather than a machine-made value: letters
    and punctuation without a digit, all one case or CamelCase words (`SECRET_KEY = 'SECRET_KEY'`,
    `'forward:secrets'`, `secrets: "SecretService"`, `POSTGRES_PASSWORD: djstripe`, XSD type
    names the Artifactory pattern matches) or a capitalised phrase of words (`"Password reset
    e-mail"`, a message or subject);
  - a private key whose body is a stub (fewer than 64 base64 characters, or `...`).
- `CG-SECRET-PUBLIC-VALUE`: an entropy hit on a value that is public by construction: a
  digest, signature or commit id, named so by its key (`hash`, `sha256`, `digest`, `checksum`,
  `integrity`, `fingerprint`, `sig`, `signature`, `keyid`, `payload`, `rev`, `commit`...) or
  written as one (`sha256:...`, `sha384-...`). Signed envelopes (the verdict, the audit
  checkpoints), pre-commit `rev:` pins and lock-file hashes are this.

Shape detectors (AWS, Stripe, GitHub, Slack, private keys...) are judged by the value alone,
never by the identifier rule: `sk_live_` followed by 24 random characters is a live key.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from compliance_gate.bundled import known_values

PLACEHOLDER = "CG-SECRET-PLACEHOLDER"
PUBLIC_VALUE = "CG-SECRET-PUBLIC-VALUE"

SHAPED = frozenset(
    {
        "PrivateKeyDetector",
        "AWSKeyDetector",
        "AzureStorageKeyDetector",
        "GitHubTokenDetector",
        "GitLabTokenDetector",
        "StripeDetector",
        "SlackDetector",
        "TwilioKeyDetector",
        "SendGridDetector",
        "OpenAIDetector",
        "PypiTokenDetector",
        "NpmDetector",
        "SquareOAuthDetector",
        "DiscordBotTokenDetector",
        "TelegramBotTokenDetector",
    }
)
"""Detectors whose hits carry a provider's credential format: judged by the value alone."""
ENTROPY = frozenset({"Base64HighEntropyString", "HexHighEntropyString", "ArtifactoryDetector"})

_EXAMPLES, EXAMPLES_VERSION = known_values("example-credentials")
EXAMPLE_HASHES: frozenset[str] = frozenset(row["hashed_secret"] for row in _EXAMPLES)

_MARKERS = re.compile(
    r"example|placeholder|changeme|change_me|change-me|dummy|fake|sample|redacted|notreal|not_real"
    r"|insecure|your|xxxx|\*\*\*|\.\.\.|<|>|\$\{|\{\{|%\(",
    re.IGNORECASE,
)
_TEST_WORD = re.compile(r"(?:^|[_\-.:])test(?:$|[_\-.:])", re.IGNORECASE)
_RUN = re.compile(r"(.)\1{4,}")
_CHUNKS = re.compile(r"[A-Za-z0-9]+")
_IDENTIFIER = re.compile(r"^(?:[a-z][a-z_.:/-]*|[A-Z][A-Z_.:/-]*|[A-Z]{0,4}[a-z]*(?:[A-Z][a-z]+)+)$")
_PROSE = re.compile(r"^[A-Z][a-z]+(?:[ -][A-Za-z][a-z]*)+[.!?:]?$")
"""A sentence of words (`"Password reset e-mail"`, an e-mail subject): text, not a credential."""
_PUBLIC_KEYS = re.compile(
    r"(?:^|[^a-z])(?:hash|hashes|sha|sha1|sha256|sha384|sha512|md5|digest|checksum|integrity|etag|fingerprint"
    r"|fingerprints|sig|sigs|signature|signatures|signed|keyid|key_id|payload|rev|revision|commit|commitsha"
    r"|commit_sha|commit_id)(?:$|[^a-z])",
)
_DIGEST_VALUE = re.compile(r"^(?:sha1|sha224|sha256|sha384|sha512|md5)[:-]", re.IGNORECASE)
_KEY_BEFORE = re.compile(r"""([A-Za-z_][\w.-]*)["']?\s*[:=]\s*["']?$""")
_END_KEY = re.compile(r"-----END [A-Z ]*PRIVATE KEY")


def classify(plugin: str, secret: str, line: str, after: Sequence[str] = ()) -> str | None:
    """The rule for a hit that is not a credential (see the module docstring), else None."""
    if plugin == "PrivateKeyDetector":
        return PLACEHOLDER if _stub_key(after) else None
    if is_example(secret):
        return PLACEHOLDER
    if plugin in SHAPED:
        secret = _whole_token(secret, line)
    if is_example(secret) or _says_placeholder(secret) or _no_information(secret):
        return PLACEHOLDER
    if plugin in SHAPED:
        return None
    if _IDENTIFIER.match(secret) or _PROSE.match(secret):
        return PLACEHOLDER
    if plugin in ENTROPY and _public_by_construction(secret, line):
        return PUBLIC_VALUE
    return None


_TOKEN_CHAR = re.compile(r"[A-Za-z0-9_\-]+")


def _whole_token(secret: str, line: str) -> str:
    """The whole token a shape detector matched: some report only a regex group of it (the
    GitHub detector's value is `ghp`), which must not read as a value with no information."""
    at = line.find(secret)
    if at < 0:
        return secret
    m = _TOKEN_CHAR.match(line, at)
    return m.group(0) if m and len(m.group(0)) > len(secret) else secret


def is_example(secret: str) -> bool:
    """Is `secret` a provider's published example (by the engine's SHA-1 of the value)?"""
    return hashlib.sha1(secret.encode("utf-8", "surrogatepass")).hexdigest() in EXAMPLE_HASHES  # noqa: S324


def _says_placeholder(secret: str) -> bool:
    return _MARKERS.search(secret) is not None or _TEST_WORD.search(secret) is not None


def _no_information(secret: str) -> bool:
    if _RUN.search(secret):
        return True
    chunks = _CHUNKS.findall(secret)
    body = max(chunks, key=len) if chunks else ""
    if len(body) < 8 or len(set(body.lower())) <= 4:
        return True
    steps = sum(1 for a, b in zip(body.lower(), body.lower()[1:], strict=False) if ord(b) - ord(a) == 1)
    return steps >= 0.6 * (len(body) - 1)


def _public_by_construction(secret: str, line: str) -> bool:
    if _DIGEST_VALUE.match(secret):
        return True
    at = line.find(secret)
    key = _KEY_BEFORE.search(line[:at]) if at > 0 else None
    return key is not None and _PUBLIC_KEYS.search(key.group(1).lower()) is not None


def _stub_key(after: Sequence[str]) -> bool:
    """A private key block whose body is missing or elided (documentation), as far as it is known;
    a block whose lines are not all known (a history diff) is taken as a real key."""
    body = 0
    for line in after[:80]:
        if _END_KEY.search(line):
            return body < 64
        text = line.strip()
        if "..." in text or "<" in text:
            return True
        body += sum(c.isalnum() or c in "+/=" for c in text)
        if body >= 64:
            return False
    return False
