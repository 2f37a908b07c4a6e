"""The signed verdict and what a deploy job checks before it ships.

- `keys`: ECDSA P-256 / Ed25519 keys as PEM; key ids as securesystemslib computes them.
- `dsse`: DSSE envelopes (PAE, strict parsing, verification against pinned keys).
- `statement`: in-toto Statement v1 with our predicate types.
- `seal`: the verdict as a signed statement about the repository's commit (`verdict.dsse.json`).
- `signoff` and `roster`: approvals by people, counted from the verifier's own roster.
- `verify`: the deploy-time decision, denying unless a valid, fresh, signed PASS exists.
"""
