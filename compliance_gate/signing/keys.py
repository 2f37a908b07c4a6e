"""Signing keys: ECDSA P-256 (the portable default) and Ed25519, as PEM.

Private keys are PKCS#8 PEM, optionally encrypted with a passphrase; public keys are
SubjectPublicKeyInfo PEM (what `openssl`, cosign and securesystemslib read). ECDSA signatures are
DER-encoded over SHA-256; Ed25519 signs the message itself.

The key id is securesystemslib's default key id, so our envelopes verify there unchanged:
the sha256 hex digest of the OLPC canonical JSON of
`{"keytype": "ecdsa", "keyval": {"public": <SPKI PEM>}, "scheme": "ecdsa-sha2-nistp256"}`
(for Ed25519: keytype and scheme `ed25519`, `public` = the raw 32-byte key in hex).
A key id is a hint for finding the key, never a reason to trust a signature.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from compliance_gate.errors import UsageError

if TYPE_CHECKING:  # cryptography is imported where it is used: `compliance-gate run` rarely signs
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey, EllipticCurvePublicKey
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

ECDSA_P256 = "ecdsa-p256"
ED25519 = "ed25519"
ALGORITHMS = (ECDSA_P256, ED25519)


class KeyProblem(UsageError):
    """A key that cannot be used: unreadable, wrong type, encrypted without a passphrase..."""


@dataclass(frozen=True, slots=True)
class PublicKey:
    algorithm: str
    keyid: str
    key: EllipticCurvePublicKey | Ed25519PublicKey = field(repr=False, compare=False)

    def verify(self, signature: bytes, message: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        try:
            if isinstance(self.key, ec.EllipticCurvePublicKey):
                self.key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            else:
                self.key.verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    def pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return bytes(self.key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


@dataclass(frozen=True, slots=True)
class PrivateKey:
    algorithm: str
    public: PublicKey
    key: EllipticCurvePrivateKey | Ed25519PrivateKey = field(repr=False, compare=False)

    @property
    def keyid(self) -> str:
        return self.public.keyid

    def sign(self, message: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return bytes(self.key.sign(message, ec.ECDSA(hashes.SHA256())))
        return bytes(self.key.sign(message))

    def pem(self, passphrase: bytes | None = None) -> bytes:
        from cryptography.hazmat.primitives import serialization

        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
        )
        return bytes(self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))


def generate(algorithm: str = ECDSA_P256) -> PrivateKey:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    if algorithm == ECDSA_P256:
        return _private(ec.generate_private_key(ec.SECP256R1()), "generated key")
    if algorithm == ED25519:
        return _private(ed25519.Ed25519PrivateKey.generate(), "generated key")
    raise KeyProblem(f"unknown algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")


def load_private_pem(data: bytes, passphrase: bytes | None, source: str) -> PrivateKey:
    """Parse a PEM private key; `source` names it in errors (a path or an env var name)."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    encrypted = b"ENCRYPTED" in data.split(b"\n", 1)[0] or b"Proc-Type: 4,ENCRYPTED" in data
    if encrypted and not passphrase:
        raise KeyProblem(f"{source}: the private key is encrypted; provide its passphrase")
    try:
        key = serialization.load_pem_private_key(data, passphrase if encrypted else None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        hint = "wrong passphrase or not a PEM private key" if encrypted else "not a PEM private key"
        raise KeyProblem(f"{source}: cannot load the private key ({hint})") from None
    return _private(key, source)


def load_public_pem(data: bytes, source: str) -> PublicKey:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyProblem(f"{source}: not a PEM public key (expected -----BEGIN PUBLIC KEY-----)") from None
    return _public(key, source)


def load_private_file(path: str | Path, passphrase: bytes | None) -> PrivateKey:
    """Load a private key file; refuse one that group or others can read (like ssh does)."""
    p = Path(path)
    try:
        mode = p.stat().st_mode
        data = p.read_bytes()
    except OSError as exc:
        raise KeyProblem(f"{p}: cannot read the private key ({exc.strerror})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyProblem(f"{p}: private key is accessible by other users; run `chmod 600 {p}`")
    return load_private_pem(data, passphrase, str(p))


def load_public_file(path: str | Path) -> PublicKey:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise KeyProblem(f"{p}: cannot read the public key ({exc.strerror})") from None
    return load_public_pem(data, str(p))


def write_keypair(key: PrivateKey, prefix: str | Path, passphrase: bytes | None) -> tuple[Path, Path]:
    """Write `PREFIX.key` (mode 0600 from creation on) and `PREFIX.pub`; never overwrite."""
    priv, pub = Path(f"{prefix}.key"), Path(f"{prefix}.pub")
    for target in (priv, pub):
        if target.exists() or target.is_symlink():
            raise KeyProblem(f"{target}: already exists; choose another --out prefix")
    _write_new(priv, key.pem(passphrase), 0o600)
    _write_new(pub, key.public.pem(), 0o644)
    return priv, pub


def _write_new(path: Path, data: bytes, mode: int) -> None:
    try:
        # O_EXCL: never follow a planted link; the mode applies at creation, so the private key
        # is not readable by others even for an instant.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise KeyProblem(f"{path}: cannot create ({exc.strerror})") from None
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), mode)
        fh.write(data)


def _private(key: PrivateKeyTypes, source: str) -> PrivateKey:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    public = _public(key.public_key(), source)  # refuses every type but ECDSA P-256 and Ed25519
    assert isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey)
    return PrivateKey(public.algorithm, public, key)


def _public(key: PublicKeyTypes, source: str) -> PublicKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        spki = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        return PublicKey(ECDSA_P256, _keyid("ecdsa", "ecdsa-sha2-nistp256", spki), key)
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
        return PublicKey(ED25519, _keyid("ed25519", "ed25519", raw), key)
    kind = type(key).__name__.removeprefix("_").replace("PublicKey", "")
    curve = getattr(getattr(key, "curve", None), "name", "")
    raise KeyProblem(
        f"{source}: unsupported key type {kind}{' ' + curve if curve else ''}; "
        "use ECDSA P-256 or Ed25519 (`compliance-gate keygen`)"
    )


def _keyid(keytype: str, scheme: str, public: str) -> str:
    # OLPC canonical JSON as securesystemslib writes it: sorted keys, no spaces, only `"` and `\`
    # escaped (the PEM's newlines stay raw). json.dumps would escape them, so build it by hand.
    def s(v: str) -> str:
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'

    canon = f'{{"keytype":{s(keytype)},"keyval":{{"public":{s(public)}}},"scheme":{s(scheme)}}}'
    return hashlib.sha256(canon.encode()).hexdigest()
