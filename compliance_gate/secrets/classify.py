"""Which engine hits are credentials: the gate's judgement on top of detect-secrets' own filters.

The engine's findings stay exactly the engine's (the differential tests compare them); this
module only decides what a hit *is*, from the value, its line and (for a private key) the lines
after it. A hit that is not a credential is reported under a rule of its own, at `info`:

- `CG-SECRET-PLACEHOLDER`: a value that stands where a secret would go but is none, judged by
  the WHOLE value, never by a substring of it (a random password may contain `your` or `***`):
  - a value a provider publishes as an example (`policies/known-values/example-credentials.csv`,
    matched by the engine's hash of the value);
  - a template as a whole (`<...>`, `${...}`, `{{...}}`, `%(name)s`), a mask (`xxxx`, `****`,
    `xxxx-xxxx`), a Django development key (`django-insecure-...`);
  - a value made only of words, one of which is a marker (`your_api_key`, `YourApiKey`,
    `changeme`, `example-secret`, `dummy`, `fake`, `sample`, `redacted`), the variable's own
    name (`SECRET_KEY = 'SECRET_KEY'`) or an environment variable's (`DB_PASSWORD`);
  - a value with no information in it: shorter than eight characters as a whole, one character
    repeated, or sequential (`1234567890abcdef`);
  - for the generic detectors only (keyword, basic auth, entropy, Artifactory, the vendor
    keyword detectors), and only when the variable does not name a credential (its last word is
    not password, secret, token, key...: `password_reset`, `SUBJECT`, an XSD `type`): an
    identifier or a capitalised phrase of words (`"Password reset e-mail"`, a message). On a
    credential-named variable a words-only value may be a passphrase (`correcthorsebatterystaple`)
    and keeps the detector's own severity;
  - a private key whose body is a stub (fewer than 64 base64 characters, or `...`).
- `CG-SECRET-CI-SERVICE`: a credential of a GitHub Actions service container
  (`jobs.<job>.services.<name>.env`, e.g. `POSTGRES_PASSWORD` of the job's throwaway database): the
  container lives only as long as the job.
- In Python, a string annotation (`secrets: "SecretService"`, a forward reference) is a type, not a
  value: `CG-SECRET-PLACEHOLDER`.
- `CG-SECRET-PUBLIC-VALUE`: an entropy hit on a value that is public by construction: a
  digest, signature or commit id, named so by its key (`hash`, `sha256`, `digest`, `checksum`,
  `integrity`, `fingerprint`, `sig`, `signature`, `keyid`, `payload`, `rev`, `commit`...) or
  written as one (`sha256:...`, `sha384-...`). Signed envelopes (the verdict, the audit
  checkpoints), pre-commit `rev:` pins and lock-file hashes are this. A name that also says
  secret, key, token or pass (`WEBHOOK_SIG_KEY`, `payload_encryption_key`) is never public.

Shape detectors (AWS, Stripe, GitHub, Slack, private keys...) are judged by the value alone:
only an exact known example, an explicit test-mode prefix (`sk_test_`, Mollie's `test_`) or a
body that is mostly (two thirds) one repeated character (`sk_live_XXXX...`) makes one a placeholder; `sk_live_` followed
by 24 random characters is a live key whatever letters happen to be in it.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence

from compliance_gate.bundled import known_values

PLACEHOLDER = "CG-SECRET-PLACEHOLDER"
PUBLIC_VALUE = "CG-SECRET-PUBLIC-VALUE"
CI_SERVICE = "CG-SECRET-CI-SERVICE"

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

_TEMPLATE = re.compile(r"^(?:<[^<>]+>|\$\{[^{}]+\}|\{\{.+\}\}|%\([A-Za-z_]\w*\)s)$")
"""The whole value is a template slot: `<your-key>`, `${DB_PASSWORD}`, `{{ secret }}`, `%(pw)s`."""
_MARKER_WORDS = frozenset(
    {"example", "examples", "placeholder", "changeme", "dummy", "fake", "sample", "redacted", "notreal", "your"}
    | {"change", "insecure", "replace", "todo", "secretvalue"}
)
_MASK = re.compile(r"^(?:x{3,}|[xX*.#_\-\s]*[xX*]{3,}[xX*.#_\-\s]*)$", re.IGNORECASE)
_WORD_VALUE = re.compile(r"^[A-Za-z]+(?:[_\-. ][A-Za-z]+)*$")
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_SHAPED_TEST = re.compile(r"^(?:[a-z]{1,6}_)?test_", re.IGNORECASE)
_DJANGO_DEV = re.compile(r"^django-insecure-")
_CHUNKS = re.compile(r"[A-Za-z0-9]+")
_RUN = re.compile(r"(.)\1+")
_IDENTIFIER = re.compile(r"^(?:[a-z][a-z_.:/-]*|[A-Z][A-Z_.:/-]*|[A-Z]{0,4}[a-z]*(?:[A-Z][a-z]+)+)$")
_PROSE = re.compile(r"^[A-Z][a-z]+(?:[ -][A-Za-z][a-z]*)+[.!?:]?$")
"""A sentence of words (`"Password reset e-mail"`, an e-mail subject): text, not a credential."""
_CREDENTIAL_WORDS = frozenset(
    {"password", "passwd", "pwd", "pass", "passphrase", "secret", "secrets", "token", "key", "apikey"}
    | {"credential", "credentials", "auth", "passcode", "pin", "pw"}
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_PUBLIC_KEYS = re.compile(
    r"(?:^|[^a-z])(?:hash|hashes|sha|sha1|sha256|sha384|sha512|md5|digest|checksum|integrity|etag|fingerprint"
    r"|fingerprints|sig|sigs|signature|signatures|signed|keyid|key_id|payload|rev|revision|commit|commitsha"
    r"|commit_sha|commit_id)(?:$|[^a-z])",
)
_NOT_PUBLIC = re.compile(r"secret|key|token|pass|pwd|credential")
"""A name that says secret/key/token/pass is never public, whatever else it says (`WEBHOOK_SIG_KEY`)."""
_PUBLIC_KEY_NAMES = re.compile(r"key[_-]?id|pub(?:lic)?[_-]?key")
_DIGEST_VALUE = re.compile(r"^(?:sha1|sha224|sha256|sha384|sha512|md5)[:-]", re.IGNORECASE)
_KEY_BEFORE = re.compile(r"""([A-Za-z_][\w.-]*)["']?\s*(?::\s*[\w\[\], .|]+?\s*)?[:=]\s*["']?$""")
"""The name a value is assigned to: `key = "`, `"key": "`, `key: str = "` (the annotation skipped)."""
_END_KEY = re.compile(r"-----END [A-Z ]*PRIVATE KEY")


def classify(
    plugin: str,
    secret: str,
    line: str,
    after: Sequence[str] = (),
    filename: str = "",
    before: Sequence[str] = (),
) -> str | None:
    """The rule for a hit that is not a credential (see the module docstring), else None.
    `after` are the lines after `line`; `before` the file's lines as written up to and including
    the hit's own (detect-secrets may have rewritten `line`), for where it sits in the structure."""
    if plugin == "PrivateKeyDetector":
        return PLACEHOLDER if _stub_key(after) else None
    if is_example(secret):
        return PLACEHOLDER
    if plugin in SHAPED:
        token = _whole_token(secret, line)
        return PLACEHOLDER if is_example(token) or _shaped_placeholder(token) else None
    written = before[-1] if before else line
    if filename.endswith((".py", ".pyi")) and _ANNOTATION.match(written) and secret in written:
        return PLACEHOLDER  # `secrets: "SecretService"`: a type named in a string, not a value
    if _WORKFLOW.search(filename) and before and _in_service_env(before[-1], before[:-1]):
        return CI_SERVICE
    key = _key_of(secret, line)
    if _says_placeholder(secret, key) or _no_information(secret):
        return PLACEHOLDER
    if (_IDENTIFIER.match(secret) or _PROSE.match(secret)) and not _credential_name(key):
        return PLACEHOLDER
    if plugin in ENTROPY and _public_by_construction(secret, key):
        return PUBLIC_VALUE
    return None


_TOKEN_CHAR = re.compile(r"[A-Za-z0-9_\-]+")
_ANNOTATION = re.compile(r"""^\s*[A-Za-z_]\w*\s*:\s*(["'])[A-Za-z_][\w.]*(?:\[[\w.\[\], ]*\])?\1\s*,?\s*(?:#.*)?$""")
"""A Python annotation written as a string (a forward reference): `name: "Type"`, no `=`."""
_WORKFLOW = re.compile(r"(?:^|/)\.github/workflows/[^/]+\.ya?ml$")
_YAML_KEY = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z0-9_.-]+)\s*:")


