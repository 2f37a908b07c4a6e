from __future__ import annotations

import sys
from pathlib import Path

import pytest

# attest_samples (a sealed verdict to sign and tamper with) lives beside the attest tests.
sys.path.insert(0, str(Path(__file__).parent.parent / "attest"))

from compliance_gate.signing import keys


@pytest.fixture(scope="session")
def ec_key() -> keys.PrivateKey:
    """An ECDSA P-256 signing key."""
    return keys.generate(keys.ECDSA_P256)


@pytest.fixture(scope="session")
def ed_key() -> keys.PrivateKey:
    """An Ed25519 signing key."""
    return keys.generate(keys.ED25519)
