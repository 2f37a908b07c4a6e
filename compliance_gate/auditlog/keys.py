"""The one place the audit-log code reads the environment: the HMAC key of a keyed chain.

Policies name the variable (`key_env`), never the key. The value is taken as UTF-8 bytes, or, with
a `base64:` or `hex:` prefix, decoded; keys shorter than 16 bytes are refused because an HMAC key
that can be guessed proves nothing.
"""

from __future__ import annotations

import base64
import binascii
import os

MIN_KEY_BYTES = 16


class KeyProblem(ValueError):
    """The variable is set but its value cannot be used as a key (the message says why)."""


def load_key(name: str) -> bytes | None:
    """The key in environment variable `name`, or None when it is unset or empty."""
    raw = os.environ.get(name, "")
    if not raw:
        return None
    try:
        if raw.startswith("base64:"):
            key = base64.b64decode(raw[7:], validate=True)
        elif raw.startswith("hex:"):
            key = bytes.fromhex(raw[4:])
        else:
            key = raw.encode("utf-8")
    except (binascii.Error, ValueError):
        raise KeyProblem(f"${name}: not valid base64/hex after its prefix") from None
    if len(key) < MIN_KEY_BYTES:
        raise KeyProblem(f"${name}: key is {len(key)} bytes; use at least {MIN_KEY_BYTES}")
    return key