def _in_service_env(line: str, before: Sequence[str]) -> bool:
    """Is `line` a variable of a GitHub Actions service container (`jobs.<job>.services.<name>.env`)?
    Such a container (a job's throwaway Postgres) is created for the job and destroyed after it;
    its password protects nothing outside the job. Read from the indentation of the lines above."""
    m = _YAML_KEY.match(line)
    if m is None:
        return False
    parents: list[str] = []
    depth = len(m.group(1))
    for above in reversed(before):
        k = _YAML_KEY.match(above)
        if k is None or len(k.group(1)) >= depth:
            continue
        depth = len(k.group(1))
        parents.append(k.group(2))
        if depth == 0:
            break
    # innermost first: env, <container>, services, <job>, jobs
    return len(parents) == 5 and parents[0] == "env" and parents[2] == "services" and parents[4] == "jobs"


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


def _shaped_placeholder(token: str) -> bool:
    """A provider-shaped token is a placeholder only in test mode (`sk_test_`, Mollie's `test_`)
    or when its body is mostly one character repeated (`sk_live_` + 20 `X` + `1234`, at least
    two thirds of the body and 12 characters) or a counting run (`xoxp-1234-5678-90123`): no
    substring marker applies."""
    if _SHAPED_TEST.match(token):
        return True
    chunks = _CHUNKS.findall(token)
    after_prefix = "".join(chunks[1:])
    if _sequential(after_prefix, len(after_prefix)):
        return True  # `xoxp-1234-5678-90123`: a documentation example, never a random key
    body = max(chunks, key=len, default="")
    run = max((len(m.group(0)) for m in _RUN.finditer(body)), default=0)
    # A random 24-character body has no run of even 6; a body mostly one character is a mask.
    return len(body) >= 8 and run >= 12 and run * 3 >= len(body) * 2


