"""Keys: generation, PEM round trips, key ids equal to securesystemslib's, safe file modes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from securesystemslib.signer import SSlibKey

from compliance_gate.signing import keys


@pytest.mark.parametrize("algorithm", keys.ALGORITHMS)
def test_keyid_matches_securesystemslib(algorithm: str) -> None:
    """Our key id is securesystemslib's default key id for the same public key."""
    key = keys.generate(algorithm)
    assert key.keyid == SSlibKey.from_crypto(key.key.public_key()).keyid


@pytest.mark.parametrize("algorithm", keys.ALGORITHMS)
def test_sign_verify_and_pem_round_trip(algorithm: str) -> None:
    """A key survives PEM export/import and its signatures verify only over the signed bytes."""
    key = keys.generate(algorithm)
    again = keys.load_private_pem(key.pem(), None, "test")
    pub = keys.load_public_pem(key.public.pem(), "test")
    sig = again.sign(b"message")
    assert pub.keyid == key.keyid and pub.verify(sig, b"message")
    assert not pub.verify(sig, b"messagf") and not pub.verify(sig[:-3], b"message")


def test_keypair_files_are_private(tmp_path: Path) -> None:
    """The private key file is created with mode 0600, never readable by group or others."""
    priv, pub = keys.write_keypair(keys.generate(), tmp_path / "gate", None)
    assert stat.S_IMODE(priv.stat().st_mode) == 0o600
    assert stat.S_IMODE(pub.stat().st_mode) & 0o077 in (0o044, 0o004, 0o040, 0)
    assert keys.load_private_file(priv, None).keyid == keys.load_public_file(pub).keyid


def test_keypair_never_overwrites(tmp_path: Path) -> None:
    """Writing over an existing key is refused."""
    keys.write_keypair(keys.generate(), tmp_path / "gate", None)
    with pytest.raises(keys.KeyProblem, match="already exists"):
        keys.write_keypair(keys.generate(), tmp_path / "gate", None)


def test_group_readable_private_key_is_refused(tmp_path: Path) -> None:
    """A private key file others can read is refused, with the chmod that fixes it."""
    priv, _ = keys.write_keypair(keys.generate(), tmp_path / "gate", None)
    priv.chmod(0o644)
    with pytest.raises(keys.KeyProblem, match="chmod 600"):
        keys.load_private_file(priv, None)


def test_encrypted_key_needs_its_passphrase(tmp_path: Path) -> None:
    """An encrypted key loads with its passphrase and fails with one clear line without it."""
    priv, _ = keys.write_keypair(keys.generate(), tmp_path / "gate", b"correct horse")
    assert b"ENCRYPTED" in priv.read_bytes()
    keys.load_private_file(priv, b"correct horse")
    with pytest.raises(keys.KeyProblem, match="encrypted; provide its passphrase"):
        keys.load_private_file(priv, None)
    with pytest.raises(keys.KeyProblem, match="wrong passphrase"):
        keys.load_private_file(priv, b"wrong")


@pytest.mark.parametrize(
    "make",
    [lambda: rsa.generate_private_key(65537, 2048), lambda: ec.generate_private_key(ec.SECP384R1())],
    ids=["rsa", "p384"],
)
def test_unknown_key_types_are_refused(make) -> None:  # type: ignore[no-untyped-def]
    """RSA and curves other than P-256 are refused for signing and for verifying."""
    k = make()
    priv = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pub = k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(keys.KeyProblem, match="unsupported key type"):
        keys.load_private_pem(priv, None, "k")
    with pytest.raises(keys.KeyProblem, match="unsupported key type"):
        keys.load_public_pem(pub, "k")


@pytest.mark.parametrize("blob", [b"", b"hello", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"])
def test_garbage_is_not_a_key(blob: bytes) -> None:
    """Text that is not a PEM key is a usage error, not a crash."""
    with pytest.raises(keys.KeyProblem):
        keys.load_public_pem(blob, "k")
    with pytest.raises(keys.KeyProblem):
        keys.load_private_pem(blob, None, "k")
