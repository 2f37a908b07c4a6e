"""The gate's payment rules, as real bandit plugins (ids B901-B907).

They are registered through the `bandit.plugins` entry point of the compliance-gate package, so
plain `bandit` runs them too and `# nosec B903` (or `# nosec card_data_in_log_or_error`) works
for them like for bandit's own tests. Each rule's docstring is its documentation: what it finds,
why it matters, an example, and what to write instead.

| id | name | finds |
|---|---|---|
| B901 | money_held_in_float | `float(amount)`, float literals or `float` annotations for amount-like names |
| B902 | money_rounded_with_round | `round()` applied to money |
| B903 | card_data_in_log_or_error | a PAN, CVV, track data or a PAN-like literal in a log call or exception |
| B904 | insecure_random_for_secret | the `random` module making tokens, OTPs, idempotency keys, salts |
| B905 | secret_compared_with_eq | `==`/`!=` on signatures, HMACs, tokens, passwords |
| B906 | webhook_without_signature_check | a webhook handler that never verifies the sender's signature |
| B907 | tls_verification_disabled | `verify=False`, `ssl=False`, `CERT_NONE`, `check_hostname = False` on clients |

Rules never put a value into their message: bandit's text reaches reports and logs.
"""

from __future__ import annotations

RULE_IDS = ("B901", "B902", "B903", "B904", "B905", "B906", "B907")