def _words(value: str) -> list[str]:
    return [w.lower() for w in _WORDS.findall(value)]


def _says_placeholder(secret: str, key: str | None) -> bool:
    """The whole value says it stands for a secret: a template, a mask, a value made only of
    words one of which is a marker (`your_api_key`, `YourApiKey`, `changeme`), the name of the
    variable itself or of an environment variable (`DB_PASSWORD`), a Django development key."""
    value = secret.strip()
    if _TEMPLATE.match(value) or _MASK.match(value) or _DJANGO_DEV.match(value):
        return True
    if _WORD_VALUE.match(value):
        words = _words(value)
        if any(w in _MARKER_WORDS or set(w) == {"x"} for w in words) or "".join(words) in _MARKER_WORDS:
            return True
        if _ENV_NAME.match(value) and _CREDENTIAL_WORDS & set(words):
            return True
    return key is not None and _squash(key) == _squash(value)


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _no_information(secret: str) -> bool:
    """Too short as a whole, one character repeated, or a sequential run (`1234567890abcdef`)."""
    value = secret.strip()
    if len(value) < 8 or len(set(value)) == 1:
        return True
    return _sequential("".join(_CHUNKS.findall(value)), len(value))


def _sequential(chars: str, span: int) -> bool:
    """Mostly a counting run (`1234567890abcdef`): at least 8 characters, 80% of steps by one."""
    low = chars.lower()
    steps = sum(1 for a, b in itertools.pairwise(low) if ord(b) - ord(a) == 1)
    return len(low) >= 8 and steps >= 0.8 * (span - 1)


def _key_of(secret: str, line: str) -> str | None:
    at = line.find(secret)
    m = _KEY_BEFORE.search(line[:at]) if at > 0 else None
    return m.group(1) if m else None


def _credential_name(key: str | None) -> bool:
    """Does the variable name a credential (its last word is password, secret, token, key...)?
    An unknown name counts as one: the words-only filter then does not apply. A name that only
    mentions one (`password_reset`, a dict of UI messages) does not."""
    if key is None:
        return True
    words = _words(key.rsplit(".", 1)[-1]) or [key.lower()]
    return words[-1] in _CREDENTIAL_WORDS or words[-1].endswith(("password", "secret", "token", "apikey"))


def _public_by_construction(secret: str, key: str | None) -> bool:
    name = key.lower() if key else ""
    if _NOT_PUBLIC.search(_PUBLIC_KEY_NAMES.sub("", name)):
        return False
    return _DIGEST_VALUE.match(secret) is not None or (key is not None and _PUBLIC_KEYS.search(name) is not None)


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
