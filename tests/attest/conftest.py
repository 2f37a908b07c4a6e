from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from compliance_gate.signing import keys


@pytest.fixture(scope="session")
def ec_key() -> keys.PrivateKey:
    """An ECDSA P-256 signing key."""
    return keys.generate(keys.ECDSA_P256)


@pytest.fixture(scope="session")
def ed_key() -> keys.PrivateKey:
    """An Ed25519 signing key."""
    return keys.generate(keys.ED25519)
